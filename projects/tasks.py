"""The daily jobs as tasks, scheduled by Celery beat (``CELERY_BEAT_SCHEDULE`` in
settings): the same services as ``manage.py send_reminders`` and
``manage.py escalate_supervision``, both safe to run twice a day; and the write
of a confirmed targets import (``run_import``)."""

from __future__ import annotations

from celery import shared_task

from projects.services.import_runs import import_run_execute
from projects.services.reminders import reminders_send_due
from projects.services.supervision import supervision_escalate_due


@shared_task(acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no types
def send_reminders() -> dict[str, int]:
    """E-mail each unit's clerks their milestones due soon or overdue (at most one
    reminder per milestone per day; failed e-mails are tried again)."""
    run = reminders_send_due()
    return {
        "units": len(run.sent),
        "milestones": run.milestones_sent,
        "no_recipient": len(run.no_recipient),
        "failed": len(run.failed),
    }


@shared_task(acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no types
def escalate_supervision() -> dict[str, int]:
    """Escalate 督办单 past their deadline and send again the e-mails that failed
    (a second run the same day escalates nothing new)."""
    run = supervision_escalate_due()
    return {
        "escalated": len(run.escalated),
        "at_top": len(run.at_top),
        "resent": len(run.resent),
        "failed": len(run.failed),
    }


@shared_task(acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no types
def run_import(pk: int) -> None:
    """Write a confirmed targets import (``projects.services.import_runs``): all or
    nothing; a message delivered again after a worker stopped re-runs it, since
    the stopped write was rolled back. The jurisdiction to import into travels
    on the run's row (``ImportRun.jurisdiction``), committed before the message
    is sent, so the message stays the run's id."""
    import_run_execute(pk=pk)
