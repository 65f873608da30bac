"""Review: the unit head approves, the mayor's office accepts or returns."""
# ruff: noqa: F811  (pytest fixtures imported from reporting_support)

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects.models import Indicator, Milestone, ProgressReport
from projects.services import progress
from tests import factories
from tests.projects.reporting_support import frozen, report_data  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
Review = ProgressReport.Review


def review_url(report):
    return reverse("report_review", args=[report.pk])


def state(report) -> str:
    report.refresh_from_db()
    return report.review_state


# --- the full loop through the browser ---------------------------------------


def test_clerk_reports_head_approves_office_accepts_milestone_done(client, frozen, city):
    indicator = factories.IndicatorFactory(
        project=city.project1, subitem=city.sub_zhijian, name="山东名牌", target=5
    )
    # 1. the clerk reports the milestone done
    client.force_login(city.alice)
    data = report_data(
        status="done",
        percent="100",
        done_date="2010-09-20",
        **{f"indicator_{indicator.pk}": "6"},
    )
    assert (
        client.post(reverse("milestone_report", args=[city.ms_zhijian.pk]), data).status_code == 302
    )
    report = ProgressReport.objects.get()
    assert "待单位审核" in client.get(reverse("my_work")).content.decode()

    # 2. the head of 质监局 sees it on the review page and approves it
    client.force_login(city.helen)
    page = client.get(reverse("review"))
    assert [r.pk for r in page.context["page"]] == [report.pk]
    assert client.post(review_url(report), {"action": "approve"}).status_code == 302
    assert state(report) == Review.HEAD_APPROVED
    assert report.head_approved_by == city.helen
    city.ms_zhijian.refresh_from_db()
    assert city.ms_zhijian.done_date is None  # approval by the head does not finish it

    # 3. the mayor's office accepts
    client.force_login(city.olivia)
    assert [r.pk for r in client.get(reverse("review")).context["page"]] == [report.pk]
    assert client.post(review_url(report), {"action": "accept"}).status_code == 302
    assert state(report) == Review.ACCEPTED and report.reviewed_by == city.olivia

    city.ms_zhijian.refresh_from_db()
    assert city.ms_zhijian.status == Milestone.Status.DONE
    assert city.ms_zhijian.done_date == dt.date(2010, 9, 20)
    assert city.ms_zhijian.percent == 100
    indicator.refresh_from_db()
    assert indicator.actual == Decimal("6") and indicator.actual_date == dt.date(2010, 9, 20)

    client.force_login(city.alice)
    assert "已通过" in client.get(reverse("my_work")).content.decode()
    assert client.get(reverse("review")).status_code == 403


def test_return_loop_reason_shown_and_correction_submitted(client, frozen, city):
    client.force_login(city.alice)
    url = reverse("milestone_report", args=[city.ms_zhijian.pk])
    client.post(url, report_data(narrative="第一次填报"))
    first = ProgressReport.objects.get()
    client.force_login(city.helen)
    client.post(review_url(first), {"action": "approve"})

    # the office returns it: the reason is required
    client.force_login(city.olivia)
    response = client.post(review_url(first), {"action": "return", "reason": "  "})
    assert response.status_code == 200
    assert "退回时必须填写退回原因" in response.content.decode()
    assert state(first) == Review.HEAD_APPROVED
    response = client.post(review_url(first), {"action": "return", "reason": "请补充名牌申报材料"})
    assert response.status_code == 302
    assert state(first) == Review.RETURNED and first.return_reason == "请补充名牌申报材料"

    # the clerk sees why on /my/ and sends a correction, a new report
    client.force_login(city.alice)
    body = client.get(reverse("my_work")).content.decode()
    assert "已退回：请补充名牌申报材料" in body and "重新填报" in body
    seen = client.get(url).context["form"].initial["seen_report"]
    assert seen == first.pk
    assert (
        client.post(url, report_data(narrative="已补充材料", seen_report=seen)).status_code == 302
    )
    second = ProgressReport.objects.order_by("-pk").first()
    assert second.pk != first.pk and second.narrative == "已补充材料"
    assert state(first) == Review.RETURNED  # the returned report is kept as it was
    assert "待单位审核" in client.get(reverse("my_work")).content.decode()


def test_head_may_return_to_the_clerk(client, frozen, city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(city.helen)
    client.post(review_url(report), {"action": "return", "reason": "数据有误"})
    assert state(report) == Review.RETURNED
    assert report.head_approved_by == city.helen and report.reviewed_by is None


def test_accepting_an_in_progress_report_updates_status_and_percent(client, frozen, city, settings):
    settings.ZHUCHENG_HEAD_APPROVAL = False
    report = factories.make_report(city.ms_zhijian, city.alice, percent=70)
    client.force_login(city.olivia)
    client.post(review_url(report), {"action": "accept"})
    city.ms_zhijian.refresh_from_db()
    assert (city.ms_zhijian.status, city.ms_zhijian.percent) == ("in_progress", 70)
    assert city.ms_zhijian.done_date is None


def test_without_head_approval_office_reviews_submitted_reports(client, frozen, city, settings):
    settings.ZHUCHENG_HEAD_APPROVAL = False
    report = factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(city.olivia)
    assert [r.pk for r in client.get(reverse("review")).context["page"]] == [report.pk]
    client.force_login(city.helen)
    assert client.get(reverse("review")).status_code == 403
    assert client.post(review_url(report), {"action": "approve"}).status_code == 403
    client.force_login(city.alice)
    assert "待市府办审核" in client.get(reverse("my_work")).content.decode()


def test_with_head_approval_office_does_not_see_unapproved_reports(client, frozen, city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(city.olivia)
    assert list(client.get(reverse("review")).context["page"]) == []
    assert client.post(review_url(report), {"action": "accept"}).status_code == 403
    assert state(report) == Review.SUBMITTED


# --- permissions of the decision view -----------------------------------------


@pytest.mark.parametrize("action", ["approve", "accept", "return"])
def test_anonymous_decision_redirects_to_login(client, city, action):
    report = factories.make_report(city.ms_zhijian, city.alice)
    response = client.post(review_url(report), {"action": action, "reason": "x"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert state(report) == Review.SUBMITTED


@pytest.mark.parametrize("action", ["approve", "accept", "return"])
def test_clerk_may_not_decide_on_their_own_report(client, city, action):
    report = factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(city.alice)
    assert client.post(review_url(report), {"action": action, "reason": "x"}).status_code == 403
    assert state(report) == Review.SUBMITTED


def test_other_units_clerk_and_out_of_portfolio_mayor_get_404(client, city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    other = factories.make_report(city.ms_project2, city.bob)
    client.force_login(city.bob)
    assert client.post(review_url(report), {"action": "approve"}).status_code == 404
    assert client.get(review_url(report)).status_code == 404
    client.force_login(city.victor)
    assert client.post(review_url(other), {"action": "accept"}).status_code == 404
    assert client.post(review_url(report), {"action": "accept"}).status_code == 403
    assert client.get(reverse("review")).status_code == 403
    assert state(report) == Review.SUBMITTED and state(other) == Review.SUBMITTED


def test_head_of_another_unit_may_not_approve(client, city):
    head_shangwu = factories.make_user("sam", "单位负责人", city.shangwu)
    report = factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(head_shangwu)
    assert client.post(review_url(report), {"action": "approve"}).status_code == 404
    assert list(client.get(reverse("review")).context["page"]) == []
    assert state(report) == Review.SUBMITTED


def test_review_actions_require_post(client, city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(city.helen)
    assert client.get(review_url(report), {"action": "approve"}).status_code == 200
    assert state(report) == Review.SUBMITTED
    assert client.put(review_url(report)).status_code == 405


def test_deciding_twice_is_a_message_not_an_error(client, frozen, city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(city.helen)
    client.post(review_url(report), {"action": "approve"})
    client.force_login(city.olivia)
    client.post(review_url(report), {"action": "accept"})
    response = client.post(review_url(report), {"action": "accept"}, follow=True)
    assert response.status_code == 200
    assert "已处理" in response.content.decode()


def test_unknown_action_is_403(client, city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(city.olivia)
    assert client.post(review_url(report), {"action": "delete"}).status_code == 403


# --- services ---------------------------------------------------------------


def test_services_refuse_decisions_out_of_order(frozen, city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    with pytest.raises(progress.ReviewStateError):
        progress.progress_report_accept(report=report, user=city.olivia)  # head first
    progress.progress_report_head_approve(report=report, user=city.helen)
    with pytest.raises(progress.ReviewStateError):
        progress.progress_report_head_approve(report=report, user=city.helen)
    with pytest.raises(ValidationError):
        progress.progress_report_return(report=report, user=city.olivia, reason="")
    progress.progress_report_accept(report=report, user=city.olivia)
    with pytest.raises(progress.ReviewStateError):
        progress.progress_report_return(report=report, user=city.olivia, reason="晚了")


def test_an_older_report_accepted_late_does_not_undo_a_newer_one(frozen, city, settings):
    settings.ZHUCHENG_HEAD_APPROVAL = False
    indicator = factories.IndicatorFactory(project=city.project1, subitem=city.sub_zhijian)
    old = progress.progress_report_submit(
        milestone=city.ms_zhijian,
        author=city.alice,
        status="in_progress",
        percent=40,
        narrative="旧",
        indicator_values={indicator.pk: Decimal(1)},
    )
    frozen.shift(dt.timedelta(hours=1))
    new = progress.progress_report_submit(
        milestone=city.ms_zhijian,
        author=city.alice,
        status="done",
        percent=100,
        narrative="新",
        done_date=dt.date(2010, 9, 1),
        indicator_values={indicator.pk: Decimal(9)},
    )
    progress.progress_report_accept(report=new, user=city.olivia)
    progress.progress_report_accept(report=old, user=city.olivia)
    city.ms_zhijian.refresh_from_db()
    assert city.ms_zhijian.done_date == dt.date(2010, 9, 1)
    assert Indicator.objects.get().actual == Decimal(9)


def test_submit_service_refuses_a_closed_year(frozen, city):
    city.plan.is_closed = True
    city.plan.save()
    with pytest.raises(ValidationError, match="已结束"):
        progress.progress_report_submit(
            milestone=city.ms_zhijian,
            author=city.alice,
            status="in_progress",
            percent=1,
            narrative="x",
        )
    assert not ProgressReport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_accepting_at_once_accept_once(city):
    """The services lock the milestone row: the second decision waits for the
    first and then finds the report already decided (on PostgreSQL). SQLite
    refuses the second writer outright; either way exactly one acceptance."""
    import threading

    from django.db import OperationalError, connection

    report = factories.make_report(city.ms_zhijian, city.alice)
    progress.progress_report_head_approve(report=report, user=city.helen)
    barrier = threading.Barrier(2)
    outcomes = []

    def accept():
        try:
            barrier.wait()
            progress.progress_report_accept(
                report=ProgressReport.objects.get(pk=report.pk), user=city.olivia
            )
            outcomes.append("accepted")
        except (progress.ReviewStateError, OperationalError) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "OperationalError" or "ReviewStateError" in outcomes
    assert outcomes.count("accepted") == 1
    transitions = report.history.filter(review_state="accepted").count()
    assert transitions == 1
    assert city.ms_zhijian.history.filter(history_type="~").count() == 1
