"""The 延期申请 pages cost the same number of queries whatever the data size:
``seed_scale --factor 1`` against ``--factor 5``, with requests in every state."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import DeadlineExtension, Evidence, IndicatorValue, Milestone
from projects.services.scale import scale_seed
from responsibility import roles
from responsibility.models import Membership, Unit
from tests import factories

pytestmark = pytest.mark.django_db

YEAR = 2030
TODAY = dt.date(YEAR, 3, 1)
Review = DeadlineExtension.Review
# Requests cycle through every state; the open ones wait for the head or the office.
STATES = [
    Review.SUBMITTED,
    Review.HEAD_APPROVED,
    Review.TO_OFFICE,
    Review.ACCEPTED,
    Review.RETURNED,
]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(YEAR, 3, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield


def count_queries(client, url, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response


def seeded(factor: int) -> dict:
    """seed_scale's year with a request on every open milestone due after today,
    the clerk moved to the unit with most of them, and a head of that unit."""
    DeadlineExtension.objects.filter(milestone__project__plan__year=YEAR).delete()
    scale_seed(factor=factor, year=YEAR)
    clerk = get_user_model().objects.get(username=f"s{YEAR}_clerk")
    milestones = list(
        Milestone.objects.for_year(YEAR)
        .filter(done_date__isnull=True, due_date__gt=TODAY)
        .order_by("pk")
    )
    states = itertools.cycle(STATES)
    DeadlineExtension.objects.bulk_create(
        DeadlineExtension(
            milestone=m,
            requested_by=clerk,
            old_due_date=m.due_date,
            new_due_date=min(m.due_date + dt.timedelta(days=20), dt.date(YEAR, 12, 31)),
            reason=f"{m.name}延期理由",
            progress="已完成前期工作。",
            review_state=(state := next(states)),
            return_reason="理由不充分" if state == Review.RETURNED else "",
        )
        for m in milestones
        if m.due_date < dt.date(YEAR, 12, 31)
    )
    busiest = max({m.unit_id for m in milestones}, key=[m.unit_id for m in milestones].count)
    Membership.objects.filter(user=clerk).update(unit_id=busiest)
    head = factories.make_user(f"head{factor}", roles.UNIT_HEAD, Unit.objects.get(pk=busiest))
    own = DeadlineExtension.objects.filter(milestone__unit_id=busiest).order_by("pk")
    milestone = (
        Milestone.objects.filter(unit_id=busiest, done_date__isnull=True)
        .filter(due_date__gt=TODAY)
        .order_by("pk")
        .first()
    )
    # A report with evidence and an indicator value on the page's milestone at every
    # factor: an empty prefetch costs no query, which would make the counts differ.
    report = factories.make_report(milestone, clerk)
    indicator = factories.IndicatorFactory(project=milestone.project, subitem=milestone.subitem)
    IndicatorValue.objects.create(report=report, indicator=indicator, value=1)
    Evidence.objects.create(
        report=report,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="x.pdf"),
        original_name="x.pdf",
        content_type="application/pdf",
        size=15,
    )
    return {
        "clerk": clerk,
        "head": head,
        "extension": own.filter(review_state=Review.SUBMITTED).first() or own.first(),
        "milestone": milestone,
    }


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def reviewer():
    office = factories.UnitFactory(name="市政府办公室", kind=Unit.Kind.OFFICE)
    return factories.make_user("olivia", roles.REVIEWER, office)


def test_extension_pages_queries_do_not_grow_with_the_data(client, reviewer):
    counts = {}
    for factor in (1, 5):
        data = seeded(factor)
        assert DeadlineExtension.objects.waiting_for_review().count() > 3
        pages = {
            "detail (office)": (reverse("extension_detail", args=[data["extension"].pk]), reviewer),
            "detail (head)": (
                reverse("extension_detail", args=[data["extension"].pk]),
                data["head"],
            ),
            "detail (clerk)": (
                reverse("extension_detail", args=[data["extension"].pk]),
                data["clerk"],
            ),
            "request form": (
                reverse("milestone_extension", args=[data["milestone"].pk]),
                data["clerk"],
            ),
            "milestone page": (
                reverse("milestone_detail", args=[data["milestone"].pk]),
                data["clerk"],
            ),
            "review (office)": (reverse("review"), reviewer),
            "review (head)": (reverse("review"), data["head"]),
            "work list": (reverse("my_work") + f"?year={YEAR}", data["clerk"]),
        }
        for name, (url, user) in pages.items():
            counts.setdefault(name, []).append(count_queries(client, url, user)[0])
        # The pages show what they should, so the counts measure real work.
        _, review = count_queries(client, reverse("review"), reviewer)
        assert len(review.context["extension_page"]) > 0
        _, review = count_queries(client, reverse("review"), data["head"])
        assert len(review.context["extension_page"]) > 0
        _, detail = count_queries(
            client, reverse("extension_detail", args=[data["extension"].pk]), data["head"]
        )
        assert detail.context["allowed"]
        _, work = count_queries(client, reverse("my_work") + f"?year={YEAR}", data["clerk"])
        assert any(m.extension_open for m in work.context["milestones"])
    grown = {name: pair for name, pair in counts.items() if pair[0] != pair[1]}
    assert not grown, grown


def test_milestone_page_queries_do_not_grow_with_its_requests(client, city):
    """One request against six (five refused, one open), each with its decisions."""
    for milestone, n in ((city.ms_zhijian, 1), (city.ms_shangwu, 6)):
        for i in range(n):
            last = i == n - 1
            DeadlineExtension.objects.create(
                milestone=milestone,
                requested_by=city.alice,
                old_due_date=milestone.due_date,
                new_due_date=milestone.due_date + dt.timedelta(days=10 + i),
                reason=f"理由{i}",
                progress="进展",
                review_state=Review.HEAD_APPROVED if last else Review.RETURNED,
                head_approved_by=city.helen,
                head_approved_at=dt.datetime(2010, 6, 1, tzinfo=dt.UTC),
                reviewed_by=None if last else city.olivia,
                reviewed_at=None if last else dt.datetime(2010, 6, 2, tzinfo=dt.UTC),
                return_reason="" if last else "不同意",
            )
    url = "milestone_detail"
    small, _ = count_queries(client, reverse(url, args=[city.ms_zhijian.pk]), city.olivia)
    large, response = count_queries(client, reverse(url, args=[city.ms_shangwu.pk]), city.olivia)
    assert len(response.context["extensions"]) == 6
    assert large == small, (small, large)
