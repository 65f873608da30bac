"""Dashboards of a synthetic province (issue 17): a city's and a county's own
dashboard and the roll-ups of the province and of a city, each beside the bare
SQL it runs, in the same run.

The province is seeded by ``seed_scale --province`` for ``BENCH_YEAR`` (default
2034) unless ``BENCH_REUSE=1`` finds one already there. Each page is requested
``BENCH_REQUESTS`` times by its office (a reviewer of that jurisdiction) through
Django's test client; its SQL is captured once and re-run on a cursor, timed.
Printed per page: queries, median and 95th percentile, median of its SQL and
page / SQL (the measurement of ``bench.pages``).
"""

from __future__ import annotations

import os
import statistics
import time

from bench.pages import REQUESTS, _p95, _statements, _time_page, _time_sql


def _office(jurisdiction, tag: str):
    """A reviewer of ``jurisdiction`` (attached to one of its units)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from responsibility import roles
    from responsibility.models import Membership, Unit

    user, _ = get_user_model().objects.get_or_create(username=f"bench_{tag}_office")
    user.groups.add(Group.objects.get(name=roles.REVIEWER))
    unit = (
        Unit.objects.filter(jurisdiction=jurisdiction, kind=Unit.Kind.OFFICE).first()
        or Unit.objects.responsible().filter(jurisdiction=jurisdiction).first()
    )
    assert unit is not None, f"no unit in {jurisdiction}"
    Membership.objects.update_or_create(user=user, defaults={"unit": unit})
    return user


def run() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from projects.models import PlanYear
    from responsibility.models import Unit

    year = int(os.environ.get("BENCH_YEAR", "2034"))
    reuse = os.environ.get("BENCH_REUSE") == "1"
    province = Unit.objects.filter(kind=Unit.Kind.PROVINCE, jurisdiction__isnull=True).first()
    if not (reuse and province is not None and PlanYear.objects.filter(year=year).exists()):
        started = time.perf_counter()
        call_command("seed_scale", "--province", "--year", str(year), verbosity=0)
        province = Unit.objects.filter(kind=Unit.Kind.PROVINCE, jurisdiction__isnull=True).first()
        print(f"seeded the province for {year} in {time.perf_counter() - started:.1f} s")
    assert province is not None
    city = Unit.objects.filter(jurisdiction=province, kind=Unit.Kind.CITY).order_by("pk").first()
    county = Unit.objects.filter(jurisdiction=city, kind=Unit.Kind.COUNTY).order_by("pk").first()
    plans = PlanYear.objects.filter(year=year)
    print(
        f"{Unit.objects.filter(kind=Unit.Kind.CITY).count()} cities, "
        f"{Unit.objects.filter(kind=Unit.Kind.COUNTY).count()} counties, "
        f"{plans.count()} plans in {year}"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    pages = [
        ("city dashboard", _office(city, "city"), f"/?year={year}"),
        ("county dashboard", _office(county, "county"), f"/?year={year}"),
        ("city roll-up", _office(city, "city"), f"/jurisdictions/{city.pk}/?year={year}"),
        (
            "province roll-up",
            _office(province, "province"),
            f"/jurisdictions/{province.pk}/?year={year}",
        ),
    ]
    rows = []
    with override_settings(
        ZHUCHENG_TODAY=f"{year}-06-15", ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False
    ):
        for name, user, url in pages:
            client = Client()
            client.force_login(user)
            page, size = _time_page(client, url)
            statements = _statements(client, url)
            sql = _time_sql(statements)
            rows.append(
                (
                    name,
                    len(statements),
                    statistics.median(page) * 1000,
                    _p95(page) * 1000,
                    statistics.median(sql) * 1000,
                    size / 1024,
                )
            )
    print(f"\n{REQUESTS} requests per page; ms\n")
    header = f"{'page':<18}{'queries':>8}{'median':>9}{'p95':>9}{'SQL':>8}{'page/SQL':>9}{'KiB':>7}"
    print(header)
    print("-" * len(header))
    for name, queries, median, p95, sql, kib in rows:
        print(
            f"{name:<18}{queries:>8}{median:>9.1f}{p95:>9.1f}{sql:>8.1f}"
            f"{median / sql:>9.2f}{kib:>7.0f}"
        )
    print("\nAims (issue 18): p95 ≤ 200 ms, page/SQL ≤ 3.\n")
