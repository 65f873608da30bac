"""Every dashboard page runs the same number of queries at factor 1 and factor 10
of ``seed_scale`` data: no query per project, unit or milestone."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Milestone, Project, ProjectUnit
from projects.services.scale import scale_seed
from projects.status import Colour
from responsibility import roles
from responsibility.models import ViceMayor
from tests import factories

# The session is written back on every request (SESSION_SAVE_EVERY_REQUEST, for the
# idle timeout); those writes are the same on every page and not the page's own work.
# Reading the session, the user and their groups is counted.
NOT_THE_PAGES = ('UPDATE "django_session"', "SAVEPOINT", "BEGIN", "COMMIT")


def page_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [
        q["sql"]
        for q in captured.captured_queries
        if not any(marker in q["sql"] for marker in NOT_THE_PAGES)
    ]


LABELS = [
    "/",
    "/projects/",
    "/projects/ filtered",
    "/projects/<id>/",
    "/units/<id>/",
    "/mayors/<id>/",
]


def urls_for(year: int) -> list[str]:
    project = Project.objects.for_year(year).order_by("number").first()
    unit = ProjectUnit.objects.filter(project=project, is_lead=True).get().unit
    mayor = ViceMayor.objects.get(pk=project.mayor_id)
    return [
        f"/?year={year}",
        f"/projects/?year={year}",
        f"/projects/?year={year}&colour=red&sort=-percent&q=测试",
        f"/projects/{project.pk}/",
        f"/units/{unit.pk}/?year={year}",
        f"/mayors/{mayor.pk}/?year={year}",
    ]


def assert_every_status_is_there(year: int) -> None:
    """The seeded year, on the day the pages are read, has milestones of every
    status, finished late (逾期完成) ones included, so an N+1 in any would show."""
    today = dt.date(year, 6, 15)
    milestones = Milestone.objects.for_year(year)
    colours = set(milestones.with_colour(today).values_list("colour_code", flat=True))
    assert colours == {int(c) for c in Colour}, colours
    assert milestones.done_late(today).count() > 10


def counts(client, user, year: int) -> dict[str, int]:
    # Mid-year "today", logged in then (sessions expire after two hours).
    with time_machine.travel(dt.datetime(year, 6, 15, 4, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(user)
        result = {}
        for label, url in zip(LABELS, urls_for(year), strict=True):
            client.get(url)  # warm up (session, caches)
            result[label] = len(page_queries(client, url))
        return result


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_data(client, settings):
    settings.ZHUCHENG_TODAY = ""
    reviewer = factories.make_user("olga", roles.REVIEWER)
    scale_seed(factor=1, year=2031)
    scale_seed(factor=10, year=2032)
    assert_every_status_is_there(2031)
    assert_every_status_is_there(2032)
    small, large = counts(client, reviewer, 2031), counts(client, reviewer, 2032)
    assert small == large
    # The overdue, due-soon and late lists are one query (milestone_lists); the
    # navigation's 督办 count is one more on every page; last year's headline
    # figures (the same date a year earlier) one more on the dashboards. Every
    # project is counted in one GROUP BY per table (projects, milestones,
    # sub-items, indicators) and only the rows shown are fetched (one more); the
    # vice-mayors are two GROUP BYs, the unit ranking one (issue 18). Which
    # jurisdiction's programme the page shows, and whether programmes lie below
    # it (the roll-up link), are two more (issue 17).
    assert small["/"] <= 21
    assert small["/projects/"] <= 13
    print("queries per page (factor 1 = factor 10):", small)


@pytest.mark.django_db
def test_vice_mayor_dashboard_query_count_does_not_grow(client, settings):
    settings.ZHUCHENG_TODAY = ""
    scale_seed(factor=1, year=2031)
    scale_seed(factor=10, year=2032)
    result = {}
    for year in (2031, 2032):
        user = factories.make_user(f"mayor{year}", roles.VICE_MAYOR)
        mayor = ViceMayor.objects.filter(name__startswith=f"S{year}-").order_by("order").first()
        mayor.user = user
        mayor.save()
        with time_machine.travel(dt.datetime(year, 6, 15, 4, 0, tzinfo=dt.UTC), tick=False):
            client.force_login(user)
            client.get(f"/?year={year}")
            result[year] = (
                len(page_queries(client, f"/?year={year}")),
                len(page_queries(client, f"/projects/?year={year}")),
            )
    assert result[2031] == result[2032]
