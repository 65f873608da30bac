"""The search page and the milestone export cost the same number of queries
whatever the data size: ``seed_scale --factor 1`` against ``--factor 5``, for the
office, a clerk and a vice-mayor."""

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Milestone
from projects.services.scale import scale_seed
from responsibility import roles
from responsibility.models import Unit, ViceMayor
from tests import factories
from tests.projects.reporting_support import SHANGHAI

pytestmark = pytest.mark.django_db

YEAR = 2030
QUERIES = ["测试项目", "节点", "单位", "测试单位0001", "责任人", "副市长", "16", "第16项", "1-1"]


def count(client, user, url, **params):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, (url, params)
    return len(queries), response


def test_search_and_milestone_export_do_not_grow_with_the_data(client):
    office_unit = factories.UnitFactory(name="市政府办公室", kind=Unit.Kind.OFFICE)
    office = factories.make_user("olivia", roles.REVIEWER, office_unit)
    with time_machine.travel(dt.datetime(YEAR, 9, 30, 10, tzinfo=SHANGHAI), tick=False):
        figures = {}
        for factor in (1, 5):
            scale_seed(factor=factor, year=YEAR)
            busiest = Unit.objects.annotate(n=Count("milestones")).order_by("-n", "pk").first()
            clerk = factories.make_user(f"clerk{factor}", roles.CLERK, busiest)
            mayor = ViceMayor.objects.order_by("order", "pk").first()
            deputy = factories.make_user(f"deputy{factor}", roles.VICE_MAYOR, office_unit)
            mayor.user = deputy
            mayor.save()
            figures[factor] = {}
            for who, user in (("office", office), ("clerk", clerk), ("mayor", deputy)):
                for q in QUERIES:
                    n, response = count(client, user, reverse("search"), q=q)
                    figures[factor][f"search {who} {q}"] = n
                    if who == "office" and q in ("测试项目", "节点", "单位", "责任人"):
                        assert response.context["groups"], q
                n, response = count(client, user, reverse("milestone_export"), year=YEAR)
                figures[factor][f"export {who}"] = n
                rows = list(load_workbook(io.BytesIO(response.content)).active.values)[2:]
                assert rows
                if who == "office":
                    assert len(rows) == Milestone.objects.for_year(YEAR).count()
            # One query per kind whatever it finds: a query finding one row of a
            # kind costs what a query finding twenty does (no query per result).
            for who in ("office", "clerk", "mayor"):
                costs = {figures[factor][f"search {who} {q}"] for q in QUERIES}
                assert len(costs) == 1, (who, figures[factor])
            # The office's search is cut at 20 per kind: the same page at either size.
            groups = count(client, office, reverse("search"), q="测试项目")[1].context["groups"]
            assert any(g.more for g in groups)
        assert figures[5] == figures[1], {
            k: (figures[1][k], figures[5][k]) for k in figures[1] if figures[1][k] != figures[5][k]
        }
