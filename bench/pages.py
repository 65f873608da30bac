"""Server time of the pages people open every day, per role, beside the bare SQL
those pages need, at ``seed_scale`` factor ``BENCH_FACTOR``; and the time of the
two list exports.

``BENCH_FACTOR``: comma-separated factors (default ``1,10`` as before; the
province size of issue 18 is ``150``). Each factor seeds its own year (factor 1
→ 2031, 10 → 2032, any other → 2033; ``BENCH_YEAR`` overrides for a single
factor) with "today" pinned mid-year (ZHUCHENG_TODAY). With ``BENCH_REUSE=1``
(see ``bench/__main__.py``) a year already seeded in the database is used as it
is, e.g. a copy of a ``seed_scale --factor 150`` database::

    createdb -T zhucheng_x150 zh_me_x150
    BENCH_REUSE=1 BENCH_FACTOR=150 BENCH_YEAR=2026 \\
      BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_me_x150 python -m bench pages

Who asks: the office (a reviewer, reads everything), a vice-mayor (the first
seeded one) and a clerk of the first seeded unit. The assessment ranking needs
a computed scheme: one is loaded and computed for the year when there is none.

Each page is requested ``BENCH_REQUESTS`` times (default 60) through Django's
test client; its queries are captured once and their SQL re-executed on a
cursor, timed, in the same run. Printed per page: queries, median and 95th
percentile, median of its SQL, page / SQL, the size of the HTML; then the same
SQL with PostgreSQL's JIT on and off (why the connection turns it off,
``DATABASES[...]["OPTIONS"]``); then each export through the file store: the
first request (builds), later ones (served from the file) and the builder alone. Aims (issue 18):
p95 ≤ 200 ms and page ≤ 3 × SQL.
"""

from __future__ import annotations

import os
import re
import statistics
import time
import tracemalloc

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))
SQL_REPEATS = int(os.environ.get("BENCH_SQL_REPEATS", "30"))
WARMUP = 3
EXPORT_REPEATS = 3
YEARS = {1: 2031, 10: 2032}
CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")
DECLARE = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(OUT)? HOLD FOR ')


def _factors() -> list[tuple[int, int]]:
    factors = [int(f) for f in os.environ.get("BENCH_FACTOR", "1,10").split(",") if f.strip()]
    year = os.environ.get("BENCH_YEAR")
    if year and len(factors) == 1:
        return [(factors[0], int(year))]
    return [(f, YEARS.get(f, 2033)) for f in factors]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _time_page(client, url: str) -> tuple[list[float], int]:
    size = 0
    for _ in range(WARMUP):
        size = len(client.get(url).content)
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return times, size


def _statements(client, url: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # Form choices may iterate on a server-side cursor (DECLARE … FOR SELECT …): run the SELECT.
    return [
        DECLARE.sub("", q["sql"])
        for q in captured.captured_queries
        if not q["sql"].startswith(CONTROL)
    ]


def _time_sql(statements: list[str], *, jit: str | None = None) -> list[float]:
    """Re-run the page's SQL on a cursor; ``jit`` 'on'/'off' sets PostgreSQL's JIT
    for the transaction (None: the connection's setting)."""
    from django.db import connection, transaction

    times = []
    for _ in range(SQL_REPEATS):
        with transaction.atomic(), connection.cursor() as cursor:
            if jit is not None:
                cursor.execute(f"SET LOCAL jit = {jit}")
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
            times.append(time.perf_counter() - started)
    return times


def _user(username: str, role: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


def _people(year: int):
    """(office, vice-mayor, clerk, the clerk's unit) for the seeded year."""
    from projects.models import Project
    from responsibility import roles
    from responsibility.models import Membership, ViceMayor

    office = _user("bench_reviewer", roles.REVIEWER)
    mayor_user = _user(f"bench_mayor_{year}", roles.VICE_MAYOR)
    mayor = ViceMayor.objects.filter(user=mayor_user).first()
    if mayor is None:
        mayor = (
            ViceMayor.objects.filter(user__isnull=True, name__startswith=f"S{year}-")
            .order_by("order", "pk")
            .first()
        )
        assert mayor is not None, f"no seeded vice-mayor for {year}"
        mayor.user = mayor_user
        mayor.save(update_fields=["user"])
    clerk = _user(f"bench_clerk_{year}", roles.CLERK)
    unit = (
        Project.objects.filter(plan__year=year, assignments__is_lead=True)
        .order_by("number")
        .values_list("assignments__unit", flat=True)
        .first()
    )
    Membership.objects.update_or_create(user=clerk, defaults={"unit_id": unit})
    return office, mayor_user, clerk, unit, mayor


def _seeded(year: int) -> bool:
    from projects.models import Project

    return Project.objects.filter(plan__year=year).exists()


def _assessed(year: int, reviewer) -> None:
    """A bureau scheme for ``year``, computed, unless there is one."""
    import json
    import random
    from decimal import Decimal

    from assessment import services
    from assessment.demo import ASSESSMENT_FIXTURE, scheme_load
    from assessment.models import AssessmentEntry, AssessmentScheme
    from responsibility.models import Unit

    if AssessmentScheme.objects.filter(year=year).exists():
        return
    definition = json.loads(ASSESSMENT_FIXTURE.read_text(encoding="utf-8"))["scheme"]
    scheme, items = scheme_load(definition=definition, year=year)
    rng = random.Random(year)
    entries = []
    for unit in Unit.objects.filter(kind=Unit.Kind.BUREAU, name__startswith=f"S{year}-"):
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
    AssessmentEntry.objects.bulk_create(entries, batch_size=1000)
    started = time.perf_counter()
    services.assessment_compute(scheme=scheme)
    print(f"assessment {year} computed in {time.perf_counter() - started:.1f} s")


def _time_export(client, url: str, user) -> dict:
    """One export through the file store: the first request (it builds the
    workbook: eager without a broker), the same request again (served from the
    stored file), the builder called directly (the plain-library baseline: the
    same openpyxl workbook, no store), the file's size and the build's peak
    Python memory. The store's rows of this export are deleted first, so the
    first request really builds."""
    from django.http import QueryDict

    from documents.models import GeneratedFile
    from projects.exports import build_milestone_export, build_project_export

    kind = "project_export" if url.startswith("/projects/") else "milestone_export"
    build = build_project_export if kind == "project_export" else build_milestone_export
    query = QueryDict(url.partition("?")[2])

    def forget() -> None:
        for old in GeneratedFile.objects.filter(kind=kind):
            old.file.delete(save=False)
            old.delete()

    forget()
    started = time.perf_counter()
    response = client.get(url)
    first = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    size = len(response.content)
    forget()  # once more under tracemalloc (slow, so not timed) for the peak
    tracemalloc.start()
    client.get(url)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    served = []
    for _ in range(EXPORT_REPEATS):
        started = time.perf_counter()
        response = client.get(url)
        response.content  # noqa: B018
        served.append(time.perf_counter() - started)
    direct = []
    for _ in range(EXPORT_REPEATS):
        started = time.perf_counter()
        build(user, query)
        direct.append(time.perf_counter() - started)
    return {"first": first, "served": served, "direct": direct, "size": size, "peak": peak}


def run() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from assessment.scale import scale_seed

    reuse = os.environ.get("BENCH_REUSE") == "1"
    factors = _factors()
    for factor, year in factors:
        if reuse and _seeded(year):
            print(f"factor {factor} ({year}): reusing the year already seeded")
            continue
        started = time.perf_counter()
        summary = scale_seed(factor=factor, year=year)
        print(
            f"seeded factor {factor} ({year}): {summary.projects} projects, "
            f"{summary.milestones} milestones, {summary.reports} reports "
            f"in {time.perf_counter() - started:.1f} s"
        )
    for _factor, year in factors:
        _assessed(year, _user("bench_reviewer", "市府办审核员"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SHOW jit")
        jit_default = cursor.fetchone()[0]
    print(f"connection: jit = {jit_default}")

    rows = []
    exports = []
    for factor, year in factors:
        office, mayor_user, clerk, unit, mayor = _people(year)
        pages = [
            ("office", office, f"/?year={year}"),
            ("vice-mayor", mayor_user, f"/?year={year}"),
            ("office", office, f"/projects/?year={year}"),
            ("office", office, f"/assessment/{year}/"),
            ("office", office, f"/mayors/{mayor.pk}/?year={year}"),
            ("clerk", clerk, f"/my/?year={year}"),
            ("clerk", clerk, f"/units/{unit}/?year={year}"),
        ]
        with override_settings(
            ZHUCHENG_TODAY=f"{year}-06-15",
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
        ):
            clients = {}
            for _role, user, _url in pages:
                if user.pk not in clients:
                    clients[user.pk] = Client()
                    clients[user.pk].force_login(user)
            for role, user, url in pages:
                client = clients[user.pk]
                page, size = _time_page(client, url)
                statements = _statements(client, url)
                sql = _time_sql(statements)
                jit_on = _time_sql(statements, jit="on")
                jit_off = _time_sql(statements, jit="off")
                rows.append(
                    {
                        "factor": factor,
                        "role": role,
                        "url": url.replace(str(year), "Y"),
                        "queries": len(statements),
                        "median": statistics.median(page) * 1000,
                        "p95": _p95(page) * 1000,
                        "sql": statistics.median(sql) * 1000,
                        "jit_on": statistics.median(jit_on) * 1000,
                        "jit_off": statistics.median(jit_off) * 1000,
                        "kib": size / 1024,
                    }
                )
            client = clients[office.pk]
            for url in (
                f"/projects/export.xlsx?year={year}",
                f"/milestones/export.xlsx?year={year}",
            ):
                exports.append(
                    (factor, url.replace(str(year), "Y"), _time_export(client, url, office))
                )

    print(
        f"\n{REQUESTS} requests per page (after {WARMUP} warm-up), SQL re-run {SQL_REPEATS}×; ms\n"
    )
    header = (
        f"{'factor':>6} {'role':<11}{'page':<24}{'queries':>8}{'median':>9}{'p95':>9}"
        f"{'SQL':>8}{'page/SQL':>9}{'KiB':>7}   {'SQL jit on':>10}{'jit off':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['factor']:>6} {r['role']:<11}{r['url']:<24}{r['queries']:>8}"
            f"{r['median']:>9.1f}{r['p95']:>9.1f}{r['sql']:>8.1f}"
            f"{r['median'] / r['sql']:>9.2f}{r['kib']:>7.0f}   {r['jit_on']:>10.1f}{r['jit_off']:>9.1f}"
        )
    print("\nAims: p95 ≤ 200 ms, page/SQL ≤ 3.\n")
    print("Exports through the file store (no broker: built in the first request):")
    for factor, url, e in exports:
        print(
            f"factor {factor:>4} {url:<28} first (builds) {e['first'] * 1000:>7.0f} ms, "
            f"then served {statistics.median(e['served']) * 1000:>5.0f} ms; "
            f"builder alone {statistics.median(e['direct']) * 1000:>7.0f} ms "
            f"(median of {EXPORT_REPEATS}); {e['size'] / 1024:.0f} KiB, "
            f"Python peak {e['peak'] / 2**20:.1f} MiB"
        )
