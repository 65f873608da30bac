"""Bulk review on /review/: several reports passed or returned at once, each
decided through the single-decision service."""
# ruff: noqa: F811  (pytest fixtures imported from reporting_support)

import pytest
from django.urls import reverse

from projects.models import Milestone, ProgressReport
from tests import factories
from tests.projects.reporting_support import frozen  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
Review = ProgressReport.Review
BULK = reverse("review_bulk")


def states(*reports) -> list[str]:
    for report in reports:
        report.refresh_from_db()
    return [r.review_state for r in reports]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_head_passes_several_reports_at_once(client, frozen, city):
    first = factories.make_report(city.ms_zhijian, city.alice, narrative="一")
    second = factories.make_report(city.ms_zhijian, city.alice, narrative="二")
    untouched = factories.make_report(city.ms_zhijian, city.alice, narrative="三")
    client.force_login(city.helen)
    response = client.post(BULK, {"report": [first.pk, second.pk], "verdict": "pass"}, follow=True)
    assert response.redirect_chain == [(reverse("review"), 302)]
    assert states(first, second, untouched) == [
        Review.HEAD_APPROVED,
        Review.HEAD_APPROVED,
        Review.SUBMITTED,
    ]
    assert first.head_approved_by == city.helen and second.head_approved_by == city.helen
    assert "已通过 2 份填报。" in messages_of(response)
    # the page now lists only the report left
    assert [r.pk for r in response.context["page"]] == [untouched.pk]


def test_office_accepts_several_and_each_is_recorded_as_if_single(client, frozen, city):
    reports = [
        factories.make_report(
            city.ms_zhijian, city.alice, review_state=Review.HEAD_APPROVED, percent=40
        ),
        factories.make_report(city.ms_shangwu, city.bob, review_state=Review.TO_OFFICE, percent=70),
    ]
    client.force_login(city.olivia)
    client.post(BULK, {"report": [r.pk for r in reports], "verdict": "pass"})
    assert states(*reports) == [Review.ACCEPTED, Review.ACCEPTED]
    for report in reports:
        assert report.reviewed_by == city.olivia and report.reviewed_at is not None
        # a history row per report, by the reviewer
        latest = report.history.order_by("-history_date", "-history_id").first()
        assert (latest.review_state, latest.history_user) == (Review.ACCEPTED, city.olivia)
        # the accepted report moved its milestone, as a single accept does
        report.milestone.refresh_from_db()
        assert report.milestone.percent == report.percent
        assert report.milestone.status == Milestone.Status.IN_PROGRESS


def test_bulk_return_needs_a_reason_and_changes_nothing_without_one(client, frozen, city):
    reports = [factories.make_report(city.ms_zhijian, city.alice) for _ in range(2)]
    client.force_login(city.helen)
    response = client.post(
        BULK, {"report": [r.pk for r in reports], "verdict": "return", "reason": "   "}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_reason_error"' in body and "退回时必须填写退回原因" in body
    assert body.count("checked") == 2  # the ticks are kept
    assert states(*reports) == [Review.SUBMITTED, Review.SUBMITTED]
    assert all(r.history.count() == 1 for r in reports)

    client.post(
        BULK, {"report": [r.pk for r in reports], "verdict": "return", "reason": "数据有误"}
    )
    assert states(*reports) == [Review.RETURNED, Review.RETURNED]
    assert [r.return_reason for r in reports] == ["数据有误", "数据有误"]


def test_nothing_ticked_is_refused_next_to_the_list(client, frozen, city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(city.helen)
    response = client.post(BULK, {"verdict": "pass"})
    assert response.status_code == 200
    assert "请先勾选要处理的填报" in response.content.decode()
    assert states(report) == [Review.SUBMITTED]


def test_reports_the_user_may_not_decide_are_refused_and_named(client, frozen, city):
    mine = factories.make_report(city.ms_zhijian, city.alice)
    # 商务局's report: outside the head's unit (and reach)
    other_unit = factories.make_report(city.ms_shangwu, city.bob)
    # already with the office: settled for the head
    settled = factories.make_report(
        city.ms_zhijian, city.alice, review_state=Review.HEAD_APPROVED, head_approved_by=city.helen
    )
    client.force_login(city.helen)
    response = client.post(
        BULK, {"report": [mine.pk, other_unit.pk, settled.pk], "verdict": "pass"}, follow=True
    )
    assert states(mine, other_unit, settled) == [
        Review.HEAD_APPROVED,
        Review.SUBMITTED,
        Review.HEAD_APPROVED,
    ]
    said = messages_of(response)
    assert "已通过 1 份填报。" in said
    assert any("申报名牌" in m and "已处理" in m for m in said), said
    assert any("不在您的查看范围内" in m for m in said), said
    assert settled.history.count() == 1  # refused: no new history row


def test_nobody_passes_their_own_report_in_bulk(client, frozen, city):
    own = factories.make_report(city.ms_zhijian, city.helen, review_state=Review.TO_OFFICE)
    clerk = factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(city.helen)
    response = client.post(BULK, {"report": [own.pk, clerk.pk], "verdict": "pass"}, follow=True)
    assert states(own, clerk) == [Review.TO_OFFICE, Review.HEAD_APPROVED]
    assert any("本人填报" in m for m in messages_of(response))

    # nor does a reviewer accept a report they wrote themselves
    written = factories.make_report(city.ms_zhijian, city.olivia, review_state=Review.TO_OFFICE)
    other = factories.make_report(city.ms_shangwu, city.bob, review_state=Review.TO_OFFICE)
    client.force_login(city.olivia)
    response = client.post(BULK, {"report": [written.pk, other.pk], "verdict": "pass"}, follow=True)
    assert states(written, other) == [Review.TO_OFFICE, Review.ACCEPTED]
    assert any("本人填报" in m for m in messages_of(response))


def test_clerks_may_not_bulk_review(client, frozen, city):
    report = factories.make_report(city.ms_zhijian, city.bob)
    client.force_login(city.alice)
    assert client.post(BULK, {"report": [report.pk], "verdict": "pass"}).status_code == 403
    assert states(report) == [Review.SUBMITTED]


def test_anonymous_bulk_review_redirects_to_login(client, city):
    response = client.post(BULK, {"verdict": "pass"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bulk_review_requires_post(client, city):
    client.force_login(city.olivia)
    assert client.get(BULK).status_code == 405


def test_review_page_offers_the_bulk_form(client, frozen, city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    client.force_login(city.helen)
    body = client.get(reverse("review")).content.decode()
    assert f'name="report" value="{report.pk}"' in body
    assert "批量通过" in body and "批量退回" in body


def test_bulk_return_reason_at_the_limit_is_kept_whole(client, frozen, city):
    from projects.forms import REASON_MAX

    reports = [factories.make_report(city.ms_zhijian, city.alice) for _ in range(2)]
    reason = "数" * REASON_MAX
    client.force_login(city.helen)
    client.post(BULK, {"report": [r.pk for r in reports], "verdict": "return", "reason": reason})
    assert states(*reports) == [Review.RETURNED, Review.RETURNED]
    assert all(r.return_reason == reason for r in reports)


@pytest.mark.parametrize(
    "reason, message",
    [
        ("数" * 1001, "退回原因最多1000字。"),
        ("数据\x00有误", "不能含有空字符"),  # NUL: PostgreSQL would refuse to store it
    ],
    ids=["over-the-limit", "nul-byte"],
)
def test_bulk_return_reason_refused_next_to_the_field_and_nothing_changes(
    client, frozen, city, reason, message
):
    reports = [factories.make_report(city.ms_zhijian, city.alice) for _ in range(2)]
    client.force_login(city.helen)
    response = client.post(
        BULK, {"report": [r.pk for r in reports], "verdict": "return", "reason": reason}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_reason_error"' in body and message in body
    assert states(*reports) == [Review.SUBMITTED, Review.SUBMITTED]
    assert all(r.history.count() == 1 for r in reports)


def test_bulk_return_reason_keeps_other_control_characters_out(client, frozen, city):
    """A BEL or escape pasted from another program is stored as the clerk sees it
    (without the invisible character), never as bytes that break exports."""
    reports = [factories.make_report(city.ms_zhijian, city.alice)]
    client.force_login(city.helen)
    client.post(
        BULK, {"report": [r.pk for r in reports], "verdict": "return", "reason": "数据\x07有误\x1b"}
    )
    assert states(*reports) == [Review.RETURNED]
    assert "\x07" not in reports[0].return_reason and "\x1b" not in reports[0].return_reason
