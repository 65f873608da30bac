"""The daily jobs as Celery tasks: the beat schedule names registered tasks, and
each task runs the same service as its management command, safe to run twice a day.
(No broker in the tests: the tasks run eagerly, through the same code.)"""
# ruff: noqa: F811  (pytest fixtures imported from reporting_support)

import datetime as dt

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core import mail

from projects import tasks
from projects.models import Reminder, Supervision
from projects.services import supervision as service
from tests import factories
from tests.projects.reporting_support import SHANGHAI, frozen  # noqa: F401 (fixtures)
from zhucheng.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails(city):
    for user, email in [
        (city.alice, "alice@zhijian.gov.cn"),
        (city.bob, "bob@shangwu.gov.cn"),
        (city.helen, "helen@zhijian.gov.cn"),
    ]:
        user.email = email
        user.save()
    return city


def test_the_beat_schedule_names_registered_tasks_daily():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {entry["task"] for entry in schedule.values()} == {
        "projects.tasks.send_reminders",
        "projects.tasks.escalate_supervision",
    }
    for entry in schedule.values():
        assert entry["task"] in app.tasks
        cron = entry["schedule"]
        assert isinstance(cron, crontab)
        # Once a day, in the morning of Zhucheng's working day.
        assert len(cron.hour) == 1 and len(cron.minute) == 1 and cron.day_of_week == set(range(7))
        assert 6 <= next(iter(cron.hour)) <= 9
    assert app.conf.timezone == "Asia/Shanghai"


def test_the_reminder_task_sends_the_days_reminders_once(frozen, emails):
    result = tasks.send_reminders.delay().get()
    assert result == {"units": 2, "milestones": 2, "no_recipient": 0, "failed": 0}
    assert len(mail.outbox) == 2
    reminders = Reminder.objects.count()
    # Beat fires twice (a restart, a second beat): nothing new is sent.
    again = tasks.send_reminders.delay().get()
    assert again["units"] == 0 and len(mail.outbox) == 2
    assert Reminder.objects.count() == reminders


def test_the_escalation_task_escalates_once_a_day(emails):
    cuiban, duban, _ = factories.ladder()
    with time_machine.travel(dt.datetime(2010, 9, 1, 10, tzinfo=SHANGHAI), tick=False):
        [first] = service.supervision_send(
            milestones=[emails.ms_zhijian], level=cuiban, sender=emails.olivia, text="请反馈。"
        )
    with time_machine.travel(dt.datetime(2010, 9, 3, 10, tzinfo=SHANGHAI), tick=False):
        assert tasks.escalate_supervision.delay().get()["escalated"] == 1
        assert tasks.escalate_supervision.delay().get()["escalated"] == 0
    assert Supervision.objects.get(previous=first).level == duban
    assert Supervision.objects.count() == 2
