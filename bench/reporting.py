"""Server time and query counts of the reporting pages — ``/my/`` (a clerk of
the busiest unit), ``/review/`` and a milestone page (a reviewer) — at
``seed_scale`` factor 1 and 10, and the time of one submit → approve → accept
round through the services (each locks the milestone row).

Printed per factor and page: queries, median and 95th percentile in ms. The
aim: same query count at both factors, factor-10 / factor-1 time ≤ 2.
"""

from __future__ import annotations

import statistics
import time

REQUESTS = 40
WARMUP = 5
ROUNDS = 50
FACTORS = ((1, 2033), (10, 2034))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _measure(client, url: str) -> tuple[int, list[float]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    queries = len(captured)  # now: the next request clears the query log
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return queries, times


def run() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import override_settings

    from projects.models import Milestone
    from projects.services import progress
    from projects.services.scale import scale_seed
    from responsibility import roles
    from responsibility.models import Membership, Unit

    User = get_user_model()
    office, _ = Unit.objects.get_or_create(name="市政府办公室", defaults={"kind": "office"})
    reviewer, _ = User.objects.get_or_create(username="bench_reviewer")
    reviewer.groups.add(Group.objects.get(name=roles.REVIEWER))
    head, _ = User.objects.get_or_create(username="bench_head")
    head.groups.add(Group.objects.get(name=roles.UNIT_HEAD))

    medians = {}
    for factor, year in FACTORS:
        scale_seed(factor=factor, year=year)
        busiest = (
            Milestone.objects.for_year(year)
            .values("unit")
            .annotate(n=Count("pk"))
            .order_by("-n", "unit")
            .first()["unit"]
        )
        clerk = User.objects.get(username=f"s{year}_clerk")
        Membership.objects.filter(user=clerk).update(unit_id=busiest)
        Membership.objects.update_or_create(user=head, defaults={"unit_id": busiest})
        Membership.objects.update_or_create(user=reviewer, defaults={"unit": office})
        milestone = Milestone.objects.for_year(year).filter(unit_id=busiest).first()

        with override_settings(ZHUCHENG_TODAY=f"{year}-06-30", ALLOWED_HOSTS=["testserver"]):
            as_clerk, as_reviewer = Client(), Client()
            as_clerk.force_login(clerk)
            as_reviewer.force_login(reviewer)
            pages = [
                ("/my/", as_clerk, f"/my/?year={year}"),
                ("/review/", as_reviewer, "/review/"),
                ("/milestones/<id>/", as_reviewer, f"/milestones/{milestone.pk}/"),
            ]
            for label, client, url in pages:
                queries, times = _measure(client, url)
                median = statistics.median(times) * 1000
                medians[(label, factor)] = median
                print(
                    f"factor {factor:>2}  {label:<18} {queries:>3} queries  "
                    f"median {median:6.1f} ms  p95 {_p95(times) * 1000:6.1f} ms"
                )

            clerk = User.objects.get(pk=clerk.pk)
            times = []
            for n in range(ROUNDS):
                started = time.perf_counter()
                report = progress.progress_report_submit(
                    milestone=milestone,
                    author=clerk,
                    status="in_progress",
                    percent=n % 100,
                    narrative="基准测试填报",
                    done_date=None,
                )
                progress.progress_report_head_approve(report=report, user=head)
                progress.progress_report_accept(report=report, user=reviewer)
                times.append(time.perf_counter() - started)
            print(
                f"factor {factor:>2}  submit→approve→accept  median "
                f"{statistics.median(times) * 1000:6.1f} ms  p95 {_p95(times) * 1000:6.1f} ms"
            )
    for label in ("/my/", "/review/", "/milestones/<id>/"):
        ratio = medians[(label, 10)] / medians[(label, 1)]
        print(f"{label:<18} factor-10 / factor-1 median: {ratio:.2f}")
