"""督办: 交办 → 签收 → 反馈 → 办结/销号, escalation by hand and by the daily run,
bulk sending, e-mail as a channel, and every page three ways."""
# ruff: noqa: F811  (pytest fixtures imported from reporting_support)

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from projects import supervision
from projects.models import Milestone, Supervision, SupervisionFile, SupervisionLevel
from projects.services import supervision as service
from responsibility import roles
from tests import factories
from tests.projects.reporting_support import SHANGHAI, media, pdf_bytes, smtp_down  # noqa: F401

pytestmark = pytest.mark.django_db

State = supervision.State


def at(day: int, month: int = 9, hour: int = 10):
    """Travel to a day of 2010 in Zhucheng (the clock stands still there)."""
    return time_machine.travel(dt.datetime(2010, month, day, hour, 0, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def ladder(db):
    cuiban, duban, tongbao = factories.ladder()
    return {"催办": cuiban, "督办": duban, "通报": tongbao}


@pytest.fixture
def emails(city):
    for user, email in [
        (city.alice, "alice@zhijian.gov.cn"),
        (city.helen, "helen@zhijian.gov.cn"),
        (city.bob, "bob@shangwu.gov.cn"),
    ]:
        user.email = email
        user.save()
    return city


def send(city, level, *milestones, text="请于9月底前完成并反馈。", **kwargs):
    return service.supervision_send(
        milestones=list(milestones), level=level, sender=city.olivia, text=text, **kwargs
    )


def detail(item) -> str:
    return reverse("supervision_detail", args=[item.pk])


def post(client, item, action, **data):
    return client.post(detail(item), {"action": action, **data})


def snapshot():
    """What a refused step must leave as it was."""
    return sorted(
        Supervision.objects.values_list(
            "pk", "state", "acknowledged_on", "answered_on", "answer", "closed_on", "level_id"
        )
    )


# --- The whole loop through the pages -----------------------------------------------------


def test_sent_acknowledged_answered_and_closed_through_the_pages(client, emails, ladder, media):
    city = emails
    with at(1):
        client.force_login(city.olivia)
        page = client.get(reverse("supervision_new"), {"m": city.ms_zhijian.pk})
        html = page.content.decode()
        assert page.status_code == 200
        assert "alice@zhijian.gov.cn" in html and "helen@zhijian.gov.cn" in html
        response = client.post(
            reverse("supervision_new"),
            {"m": [city.ms_zhijian.pk], "level": ladder["催办"].pk, "text": "请补报名牌申报材料。"},
        )
        item = Supervision.objects.get()
        assert response.status_code == 302 and response.url == detail(item)
        assert (item.unit, item.level, item.state, item.sent_by) == (
            city.zhijian,
            ladder["催办"],
            State.SENT,
            city.olivia,
        )
        assert (item.ack_due, item.answer_due) == (dt.date(2010, 9, 2), dt.date(2010, 9, 6))
        assert list(item.milestones.all()) == [city.ms_zhijian]
        [message] = mail.outbox
        assert sorted(message.to) == ["alice@zhijian.gov.cn", "helen@zhijian.gov.cn"]
        assert message.subject == "【催办单】质监局：1个进度节点"
        assert "请补报名牌申报材料。" in message.body and "2010年9月2日前" in message.body
        assert item.delivery == "sent"

    with at(2):
        client.force_login(city.alice)
        my = client.get(reverse("my_work"), {"year": 2010}).content.decode()
        assert "待处理的督办单" in my and f"催办单 #{item.pk}" in my
        inbox = client.get(reverse("supervision_inbox"))
        assert list(inbox.context["page"]) == [item]
        assert '<span class="count">1' in inbox.content.decode()
        response = post(client, item, "acknowledge")
        assert response.status_code == 302
        item.refresh_from_db()
        assert (item.state, item.acknowledged_by, item.acknowledged_on) == (
            State.ACKNOWLEDGED,
            city.alice,
            dt.date(2010, 9, 2),
        )
        assert not item.ack_late()

    with at(5):
        client.force_login(city.alice)  # sessions last two hours
        upload = SimpleUploadedFile("整改报告.pdf", pdf_bytes(), content_type="application/pdf")
        response = post(client, item, "answer", answer="已补报材料，待省局审核。", evidence=upload)
        assert response.status_code == 302
        item.refresh_from_db()
        assert (item.state, item.answer, item.answered_by) == (
            State.ANSWERED,
            "已补报材料，待省局审核。",
            city.alice,
        )
        [stored] = item.files.all()
        assert stored.original_name == "整改报告.pdf" and stored.uploaded_by == city.alice
        # The answer's file: the unit and the office may download it, another unit may not.
        assert client.get(reverse("supervision_file", args=[stored.pk])).status_code == 200
        client.force_login(city.bob)
        assert client.get(reverse("supervision_file", args=[stored.pk])).status_code == 404

    with at(6):
        client.force_login(city.olivia)
        home = client.get(reverse("supervision_inbox")).content.decode()
        assert '<span class="count">1' in home  # answered: waiting for the office
        response = post(client, item, "close", note="材料已报省局，销号。")
        assert response.status_code == 302
        item.refresh_from_db()
        assert (item.state, item.closed_by, item.close_note) == (
            State.CLOSED,
            city.olivia,
            "材料已报省局，销号。",
        )

        # The whole trail is on the milestone's timeline.
        page = client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk]))
        titles = [e.title for e in page.context["timeline"]]
        name = f"催办单 #{item.pk}"
        for step in (f"交办{name}（质监局）", f"签收{name}", f"反馈{name}", f"办结（销号）{name}"):
            assert step in titles, step
        assert "已补报材料，待省局审核。" in page.content.decode()


def test_a_late_acknowledgement_is_flagged(client, emails, ladder):
    with at(1):
        [item] = send(emails, ladder["催办"], emails.ms_zhijian)
    with at(4):
        client.force_login(emails.alice)
        assert "逾期未签收" in client.get(detail(item)).content.decode()
        post(client, item, "acknowledge")
        item.refresh_from_db()
        assert item.acknowledged_on == dt.date(2010, 9, 4) and item.ack_late()
        assert "逾期签收" in client.get(detail(item)).content.decode()


def test_answering_an_item_not_yet_acknowledged_acknowledges_it_too(emails, ladder):
    with at(1):
        [item] = send(emails, ladder["催办"], emails.ms_zhijian)
    with at(3):
        service.supervision_answer(item=item, user=emails.helen, text="已推进。")
    item.refresh_from_db()
    assert item.state == State.ANSWERED
    assert (item.acknowledged_by, item.acknowledged_on) == (emails.helen, dt.date(2010, 9, 3))
    assert item.ack_late()  # acknowledged on the 3rd, due by the 2nd


# --- Escalation ------------------------------------------------------------------------


def escalate(day: int, month: int = 9) -> str:
    out = io.StringIO()
    with at(day, month, hour=7):
        call_command("escalate_supervision", stdout=out)
    return out.getvalue()


def test_the_daily_run_escalates_by_the_ladder_and_is_idempotent(emails, ladder):
    with at(1):
        [first] = send(emails, ladder["催办"], emails.ms_zhijian)
    mail.outbox.clear()

    assert "升级 0 份督办单" in escalate(2)  # the acknowledgement is due by the 2nd
    output = escalate(3)
    first.refresh_from_db()
    assert first.state == State.ESCALATED and first.closed_by is None
    assert "逾期未签收" in first.close_note
    second = Supervision.objects.get(previous=first)
    assert (second.level, second.state, second.sent_by, second.sent_on) == (
        ladder["督办"],
        State.SENT,
        None,
        dt.date(2010, 9, 3),
    )
    assert list(second.milestones.all()) == [emails.ms_zhijian]
    assert f"催办单 #{first.pk} → 督办单 #{second.pk}" in output
    assert [m.subject for m in mail.outbox] == ["【督办单】质监局：1个进度节点"]

    # Run again the same day: nothing new, no second e-mail.
    assert "升级 0 份督办单" in escalate(3)
    assert Supervision.objects.count() == 2 and len(mail.outbox) == 1

    # Acknowledged but not answered by its deadline (the 6th): to 通报.
    with at(4):
        service.supervision_acknowledge(item=second, user=emails.alice)
    escalate(7)
    third = Supervision.objects.get(previous=second)
    assert third.level == ladder["通报"]
    second.refresh_from_db()
    assert second.state == State.ESCALATED and "逾期未反馈" in second.close_note

    # 通报 does not escalate by rule: the run says so and leaves it alone, every day.
    output = escalate(20)
    assert "不自动升级" in output and Supervision.objects.count() == 3
    third.refresh_from_db()
    assert third.state == State.SENT


def test_the_office_escalates_by_hand_and_not_past_the_top_nor_a_closed_item(
    client, emails, ladder
):
    with at(1):
        [item] = send(emails, ladder["督办"], emails.ms_zhijian)
        client.force_login(emails.olivia)
        response = post(client, item, "escalate", note="屡催不办", text="请分管领导亲自过问。")
        successor = Supervision.objects.get(previous=item)
        assert response.status_code == 302 and response.url == detail(successor)
        assert successor.level == ladder["通报"] and successor.text == "请分管领导亲自过问。"
        assert successor.sent_by == emails.olivia

        before = snapshot()
        page = client.get(detail(successor)).content.decode()
        assert "已是最高督办级别" in page
        response = post(client, successor, "escalate", note="再升级")
        assert response.status_code == 200
        assert "已是最高督办级别，不能再升级" in response.content.decode()
        assert snapshot() == before

        post(client, successor, "close", note="已约谈")
        before = snapshot()
        response = client.post(detail(successor), {"action": "escalate"}, follow=True)
        assert "不能再升级" in response.content.decode()
        assert snapshot() == before


# --- Bulk sending and the units nobody can e-mail ----------------------------------------


def test_the_office_sends_one_item_per_unit_for_a_filtered_list(client, emails, ladder):
    city = emails
    bob_overdue = factories.MilestoneFactory(
        project=city.project2, unit=city.shangwu, name="服务标准", due_date=dt.date(2010, 8, 31)
    )
    nobody = factories.UnitFactory(name="物价局")
    factories.ProjectUnitFactory(project=city.project2, unit=nobody, is_lead=False, order=2)
    nobody_overdue = factories.MilestoneFactory(
        project=city.project2, unit=nobody, name="价格监测", due_date=dt.date(2010, 7, 31)
    )
    with at(20):
        client.force_login(city.olivia)
        listing = client.get(reverse("milestone_list"), {"colour": "red", "year": 2010})
        assert {m.pk for m in listing.context["page"]} == {
            city.ms_zhijian.pk,
            bob_overdue.pk,
            nobody_overdue.pk,
        }
        preview = client.get(reverse("supervision_new"), {"all": "1", "colour": "red"})
        units = [b.unit.name for b in preview.context["batches"]]
        assert sorted(units) == sorted(["质监局", "商务局", "物价局"])
        html = preview.content.decode()
        assert "该单位没有填写邮箱的填报员或负责人" in html  # 物价局, told before sending

        ids = [m.pk for b in preview.context["batches"] for m in b.milestones]
        response = client.post(
            reverse("supervision_new"),
            {"m": ids, "level": ladder["催办"].pk, "text": ""},
            follow=True,
        )
        items = {s.unit.name: s for s in Supervision.objects.all()}
        assert sorted(items) == sorted(["质监局", "商务局", "物价局"])
        assert all(s.text == str(service.DEFAULT_TEXT) for s in items.values())
        assert items["物价局"].delivery == "none"
        assert items["质监局"].delivery == items["商务局"].delivery == "sent"
        assert len(mail.outbox) == 2
        assert "物价局没有填写邮箱的填报员或负责人，未发邮件" in response.content.decode()
        # ... and after sending, on the item itself.
        page = client.get(detail(items["物价局"])).content.decode()
        assert "无收件人：该单位没有填写邮箱的填报员或负责人" in page


def test_the_same_level_twice_for_a_milestone_on_one_day_asks_first(client, emails, ladder):
    with at(1):
        send(emails, ladder["催办"], emails.ms_zhijian)
        client.force_login(emails.olivia)
        data = {"m": [emails.ms_zhijian.pk], "level": ladder["催办"].pk, "text": "再催"}
        response = client.post(reverse("supervision_new"), data)
        assert response.status_code == 200
        assert "今天已就申报名牌发过催办单" in response.content.decode()
        assert Supervision.objects.count() == 1
        # Another level the same day is no duplicate; confirming sends the same level again.
        client.post(reverse("supervision_new"), {**data, "level": ladder["督办"].pk})
        assert Supervision.objects.count() == 2
        client.post(reverse("supervision_new"), {**data, "confirm_duplicate": "on"})
        assert Supervision.objects.count() == 3


# --- Bad input: a clear message, nothing changed -------------------------------------------


def test_an_answer_without_text_is_refused_next_to_the_field(client, emails, ladder):
    with at(1):
        [item] = send(emails, ladder["催办"], emails.ms_zhijian)
        client.force_login(emails.alice)
        before = snapshot()
        for text in ("", "   \n "):
            response = post(client, item, "answer", answer=text)
            assert response.status_code == 200
            assert "请填写反馈内容" in response.content.decode()
        assert snapshot() == before


def test_another_unit_gets_404_and_a_wrong_side_403(client, emails, ladder):
    with at(1):
        [item] = send(emails, ladder["催办"], emails.ms_zhijian)
        before = snapshot()
        client.force_login(emails.bob)  # clerk of another unit
        for action in ("acknowledge", "answer"):
            assert post(client, item, action, answer="x").status_code == 404
        client.force_login(emails.olivia)  # the office does not acknowledge for a unit
        assert post(client, item, "acknowledge").status_code == 403
        client.force_login(emails.alice)  # a unit does not close its own item
        assert post(client, item, "close").status_code == 403
        assert post(client, item, "escalate").status_code == 403
        assert post(client, item, "nonsense").status_code == 400
        assert snapshot() == before


def test_a_double_acknowledgement_is_answered_kindly(client, emails, ladder):
    with at(1):
        [item] = send(emails, ladder["催办"], emails.ms_zhijian)
        client.force_login(emails.alice)
        post(client, item, "acknowledge")
        before = snapshot()
        response = client.post(detail(item), {"action": "acknowledge"}, follow=True)
        assert response.status_code == 200
        assert "无需重复签收" in response.content.decode()
        assert snapshot() == before


def test_a_done_milestone_or_no_milestone_cannot_be_sent(client, emails, ladder):
    Milestone.objects.filter(pk=emails.ms_zhijian.pk).update(
        status="done", done_date=dt.date(2010, 8, 1), percent=100
    )
    with at(1):
        client.force_login(emails.olivia)
        response = client.post(
            reverse("supervision_new"),
            {"m": [emails.ms_zhijian.pk], "level": ladder["催办"].pk},
        )
        assert response.status_code == 200
        assert not Supervision.objects.exists()
        assert "已完成" in response.content.decode()
        empty = client.get(reverse("supervision_new"))
        assert "没有选择进度节点" in empty.content.decode()
        assert client.get(reverse("supervision_new"), {"m": "abc"}).status_code == 400
        assert client.get(reverse("supervision_new"), {"m": "999999"}).status_code == 404


def test_answer_deadline_before_today_or_text_too_long_is_refused(client, emails, ladder):
    with at(10):
        client.force_login(emails.olivia)
        base = {"m": [emails.ms_zhijian.pk], "level": ladder["催办"].pk}
        response = client.post(reverse("supervision_new"), {**base, "answer_due": "2010-09-01"})
        assert "反馈时限不能早于今天" in response.content.decode()
        response = client.post(reverse("supervision_new"), {**base, "text": "催" * 2001})
        assert "督办要求最多2000字" in response.content.decode()
        response = client.post(reverse("supervision_new"), {**base, "answer_due": "2010-09-10"})
        assert "反馈时限不能早于签收时限" in response.content.decode()
        assert not Supervision.objects.exists()


def test_a_rejected_file_keeps_nothing(client, emails, ladder, media):
    with at(1):
        [item] = send(emails, ladder["催办"], emails.ms_zhijian)
        client.force_login(emails.alice)
        fake = SimpleUploadedFile(
            "报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
        )
        response = post(client, item, "answer", answer="已办理", evidence=fake)
        assert response.status_code == 200
        assert "报告.pdf" in response.content.decode()
        item.refresh_from_db()
        assert item.state == State.SENT and not SupervisionFile.objects.exists()
        assert not any(media.rglob("*.pdf")) if media.exists() else True


# --- Every page three ways ------------------------------------------------------------------


@pytest.fixture
def item(emails, ladder):
    with at(1):
        return send(emails, ladder["催办"], emails.ms_zhijian)[0]


def test_pages_refuse_anonymous_users(client, item):
    for url in (
        reverse("supervision_inbox"),
        reverse("supervision_new") + f"?m={item.milestones.get().pk}",
        detail(item),
        reverse("milestone_list"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_pages_for_the_wrong_role_or_unit(client, emails, item):
    client.force_login(emails.bob)
    assert client.get(detail(item)).status_code == 404
    assert item not in client.get(reverse("supervision_inbox"), {"tab": "all"}).context["page"]
    assert client.get(reverse("supervision_new"), {"m": emails.ms_shangwu.pk}).status_code == 403
    listed = client.get(reverse("milestone_list"), {"year": 2010}).context["page"]
    assert {m.unit_id for m in listed} == {emails.shangwu.pk}
    nobody = factories.make_user("nobody", roles.CLERK)  # a clerk of no unit
    client.force_login(nobody)
    assert client.get(reverse("supervision_inbox")).status_code == 403


def test_pages_for_the_right_roles(client, emails, item):
    for user in (emails.alice, emails.helen, emails.olivia, emails.adam):
        client.force_login(user)
        assert client.get(detail(item)).status_code == 200, user
        assert client.get(reverse("supervision_inbox"), {"tab": "all"}).status_code == 200
    client.force_login(emails.victor)  # project 1 is in his portfolio: he reads, no actions
    page = client.get(detail(item))
    assert page.status_code == 200 and page.context["allowed"] == set()
    client.force_login(emails.olivia)
    assert client.get(reverse("supervision_new"), {"m": emails.ms_zhijian.pk}).status_code == 200
    page = client.get(reverse("milestone_detail", args=[emails.ms_zhijian.pk])).content.decode()
    assert reverse("supervision_new") in page and detail(item) in page


def test_the_navigation_counts_what_waits_for_the_reader(client, emails, item):
    client.force_login(emails.alice)
    assert client.get(reverse("my_work")).context["nav"]["supervision_waiting"] == 1
    client.force_login(emails.bob)
    assert client.get(reverse("my_work")).context["nav"]["supervision_waiting"] == 0
    client.force_login(emails.olivia)
    assert client.get(reverse("home")).context["nav"]["supervision_waiting"] == 0
    service.supervision_answer(item=item, user=emails.alice, text="已办")
    assert client.get(reverse("home")).context["nav"]["supervision_waiting"] == 1


# --- Rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, ack, answer, today, expected",
    [
        ("sent", 2, 6, 2, None),
        ("sent", 2, 6, 3, "ack"),
        ("acknowledged", 2, 6, 6, None),
        ("acknowledged", 2, 6, 7, "answer"),
        ("answered", 2, 6, 30, None),
        ("closed", 2, 6, 30, None),
        ("escalated", 2, 6, 30, None),
    ],
)
def test_escalation_rule_in_python_and_sql_agree(
    emails, ladder, state, ack, answer, today, expected
):
    day = dt.date(2010, 9, today)
    assert (
        supervision.overdue_for_escalation(
            state=state,
            ack_due=dt.date(2010, 9, ack),
            answer_due=dt.date(2010, 9, answer),
            today=day,
        )
        == expected
    )
    with at(1):
        [item] = send(emails, ladder["催办"], emails.ms_zhijian)
    Supervision.objects.filter(pk=item.pk).update(
        state=state,
        ack_due=dt.date(2010, 9, ack),
        answer_due=dt.date(2010, 9, answer),
        acknowledged_on=None if state == "sent" else dt.date(2010, 9, 1),
        answered_on=dt.date(2010, 9, 2) if state == "answered" else None,
        answer="x" if state == "answered" else "",
        closed_on=dt.date(2010, 9, 2) if state in ("closed", "escalated") else None,
    )
    found = Supervision.objects.filter(supervision.escalation_due_q(day)).exists()
    assert found == (expected is not None)


@pytest.mark.parametrize(
    "acknowledged, closed, today, late",
    [
        (None, None, 2, False),  # open, deadline today
        (None, None, 3, True),  # open, deadline passed
        (2, None, 9, False),  # on time
        (3, None, 3, True),  # a day late
        (None, 2, 9, False),  # closed before the deadline passed, never acknowledged
        (None, 5, 9, True),  # escalated after the deadline, never acknowledged
    ],
)
def test_late_acknowledgement_in_python_and_sql_agree(
    emails, ladder, acknowledged, closed, today, late
):
    with at(1):
        [item] = send(emails, ladder["催办"], emails.ms_zhijian)
    fields = {
        "acknowledged_on": dt.date(2010, 9, acknowledged) if acknowledged else None,
        "state": "acknowledged" if acknowledged else "sent",
    }
    if closed:
        fields.update(state="escalated", closed_on=dt.date(2010, 9, closed))
    Supervision.objects.filter(pk=item.pk).update(**fields)
    item.refresh_from_db()
    day = dt.date(2010, 9, today)
    assert item.ack_late(day) == late
    sql = Supervision.objects.filter(pk=item.pk).filter(supervision.ack_late_q(day)).exists()
    assert sql == late


def test_the_daily_run_sends_failed_emails_again(client, emails, ladder, smtp_down):
    with at(1):
        client.force_login(emails.olivia)
        response = client.post(
            reverse("supervision_new"),
            {"m": [emails.ms_zhijian.pk], "level": ladder["催办"].pk},
            follow=True,
        )
        item = Supervision.objects.get()
        assert item.delivery == "failed" and "ConnectionRefusedError" in item.delivery_error
        assert "邮件未发出：无法连接邮件服务器" in response.content.decode()
    with pytest.raises(CommandError, match="not sent"):
        escalate(2)
    smtp_down.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    output = escalate(2)
    item.refresh_from_db()
    assert item.delivery == "sent" and "邮件已重发" in output
    assert len(mail.outbox) == 1


def test_line_breaks_and_control_characters_in_names_do_not_reach_the_subject(emails, ladder):
    # As long as the column allows (60): PostgreSQL refuses more.
    emails.zhijian.name = ("质监局\r\nBcc: x@evil.example\u202e" + "长" * 60)[:60]
    emails.zhijian.save()
    with at(1):
        [item] = send(emails, ladder["催办"], emails.ms_zhijian)
    [message] = mail.outbox
    subject = message.subject
    assert not any(ch in subject for ch in "\r\n\u202e")
    assert subject.startswith("【催办单】质监局 Bcc: x@evil.example")
    assert len(subject) <= 120
    assert "x@evil.example" not in message.recipients()
    assert item.delivery == "sent"


# --- The office's ladder ----------------------------------------------------------------------


def ladder_data(levels, **changes):
    """The levels page's formset as posted, with ``changes`` by "form-N-field"."""
    data = {
        "form-TOTAL_FORMS": str(len(levels) + 1),
        "form-INITIAL_FORMS": str(len(levels)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for n, level in enumerate(levels):
        data |= {
            f"form-{n}-id": str(level.pk),
            f"form-{n}-rank": str(level.rank),
            f"form-{n}-name": level.name,
            f"form-{n}-tone": level.tone,
            f"form-{n}-ack_days": str(level.ack_days),
            f"form-{n}-answer_days": str(level.answer_days),
            f"form-{n}-auto_escalate": "on" if level.auto_escalate else "",
            f"form-{n}-is_active": "on" if level.is_active else "",
        }
    # The blank form for a new level, as the browser posts it: its defaults.
    n = len(levels)
    data |= {
        f"form-{n}-tone": "blue",
        f"form-{n}-ack_days": "1",
        f"form-{n}-answer_days": "5",
        f"form-{n}-auto_escalate": "on",
        f"form-{n}-is_active": "on",
    }
    data |= changes
    return {k: v for k, v in data.items() if v != ""}


def test_the_office_sets_its_ladder(client, city, ladder):
    levels = list(ladder.values())
    url = reverse("supervision_levels")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(city.alice)
    assert client.get(url).status_code == 403
    assert client.post(url, ladder_data(levels)).status_code == 403
    client.force_login(city.olivia)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        ladder_data(
            levels,
            **{
                "form-0-name": "蓝牌",
                "form-1-name": "黄牌",
                "form-2-name": "红牌",
                "form-3-rank": "4",
                "form-3-name": "约谈",
                "form-3-tone": "grey",
                "form-3-ack_days": "1",
                "form-3-answer_days": "2",
                "form-3-is_active": "on",
            },
        ),
    )
    assert response.status_code == 302
    names = list(SupervisionLevel.objects.order_by("rank").values_list("name", flat=True))
    assert names == ["蓝牌", "黄牌", "红牌", "约谈"]
    assert SupervisionLevel.objects.get(name="蓝牌").history.first().history_user == city.olivia
    # 红牌 now escalates to the new 约谈 when it is set to escalate by rule.
    assert SupervisionLevel.objects.get(name="红牌").next_level().name == "约谈"


def test_a_bad_ladder_is_refused_in_chinese_and_nothing_changes(client, city, ladder):
    levels = list(ladder.values())
    before = list(SupervisionLevel.objects.order_by("pk").values())
    client.force_login(city.olivia)
    for changes, message in [
        ({"form-1-rank": "1"}, "已有相同级次的督办级别"),
        ({"form-0-answer_days": "0", "form-0-ack_days": "2"}, "反馈时限不能短于签收时限"),
        ({"form-0-name": ""}, "请填写级别名称"),
        ({"form-0-ack_days": "abc"}, "请填写天数"),
        ({"form-0-tone": "purple"}, "选择一个有效的选项"),
    ]:
        response = client.post(reverse("supervision_levels"), ladder_data(levels, **changes))
        assert response.status_code == 200, changes
        assert message in response.content.decode(), changes
    assert list(SupervisionLevel.objects.order_by("pk").values()) == before
