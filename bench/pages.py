"""Server time of the dashboard (``/``) and the project list (``/projects/``) at
``seed_scale`` factor 1 and factor 10, against the bare SQL those pages need.

For each factor a year is seeded (factor 1 → 2031, factor 10 → 2032) and
"today" is pinned mid-year (ZHUCHENG_TODAY). A reviewer, who reads everything,
requests each page ``REQUESTS`` times through Django's test client; the page's
queries are captured once and their SQL re-executed on a cursor, timed, in the
same run. Printed: median and 95th percentile of the page, median of its SQL,
page / SQL, and factor-10 / factor-1 (aims: ratio ≤ 2, page ≤ 3 × SQL).
"""

from __future__ import annotations

import re
import statistics
import time

REQUESTS = 60
SQL_REPEATS = 30
WARMUP = 5
FACTORS = ((1, 2031), (10, 2032))
PAGES = (("/", "/?year={year}"), ("/projects/", "/projects/?year={year}"))
CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")
DECLARE = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(OUT)? HOLD FOR ')


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _time_page(client, url: str) -> list[float]:
    for _ in range(WARMUP):
        client.get(url)
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return times


def _time_sql(client, url: str) -> tuple[int, list[float]]:
    """Capture the page's queries, then re-run their SQL on a cursor."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # Form choices iterate on a server-side cursor (DECLARE … FOR SELECT …): run the SELECT.
    statements = [
        DECLARE.sub("", q["sql"])
        for q in captured.captured_queries
        if not q["sql"].startswith(CONTROL)
    ]
    times = []
    for _ in range(SQL_REPEATS):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
        times.append(time.perf_counter() - started)
    return len(statements), times


def run() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.test.utils import override_settings

    from projects.services.scale import scale_seed
    from responsibility import roles

    user, _ = get_user_model().objects.get_or_create(username="bench_reviewer")
    user.groups.add(Group.objects.get(name=roles.REVIEWER))

    results: dict[tuple[str, int], dict] = {}
    for factor, year in FACTORS:
        started = time.perf_counter()
        summary = scale_seed(factor=factor, year=year)
        print(
            f"seeded factor {factor} ({year}): {summary.projects} projects, "
            f"{summary.milestones} milestones, {summary.reports} reports "
            f"in {time.perf_counter() - started:.1f} s"
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for factor, year in FACTORS:
        with override_settings(
            ZHUCHENG_TODAY=f"{year}-06-15",
            ALLOWED_HOSTS=["testserver"],
            SECURE_SSL_REDIRECT=False,
        ):
            client = Client()
            client.force_login(user)
            for name, pattern in PAGES:
                url = pattern.format(year=year)
                page = _time_page(client, url)
                n_queries, sql = _time_sql(client, url)
                results[(name, factor)] = {
                    "median": statistics.median(page) * 1000,
                    "p95": _p95(page) * 1000,
                    "sql": statistics.median(sql) * 1000,
                    "queries": n_queries,
                }

    print(
        f"\n{REQUESTS} requests per page (after {WARMUP} warm-up), SQL re-run {SQL_REPEATS}×; ms\n"
    )
    header = (
        f"{'page':<12}{'factor':>7}{'queries':>9}{'median':>9}{'p95':>9}{'SQL':>9}{'page/SQL':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, _pattern in PAGES:
        for factor, _year in FACTORS:
            r = results[(name, factor)]
            print(
                f"{name:<12}{factor:>7}{r['queries']:>9}{r['median']:>9.1f}{r['p95']:>9.1f}"
                f"{r['sql']:>9.1f}{r['median'] / r['sql']:>10.2f}"
            )
    print()
    for name, _pattern in PAGES:
        small, large = results[(name, 1)], results[(name, 10)]
        print(
            f"{name:<12} factor-10 / factor-1: median {large['median'] / small['median']:.2f}, "
            f"p95 {large['p95'] / small['p95']:.2f}  (aim ≤ 2)"
        )
