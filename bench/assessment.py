"""Assessment: computing a year's results and reading the ranking, at 1× and 10×
a real year (20 and 200 bureaus, the demo scheme's 9 items each)."""

from __future__ import annotations

import json
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessment import selectors, services
from assessment.demo import ASSESSMENT_FIXTURE, scheme_load
from assessment.models import AssessmentEntry
from assessment.scale import scale_seed
from responsibility import roles
from responsibility.models import Unit


def _reviewer():
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username="bench_reviewer")
    user.groups.add(Group.objects.get(name=roles.REVIEWER))
    return user


def _year(factor: int, year: int, reviewer) -> None:
    scale_seed(factor=factor, year=year)
    definition = json.loads(ASSESSMENT_FIXTURE.read_text(encoding="utf-8"))["scheme"]
    scheme, items = scheme_load(definition=definition, year=year)
    units = list(Unit.objects.filter(kind=Unit.Kind.BUREAU, name__startswith=f"S{year}-"))
    rng = random.Random(year)
    entries = []
    for unit in units:
        for item in items.values():
            if item.source != "manual":
                continue
            if item.reads_state:
                fields = {"state": rng.choice(["done", "done", "partly", "not_done"])}
            elif item.rule_kind == "over_under":
                fields = {"value": Decimal(rng.randint(0, 4)), "target": Decimal(2)}
            elif item.rule_kind == "veto":
                fields = {"value": Decimal(0)}
            else:
                fields = {"value": Decimal(rng.randint(0, 4))}
            entries.append(
                AssessmentEntry(item=item, unit=unit, reason="bench", entered_by=reviewer, **fields)
            )
    AssessmentEntry.objects.bulk_create(entries)
    return scheme, len(units)


def run() -> None:
    reviewer = _reviewer()
    client = Client()
    client.force_login(reviewer)
    for factor, year in ((1, 2031), (10, 2032)):
        scheme, n_units = _year(factor, year, reviewer)
        # Other bureaus (from other years' seeds) are assessed too; count what is computed.
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            summary = services.assessment_compute(scheme=scheme)
        compute_s = time.perf_counter() - started
        compute_q = len(ctx)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            table = selectors.assessment_table(year)
        table_ms = (time.perf_counter() - started) * 1000
        table_q = len(ctx)
        timings = []
        for _ in range(5):
            reset_queries()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(f"/assessment/{year}/", HTTP_HOST="127.0.0.1")
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        page_q = len(ctx)
        timings.sort()
        print(
            f"factor {factor:>2}: {summary.units} units × {summary.items} items "
            f"(seeded {n_units}) | compute {compute_s:.2f} s, {compute_q} queries | "
            f"assessment_table {table_ms:.0f} ms, {table_q} queries, {len(table.rows)} rows | "
            f"GET /assessment/{year}/ median {timings[2]:.0f} ms, {page_q} queries"
        )
