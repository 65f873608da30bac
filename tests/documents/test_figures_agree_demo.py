"""One owner per figure, for the demo year: the dashboard and its PDF, the project list
and its XLSX export, a unit card's text and its score table print the same.

The demo is loaded once for the module (``demo_loaded``); a test that changes it
(a milestone, below) is rolled back at its end. Ranking ties: test_figures_agree.py.
"""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import datetime as dt
import io
import re

import openpyxl
import pytest

from assessment import services
from assessment.models import AssessmentScheme
from documents import pdfs as pdf
from projects.models import Milestone
from responsibility import roles
from responsibility.models import (
    Unit,
    home_jurisdiction,
)
from tests import factories
from tests.documents.page_text import dashboard_units, figures, page_as, section, table_rows
from tests.documents.pdf_support import (  # noqa: F401 — fixtures
    _empty_pdf_cache,
    demo_day,
    home_plan,
    pdf_text,
)

pytestmark = pytest.mark.django_db

COLOURS = [("green", "正常"), ("late", "逾期完成"), ("amber", "临期"), ("red", "逾期未完成")]


# --- The demo year: the dashboard, its PDF, the project list and its XLSX -------------


@pytest.fixture
def demo_year(demo_loaded, demo_day):
    return home_plan()


@pytest.fixture
def reviewer(db):
    return factories.make_user("olga", roles.REVIEWER)


def test_dashboard_and_annual_pdf_print_the_same_figures_for_the_demo_year(
    demo_year, reviewer, client
):
    html = page_as(client, reviewer, "/?year=2010")
    shown = figures(section(html, "dash-headline-title"))
    units = dashboard_units(html)
    annual = pdf_text(pdf.annual_pdf(2010).data)

    projects, subitems = shown["项目"][0], shown["小项"][0]
    done, total = shown["进度节点完成"][0].split("/")
    percent = re.fullmatch(r"全年完成(\d+)%", shown["进度节点完成"][1])[1]
    due = shown["到期节点"][0]
    due_percent = re.fullmatch(r"已完成(\d+)%", shown["到期节点"][1])[1]
    on_time_rate = shown["按期完成率"][0]
    on_time, due_again = re.fullmatch(
        r"到期节点中按期完成(\d+)/(\d+)", shown["按期完成率"][1]
    ).groups()
    assert due_again == due
    late = shown["逾期完成"][0]
    overdue = shown["逾期未完成"][0]
    (soon_label,) = [label for label in shown if label.endswith("日内到期")]
    soon = shown[soon_label][0]
    amber = re.fullmatch(r"其中临期(\d+)", shown[soon_label][1])[1]
    met, assessed = shown["量化指标达标"][0].split("/")
    expected = [
        f"共安排项目{projects}个，细化为小项{subitems}个",
        f"设进度节点{total}个，已完成{done}个，完成率{percent}%",
        f"已到期的进度节点{due}个",
        f"到期节点完成率{due_percent}%",
        f"目前逾期未完成的进度节点{overdue}个，临期节点{amber}个，{soon_label}的节点{soon}个",
        f"已到期的节点中按期完成{on_time}个，按期完成率{on_time_rate}；逾期完成的节点{late}个",
        f"已填报实际值{assessed}项，其中达到目标{met}项",
    ]
    colours = client.get("/?year=2010").context["board"].headline.colour_counts
    # Projects by status, as the status chart's legend names them ("正常17（52%）").
    expected += [f"{label}{colours[css]}（" for css, label in COLOURS]
    for text in expected:
        assert text in annual, text

    assert len(units) == 20
    assert sum(u["late"] for u in units) == int(late) > 0  # the demo finishes some late
    display = dict(
        Unit.objects.filter(jurisdiction=home_jurisdiction()).values_list("name", "full_name")
    )
    for u in units:
        name = display[u["name"]] or u["name"]
        line = (
            f"{name}节点{u['done']}/{u['total']}，完成率{u['percent']}%，按期完成率{u['on_time']}"
        )
        assert line in annual, line

    # Each project's row: done, %, on-time rate, late count and status word, as shown.
    for cells in table_rows(section(html, "dash-projects-title")):
        if not cells[0].isdigit():
            continue
        done_total = re.match(r"\d+/\d+", cells[4])[0]
        late_here = re.search(r"逾期完成(\d+)", cells[4])
        row = f"{done_total}{cells[5]}{cells[6]}{late_here[1] if late_here else 0}{cells[7]}"
        assert row in annual, (cells, row)

    # The bulletin of the same day: each unit's on-time rate and late count, as ranked.
    bulletin = pdf_text(pdf.bulletin_pdf(dt.date(2010, 9, 30)).data)
    for u in units:
        line = (
            f"{u['name']}{u['total']}{u['done']}{u['percent']}%{u['on_time']}"
            f"{u['red']}{u['amber']}{u['late']}"
        )
        assert line in bulletin, line
    assert f"其中逾期完成{late}个；已到期的节点按期完成率{on_time_rate}" in bulletin


def _list_rows(html: str) -> list[tuple]:
    """(number, name, category, mayor, done, total, late, percent, on-time rate, status)
    per row of /projects/."""
    rows = []
    for cells in table_rows(html[html.index('class="table dash-projects') :]):
        if not cells[0].isdigit():
            continue
        done, total = re.match(r"(\d+)/(\d+)", cells[5]).groups()
        late = re.search(r"逾期完成(\d+)", cells[5])
        mayor = "" if cells[4] == "—" else cells[4]
        rows.append(
            (
                int(cells[0]),
                cells[1],
                cells[2],
                mayor,
                int(done),
                int(total),
                int(late[1]) if late else 0,
                cells[6],
                cells[7],
                cells[8],
            )
        )
    return rows


def _xlsx_rows(data: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))[2:]  # title, header
    return [
        (
            r[1],
            r[2],
            r[3],
            r[6] or "",
            r[8],
            r[7],
            r[11],
            f"{r[12]}%",
            "—" if r[13] is None else f"{r[13]}%",
            r[14],
        )
        for r in rows
    ]


def test_project_list_and_its_xlsx_export_hold_the_same_rows(demo_year, reviewer, client):
    # One demo load for several lists: everything, a filtered and sorted list, and a
    # list whose unit filter is rejected (left out on the page, so in the workbook).
    for query in (
        "year=2010",
        "year=2010&colour=red&sort=-percent",
        "year=2010&colour=late",
        "year=2010&unit=999999&sort=colour",
    ):
        page = _list_rows(page_as(client, reviewer, f"/projects/?{query}"))
        assert page, query
        if "colour=late" in query:
            assert all(row[-1] == "逾期完成" and row[6] for row in page)
        for url in (f"/projects/export.xlsx?{query}", f"/projects/?{query}&format=xlsx"):
            response = client.get(url, follow=True)  # ?format=xlsx redirects to the export
            assert response.status_code == 200
            assert _xlsx_rows(response.content) == page, url


# --- The unit card: its text and its score table come from one computation ------------


def _paragraph_done(text: str) -> int:
    """How many milestones the card's opening paragraph says the unit has done."""
    paragraph = re.search(r"设进度节点\d+个；截至.*?，已完成(\d+)个", text)
    assert paragraph, text[:600]
    return int(paragraph[1])


def _table_says(text: str, done: int, due: int | None = None) -> bool:
    """Whether the score table's milestone item reads "done on time / due"
    (pdftotext runs the next cells on after it, so only its start is matched)."""
    return f"进度节点按期完成{done}/{'' if due is None else due}" in text


def _paragraph_on_time(text: str) -> tuple[int, int, str]:
    """(on time, late, on-time rate) as the card's opening paragraph prints them."""
    found = re.search(r"（按期完成(\d+)个，逾期完成(\d+)个），按期完成率(\d+%|—)", text)
    assert found, text[:600]
    return int(found[1]), int(found[2]), found[3]


def test_unit_card_text_and_score_table_agree_after_a_milestone_changes(
    demo_year, demo_day, reviewer, client
):
    zhijian = Unit.objects.get(name="质监局", jurisdiction=home_jurisdiction())
    today = dt.date(2010, 9, 30)
    before = pdf_text(pdf.unit_pdf(2010, zhijian).data)
    done = _paragraph_done(before)
    # The demo's results were published (公示) on 9-27: the card's later, live
    # sections say the figures have moved on since.
    assert "此后你单位的进度节点情况已有变化" in before
    # The on-time figures stored with the result are the dashboard's selector's on
    # the day they were computed (the results stand as published on 9-27).
    from assessment.models import AssessmentResult
    from projects.dashboard import unit_ranking

    stored = AssessmentResult.objects.get(scheme__year=2010, unit=zhijian)
    assert stored.milestones_as_of == dt.date(2010, 9, 27)
    (then,) = [
        r for r in unit_ranking(home_plan(), as_of=stored.milestones_as_of) if r.pk == zhijian.pk
    ]
    on_time, late, rate = _paragraph_on_time(before)
    assert (on_time, late, rate) == (then.due_on_time, then.late, f"{then.on_time_percent}%")
    due_done = re.search(r"其中已到期的节点\d+个，已完成(\d+)个", before)
    assert due_done and late > 0 and on_time + late == int(due_done[1])
    # 「进度节点按期完成」 scores the milestones done by their due date, as the text says.
    assert _table_says(before, on_time)

    # Done after the assessment was computed, before anyone recomputes.
    milestone = (
        Milestone.objects.filter(project__plan=home_plan())
        .filter(unit=zhijian, done_date__isnull=True, due_date__lt=today)
        .order_by("due_date", "pk")
        .first()
    )
    plan = home_plan()
    (live_before,) = [r for r in unit_ranking(plan, as_of=today) if r.pk == zhijian.pk]
    milestone.status, milestone.done_date = Milestone.Status.DONE, today
    milestone.save()

    after = pdf_text(pdf.unit_pdf(2010, zhijian).data)
    assert _table_says(after, _paragraph_on_time(after)[0]), "text and table disagree"
    assert _paragraph_done(after) == done
    assert _paragraph_on_time(after) == (on_time, late, rate)  # as computed, not today's
    due = re.search(r"其中已到期的节点(\d+)个，已完成(\d+)个", after)
    assert due and _table_says(after, on_time, int(due[1]))
    # The later sections are today's, and the card says so.
    assert "此后你单位的进度节点情况已有变化" in after

    # The demo's results are in 公示: they stand as published, recomputed or not.
    scheme = AssessmentScheme.objects.get(year=2010, jurisdiction=home_jurisdiction())
    assert scheme.stage == "notice"
    services.assessment_compute(scheme=scheme)
    assert _paragraph_done(pdf_text(pdf.unit_pdf(2010, zhijian).data)) == done
    # Back in 核查, a recompute takes the plan as it is now.
    AssessmentScheme.objects.filter(pk=scheme.pk).update(
        stage="verify", notice_from=None, notice_until=None
    )
    services.assessment_compute(scheme=AssessmentScheme.objects.get(pk=scheme.pk))
    recomputed = pdf_text(pdf.unit_pdf(2010, zhijian).data)
    assert _paragraph_done(recomputed) == live_before.done + 1
    # Done today, after its due date: one more late completion, none more on time.
    live_on_time, live_late = live_before.due_on_time, live_before.late
    assert _paragraph_on_time(recomputed)[:2] == (live_on_time, live_late + 1)
    assert _table_says(recomputed, live_on_time)  # a late completion scores nothing here
    assert "此后你单位的进度节点情况已有变化" not in recomputed
