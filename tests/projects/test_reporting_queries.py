"""/my/ and /review/ cost the same number of queries whatever the data size."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Milestone, ProgressReport
from projects.services.scale import scale_seed
from responsibility import roles
from responsibility.models import Membership, Unit
from tests import factories

pytestmark = pytest.mark.django_db

YEAR = 2030


def count_queries(client, url, user, **params):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response


def seeded_clerk(factor: int):
    """seed_scale's clerk, moved to the busiest unit so that /my/ has rows to show."""
    scale_seed(factor=factor, year=YEAR)
    busiest = (
        Milestone.objects.for_year(YEAR)
        .values("unit")
        .annotate(n=Count("pk"))
        .order_by("-n", "unit")
        .first()["unit"]
    )
    clerk = get_user_model().objects.get(username=f"s{YEAR}_clerk")
    Membership.objects.filter(user=clerk).update(unit_id=busiest)
    return clerk


def test_work_list_queries_do_not_grow_with_the_data(client):
    small, response = count_queries(client, reverse("my_work"), seeded_clerk(1), year=YEAR)
    small_rows = len(response.context["milestones"])
    large, response = count_queries(client, reverse("my_work"), seeded_clerk(5), year=YEAR)
    assert small_rows > 0 and len(response.context["milestones"]) > 0
    assert large == small, (small, large)


@pytest.mark.parametrize("head_approval", [True, False])
def test_review_list_queries_do_not_grow_with_the_data(client, settings, head_approval):
    settings.ZHUCHENG_HEAD_APPROVAL = head_approval
    office = factories.UnitFactory(name="市政府办公室", kind=Unit.Kind.OFFICE)
    reviewer = factories.make_user("olivia", roles.REVIEWER, office)

    seeded_clerk(1)
    waiting = ProgressReport.objects.filter(review_state__in=["head_approved", "submitted"])
    assert waiting.exists()
    small, response = count_queries(client, reverse("review"), reviewer)
    assert len(response.context["page"]) > 0

    seeded_clerk(5)
    large, response = count_queries(client, reverse("review"), reviewer)
    assert len(response.context["page"]) > 0
    assert large == small, (small, large)
