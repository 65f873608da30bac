"""Reminders (督办催办): the daily e-mail run. (The office's 督办单: test_supervision.py.)"""
# ruff: noqa: F811  (pytest fixtures imported from reporting_support)

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command

from projects.models import Milestone, PlanYear, Reminder
from responsibility import roles
from tests import factories
from tests.projects.reporting_support import frozen, smtp_down  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails(city):
    """Clerks with e-mail addresses; the head has one too but is not a clerk."""
    for user, email in [
        (city.alice, "alice@zhijian.gov.cn"),
        (city.bob, "bob@shangwu.gov.cn"),
        (city.helen, "helen@zhijian.gov.cn"),
    ]:
        user.email = email
        user.save()
    factories.make_user("carol", roles.CLERK, city.zhijian, email="carol@zhijian.gov.cn")
    factories.make_user("nomail", roles.CLERK, city.zhijian)  # no address: nothing sent
    return city


def run(**kwargs) -> str:
    out = io.StringIO()
    call_command("send_reminders", stdout=out, **kwargs)
    return out.getvalue()


def by_unit():
    return {m.subject.split("】")[1][:3]: m for m in mail.outbox}


def test_each_unit_gets_one_email_with_its_due_and_overdue_milestones(frozen, emails):
    output = run()
    assert len(mail.outbox) == 2
    sent = by_unit()
    zhijian, shangwu = sent["质监局"], sent["商务局"]
    assert sorted(zhijian.to) == ["alice@zhijian.gov.cn", "carol@zhijian.gov.cn"]
    assert (
        "【逾期】" in zhijian.body and "申报名牌" in zhijian.body and "已逾期90天" in zhijian.body
    )
    assert "超市评比" not in zhijian.body
    assert shangwu.to == ["bob@shangwu.gov.cn"]
    assert (
        "【临期】" in shangwu.body and "超市评比" in shangwu.body and "还有2天到期" in shangwu.body
    )
    assert "服务承诺" not in shangwu.body  # due 10-31: not within the 7-day window
    assert "已向 2 个单位发送催办邮件，涉及 2 个节点" in output
    assert set(Reminder.objects.values_list("milestone__name", "kind", "sent_on")) == {
        ("申报名牌", "auto", dt.date(2010, 9, 28)),
        ("超市评比", "auto", dt.date(2010, 9, 28)),
    }


def test_second_run_on_the_same_day_sends_nothing(frozen, emails):
    run()
    mail.outbox.clear()
    output = run()
    assert mail.outbox == []
    assert Reminder.objects.count() == 2
    assert "已向 0 个单位发送催办邮件" in output


def test_next_day_sends_again_and_picks_up_newly_due_milestones(frozen, emails):
    run()
    mail.outbox.clear()
    frozen.shift(dt.timedelta(days=1))
    # 服务承诺 is due 10-31; move it into the window
    Milestone.objects.filter(pk=emails.ms_project2.pk).update(due_date=dt.date(2010, 10, 5))
    run()
    assert len(mail.outbox) == 2
    assert "服务承诺" in by_unit()["商务局"].body
    assert Reminder.objects.filter(sent_on=dt.date(2010, 9, 29)).count() == 3


def test_done_milestones_and_closed_years_are_not_reminded(frozen, emails):
    Milestone.objects.filter(pk=emails.ms_zhijian.pk).update(
        status="done", done_date=dt.date(2010, 6, 28), percent=100
    )
    run()
    assert list(by_unit()) == ["商务局"]
    mail.outbox.clear()
    PlanYear.objects.filter(pk=emails.plan.pk).update(is_closed=True)
    frozen.shift(dt.timedelta(days=1))
    run()
    assert mail.outbox == []


def test_unit_without_clerk_email_is_reported_and_reminded_once_it_has_one(frozen, city):
    output = run()
    assert mail.outbox == []
    assert "质监局: 1 个节点，但该单位没有填写邮箱的填报员" in output
    assert not Reminder.objects.exists()
    city.alice.email = "alice@zhijian.gov.cn"
    city.alice.save()
    run()
    assert [m.to for m in mail.outbox] == [["alice@zhijian.gov.cn"]]


def test_bad_date_option_is_a_clear_error(frozen, emails):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run(date="2010/09/28")


# --- Delivery failures: recorded and shown, never a 500 ------------------------------


def test_daily_run_with_the_mail_server_down_records_the_failure_exits_non_zero_and_retries(
    frozen, emails, smtp_down
):
    from django.core.management import CommandError

    out = io.StringIO()
    with pytest.raises(CommandError, match="not sent"):
        call_command("send_reminders", stdout=out)
    output = out.getvalue()
    assert "质监局: 1 个节点，邮件未发出：无法连接邮件服务器" in output
    assert "2 个单位发送失败" in output
    failed = Reminder.objects.filter(kind="auto")
    assert failed.count() == 2
    assert all(r.delivery == "failed" and "ConnectionRefused" in r.delivery_error for r in failed)

    # The mail server is back: the same day's second run sends what failed.
    smtp_down.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    output = run()
    assert len(mail.outbox) == 2
    assert "已向 2 个单位发送催办邮件" in output
    assert Reminder.objects.filter(kind="auto", delivery="sent").count() == 2
    assert Reminder.objects.filter(kind="auto", delivery="failed").count() == 2
    # ... and a third run has nothing left to send.
    mail.outbox.clear()
    run()
    assert mail.outbox == []


def test_daily_subject_is_one_clean_line_even_when_a_unit_name_is_not(frozen, emails):
    emails.zhijian.name = "质监局\n抄送"
    emails.zhijian.save()
    run()
    subjects = [m.subject for m in mail.outbox]
    assert any(s.startswith("【督办催办】质监局 抄送有1个") for s in subjects)
    assert all("\n" not in s for s in subjects)


def test_header_text_is_one_bounded_line():
    from projects.mail import header_text

    assert header_text("a\r\nb\x00c\td\u2028e\u200bf") == "a b c d e f"
    assert header_text(None) == ""
    assert header_text("长" * 200, 10) == "长" * 9 + "…"
