"""The 督办 pages and the milestone list cost the same number of queries whatever
the data size: ``seed_scale --factor 1`` against ``--factor 5``, with a 督办单 to
every unit that has overdue milestones (sent in bulk, as the office would)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Milestone, Supervision
from projects.services import supervision as service
from projects.services.scale import scale_seed
from responsibility import roles
from responsibility.models import Unit
from tests import factories
from tests.projects.reporting_support import SHANGHAI

pytestmark = pytest.mark.django_db

YEAR = 2030


def count(client, user, url, **params):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(queries), response


def seeded(factor: int, office_user):
    """A synthetic year, everything overdue on the day, one 督办单 per unit, one of
    them acknowledged and answered."""
    scale_seed(factor=factor, year=YEAR)
    overdue = list(
        Milestone.objects.for_year(YEAR)
        .open(dt.date(YEAR, 12, 31))
        .filter(due_date__lt=dt.date(YEAR, 12, 1))
        .select_related("project__plan", "unit", "subitem")
    )
    assert overdue
    items = service.supervision_send(
        milestones=overdue, level=factories.ladder()[0], sender=office_user
    )
    busiest = max(items, key=lambda s: s.milestones.count())
    return items, busiest


@pytest.fixture
def office():
    unit = factories.UnitFactory(name="市政府办公室", kind=Unit.Kind.OFFICE)
    return factories.make_user("olivia", roles.REVIEWER, unit)


def test_supervision_pages_do_not_grow_with_the_data(client, office):
    with time_machine.travel(dt.datetime(YEAR, 12, 2, 10, tzinfo=SHANGHAI), tick=False):
        figures = {}
        for factor in (1, 5):
            items, busiest = seeded(factor, office)
            clerk = factories.make_user(f"clerk{factor}", roles.CLERK, busiest.unit)
            service.supervision_answer(item=busiest, user=clerk, text="已办理")
            pages = {
                "inbox (office)": count(client, office, reverse("supervision_inbox"), tab="all"),
                "inbox (unit)": count(client, clerk, reverse("supervision_inbox"), tab="all"),
                "item": count(client, office, reverse("supervision_detail", args=[busiest.pk])),
                "send preview": count(
                    client, office, reverse("supervision_new"), all="1", colour="red", year=YEAR
                ),
                "milestones": count(client, office, reverse("milestone_list"), year=YEAR),
                "my work": count(client, clerk, reverse("my_work"), year=YEAR),
            }
            figures[factor] = {name: n for name, (n, _response) in pages.items()}
            assert len(pages["inbox (office)"][1].context["page"]) > 1
            assert len(pages["send preview"][1].context["batches"]) == len(items)
            assert Supervision.objects.count() == len(items)
        assert figures[5] == figures[1], figures
