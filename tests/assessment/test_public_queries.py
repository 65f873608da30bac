"""The public page and the ranking cost the same number of queries at factor 1
and factor 5 of ``seed_scale`` data: no query per unit, per title or per last
year's result."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import AssessmentResult, AssessmentScheme, TitleAward
from assessment.scale import scale_seed
from responsibility import roles
from tests import factories
from tests.assessment import builders
from tests.assessment.public_support import make_public

pytestmark = pytest.mark.django_db

YEAR = 2031
# Written on every signed-in request (the idle timeout), the same on every page.
NOT_THE_PAGE = ('UPDATE "django_session"', "SAVEPOINT", "BEGIN", "COMMIT")


def seeded(factor: int) -> None:
    """``seed_scale`` at ``factor`` with two years of bureau schemes over its units:
    last year's final, this year's in 公示 with a title for most units."""
    scale_seed(factor=factor, year=YEAR)
    last = AssessmentScheme.objects.filter(year=YEAR - 1).first() or builders.bureau_scheme(
        YEAR - 1
    )
    this = AssessmentScheme.objects.filter(year=YEAR).first() or builders.bureau_scheme(YEAR)
    AssessmentScheme.objects.filter(pk=this.pk).update(
        title_name="质量工作先进单位", title_from=D(0)
    )
    this.refresh_from_db()
    make_public(last, stage="final", start=dt.date(YEAR, 1, 5))
    make_public(this, start=dt.date(YEAR + 1, 1, 5))
    # A title given by hand too, to a unit that also holds the scheme's.
    unit = AssessmentResult.objects.filter(scheme=this).order_by("rank").first().unit
    TitleAward.objects.get_or_create(year=YEAR, unit=unit, name="标准化示范单位")


def page_queries(client, url: str) -> tuple[int, str]:
    client.get(url)  # warm up (session, caches)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    sql = [q["sql"] for q in captured.captured_queries]
    return len([q for q in sql if not any(m in q for m in NOT_THE_PAGE)]), response.content.decode()


def counts(client, reviewer) -> dict[str, tuple[int, int]]:
    """Page → (queries, rows shown)."""
    clerk = get_user_model().objects.get(username=f"s{YEAR}_clerk")
    ranking = reverse("assessment_ranking", kwargs={"year": YEAR})
    found = {}
    for label, user, url in (
        ("public", None, reverse("public_year", kwargs={"year": YEAR})),
        ("ranking (unit)", clerk, ranking),
        ("ranking (office)", reviewer, ranking),
    ):
        client.logout()
        if user is not None:
            client.force_login(user)
        n, html = page_queries(client, url)
        assert "质量工作先进单位" in html and "标准化示范单位" in html
        if user is not None:  # last year's results beside this year's
            assert html.count("分，第") >= 20
        found[label] = (n, html.count('scope="row"'))
    # The clerk's own card, with last year's result beside this year's.
    client.force_login(clerk)
    unit = clerk.membership.unit
    n, html = page_queries(client, reverse("assessment_unit", args=[YEAR, unit.pk]))
    assert f"上年（{YEAR - 1}年）：第" in html
    found["unit card"] = (n, html.count('scope="row"'))
    return found


def test_public_page_and_ranking_queries_do_not_grow_with_the_data(client, settings):
    settings.ZHUCHENG_TODAY = f"{YEAR + 1}-01-06"
    reviewer = factories.make_user("olga", roles.REVIEWER)
    seeded(1)
    small = counts(client, reviewer)
    seeded(5)
    large = counts(client, reviewer)
    for label in small:
        if label != "unit card":  # one unit's items: as many at either size
            assert large[label][1] > small[label][1] >= 20, label
        assert large[label][0] == small[label][0], (label, small, large)
    assert small["public"][0] <= 3
    print("queries per page (factor 1 = factor 5):", {k: v[0] for k, v in small.items()})
