"""Assessment: computing a year's results at province size (about 3,000 and then
9,000 bureaus, the demo scheme's 9 items each), beside the bare SQL of the same
writes from the same run, and reading the ranking.

The compute must stay linear in units (issue 18: 14 s at 3,020 units, 569 s at
9,020 before its writes were batched). The baseline writes the rows the first
compute wrote (results, item scores and a history row for each) again, by
``INSERT … SELECT`` under a throwaway scheme, committed like the compute: what the
database needs for the writes alone, with no Python in between.
"""

from __future__ import annotations

import json
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessment import selectors, services
from assessment.demo import ASSESSMENT_FIXTURE, scheme_load
from assessment.models import (
    AssessmentEntry,
    AssessmentResult,
    AssessmentScheme,
    ItemScore,
)
from assessment.scale import scale_seed
from common.bulk import BATCH
from responsibility import roles
from responsibility.models import Unit

# (factor, year): 20 bureaus per factor. The second year's scheme assesses the first
# year's bureaus too (all active bureaus are assessed): 3,000 then 9,000 units.
RUNS = ((150, 2031), (300, 2032))


def _reviewer():
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username="bench_reviewer")
    user.groups.add(Group.objects.get(name=roles.REVIEWER))
    return user


def _year(factor: int, year: int, reviewer):
    scale_seed(factor=factor, year=year)
    definition = json.loads(ASSESSMENT_FIXTURE.read_text(encoding="utf-8"))["scheme"]
    scheme, items = scheme_load(definition=definition, year=year)
    units = list(Unit.objects.filter(kind=Unit.Kind.BUREAU, name__startswith=f"S{year}-"))
    rng = random.Random(year)
    entries = []
    fields: dict[str, object]
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
    AssessmentEntry.objects.bulk_create(entries, batch_size=BATCH)
    return scheme


def _timed(fn):
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        value = fn()
    return value, time.perf_counter() - started, len(ctx)


def _columns(model, *, skip=()) -> list[str]:
    return [
        f.column for f in model._meta.concrete_fields if not f.primary_key and f.name not in skip
    ]


def _baseline(scheme: AssessmentScheme) -> tuple[float, int, int]:
    """Bare SQL of the first compute's writes: the scheme's results and scores
    inserted again under a throwaway scheme, each with a history row, committed.
    Returns (seconds, results, scores); the copies are removed afterwards."""
    spare = AssessmentScheme.objects.create(
        year=scheme.year + 100, unit_kind=scheme.unit_kind, name="bench baseline"
    )
    qn = connection.ops.quote_name
    results = qn(AssessmentResult._meta.db_table)
    scores = qn(ItemScore._meta.db_table)
    r_cols = [c for c in _columns(AssessmentResult) if c != "scheme_id"]
    s_cols = [c for c in _columns(ItemScore) if c != "result_id"]

    def history(model, where: str) -> str:
        table = qn(model._meta.db_table)
        hist = model.history.model
        cols = ", ".join(qn(f.column) for f in hist.tracked_fields)
        return (
            f"INSERT INTO {qn(hist._meta.db_table)} ({cols}, history_date, "
            f"history_change_reason, history_type, history_user_id) "
            f"SELECT {cols}, now(), 'bench', '+', NULL FROM {table} WHERE {where}"
        )

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {results} (scheme_id, {', '.join(r_cols)}) "
            f"SELECT %s, {', '.join(r_cols)} FROM {results} WHERE scheme_id = %s",
            [spare.pk, scheme.pk],
        )
        n_results = cursor.rowcount
        cursor.execute(history(AssessmentResult, f"scheme_id = {spare.pk}"))
        cursor.execute(
            f"INSERT INTO {scores} (result_id, {', '.join(s_cols)}) "
            f"SELECT n.id, {', '.join('s.' + c for c in s_cols)} FROM {scores} s "
            f"JOIN {results} o ON o.id = s.result_id AND o.scheme_id = %s "
            f"JOIN {results} n ON n.unit_id = o.unit_id AND n.scheme_id = %s",
            [scheme.pk, spare.pk],
        )
        n_scores = cursor.rowcount
        cursor.execute(
            history(
                ItemScore,
                f"result_id IN (SELECT id FROM {results} WHERE scheme_id = {spare.pk})",
            )
        )
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        for model, where in (
            (ItemScore, f"result_id IN (SELECT id FROM {results} WHERE scheme_id = {spare.pk})"),
            (AssessmentResult, f"scheme_id = {spare.pk}"),
        ):
            hist = qn(model.history.model._meta.db_table)
            cursor.execute(
                f"DELETE FROM {hist} WHERE id IN (SELECT id FROM {qn(model._meta.db_table)} WHERE {where})"
            )
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE {where}")
    spare.delete()
    return seconds, n_results, n_scores


def run() -> None:
    reviewer = _reviewer()
    client = Client()
    client.force_login(reviewer)
    for factor, year in RUNS:
        seeded = time.perf_counter()
        scheme = _year(factor, year, reviewer)
        seeded = time.perf_counter() - seeded
        summary, first_s, first_q = _timed(lambda s=scheme: services.assessment_compute(scheme=s))
        _, again_s, again_q = _timed(lambda s=scheme: services.assessment_compute(scheme=s))
        # One entry changed per unit of the year: every score of that item, every
        # result and the title awards move.
        AssessmentEntry.objects.filter(item__category__scheme=scheme, state="done").update(
            state="not_done"
        )
        _, changed_s, changed_q = _timed(lambda s=scheme: services.assessment_compute(scheme=s))
        base_s, n_results, n_scores = _baseline(scheme)
        table, table_s, table_q = _timed(lambda y=year: selectors.assessment_table(y))
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/assessment/{year}/", HTTP_HOST="127.0.0.1")
        page_ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200
        print(
            f"{summary.units} units × {summary.items} items (seeded ×{factor} in {seeded:.0f} s):\n"
            f"  first compute     {first_s:6.2f} s  {first_q:4d} queries "
            f"({n_results} results, {n_scores} scores, with history)\n"
            f"  recompute, same   {again_s:6.2f} s  {again_q:4d} queries\n"
            f"  recompute, moved  {changed_s:6.2f} s  {changed_q:4d} queries\n"
            f"  bare SQL of the first compute's writes (INSERT … SELECT, committed): "
            f"{base_s:.2f} s → first compute = {first_s / base_s:.1f}× its writes\n"
            f"  assessment_table  {table_s * 1000:6.0f} ms {table_q:4d} queries, "
            f"{len(table.rows)} rows | GET /assessment/{year}/ {page_ms:.0f} ms, "
            f"{len(ctx)} queries"
        )
