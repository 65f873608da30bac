"""Late is late, everywhere (issue 12): a milestone due 2010-08-31, reported done
on 2010-09-29 and accepted through the real review flow, is 逾期完成 29天 on
every page, in the project list's workbook and in the printed documents; a
milestone done by its due date is 按期完成. Nothing here recomputes the rule:
each test reads what a consumer shows.
"""

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from documents import pdfs as pdf
from projects.models import Milestone, ProgressReport
from tests import factories
from tests.documents.page_text import section, table_rows
from tests.documents.pdf_support import (  # noqa: F401 — fixtures
    _empty_pdf_cache,
    pdf_lines,
    pdf_text,
)
from tests.projects.reporting_support import report_data

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORTED = dt.datetime(2010, 9, 29, 10, 0, tzinfo=SHANGHAI)
TODAY = dt.datetime(2010, 9, 30, 10, 0, tzinfo=SHANGHAI)


def _finish(milestone, done: dt.date) -> None:
    milestone.status, milestone.done_date, milestone.percent = Milestone.Status.DONE, done, 100
    milestone.save()


@pytest.fixture
def late_city(city, client):
    """Project 1 of the city: 申报名牌 (due 06-30) done on time on 06-28, 超市评比
    (due 09-30) done on time on 09-30, and 质量月总结 (due 08-31) reported done on
    09-29 by alice, approved by helen and accepted by olivia. Nothing of
    project 1 is overdue or due soon any more: its worst is the late one."""
    c = city
    with time_machine.travel(REPORTED, tick=False):
        c.ms_late = factories.MilestoneFactory(
            project=c.project1,
            subitem=c.sub_zhijian,
            unit=c.zhijian,
            name="质量月总结",
            due_date=dt.date(2010, 8, 31),
        )
        _finish(c.ms_zhijian, dt.date(2010, 6, 28))
        client.force_login(c.alice)
        url = reverse("milestone_report", args=[c.ms_late.pk])
        response = client.post(
            url, report_data(status="done", percent="100", done_date="2010-09-29")
        )
        assert response.status_code == 302
        report = ProgressReport.objects.get(milestone=c.ms_late)
        client.force_login(c.helen)
        review = reverse("report_review", args=[report.pk])
        assert client.post(review, {"action": "approve"}).status_code == 302
        client.force_login(c.olivia)
        assert client.post(review, {"action": "accept"}).status_code == 302
    c.ms_late.refresh_from_db()
    assert c.ms_late.done_date == dt.date(2010, 9, 29)
    with time_machine.travel(TODAY, tick=False):
        _finish(c.ms_shangwu, dt.date(2010, 9, 30))
        yield c


def _page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _text(html: str) -> str:
    """The page's words, tags removed and spaces kept single."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section_of(html: str, table_class: str) -> str:
    """The markup of ``<table class="table …">`` (pages without sections)."""
    start = html.index(f'class="table {table_class}')  # may go on (table-cards)
    return html[start : html.index("</table>", start)]


def test_the_clerks_work_list_shows_late_with_its_days_and_on_time_as_such(late_city, client):
    c = late_city
    html = _page(client, c.alice, reverse("my_work"))
    rows = {cells[2]: cells[0] for cells in table_rows(section_of(html, "work-list"))}
    assert rows["质量月总结"] == "逾期完成29天"
    assert rows["申报名牌"] == "按期完成"
    assert '<tr class="row-late">' in html
    assert "逾期完成 1" in _text(html)  # the summary counts it


def test_the_milestone_page_says_late_with_its_days(late_city, client):
    c = late_city
    for user in (c.alice, c.olivia):
        html = _page(client, user, reverse("milestone_detail", args=[c.ms_late.pk]))
        assert '<span class="badge late">逾期完成 29天</span>' in html
    html = _page(client, c.alice, reverse("milestone_detail", args=[c.ms_zhijian.pk]))
    assert '<span class="badge green">按期完成</span>' in html


def test_the_project_is_late_not_green_and_lists_each_milestone_in_words(late_city, client):
    c = late_city
    client.force_login(c.olivia)
    response = client.get(reverse("project_detail", args=[c.project1.pk]))
    html = response.content.decode()
    heading = html[html.index("<h1>") : html.index("</h1>")]
    assert '<span class="badge late">逾期完成</span>' in heading
    assert "正常" not in heading
    milestones = section(html, "p-milestones")
    assert "逾期完成 29天" in milestones
    assert milestones.count("按期完成") == 2  # 申报名牌 and 超市评比
    # Three milestones due, two of them on time: 67 %, beside 100 % done.
    assert "按期完成率 67%" in _text(html)
    sub = next(s for s in response.context["subitems"] if s.pk == c.sub_zhijian.pk)
    assert (sub.ms_late, sub.on_time_percent, sub.colour.css) == (1, 50, "late")


def test_the_unit_page_lists_the_late_milestone_and_its_on_time_rate(late_city, client):
    c = late_city
    html = _page(client, c.helen, reverse("unit_detail", args=[c.zhijian.pk]))
    late = section(html, "dash-late-title")
    assert "质量月总结" in late and "逾期完成 29天" in late
    headline = _text(section(html, "dash-headline-title"))
    assert "按期完成率 50%" in headline  # 质监局: 申报名牌 on time, 质量月总结 late
    assert "逾期完成 1" in headline
    # The vice-mayor who supervises project 1 sees it on their page too.
    html = _page(client, c.victor, reverse("mayor_detail", args=[c.mayor.pk]))
    assert "逾期完成 29天" in section(html, "dash-late-title")
    assert "逾期完成 1" in _text(section(html, "dash-headline-title"))


def test_the_dashboard_counts_and_lists_it_and_ranks_the_unit_with_its_rate(late_city, client):
    c = late_city
    client.force_login(c.olivia)
    response = client.get("/")
    board = response.context["board"]
    assert (board.headline.ms_late, board.headline.on_time_percent) == (1, 67)
    assert board.headline.colour_counts == {"green": 1, "late": 1, "amber": 0, "red": 0}
    assert [m.pk for m in board.late] == [c.ms_late.pk]
    html = response.content.decode()
    assert "逾期完成 29天" in section(html, "dash-late-title")
    projects = {cells[1]: cells for cells in table_rows(section(html, "dash-projects-title"))}
    assert projects["提高产品质量"][-1] == "逾期完成"
    assert projects["提高产品质量"][-2] == "67%"
    units = {cells[1]: cells for cells in table_rows(section(html, "dash-units-title"))}
    assert units["质监局"][5:] == ["50%", "0", "0", "1"]  # on time, overdue, due soon, late
    assert units["商务局"][5] == "100%"
    # The status chart has the late segment, in words.
    assert "逾期完成 1（50%）" in _text(str(board.status_chart()))


def test_the_project_list_and_its_workbook_say_late_and_give_the_rate(late_city, client):
    c = late_city
    html = _page(client, c.olivia, "/projects/?year=2010&colour=late")
    assert [
        cells[1] for cells in table_rows(section_of(html, "dash-projects")) if cells[0].isdigit()
    ] == ["提高产品质量"]
    response = client.get("/projects/export.xlsx?year=2010")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))[1:]
    row = dict(zip(header, next(r for r in rows if r[1] == 1), strict=True))
    assert (row["逾期完成"], row["按期完成率(%)"], row["状态"]) == (1, 67, "逾期完成")
    assert (row["逾期未完成"], row["临期"], row["完成率(%)"]) == (0, 0, 100)


@pytest.fixture
def printed_today(late_city):
    with time_machine.travel(TODAY, tick=True):
        yield late_city


def test_the_annual_report_prints_the_late_milestone_and_the_rates(printed_today):
    data = pdf.annual_pdf(2010).data
    text = pdf_text(data)
    assert "逾期完成的节点1个" in text
    assert "按期完成率67%" in text
    assert "质量月总结（应于8月31日完成，9月29日完成，逾期完成29天）" in text
    # The project table: 3/3 done, 100 %, 67 % on time, 1 late, status 逾期完成.
    lines = pdf_lines(data)
    assert "1 提高产品质量 质监局 王副市长 3/3 100% 67% 1 逾期完成" in lines
    # The unit ranking (no assessment scheme): overdue, due soon, late, %, on time.
    assert "1 质监局 1 1 2/2 0 0 1 100% 50%" in lines


def test_the_bulletin_adds_what_was_finished_late_up_to_its_date(printed_today):
    text = pdf_text(pdf.bulletin_pdf(dt.date(2010, 9, 30)).data)
    assert "其中逾期完成1个；已到期的节点按期完成率67%" in text
    late = text[text.index("三、逾期完成的节点（按单位）") : text.index("四、按期推进的单位")]
    assert "质监局逾期完成1个" in late
    for words in ("质量月总结", "8月31日", "9月29日", "逾期完成29天"):
        assert words in late, words
    # 商务局 finished everything on time: praised; 质监局 is not.
    praised = text[text.index("四、按期推进的单位") : text.index("五、工作要求")]
    assert "商务局" in praised and "质监局" not in praised
    # As of a day before it was reported done, it was overdue, not late.
    before = pdf_text(pdf.bulletin_pdf(dt.date(2010, 9, 28)).data)
    overdue = before[before.index("二、逾期未完成及临期节点") : before.index("三、逾期完成的节点")]
    assert "质量月总结" in overdue and "逾期未完成28天" in overdue
    assert "逾期完成29天" not in before


def test_the_unit_card_prints_on_time_and_late_figures(printed_today):
    text = pdf_text(pdf.unit_pdf(2010, printed_today.zhijian).data)
    assert "已完成2个（按期完成1个，逾期完成1个），按期完成率50%" in text
