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
from tests.projects.reporting_support import (  # noqa: F401 (fixtures)
    at_the_same_moment,
    frozen,
    report_data,
)

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
    first and then finds the report already decided: exactly one acceptance."""
    report = factories.make_report(city.ms_zhijian, city.alice)
    progress.progress_report_head_approve(report=report, user=city.helen)

    def accept():
        try:
            progress.progress_report_accept(
                report=ProgressReport.objects.get(pk=report.pk), user=city.olivia
            )
            return "accepted"
        except progress.ReviewStateError:
            return "ReviewStateError"

    outcomes = at_the_same_moment(accept, accept, lock_milestone=city.ms_zhijian)
    assert sorted(outcomes) == ["ReviewStateError", "accepted"], outcomes
    assert outcomes.count("accepted") == 1
    transitions = report.history.filter(review_state="accepted").count()
    assert transitions == 1
    assert city.ms_zhijian.history.filter(history_type="~").count() == 1


# --- separation of duties (issue 16, item 8) -----------------------------------


def test_a_heads_own_report_goes_to_the_office_with_a_note(client, frozen, city):
    client.force_login(city.helen)
    url = reverse("milestone_report", args=[city.ms_zhijian.pk])
    assert client.post(url, report_data()).status_code == 302
    report = ProgressReport.objects.get()
    assert (report.author, report.review_state) == (city.helen, "to_office")
    assert report.route_note == "head_own"

    # helen may not approve it: not on her list, no button, a forged POST refused
    assert list(client.get(reverse("review")).context["page"]) == []
    page = client.get(review_url(report))
    body = page.content.decode()
    assert page.context["allowed"] == set() and 'name="action"' not in body
    assert "这是您本人的填报，须由他人审核" in body
    assert client.post(review_url(report), {"action": "approve"}).status_code == 403
    assert state(report) == Review.TO_OFFICE and report.head_approved_by is None
    assert "待市府办审核" in client.get(reverse("my_work")).content.decode()

    # the office has it, with the note, and decides
    client.force_login(city.olivia)
    listing = client.get(reverse("review"))
    assert [r.pk for r in listing.context["page"]] == [report.pk]
    assert "单位负责人本人填报" in listing.content.decode()
    assert "单位负责人本人填报" in client.get(review_url(report)).content.decode()
    assert client.post(review_url(report), {"action": "accept"}).status_code == 302
    assert state(report) == Review.ACCEPTED and report.reviewed_by == city.olivia

    # the milestone's timeline keeps the note with the report
    detail = client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk]))
    assert any(
        "单位负责人本人填报，不经本人审核，直接报送市政府办公室" in d
        for e in detail.context["timeline"]
        for d in e.details
    )


def _reviewer_clerk(city):
    """A reviewer of the mayor's office who is also a clerk of 质监局."""
    from django.contrib.auth.models import Group

    from responsibility import roles

    rita = factories.make_user("rita", roles.REVIEWER, city.zhijian)
    rita.groups.add(Group.objects.get_or_create(name=roles.CLERK)[0])
    return type(rita).objects.get(pk=rita.pk)


def _admin_of_zhijian(city):
    from responsibility import roles

    return factories.make_user("root", roles.ADMIN, city.zhijian, is_superuser=True)


@pytest.mark.parametrize("head_approval", [True, False])
@pytest.mark.parametrize("make_author", [_reviewer_clerk, _admin_of_zhijian])
def test_a_reviewer_or_admin_who_reported_may_not_accept_it(
    client, frozen, city, settings, head_approval, make_author
):
    from django.core.exceptions import PermissionDenied

    settings.ZHUCHENG_HEAD_APPROVAL = head_approval
    author = make_author(city)
    client.force_login(author)
    url = reverse("milestone_report", args=[city.ms_zhijian.pk])
    assert client.post(url, report_data()).status_code == 302
    report = ProgressReport.objects.get()
    if report.review_state == Review.SUBMITTED and head_approval:
        client.force_login(city.helen)
        client.post(review_url(report), {"action": "approve"})
        client.force_login(author)
    waiting = state(report)
    assert waiting in ("head_approved", "to_office", "submitted")

    assert report.pk not in [r.pk for r in client.get(reverse("review")).context["page"]]
    page = client.get(review_url(report))
    assert 'name="action"' not in page.content.decode()
    for action in ("accept", "return"):
        response = client.post(review_url(report), {"action": action, "reason": "自己退回"})
        assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        progress.progress_report_accept(report=report, user=author)
    assert state(report) == waiting

    client.force_login(city.olivia)  # someone else of the office
    assert client.post(review_url(report), {"action": "accept"}).status_code == 302
    assert state(report) == Review.ACCEPTED


def test_a_unit_without_a_head_reports_to_the_office_with_a_note(client, frozen, city):
    from responsibility import roles

    # 商务局 has a head account, but it is switched off; no one can approve.
    factories.make_user("sam", roles.UNIT_HEAD, city.shangwu, is_active=False)
    client.force_login(city.bob)
    url = reverse("milestone_report", args=[city.ms_shangwu.pk])
    assert client.post(url, report_data()).status_code == 302
    report = ProgressReport.objects.get()
    assert report.review_state == "to_office"
    assert report.route_note == "no_head"
    body = client.get(reverse("milestone_detail", args=[city.ms_shangwu.pk])).content.decode()
    assert "本单位没有单位负责人账号，直接报送市政府办公室" in body
    assert "待市府办审核" in client.get(reverse("my_work")).content.decode()

    client.force_login(city.olivia)
    assert [r.pk for r in client.get(reverse("review")).context["page"]] == [report.pk]
    assert client.post(review_url(report), {"action": "accept"}).status_code == 302
    assert state(report) == Review.ACCEPTED


def test_a_clerks_report_still_waits_for_the_unit_head(client, frozen, city):
    client.force_login(city.alice)
    client.post(reverse("milestone_report", args=[city.ms_zhijian.pk]), report_data())
    report = ProgressReport.objects.get()
    assert (report.review_state, report.route_note) == (Review.SUBMITTED, "")


# --- a double submit is answered kindly (issue 16, item 10) ---------------------


@pytest.mark.parametrize(
    ("who", "action", "before"),
    [
        ("helen", "approve", None),
        ("helen", "return", None),
        ("olivia", "accept", "helen"),
        ("olivia", "return", "helen"),
    ],
)
def test_a_double_click_is_answered_with_a_message_not_an_error(
    client, frozen, city, who, action, before
):
    report = factories.make_report(city.ms_zhijian, city.alice)
    if before:
        progress.progress_report_head_approve(report=report, user=getattr(city, before))
    client.force_login(getattr(city, who))
    data = {"action": action, "reason": "数据有误"}
    assert client.post(review_url(report), data).status_code == 302
    decided = state(report)
    response = client.post(review_url(report), data, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(review_url(report), 302)]
    assert "该填报已处理" in response.content.decode()
    assert state(report) == decided
    assert report.history.count() == (3 if before else 2)  # created, (approved,) decided


@pytest.mark.django_db(transaction=True)
def test_a_double_click_arriving_at_once_decides_once_and_tells_the_other(city):
    """Two approvals by the head, sent at the same moment (two tabs, a double
    click): both read "submitted"; the service decides under the lock, so one
    approves and the other gets the kind message."""
    from django.contrib.messages import get_messages
    from django.test import Client

    report = factories.make_report(city.ms_zhijian, city.alice)
    clients = [Client(), Client()]
    for c in clients:
        c.force_login(city.helen)

    def approve(c):
        return lambda: c.post(review_url(report), {"action": "approve"})

    results = at_the_same_moment(*map(approve, clients), lock_milestone=city.ms_zhijian)
    assert state(report) == Review.HEAD_APPROVED
    assert report.history.filter(review_state=Review.HEAD_APPROVED).count() == 1
    assert all(r.status_code == 302 for r in results), results
    approved = [r for r in results if r.url == reverse("review")]
    told = [r for r in results if r.url == review_url(report)]
    assert (len(approved), len(told)) == (1, 1)
    for r in told:
        assert any("该填报已处理" in str(m) for m in get_messages(r.wsgi_request))


# --- one state machine: access, services and pages agree (issue 11) -----------


class _Rollback(Exception):
    pass


def _offered(client, report) -> set[str]:
    """The decision buttons the review page shows (none when the page is refused)."""
    import re

    response = client.get(review_url(report))
    if response.status_code in (403, 404):
        return set()
    assert response.status_code == 200
    return set(re.findall(r'name="action" value="(\w+)"', response.content.decode()))


def _service_accepts(report, user, action) -> bool:
    """Whether the service takes the decision (rolled back either way)."""
    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    try:
        with transaction.atomic():
            progress.progress_report_decide(
                report=report, user=user, action=action, reason="请补充"
            )
            raise _Rollback
    except _Rollback:
        return True
    except (progress.ReviewStateError, PermissionDenied):
        return False


@pytest.fixture
def review_people(city):
    """Everyone who might try a decision: the city's people, a head of another unit,
    a reviewer who is also a clerk of 质监局, and an administrator of 质监局 (a
    superuser holds every role, the head's included)."""
    from django.contrib.auth.models import Group

    from responsibility import roles

    rita = factories.make_user("rita", roles.REVIEWER, city.zhijian)
    rita.groups.add(Group.objects.get_or_create(name=roles.CLERK)[0])
    people = {
        "alice": city.alice,
        "bob": city.bob,
        "helen": city.helen,
        "sam": factories.make_user("sam", roles.UNIT_HEAD, city.shangwu),
        "olivia": city.olivia,
        "adam": city.adam,
        "victor": city.victor,
        "rita": rita,
        "root": factories.make_user(
            "root", roles.ADMIN, city.zhijian, is_staff=True, is_superuser=True
        ),
    }
    return {name: type(user).objects.get(pk=user.pk) for name, user in people.items()}


@pytest.mark.parametrize("head_approval", [True, False])
def test_access_service_page_and_work_list_agree_on_every_decision(
    client, frozen, city, settings, review_people, head_approval
):
    """For every (user, report state, author, action): the access check's answer is
    what the service accepts and what the review page offers as a button, and the
    review list holds exactly the reports with something to decide."""
    from django.core.exceptions import PermissionDenied

    from projects import access, review

    settings.ZHUCHENG_HEAD_APPROVAL = head_approval
    people = review_people
    cases = [(s, None) for s in review.State if s != Review.HEAD_APPROVED]
    cases += [(Review.HEAD_APPROVED, "helen"), (Review.HEAD_APPROVED, "root")]
    reports = []
    for review_state, approver in cases:
        for author in ("alice", "helen", "rita"):
            fields = {"review_state": review_state}
            if approver:
                fields.update(head_approved_by=people[approver], head_approved_at=frozen_now())
            if review_state == Review.TO_OFFICE:
                fields["route_note"] = review.Route.HEAD_OWN
            if review_state in review.FINAL_STATES:
                fields.update(reviewed_by=city.olivia, reviewed_at=frozen_now())
            if review_state == Review.RETURNED:
                fields["return_reason"] = "请补充"
            # One milestone each: the page then shows no pile of earlier reports.
            milestone = factories.MilestoneFactory(
                project=city.project1, subitem=city.sub_zhijian, unit=city.zhijian
            )
            reports.append(factories.make_report(milestone, people[author], **fields))

    decided = 0
    for name, user in people.items():
        client.force_login(user)
        try:
            listed = set(access.reports_to_review(user).values_list("pk", flat=True))
        except PermissionDenied:
            listed = set()
        for report in reports:
            fresh = ProgressReport.objects.select_related("milestone").get(pk=report.pk)
            says = {a.value for a in access.review_actions(user, fresh)}
            where = (name, fresh.review_state, fresh.author.username, fresh.head_approved_by)
            assert _offered(client, fresh) == says, where
            for action in review.Action:
                assert _service_accepts(fresh, user, action) == (action in says), (where, action)
            assert (fresh.pk in listed) == bool(says), where
            decided += bool(says)
            assert state(report) == fresh.review_state  # nothing kept
    assert decided  # the matrix is not empty of decisions


def frozen_now():
    from django.utils import timezone

    return timezone.now()


def test_the_state_machine_table():
    """The moves as a table, as the README describes the flow."""
    from projects import review

    def table(head_approval):
        return {
            (m.source.value, m.action.value, m.target.value, m.by.value)
            for m in review.moves(head_approval=head_approval)
        }

    office = {
        ("to_office", "accept", "accepted", "office"),
        ("to_office", "return", "returned", "office"),
        ("head_approved", "accept", "accepted", "office"),
        ("head_approved", "return", "returned", "office"),
    }
    assert table(True) == office | {
        ("submitted", "approve", "head_approved", "head"),
        ("submitted", "return", "returned", "head"),
    }
    assert table(False) == office | {
        ("submitted", "accept", "accepted", "office"),
        ("submitted", "return", "returned", "office"),
    }
