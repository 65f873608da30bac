"""/my/ and /review/ cost the same number of queries whatever the data size."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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


def _busy_history(milestone, clerk, reviewer, reports: int) -> None:
    from django.core.files.base import ContentFile

    from projects.models import Evidence, IndicatorValue, Reminder

    indicator = factories.IndicatorFactory(project=milestone.project, subitem=milestone.subitem)
    for n in range(reports):
        report = factories.make_report(milestone, clerk, percent=n * 10)
        IndicatorValue.objects.create(report=report, indicator=indicator, value=n)
        Evidence.objects.create(
            report=report,
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="x.pdf"),
            original_name=f"材料{n}.pdf",
            content_type="application/pdf",
            size=15,
        )
        Reminder.objects.create(
            milestone=milestone,
            sent_to=milestone.unit,
            kind="manual",
            sent_by=reviewer,
            sent_on=dt.date(2010, 9, 1),
        )
        _supervision_loop(milestone, clerk, reviewer, n)
        milestone.name = f"{milestone.name[:10]}{n}"
        milestone.save()


def _supervision_loop(milestone, clerk, reviewer, n: int) -> None:
    """A 督办单 about the milestone, acknowledged, answered with a file and closed."""
    from django.core.files.base import ContentFile

    from projects.models import Supervision, SupervisionFile

    level = factories.ladder()[n % 3]
    day = dt.date(2010, 9, 1)
    item = Supervision.objects.create(
        plan=milestone.project.plan,
        unit=milestone.unit,
        level=level,
        text=f"督办{n}",
        sent_by=reviewer,
        sent_at=timezone.now(),
        sent_on=day,
        ack_due=day,
        answer_due=day,
        state="closed",
        acknowledged_by=clerk,
        acknowledged_at=timezone.now(),
        acknowledged_on=day,
        answer="已办",
        answered_by=clerk,
        answered_at=timezone.now(),
        answered_on=day,
        closed_by=reviewer,
        closed_at=timezone.now(),
        closed_on=day,
    )
    item.milestones.add(milestone)
    SupervisionFile.objects.create(
        supervision=item,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="s.pdf"),
        original_name=f"反馈{n}.pdf",
        content_type="application/pdf",
        size=15,
        uploaded_by=clerk,
    )


def test_milestone_page_queries_do_not_grow_with_its_history(client, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _busy_history(city.ms_zhijian, city.alice, city.olivia, reports=1)
    _busy_history(city.ms_shangwu, city.bob, city.olivia, reports=6)
    url = "milestone_detail"
    small, _ = count_queries(client, reverse(url, args=[city.ms_zhijian.pk]), city.olivia)
    large, response = count_queries(client, reverse(url, args=[city.ms_shangwu.pk]), city.olivia)
    assert len(response.context["reports"]) == 6
    assert large == small, (small, large)
