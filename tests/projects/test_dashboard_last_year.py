"""The dashboard's headline shows last year's figures as of the same date a year
earlier (% done, on-time rate, overdue), in the page's scope, by the same
counting rules; nothing when last year had no plan."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from projects.dashboard import dashboard_for, same_day_last_year
from projects.models import Milestone
from tests import factories
from tests.documents.page_text import section

# 2010-09-30 noon in Shanghai; last year's figures are those of 2009-09-30.
FROZEN = dt.datetime(2010, 9, 30, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def two_plans(city):
    """2009's plan, as of 2009-09-30:
    质监局 (project 1 of 2009, 王副市长): done on time, done late, overdue, not yet due;
    商务局 (project 2 of 2009, 李副市长): overdue.
    """
    plan = factories.PlanYearFactory(year=2009, title="2009年质量兴市项目化推进工作责任制")
    p1 = factories.ProjectFactory(plan=plan, number=1, name="提高产品质量", mayor=city.mayor)
    factories.ProjectUnitFactory(project=p1, unit=city.zhijian, is_lead=True)
    p2 = factories.ProjectFactory(plan=plan, number=2, name="提高服务质量", mayor=city.other_mayor)
    factories.ProjectUnitFactory(project=p2, unit=city.shangwu, is_lead=True)
    done = Milestone.Status.DONE
    for due, finished in (
        (dt.date(2009, 3, 31), dt.date(2009, 3, 20)),
        (dt.date(2009, 6, 30), dt.date(2009, 7, 15)),
        (dt.date(2009, 8, 31), None),
        (dt.date(2009, 11, 30), None),
    ):
        factories.MilestoneFactory(
            project=p1,
            unit=city.zhijian,
            due_date=due,
            done_date=finished,
            status=done if finished else Milestone.Status.IN_PROGRESS,
        )
    # Done after 2009-09-30: open on that day, whatever happened later.
    factories.MilestoneFactory(
        project=p2,
        unit=city.shangwu,
        due_date=dt.date(2009, 5, 31),
        done_date=dt.date(2009, 10, 20),
        status=done,
    )
    return city


def headline(client, user, url) -> str:
    with time_machine.travel(FROZEN, tick=False):
        client.force_login(user)
        response = client.get(url)
    assert response.status_code == 200
    return section(response.content.decode(), "dash-headline-title")


def test_the_city_dashboard_shows_last_years_figures_for_the_same_date(client, two_plans):
    html = headline(client, two_plans.olivia, "/?year=2010")
    # 2009-09-30: 5 milestones, 2 done (40%); 4 due, 1 on time (25%); 2 overdue.
    assert "上年同期完成 40%" in html
    assert "上年同期 25%" in html
    assert "上年同期 2<" in html
    assert "上年同期：2009年度计划截至2009年9月30日的情况" in html


def test_a_units_page_compares_the_units_own_milestones(client, two_plans):
    html = headline(client, two_plans.olivia, reverse("unit_detail", args=[two_plans.zhijian.pk]))
    # 质监局: 4 milestones, 2 done (50%); 3 due, 1 on time (33%); 1 overdue.
    assert "上年同期完成 50%" in html and "上年同期 33%" in html and "上年同期 1<" in html
    html = headline(client, two_plans.alice, reverse("unit_detail", args=[two_plans.zhijian.pk]))
    assert "上年同期完成 50%" in html
    html = headline(client, two_plans.olivia, reverse("unit_detail", args=[two_plans.shangwu.pk]))
    assert "上年同期完成 0%" in html and "上年同期 0%" in html and "上年同期 1<" in html


def test_a_vice_mayors_dashboard_compares_their_portfolio_only(client, two_plans):
    html = headline(client, two_plans.victor, "/?year=2010")
    assert "上年同期完成 50%" in html and "上年同期 1<" in html
    html = headline(client, two_plans.olivia, reverse("mayor_detail", args=[two_plans.mayor.pk]))
    assert "上年同期完成 50%" in html


def test_no_plan_last_year_shows_no_comparison(client, city):
    html = headline(client, city.olivia, "/?year=2010")
    assert "上年同期" not in html


def test_last_years_figures_use_the_dashboards_counting_rules(two_plans):
    """The same numbers the 2009 dashboard showed on 2009-09-30."""
    with time_machine.travel(FROZEN, tick=False):
        board = dashboard_for(two_plans.olivia, year=2010, today=dt.date(2010, 9, 30))
    then = dashboard_for(two_plans.olivia, year=2009, today=dt.date(2009, 9, 30)).headline
    last = board.headline.last
    assert last is not None and (last.year, last.as_of) == (2009, dt.date(2009, 9, 30))
    assert (last.percent, last.on_time_percent, last.overdue) == (
        then.percent,
        then.on_time_percent,
        then.ms_overdue,
    )
    assert (last.total, last.done, last.due, last.due_on_time) == (
        then.ms_total,
        then.ms_done,
        then.ms_due,
        then.ms_due_on_time,
    )


def test_the_same_day_last_year():
    assert same_day_last_year(dt.date(2010, 9, 30)) == dt.date(2009, 9, 30)
    assert same_day_last_year(dt.date(2012, 2, 29)) == dt.date(2011, 2, 28)
    assert same_day_last_year(dt.date(2012, 3, 1)) == dt.date(2011, 3, 1)
