"""延期申请: a clerk asks before the due date, the unit head and then the mayor's
office decide; on approval the due date moves, the first one stays on record, and
on-time is judged against the approved date."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from common import clock
from projects import access, review, status
from projects.models import DeadlineExtension, Milestone, PlanYear
from projects.services import extensions, progress
from responsibility import roles
from tests import factories
from tests.projects.reporting_support import at_the_same_moment
from tests.security.bounded import checksum, fill

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
Review = DeadlineExtension.Review
TABLES = (
    "projects.DeadlineExtension",
    "projects.HistoricalDeadlineExtension",
    "projects.Milestone",
    "projects.HistoricalMilestone",
)


def travel(day: str, hour: int = 10):
    return time_machine.travel(
        dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI), tick=False
    )


@pytest.fixture
def june():
    """2010-06-20 in Zhucheng: 申报名牌 (质监局, due 6-30) is ten days from its due date."""
    with travel("2010-06-20") as traveller:
        yield traveller


def request_url(milestone) -> str:
    return reverse("milestone_extension", args=[milestone.pk])


def detail_url(extension) -> str:
    return reverse("extension_detail", args=[extension.pk])


def request_data(**overrides) -> dict:
    data = {
        "new_due_date": "2010-07-31",
        "reason": "省局名牌申报推迟至七月受理，需等待省局通知。",
        "progress": "申报材料已准备完毕，企业自评已完成。",
    }
    data.update(overrides)
    return data


def ask(milestone, user, **overrides) -> DeadlineExtension:
    """A request through the service (the view's path is tested apart)."""
    fields = {
        "new_due_date": dt.date(2010, 7, 31),
        "reason": "省局名牌申报推迟。",
        "progress": "材料已准备。",
    }
    fields.update(overrides)
    return extensions.extension_request(milestone=milestone, user=user, **fields)


def fresh(obj):
    obj.refresh_from_db()
    return obj


def body(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# --- The request form: three ways ------------------------------------------------------------


def test_anonymous_request_form_redirects_to_login(client, city):
    for method in ("get", "post"):
        response = getattr(client, method)(request_url(city.ms_zhijian), request_data())
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not DeadlineExtension.objects.exists()


def test_another_units_clerk_gets_404_and_readers_who_may_not_ask_get_403(client, june, city):
    client.force_login(city.bob)
    assert client.get(request_url(city.ms_zhijian)).status_code == 404
    assert client.post(request_url(city.ms_zhijian), request_data()).status_code == 404
    for reader in (city.victor, city.olivia):  # they read the milestone, and may not ask
        client.force_login(reader)
        assert client.get(request_url(city.ms_zhijian)).status_code == 403
        assert client.post(request_url(city.ms_zhijian), request_data()).status_code == 403
    client.force_login(city.victor)
    assert client.get(request_url(city.ms_project2)).status_code == 404  # not their portfolio
    assert not DeadlineExtension.objects.exists()


def test_clerk_and_head_of_the_unit_get_the_form(client, june, city):
    for user in (city.alice, city.helen):
        client.force_login(user)
        response = client.get(request_url(city.ms_zhijian))
        assert response.status_code == 200
        html = body(response)
        assert 'type="date"' in html and 'name="new_due_date"' in html
        for label in ("申请延期至", "延期理由", "目前进展"):
            assert f"{label}" in html
        assert '<label for="id_reason">' in html


# --- The full loops ------------------------------------------------------------------------


def test_clerk_asks_head_approves_office_approves_and_the_due_date_moves(client, june, city):
    milestone = city.ms_zhijian
    # 1. the clerk asks, ten days before the due date
    client.force_login(city.alice)
    response = client.post(request_url(milestone), request_data())
    assert response.status_code == 302
    extension = DeadlineExtension.objects.get()
    assert response.url == detail_url(extension)
    assert (extension.review_state, extension.route_note) == (Review.SUBMITTED, "")
    assert (extension.old_due_date, extension.new_due_date) == (
        dt.date(2010, 6, 30),
        dt.date(2010, 7, 31),
    )
    assert extension.requested_by == city.alice
    assert fresh(milestone).due_date == dt.date(2010, 6, 30)  # asking changes nothing
    assert "延期申请审批中" in body(client.get(reverse("my_work")))

    # 2. the head of 质监局 sees it on /review/ and approves it
    client.force_login(city.helen)
    page = client.get(reverse("review"))
    assert [e.pk for e in page.context["extension_page"]] == [extension.pk]
    assert detail_url(extension) in body(page)
    assert client.post(detail_url(extension), {"action": "approve"}).status_code == 302
    assert fresh(extension).review_state == Review.HEAD_APPROVED
    assert extension.head_approved_by == city.helen
    assert fresh(milestone).due_date == dt.date(2010, 6, 30)
    assert list(client.get(reverse("review")).context["extension_page"]) == []

    # 3. the mayor's office approves: the due date moves, the first one stays on record
    client.force_login(city.olivia)
    assert [e.pk for e in client.get(reverse("review")).context["extension_page"]] == [extension.pk]
    before = fresh(milestone).updated_at
    june.shift(dt.timedelta(hours=2))
    client.force_login(city.olivia)  # sessions end after an idle hour
    assert client.post(detail_url(extension), {"action": "accept"}).status_code == 302
    assert fresh(extension).review_state == Review.ACCEPTED
    assert extension.reviewed_by == city.olivia
    fresh(milestone)
    assert milestone.due_date == dt.date(2010, 7, 31)
    assert milestone.original_due_date == dt.date(2010, 6, 30)
    assert milestone.was_extended
    assert milestone.updated_at > before

    record = milestone.history.order_by("-history_id").first()
    assert record.history_user == city.olivia
    assert record.history_change_reason.startswith("批准延期申请：省局名牌申报推迟")

    # 4. the clerk sees the outcome on the milestone page and on /my/
    client.force_login(city.alice)
    html = body(client.get(reverse("milestone_detail", args=[milestone.pk])))
    assert "2010年7月31日" in html and "（原定 2010年6月30日，已批准延期）" in html
    assert "已批准" in html
    assert "延期申请审批中" not in body(client.get(reverse("my_work")))


def test_head_refuses_with_a_reason_and_nothing_changes(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    client.force_login(city.helen)
    before = checksum("projects.Milestone", "projects.HistoricalMilestone")
    response = client.post(detail_url(extension), {"action": "return", "reason": "  "})
    assert response.status_code == 200
    assert "不予批准时必须填写理由" in body(response)
    assert fresh(extension).review_state == Review.SUBMITTED

    response = client.post(detail_url(extension), {"action": "return", "reason": "理由不充分"})
    assert response.status_code == 302
    assert fresh(extension).review_state == Review.RETURNED
    assert extension.return_reason == "理由不充分"
    assert extension.head_approved_by == city.helen and extension.reviewed_by is None
    assert checksum("projects.Milestone", "projects.HistoricalMilestone") == before
    # The office never sees it; the clerk sees why, and may ask again.
    client.force_login(city.olivia)
    assert list(client.get(reverse("review")).context["extension_page"]) == []
    client.force_login(city.alice)
    html = body(client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk])))
    assert "不予批准" in html and "理由不充分" in html and "申请延期" in html
    assert client.post(request_url(city.ms_zhijian), request_data()).status_code == 302
    assert DeadlineExtension.objects.count() == 2


def test_office_refuses_with_a_reason_and_nothing_changes(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    extensions.extension_decide(extension=extension, user=city.helen, action="approve")
    before = checksum("projects.Milestone", "projects.HistoricalMilestone")
    client.force_login(city.olivia)
    response = client.post(
        detail_url(extension), {"action": "return", "reason": "请按原定时限完成"}
    )
    assert response.status_code == 302
    assert fresh(extension).review_state == Review.RETURNED
    assert extension.reviewed_by == city.olivia and extension.return_reason == "请按原定时限完成"
    assert checksum("projects.Milestone", "projects.HistoricalMilestone") == before
    assert fresh(city.ms_zhijian).due_date == dt.date(2010, 6, 30)
    assert not city.ms_zhijian.was_extended


def test_without_head_approval_the_office_decides_alone(client, june, city, settings):
    settings.ZHUCHENG_HEAD_APPROVAL = False
    extension = ask(city.ms_zhijian, city.alice)
    assert extension.review_state == Review.SUBMITTED
    client.force_login(city.helen)
    assert client.post(detail_url(extension), {"action": "approve"}).status_code == 403
    client.force_login(city.olivia)
    assert client.post(detail_url(extension), {"action": "accept"}).status_code == 302
    assert fresh(city.ms_zhijian).due_date == dt.date(2010, 7, 31)


def test_a_heads_own_request_goes_to_the_office_with_a_note(client, june, city):
    client.force_login(city.helen)
    assert client.post(request_url(city.ms_zhijian), request_data()).status_code == 302
    extension = DeadlineExtension.objects.get()
    assert extension.review_state == Review.TO_OFFICE
    assert extension.route_note == review.Route.HEAD_OWN
    # She cannot approve it herself, and it is not on her list.
    assert list(client.get(reverse("review")).context["extension_page"]) == []
    before = checksum(*TABLES)
    response = client.post(detail_url(extension), {"action": "approve"})
    assert response.status_code == 403
    assert "这是您本人提出的延期申请，须由他人审批" in " ".join(messages_of(response))
    assert checksum(*TABLES) == before
    # The office sees it with the note, and approves.
    client.force_login(city.olivia)
    page = client.get(reverse("review"))
    assert [e.pk for e in page.context["extension_page"]] == [extension.pk]
    assert "单位负责人本人填报" in body(page)
    assert client.post(detail_url(extension), {"action": "accept"}).status_code == 302
    assert fresh(city.ms_zhijian).due_date == dt.date(2010, 7, 31)


def test_a_unit_without_a_head_asks_the_office_directly(june, city):
    extension = ask(city.ms_shangwu, city.bob, new_due_date=dt.date(2010, 10, 15))
    assert extension.review_state == Review.TO_OFFICE
    assert extension.route_note == review.Route.NO_HEAD


def test_nobody_approves_their_own_request(client, june, city):
    """An office reviewer who is also a clerk of 质监局 asks; after the head's approval
    the decision is a colleague's: the page says so and nothing changes."""
    oscar = factories.make_user("oscar", roles.CLERK, city.zhijian)
    oscar.groups.add(*city.olivia.groups.all())
    extension = ask(city.ms_zhijian, oscar)
    extensions.extension_decide(extension=extension, user=city.helen, action="approve")
    client.force_login(oscar)
    assert list(client.get(reverse("review")).context["extension_page"]) == []
    page = client.get(detail_url(extension))
    assert page.status_code == 200 and 'value="accept"' not in body(page)
    before = checksum(*TABLES)
    response = client.post(detail_url(extension), {"action": "accept"})
    assert response.status_code == 403
    assert "这是您本人提出的延期申请，须由他人审批" in body(response)
    assert checksum(*TABLES) == before
    with pytest.raises(PermissionDenied):
        extensions.extension_decide(extension=extension, user=oscar, action="accept")
    assert fresh(extension).review_state == Review.HEAD_APPROVED


def test_the_head_who_approved_does_not_also_approve_for_the_office(june, city):
    helen_reviewer = city.helen
    helen_reviewer.groups.add(*city.olivia.groups.all())
    extension = ask(city.ms_zhijian, city.alice)
    extensions.extension_decide(extension=extension, user=helen_reviewer, action="approve")
    with pytest.raises(PermissionDenied, match="须由市政府办公室其他人员审批"):
        extensions.extension_decide(extension=extension, user=helen_reviewer, action="accept")
    assert fresh(extension).review_state == Review.HEAD_APPROVED


def test_a_double_click_is_answered_with_a_message(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    client.force_login(city.helen)
    client.post(detail_url(extension), {"action": "approve"})
    approved_at = fresh(extension).head_approved_at
    response = client.post(detail_url(extension), {"action": "approve"}, follow=True)
    assert response.status_code == 200
    assert "该延期申请已处理（当前状态：单位已审核），无需重复操作" in body(response)
    assert fresh(extension).head_approved_at == approved_at

    client.force_login(city.olivia)
    client.post(detail_url(extension), {"action": "accept"})
    before = checksum(*TABLES)
    for action in ("accept", "return"):
        response = client.post(detail_url(extension), {"action": action, "reason": "x"})
        assert response.status_code == 302 and response.url == detail_url(extension)
        assert "已处理" in " ".join(messages_of(response))
    assert checksum(*TABLES) == before
    assert fresh(city.ms_zhijian).due_date == dt.date(2010, 7, 31)
    with pytest.raises(extensions.ExtensionStateError):
        extensions.extension_decide(extension=extension, user=city.olivia, action="accept")


def test_the_office_cannot_decide_before_the_head(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    client.force_login(city.olivia)
    page = client.get(detail_url(extension))
    assert page.status_code == 200 and 'value="accept"' not in body(page)
    response = client.post(detail_url(extension), {"action": "accept"})
    assert response.status_code == 403
    assert "还未轮到您审批" in body(response)
    assert fresh(extension).review_state == Review.SUBMITTED
    with pytest.raises(extensions.ExtensionStateError):
        extensions.extension_decide(extension=extension, user=city.olivia, action="accept")


# --- The decision page: three ways -------------------------------------------------------


def test_anonymous_decision_page_redirects_to_login(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    for method in ("get", "post"):
        response = getattr(client, method)(detail_url(extension), {"action": "approve"})
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert fresh(extension).review_state == Review.SUBMITTED


def test_another_units_readers_get_404_and_readers_without_a_role_403(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    head_shangwu = factories.make_user("sam", roles.UNIT_HEAD, city.shangwu)
    for outsider in (city.bob, head_shangwu):
        client.force_login(outsider)
        assert client.get(detail_url(extension)).status_code == 404
        assert client.post(detail_url(extension), {"action": "approve"}).status_code == 404
    # A vice-mayor (project 1 is theirs) and the clerk read it, and may not decide.
    for reader in (city.victor, city.alice):
        client.force_login(reader)
        page = client.get(detail_url(extension))
        assert page.status_code == 200
        assert '<form method="post">' not in body(page) and 'name="action"' not in body(page)
        waiting = "这是您本人提出的申请" if reader == city.alice else "您无需操作"
        assert waiting in body(page) and "当前待单位审核" in body(page)
        for action in ("approve", "accept", "return"):
            response = client.post(detail_url(extension), {"action": action, "reason": "x"})
            assert response.status_code == 403
    client.force_login(city.helen)
    assert client.post(detail_url(extension), {"action": "bogus"}).status_code == 403
    assert fresh(extension).review_state == Review.SUBMITTED


def test_the_head_gets_the_decision_forms(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    client.force_login(city.helen)
    page = client.get(detail_url(extension))
    assert page.status_code == 200
    html = body(page)
    assert 'value="approve"' in html and 'value="return"' in html and 'value="accept"' not in html
    assert "省局名牌申报推迟" in html and "材料已准备" in html
    assert '<label for="id_reason">不予批准理由' in html


def test_the_review_list_is_for_heads_and_the_office_only(client, june, city):
    ask(city.ms_zhijian, city.alice)
    client.force_login(city.alice)
    assert client.get(reverse("review")).status_code == 403
    client.force_login(city.helen)
    assert "延期申请" in body(client.get(reverse("review")))


# --- Bad requests: a Chinese message, and nothing stored ------------------------------------


def refused(client, user, milestone, data, *messages_expected) -> str:
    client.force_login(user)
    before = checksum(*TABLES)
    response = client.post(request_url(milestone), data)
    assert response.status_code == 200, response.status_code
    html = body(response)
    for message in messages_expected:
        assert message in html, (message, html[-3000:])
    assert checksum(*TABLES) == before
    return html


def test_on_the_due_date_itself_a_request_is_still_taken(client, city):
    with travel("2010-06-30", hour=23):
        client.force_login(city.alice)
        assert client.post(request_url(city.ms_zhijian), request_data()).status_code == 302
    assert DeadlineExtension.objects.count() == 1


def test_after_the_due_date_no_request_is_taken(client, city):
    with travel("2010-07-01", hour=0):
        refused(client, city.alice, city.ms_zhijian, request_data(), "已过，不能再申请延期")
        page = body(client.get(request_url(city.ms_zhijian)))
        assert "已过，不能再申请延期" in page and 'name="new_due_date"' not in page
        html = body(client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk])))
        assert request_url(city.ms_zhijian) not in html
        with pytest.raises(ValidationError):
            ask(city.ms_zhijian, city.alice)
    assert not DeadlineExtension.objects.exists()


def test_a_done_milestone_needs_no_extension(client, june, city):
    Milestone.objects.filter(pk=city.ms_zhijian.pk).update(
        status="done", done_date=dt.date(2010, 6, 10), percent=100
    )
    refused(client, city.alice, city.ms_zhijian, request_data(), "该节点已完成，无需申请延期")


@pytest.mark.parametrize(
    ("new_date", "message"),
    [
        ("2010-06-30", "申请延期至的日期应晚于当前完成时限（2010年6月30日）"),
        ("2010-06-25", "申请延期至的日期应晚于当前完成时限"),
        ("2010-06-01", "申请延期至的日期不能早于今天（2010年6月20日）"),
        ("2011-01-15", "申请延期至的日期应在2010年度内（不晚于2010年12月31日）"),
        ("2010-02-30", "请按 年-月-日 格式填写日期"),
        ("", "请填写申请延期至的日期"),
    ],
)
def test_a_bad_new_date_is_refused_next_to_the_field(client, june, city, new_date, message):
    html = refused(
        client, city.alice, city.ms_zhijian, request_data(new_due_date=new_date), message
    )
    assert 'id="id_new_due_date_error"' in html  # next to the field


def test_a_closed_year_takes_no_request(client, june, city):
    PlanYear.objects.filter(pk=city.plan.pk).update(is_closed=True)
    refused(client, city.alice, city.ms_zhijian, request_data(), "2010年度已结束，不再受理延期申请")


def test_a_second_request_while_one_is_open_is_answered_kindly(client, june, city):
    first = ask(city.ms_zhijian, city.alice)
    html = refused(
        client, city.helen, city.ms_zhijian, request_data(), "该节点已有一份延期申请正在审批中"
    )
    assert detail_url(first) in html
    page = body(client.get(request_url(city.ms_zhijian)))
    assert "正在审批中" in page and 'name="new_due_date"' not in page
    html = body(client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk])))
    assert request_url(city.ms_zhijian) not in html  # no button while one is open
    with pytest.raises(extensions.OpenExtensionError) as caught:
        ask(city.ms_zhijian, city.helen)
    assert caught.value.extension == first


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reason", "", "请填写延期理由"),
        ("reason", " \u3000\n ", "请填写延期理由"),
        ("progress", "", "请填写目前进展"),
        ("progress", "   ", "请填写目前进展"),
        ("reason", fill(1001), "延期理由最多1000字（现有1001字）"),
        ("progress", fill(2001), "目前进展最多2000字（现有2001字）"),
        ("reason", "推进\x00中", "空字符"),
    ],
)
def test_empty_or_over_long_texts_are_refused(client, june, city, field, value, message):
    refused(client, city.alice, city.ms_zhijian, request_data(**{field: value}), message)


def test_texts_at_their_limit_are_stored_whole(client, june, city):
    client.force_login(city.alice)
    data = request_data(reason=fill(1000), progress=fill(2000))
    assert client.post(request_url(city.ms_zhijian), data).status_code == 302
    stored = DeadlineExtension.objects.get()
    assert (stored.reason, stored.progress) == (fill(1000), fill(2000))
    extensions.extension_decide(extension=stored, user=city.helen, action="approve")
    extensions.extension_decide(extension=stored, user=city.olivia, action="accept")
    reason = fresh(city.ms_zhijian).history.order_by("-history_id").first().history_change_reason
    assert len(reason) == 100 and reason.endswith("…")


def test_a_long_refusal_reason_is_refused_over_its_limit(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    client.force_login(city.helen)
    response = client.post(detail_url(extension), {"action": "return", "reason": fill(1001)})
    assert response.status_code == 200 and "不予批准理由最多1000字" in body(response)
    assert fresh(extension).review_state == Review.SUBMITTED
    response = client.post(detail_url(extension), {"action": "return", "reason": fill(1000)})
    assert response.status_code == 302 and fresh(extension).return_reason == fill(1000)


def test_the_service_checks_everything_the_form_does(june, city):
    cases = [
        ({"reason": "  "}, "reason"),
        ({"progress": ""}, "progress"),
        ({"reason": fill(1001)}, "reason"),
        ({"progress": "a\x00b"}, "progress"),
        ({"new_due_date": dt.date(2010, 6, 30)}, "new_due_date"),
        ({"new_due_date": dt.date(2011, 1, 1)}, "new_due_date"),
    ]
    for overrides, field in cases:
        with pytest.raises(ValidationError) as caught:
            ask(city.ms_zhijian, city.alice, **overrides)
        assert field in caught.value.message_dict, overrides
    with pytest.raises(PermissionDenied):
        ask(city.ms_zhijian, city.bob)
    with pytest.raises(ValidationError) as caught:
        extensions.extension_decide(
            extension=ask(city.ms_zhijian, city.alice), user=city.helen, action="return"
        )
    assert "reason" in caught.value.message_dict
    assert DeadlineExtension.objects.get().review_state == Review.SUBMITTED


# --- The approval meets a changed milestone ------------------------------------------------


def test_an_approval_after_an_admin_moved_the_due_date_is_refused(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    extensions.extension_decide(extension=extension, user=city.helen, action="approve")
    Milestone.objects.filter(pk=city.ms_zhijian.pk).update(due_date=dt.date(2010, 7, 10))
    client.force_login(city.olivia)
    before = checksum(*TABLES)
    response = client.post(detail_url(extension), {"action": "accept"}, follow=True)
    assert "完成时限已由 2010年6月30日 调整为 2010年7月10日，本申请已不适用" in body(response)
    assert checksum(*TABLES) == before
    # The office can still refuse it, and the unit ask again from the new date.
    response = client.post(detail_url(extension), {"action": "return", "reason": "已调整"})
    assert response.status_code == 302
    assert fresh(extension).review_state == Review.RETURNED
    assert fresh(city.ms_zhijian).original_due_date is None


def test_an_approval_in_a_closed_year_is_refused(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    extensions.extension_decide(extension=extension, user=city.helen, action="approve")
    PlanYear.objects.filter(pk=city.plan.pk).update(is_closed=True)
    with pytest.raises(ValidationError, match="年度已结束，不能再批准延期"):
        extensions.extension_decide(extension=extension, user=city.olivia, action="accept")
    assert fresh(extension).review_state == Review.HEAD_APPROVED
    assert fresh(city.ms_zhijian).due_date == dt.date(2010, 6, 30)


def test_a_second_extension_keeps_the_first_original_date(june, city):
    first = ask(city.ms_zhijian, city.alice)
    extensions.extension_decide(extension=first, user=city.helen, action="approve")
    extensions.extension_decide(extension=first, user=city.olivia, action="accept")
    with travel("2010-07-25"):
        second = ask(city.ms_zhijian, city.alice, new_due_date=dt.date(2010, 8, 31))
        assert second.old_due_date == dt.date(2010, 7, 31)
        extensions.extension_decide(extension=second, user=city.helen, action="approve")
        extensions.extension_decide(extension=second, user=city.olivia, action="accept")
    milestone = fresh(city.ms_zhijian)
    assert (milestone.due_date, milestone.original_due_date) == (
        dt.date(2010, 8, 31),
        dt.date(2010, 6, 30),
    )


# --- On time is judged against the approved date --------------------------------------------


def _finish_on(milestone, day: dt.date, clerk, head, office) -> None:
    report = progress.progress_report_submit(
        milestone=milestone,
        author=clerk,
        status=Milestone.Status.DONE,
        percent=100,
        narrative="已完成名牌申报。",
        done_date=day,
    )
    progress.progress_report_decide(report=report, user=head, action="approve")
    progress.progress_report_decide(report=report, user=office, action="accept")


@pytest.mark.parametrize("approved", [True, False])
def test_on_time_is_judged_against_the_approved_date(june, city, approved):
    extension = ask(city.ms_zhijian, city.alice)
    if approved:
        extensions.extension_decide(extension=extension, user=city.helen, action="approve")
        extensions.extension_decide(extension=extension, user=city.olivia, action="accept")
    else:
        extensions.extension_decide(
            extension=extension, user=city.helen, action="return", reason="不同意"
        )
    with travel("2010-07-25"):
        _finish_on(city.ms_zhijian, dt.date(2010, 7, 20), city.alice, city.helen, city.olivia)
        today = clock.today()
        milestone = fresh(city.ms_zhijian)
        assert milestone.done_date == dt.date(2010, 7, 20)
        on_time = status.is_on_time(
            due_date=milestone.due_date, done_date=milestone.done_date, today=today
        )
        sql_colour = Milestone.objects.with_colour(today).get(pk=milestone.pk).colour_code
        sql_on_time = Milestone.objects.filter(status.on_time_q(today), pk=milestone.pk).exists()
        if approved:
            assert on_time and sql_on_time
            assert milestone.colour(today) == status.Colour.GREEN == sql_colour
            assert milestone.status_label(today) == "按期完成"
            assert milestone.days_late(today) == 0
        else:
            assert not on_time and not sql_on_time
            assert milestone.colour(today) == status.Colour.LATE == sql_colour
            assert milestone.status_label(today) == "逾期完成"
            assert milestone.days_late(today) == 20


# --- Pages show what happened, and link only what the reader may open -----------------------


def test_the_timeline_shows_the_request_the_decisions_and_the_move(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    june.shift(dt.timedelta(hours=1))
    extensions.extension_decide(extension=extension, user=city.helen, action="approve")
    june.shift(dt.timedelta(hours=1))
    extensions.extension_decide(extension=extension, user=city.olivia, action="accept")
    client.force_login(city.alice)
    timeline = client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk])).context[
        "timeline"
    ]
    by_title = {e.title: e for e in timeline}
    asked = by_title["提交延期申请"]
    assert asked.who == "alice"
    assert "申请延期至 2010年7月31日（原完成时限 2010年6月30日）" in asked.details
    assert "延期理由：省局名牌申报推迟。" in asked.details
    assert "目前进展：材料已准备。" in asked.details
    assert by_title["单位负责人同意延期，报送市政府办公室"].who == "helen"
    assert by_title["市政府办公室批准延期至 2010年7月31日"].who == "olivia"
    move = next(e for e in timeline if e.title.startswith("修改进度节点（批准延期申请"))
    assert move.who == "olivia"
    assert "完成时限：2010年6月30日 → 2010年7月31日" in move.details
    assert "原定完成时限：— → 2010年6月30日" in move.details


def test_the_timeline_shows_refusals_with_their_reasons(june, city):
    by_head = ask(city.ms_zhijian, city.alice)
    extensions.extension_decide(
        extension=by_head, user=city.helen, action="return", reason="材料不足"
    )
    by_office = ask(city.ms_zhijian, city.alice)
    extensions.extension_decide(extension=by_office, user=city.helen, action="approve")
    extensions.extension_decide(
        extension=by_office, user=city.olivia, action="return", reason="按原定时限完成"
    )
    from projects.timeline import milestone_timeline

    events = {(e.title, e.who): e.details for e in milestone_timeline(city.ms_zhijian)}
    assert events[("单位负责人不同意延期", "helen")] == ["不予批准理由：材料不足"]
    assert events[("市政府办公室不予批准延期", "olivia")] == ["不予批准理由：按原定时限完成"]


def test_milestone_page_lists_requests_and_offers_the_button_only_to_who_may_ask(
    client, june, city
):
    page_url = reverse("milestone_detail", args=[city.ms_zhijian.pk])
    client.force_login(city.alice)
    html = body(client.get(page_url))
    assert request_url(city.ms_zhijian) in html and "申请延期" in html
    for reader in (city.victor, city.olivia):
        client.force_login(reader)
        assert request_url(city.ms_zhijian) not in body(client.get(page_url))

    extension = ask(city.ms_zhijian, city.alice)
    extensions.extension_decide(extension=extension, user=city.helen, action="approve")
    client.force_login(city.victor)  # a reader of the milestone: sees it and may open it
    html = body(client.get(page_url))
    assert "申请延期至 2010年7月31日（原完成时限 2010年6月30日）" in html
    assert "单位已审核" in html and detail_url(extension) in html
    assert client.get(detail_url(extension)).status_code == 200


def test_work_list_marks_milestones_with_an_open_request(client, june, city):
    ask(city.ms_shangwu, city.bob, new_due_date=dt.date(2010, 10, 15))
    client.force_login(city.bob)
    response = client.get(reverse("my_work"))
    marked = {m.name: m.extension_open for m in response.context["milestones"]}
    assert marked == {"超市评比": True, "服务承诺": False}
    assert body(response).count("延期申请审批中") == 1


def test_the_extension_page_links_back_to_review_only_for_reviewers(client, june, city):
    extension = ask(city.ms_zhijian, city.alice)
    client.force_login(city.alice)
    assert f'href="{reverse("review")}"' not in body(client.get(detail_url(extension)))
    client.force_login(city.helen)
    assert f'href="{reverse("review")}"' in body(client.get(detail_url(extension)))


# --- Two requests at the same moment --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_requests_sent_at_the_same_moment_store_one_and_answer_the_other(city):
    """Two clerks of 质监局 ask at the same moment. The "one open request" check runs
    under the milestone's lock (and the partial unique constraint backs it), so the
    second is told kindly that a request is already waiting; nothing more is stored.
    (On PostgreSQL both read "no open request" before either writes.)"""
    from django.test import Client

    carl = factories.make_user("carl", roles.CLERK, city.zhijian)
    clients = []
    for user in (city.alice, carl):
        clients.append(Client())
        clients[-1].force_login(user)

    def send(client, name):
        return lambda: client.post(
            request_url(city.ms_zhijian), request_data(reason=f"{name}的理由")
        )

    with travel("2010-06-20"):
        outcomes = dict(
            zip(
                ["alice", "carl"],
                at_the_same_moment(
                    send(clients[0], "alice"),
                    send(clients[1], "carl"),
                    lock_milestone=city.ms_zhijian,
                ),
                strict=True,
            )
        )

    assert DeadlineExtension.objects.count() == 1
    stored = DeadlineExtension.objects.get().requested_by.username
    for name, outcome in outcomes.items():
        if name == stored:
            assert outcome.status_code == 302
        else:
            assert outcome.status_code == 200
            assert "该节点已有一份延期申请正在审批中" in outcome.content.decode()


def test_the_database_allows_one_open_request_per_milestone(june, city):
    """The partial unique constraint behind the check: a request written without the
    service's lock (an import, a script) cannot make a second open one."""
    from django.db import IntegrityError, transaction

    ask(city.ms_zhijian, city.alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineExtension.objects.create(
            milestone=city.ms_zhijian,
            requested_by=city.helen,
            old_due_date=dt.date(2010, 6, 30),
            new_due_date=dt.date(2010, 8, 31),
            reason="x",
            progress="y",
            review_state=Review.HEAD_APPROVED,
        )
    closed = DeadlineExtension.objects.create(
        milestone=city.ms_zhijian,
        requested_by=city.helen,
        old_due_date=dt.date(2010, 6, 30),
        new_due_date=dt.date(2010, 8, 31),
        reason="x",
        progress="y",
        review_state=Review.RETURNED,
        return_reason="z",
    )
    assert closed.pk


def test_access_service_and_page_agree_on_every_decision(client, june, city, settings):
    """For each state and user, the actions the page offers are those the service takes."""
    users = [city.alice, city.helen, city.olivia, city.victor, city.adam]
    for head_approval in (True, False):
        settings.ZHUCHENG_HEAD_APPROVAL = head_approval
        for state in review.State:
            DeadlineExtension.objects.all().delete()
            extension = DeadlineExtension.objects.create(
                milestone=city.ms_zhijian,
                requested_by=city.alice,
                old_due_date=dt.date(2010, 6, 30),
                new_due_date=dt.date(2010, 7, 31),
                reason="理由",
                progress="进展",
                review_state=state,
                return_reason="不同意" if state == Review.RETURNED else "",
            )
            for user in users:
                client.force_login(user)
                allowed = {a.value for a in access.extension_actions(user, fresh(extension))}
                page = client.get(detail_url(extension))
                assert page.status_code == 200
                assert page.context["allowed"] == allowed, (head_approval, state, user)
                stages = access.review_stages(user)
                waiting = [e.pk for e in access.extensions_to_review(user)] if stages else []
                assert (extension.pk in waiting) == bool(allowed), (head_approval, state, user)
