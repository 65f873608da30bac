"""A demo with a pinned day (ZHUCHENG_TODAY) records that day in every time the
application keeps: reports, reviews, history rows, the timeline, the assessment."""
# ruff: noqa: F811  (pytest fixtures imported from reporting_support)

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessment import services
from assessment.models import AssessmentResult, AssessmentScheme
from common import clock
from projects.models import Milestone, ProgressReport
from tests.assessment import builders
from tests.projects.reporting_support import SHANGHAI, media, pdf_bytes, report_data  # noqa: F401

pytestmark = pytest.mark.django_db

PINNED = dt.date(2010, 9, 30)
# The real clock during the test: another year, so a real date cannot pass for the pinned one.
REAL = dt.datetime(2026, 3, 15, 14, 5, tzinfo=SHANGHAI)


@pytest.fixture
def demo_clock(settings):
    settings.ZHUCHENG_TODAY = PINNED.isoformat()
    with time_machine.travel(REAL, tick=False):
        yield


def local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value)


def assert_pinned(value: dt.datetime, what: str) -> None:
    assert local(value).date() == PINNED, f"{what}: {local(value)}"
    assert local(value).strftime("%H:%M") == "14:05", f"{what}: {local(value)}"


def test_now_is_the_pinned_day_at_the_current_time_of_day(demo_clock):
    assert local(clock.now()) == dt.datetime(2010, 9, 30, 14, 5, tzinfo=SHANGHAI)
    assert clock.today() == PINNED


def test_now_is_the_real_time_when_nothing_is_pinned(settings):
    settings.ZHUCHENG_TODAY = ""
    with time_machine.travel(REAL, tick=False):
        assert clock.now() == REAL


def test_report_review_history_and_timeline_carry_the_pinned_day(demo_clock, client, city, media):
    client.force_login(city.alice)
    data = report_data(
        status="done",
        percent="100",
        done_date="2010-09-29",
        evidence=SimpleUploadedFile("材料.pdf", pdf_bytes(), content_type="application/pdf"),
    )
    response = client.post(reverse("milestone_report", args=[city.ms_zhijian.pk]), data)
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert_pinned(report.created_at, "report created_at")
    assert_pinned(report.history.get().history_date, "report history_date")
    [evidence] = report.evidence.all()
    assert_pinned(evidence.uploaded_at, "evidence uploaded_at")
    assert evidence.file.name.startswith("evidence/2010/09/")

    client.force_login(city.helen)
    client.post(reverse("report_review", args=[report.pk]), {"action": "approve"})
    client.force_login(city.olivia)
    client.post(reverse("report_review", args=[report.pk]), {"action": "accept"})
    report.refresh_from_db()
    assert report.review_state == ProgressReport.Review.ACCEPTED
    assert_pinned(report.head_approved_at, "head_approved_at")
    assert_pinned(report.reviewed_at, "reviewed_at")
    assert all(local(h.history_date).date() == PINNED for h in report.history.all())
    milestone = Milestone.objects.get(pk=city.ms_zhijian.pk)
    assert milestone.status == Milestone.Status.DONE
    assert_pinned(milestone.updated_at, "milestone updated_at")
    assert_pinned(milestone.history.first().history_date, "milestone history_date")

    page = client.get(reverse("milestone_detail", args=[milestone.pk])).content.decode()
    times = re.findall(r'<time datetime="[^"]*">([^<]*)</time>', page)
    assert times and all(t.startswith("2010-09-30 14:05") for t in times), times
    assert "2026" not in page


def test_assessment_computed_and_published_on_the_pinned_day(demo_clock, client, city):
    scheme = builders.bureau_scheme()
    client.force_login(city.olivia)
    response = client.post(
        reverse("assessment_compute", kwargs={"year": 2010}), {"scheme": scheme.pk}
    )
    assert response.status_code == 302
    for target in ("self", "verify", "notice"):
        response = client.post(
            reverse("assessment_stage", kwargs={"year": 2010}),
            {"scheme": scheme.pk, "target": target, "confirm": "on"},
        )
        assert response.status_code == 302
    scheme = AssessmentScheme.objects.get(pk=scheme.pk)
    assert_pinned(scheme.computed_at, "computed_at")
    assert scheme.notice_from == PINNED
    assert all(local(c.at).date() == PINNED for c in scheme.stage_changes.all())
    assert_pinned(scheme.updated_at, "scheme updated_at")
    results = AssessmentResult.objects.filter(scheme=scheme)
    assert results.exists()
    # Written by bulk_create_with_history: its history rows too.
    dates = {local(h.history_date).date() for h in AssessmentResult.history.all()}
    assert dates == {PINNED}
    page = client.get(reverse("assessment_ranking", kwargs={"year": 2010})).content.decode()
    assert "2026" not in page


def test_an_explicit_history_date_is_kept(demo_clock, city):
    """Code that sets ``_history_date`` on purpose (the demo loader's believable dates)."""
    milestone = Milestone.objects.get(pk=city.ms_zhijian.pk)
    milestone._history_date = dt.datetime(2010, 3, 1, 9, 0, tzinfo=SHANGHAI)
    milestone.percent = 10
    milestone.save()
    assert local(milestone.history.latest("history_id").history_date).date() == dt.date(2010, 3, 1)


def test_services_called_directly_use_the_pinned_day_too(demo_clock, city):
    scheme = builders.bureau_scheme()
    services.assessment_compute(scheme=scheme)
    scheme.refresh_from_db()
    assert_pinned(scheme.computed_at, "computed_at")


def test_a_timeline_written_before_and_after_the_pin_still_shows(client, city, settings):
    """Rows made on the real date, then edits on the pinned (earlier) day: the
    history is out of time order, and the milestone page must still render."""
    settings.ZHUCHENG_TODAY = "2010-07-15"
    milestone = Milestone.objects.get(pk=city.ms_zhijian.pk)
    milestone.name = "申报山东名牌"
    milestone.save()
    client.force_login(city.olivia)
    response = client.get(reverse("milestone_detail", args=[milestone.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "创建进度节点" in page and "申报名牌 → 申报山东名牌" in page


def test_a_change_stamped_on_the_pinned_day_still_renews_a_stored_pdf(city, settings, tmp_path):
    """Rows saved on the real date, then an edit on the (earlier) pinned day: the
    newest updated_at does not move, the PDF must be built again all the same."""
    from documents import files
    from documents import pdfs as pdf
    from tests.documents.pdf_support import pdf_text

    settings.MEDIA_ROOT = tmp_path
    before = files.file_request(kind="responsibility", params=pdf.responsibility_params(2010))
    assert "提高产品质量" in pdf_text(before.file.read())
    settings.ZHUCHENG_TODAY = "2010-07-15"
    city.project1.name = "提高工业产品质量"
    city.project1.save()
    after = files.file_request(kind="responsibility", params=pdf.responsibility_params(2010))
    assert after.pk != before.pk
    assert "提高工业产品质量" in pdf_text(after.file.read())


def test_a_story_told_as_of_past_days_keeps_its_days_and_the_audit_keeps_the_write_time(
    demo_clock, city
):
    """clock.as_of places the facts (sent, acknowledged) on the story's days; the
    audit stamps (updated_at, history) say when the write really happened."""
    from projects.models import Supervision
    from projects.services import supervision
    from tests import factories

    with clock.as_of(dt.date(2010, 9, 1)):
        [item] = supervision.supervision_send(
            milestones=[city.ms_zhijian], level=factories.ladder()[0], sender=city.olivia
        )
    with clock.as_of(dt.date(2010, 9, 2)):
        supervision.supervision_acknowledge(item=item, user=city.alice)
    item = Supervision.objects.get(pk=item.pk)
    assert (item.sent_on, local(item.sent_at).date()) == (dt.date(2010, 9, 1),) * 2
    assert (item.acknowledged_on, local(item.acknowledged_at).date()) == (dt.date(2010, 9, 2),) * 2
    assert not item.ack_late(dt.date(2010, 9, 30))
    assert_pinned(item.updated_at, "updated_at")
    for row in item.history.all():
        assert_pinned(row.history_date, "history")
    # Outside the story, today is the pinned day again.
    assert clock.today() == PINNED
