"""The city dashboard (/), the unit and vice-mayor pages and the project page:
figures against hand-counted data, portfolio limits, bad input."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from projects.models import Category, Indicator, Milestone
from tests import factories

# 2010-09-28 noon in Shanghai. With the additions of ``board_city``:
#   ms_done    (质监局, project 1, due 03-31, done 03-20)  done
#   ms_zhijian (质监局, project 1, due 06-30)              overdue  → red
#   ms_shangwu (商务局, project 1, due 09-30)              due in 2 days → amber
#   ms_soon    (商务局, project 2, due 10-10)              due in 12 days
#   ms_project2(商务局, project 2, due 10-31)              later
FROZEN = dt.datetime(2010, 9, 28, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def board_city(city, frozen):
    city.project1.category = Category.PRODUCT
    city.project1.target = "培育中国名牌产品2个"
    city.project1.save()
    city.project2.category = Category.SERVICE
    city.project2.target = "超市、旅游等15个服务行业开展服务承诺"
    city.project2.save()
    city.ms_done = factories.MilestoneFactory(
        project=city.project1,
        subitem=city.sub_zhijian,
        unit=city.zhijian,
        name="制定培育计划",
        due_date=dt.date(2010, 3, 31),
        done_date=dt.date(2010, 3, 20),
        status=Milestone.Status.DONE,
        percent=100,
    )
    city.ms_soon = factories.MilestoneFactory(
        project=city.project2,
        unit=city.shangwu,
        name="服务质量评议",
        due_date=dt.date(2010, 10, 10),
    )
    # Indicators: met, not met, met (less is better), no actual yet, no target.
    factories.IndicatorFactory(
        project=city.project1, name="质量月活动", direction=Indicator.Direction.BINARY, actual=1
    )
    factories.IndicatorFactory(project=city.project1, name="中国名牌产品", target=10, actual=8)
    factories.IndicatorFactory(
        project=city.project2,
        name="投诉率",
        direction=Indicator.Direction.DECREASE,
        target=5,
        actual=3,
    )
    factories.IndicatorFactory(project=city.project2, name="示范单位", target=10, actual=None)
    factories.IndicatorFactory(project=city.project2, name="培训人次", target=None, actual=5)
    city.report = factories.make_report(city.ms_zhijian, city.alice, narrative="名牌申报材料已报送")
    return city


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_anonymous_is_sent_to_login(db, client):
    for url in ("/", "/projects/", "/projects/1/", "/units/1/", "/mayors/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_clerk_lands_on_their_work_list(board_city, client):
    response = get(client, board_city.alice, "/")
    assert response.status_code == 302
    assert response["Location"] == reverse("my_work")


def test_city_dashboard_headline_figures(board_city, client):
    board = get(client, board_city.olivia, "/").context["board"]
    h = board.headline
    assert board.year == 2010
    assert (h.projects, h.subitems) == (2, 2)
    assert (h.ms_total, h.ms_done, h.percent) == (5, 1, 20)
    assert (h.ms_due, h.ms_due_done, h.due_percent) == (2, 1, 50)
    assert (h.ms_overdue, h.ms_amber, h.ms_due_soon) == (1, 1, 2)
    assert (h.ind_met, h.ind_assessed) == (2, 3)
    # ms_done was done before its due date: on time; nothing was finished late.
    assert (h.ms_due_on_time, h.on_time_percent, h.ms_late) == (1, 50, 0)
    assert h.colour_counts == {"green": 1, "late": 0, "amber": 0, "red": 1}


def test_city_dashboard_rows_lists_and_rankings(board_city, client):
    c = board_city
    response = get(client, c.olivia, "/")
    board = response.context["board"]
    assert [(p.number, p.percent, p.colour.css) for p in board.projects] == [
        (1, 33, "red"),
        (2, 0, "green"),
    ]
    assert [p.lead_unit_name for p in board.projects] == ["质监局", "商务局"]
    assert [(u.rank, u.name, u.done, u.total, u.red, u.amber) for u in board.units] == [
        (1, "质监局", 1, 2, 1, 0),
        (2, "商务局", 0, 3, 0, 1),
    ]
    assert [(u.due, u.due_on_time, u.on_time_percent, u.late) for u in board.units] == [
        (2, 1, 50, 0),
        (0, 0, None, 0),  # nothing due yet: no rate, printed as "—"
    ]
    assert [(m.name, m.projects, m.done, m.total, m.red) for m in board.mayors] == [
        ("李副市长", 1, 0, 2, 0),
        ("王副市长", 1, 1, 3, 1),
    ]
    assert board.overdue == [c.ms_zhijian]
    assert board.overdue[0].days_overdue == 90
    assert board.due_soon == [c.ms_shangwu, c.ms_soon]
    assert board.reports == [c.report]
    assert [(r.name, r.done, r.total) for r in board.categories] == [
        ("产品质量", 1, 3),
        ("服务质量", 0, 2),
    ]
    html = response.content.decode()
    assert "2010年9月28日" in html  # Chinese date format
    assert "逾期未完成 90天" in html
    assert html.count("<svg") >= 4  # status, category, trend, unit charts


def test_trend_counts_milestones_due_to_date_per_month(board_city, client):
    trend = get(client, board_city.olivia, "/").context["board"].trend
    assert [p.month for p in trend] == list(range(1, 10))  # up to today's month
    by_month = {p.month: p for p in trend}
    assert by_month[2].due_percent is None  # nothing due yet
    assert (by_month[3].due, by_month[3].due_percent, by_month[3].percent) == (1, 100, 20)
    assert (by_month[6].due, by_month[6].due_percent) == (2, 50)


def test_year_selector_and_bad_years(board_city, client):
    factories.ProjectFactory(plan=factories.PlanYearFactory(year=2009), number=1, name="旧项目")
    client.force_login(board_city.olivia)
    assert client.get("/?year=2009").context["board"].headline.projects == 1
    for bad in ("abc", "1999", "", "2010-01", "9" * 40):
        response = client.get("/", {"year": bad})
        assert response.status_code == 200
        assert response.context["board"].year == 2010


def test_no_plan_at_all_is_a_normal_page(db, client):
    user = factories.make_user("olga", "市府办审核员")
    response = get(client, user, "/")
    assert response.status_code == 200
    assert "尚无年度计划" in response.content.decode()


def test_vice_mayor_sees_only_their_portfolio(board_city, client):
    c = board_city
    board = get(client, c.victor, "/").context["board"]
    assert [p.number for p in board.projects] == [1]
    assert (board.headline.ms_total, board.headline.ms_overdue) == (3, 1)
    assert [m.name for m in board.mayors] == ["王副市长"]
    assert get(client, c.victor, f"/mayors/{c.mayor.pk}/").status_code == 200
    assert get(client, c.victor, f"/mayors/{c.other_mayor.pk}/").status_code == 404
    assert get(client, c.victor, f"/projects/{c.project2.pk}/").status_code == 404
    assert get(client, c.victor, f"/projects/{c.project1.pk}/").status_code == 200


def test_clerk_sees_own_unit_page_only(board_city, client):
    c = board_city
    response = get(client, c.alice, f"/units/{c.zhijian.pk}/")
    assert response.status_code == 200
    board = response.context["board"]
    assert (board.headline.ms_total, board.headline.ms_done) == (2, 1)
    assert [p.number for p in board.projects] == [1]
    assert [s.name for s in response.context["subitems"]] == ["名牌培育"]
    assert get(client, c.alice, f"/units/{c.shangwu.pk}/").status_code == 404
    assert get(client, c.alice, f"/mayors/{c.mayor.pk}/").status_code == 404
    assert get(client, c.alice, f"/projects/{c.project2.pk}/").status_code == 404


def test_unit_page_counts_the_units_own_milestones(board_city, client):
    c = board_city
    response = get(client, c.olivia, f"/units/{c.shangwu.pk}/")
    board = response.context["board"]
    h = board.headline
    assert [p.number for p in board.projects] == [1, 2]  # co-unit of 1, lead of 2
    assert (h.ms_total, h.ms_done, h.ms_amber, h.ms_due_soon, h.subitems) == (3, 0, 1, 2, 1)
    assert board.units is None and board.mayors is None
    assert "商务局" in response.content.decode()


def test_mayor_page_counts_the_portfolio(board_city, client):
    c = board_city
    c.sub_shangwu.mayor = c.other_mayor  # 李副市长 supervises one sub-item of project 1
    c.sub_shangwu.save()
    board = get(client, c.olivia, f"/mayors/{c.other_mayor.pk}/").context["board"]
    assert [p.number for p in board.projects] == [1, 2]
    assert board.headline.ms_total == 3  # ms_shangwu + project 2's two
    city_board = get(client, c.olivia, "/").context["board"]
    li = next(m for m in city_board.mayors if m.name == "李副市长")
    assert (li.projects, li.total) == (2, 3)


def test_project_page_shows_everything_about_the_project(board_city, client):
    c = board_city
    response = get(client, c.olivia, f"/projects/{c.project1.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("培育中国名牌产品2个", "质监局", "商务局", "名牌培育", "商贸流通", "申报名牌"):
        assert text in html
    assert [m.name for m in response.context["milestones"]] == [
        "制定培育计划",
        "申报名牌",
        "超市评比",
    ]
    assert [m.status_colour.css for m in response.context["milestones"]] == [
        "green",
        "red",
        "amber",
    ]
    assert response.context["reports"] == [c.report]
    # Indicators with the target-vs-actual chart, values as text.
    assert "中国名牌产品" in str(response.context["indicator_chart"])
    assert "未达标" in html and "已达标" in html


def test_project_page_escapes_user_data(board_city, client):
    c = board_city
    c.project1.name = '<script>alert("x")</script>'
    c.project1.save()
    Indicator.objects.filter(project=c.project1).update(name="<b>x</b>")
    html = get(client, c.olivia, f"/projects/{c.project1.pk}/").content.decode()
    assert "<script>alert" not in html
    assert "<b>x</b>" not in html


@pytest.mark.parametrize("url", ["/projects/999999/", "/units/999999/", "/mayors/999999/"])
def test_unknown_ids_are_404(board_city, client, url):
    assert get(client, board_city.olivia, url).status_code == 404


def test_dashboard_links_drill_down(board_city, client):
    c = board_city
    html = get(client, c.olivia, "/").content.decode()
    assert f'href="/projects/{c.project1.pk}/"' in html
    assert f'href="/units/{c.zhijian.pk}/"' in html
    assert f'href="/mayors/{c.mayor.pk}/"' in html
    # No inline style (CSP) and an accessible name on every chart.
    assert not re.search(r'\sstyle="', html)
    assert html.count('class="chart" role="img" aria-label=') == 4


def test_long_overdue_list_is_cut_but_counted_exactly(board_city, client):
    c = board_city
    for day in range(1, 26):
        factories.MilestoneFactory(
            project=c.project2, unit=c.shangwu, due_date=dt.date(2010, 8, day)
        )
    response = get(client, c.olivia, "/")
    board = response.context["board"]
    assert board.headline.ms_overdue == 26
    assert len(board.overdue) == 20
    assert board.overdue[0] == c.ms_zhijian  # earliest first
    html = response.content.decode()
    assert "（26）" in html
    assert "/projects/?year=2010&amp;overdue=on" in html


def test_unit_page_project_rows_count_the_same_milestones_as_its_headline(board_city, client):
    """商务局's part of the shared project 1 is one amber milestone: its row must not
    count 质监局's red and done ones (the headline does not either), for the office
    reading the unit page and for 商务局's own clerk."""
    c = board_city
    for reader in (c.olivia, c.bob):
        board = get(client, reader, f"/units/{c.shangwu.pk}/").context["board"]
        row = next(p for p in board.project_rows if p.number == 1)
        assert (row.ms_total, row.ms_done, row.ms_red, row.ms_amber) == (1, 0, 0, 1)
        assert sum(p.ms_total for p in board.project_rows) == board.headline.ms_total
        assert sum(g.total for g in board.categories) == board.headline.ms_total


def test_vice_mayor_board_counts_only_the_indicators_of_the_portfolio(board_city, client):
    c = board_city
    # A sub-item of project 1 (王副市长's) supervised by the other vice-mayor, with its indicator.
    c.sub_shangwu.mayor = c.other_mayor
    c.sub_shangwu.save()
    factories.IndicatorFactory(
        project=c.project1, subitem=c.sub_shangwu, name="超市评比", target=3, actual=3
    )
    other = get(client, c.olivia, f"/mayors/{c.other_mayor.pk}/").context["board"]
    row = next(p for p in other.project_rows if p.number == 1)
    assert row.n_indicators == 1  # the sub-item's only, not project 1's own two
    assert sum(p.ms_total for p in other.project_rows) == other.headline.ms_total
