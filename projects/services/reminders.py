"""Reminders (督办催办): the daily e-mail to units about milestones due soon or
overdue. (The 督办单 the mayor's office sends is a ``Supervision``, with its whole
loop in ``projects.services.supervision``.)

Mail goes through Django's e-mail settings (console backend by default). A
``Reminder`` row records every reminder, with whether its e-mail went out and,
if not, why; the daily run writes at most one per milestone per day (a unique
constraint), so running it twice sends nothing new, except where the e-mail
failed: the next run tries those again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from common import clock
from common.bulk import BATCH
from common.writes import auto_now_fields
from projects import mail, status
from projects.models import MailDelivery, Milestone, Reminder
from responsibility import roles
from responsibility.models import Unit


@dataclasses.dataclass
class UnitReminder:
    unit: Unit
    milestones: list[Milestone]
    recipients: list[str]
    error: str = ""  # why the e-mail was not sent


@dataclasses.dataclass
class ReminderRun:
    today: dt.date
    sent: list[UnitReminder] = dataclasses.field(default_factory=list)
    no_recipient: list[UnitReminder] = dataclasses.field(default_factory=list)
    failed: list[UnitReminder] = dataclasses.field(default_factory=list)

    @property
    def milestones_sent(self) -> int:
        return sum(len(u.milestones) for u in self.sent)


def clerk_emails(unit_ids) -> dict[int, list[str]]:
    """E-mail addresses of the active clerks of each unit, in one query."""
    return unit_emails(unit_ids, role_names=(roles.CLERK,))


def unit_emails(unit_ids, *, role_names) -> dict[int, list[str]]:
    """E-mail addresses of the active users of each unit holding one of
    ``role_names``, in one query."""
    User = get_user_model()
    rows = (
        User.objects.filter(
            is_active=True,
            groups__name__in=list(role_names),
            membership__unit_id__in=list(unit_ids),
        )
        .exclude(email="")
        .values_list("membership__unit_id", "email")
        .order_by("membership__unit_id", "email")
        .distinct()
    )
    emails: dict[int, list[str]] = defaultdict(list)
    for unit_id, email in rows:
        emails[unit_id].append(email)
    return emails


def milestone_line(milestone: Milestone, today: dt.date) -> str:
    """One milestone in a reminder or a 督办单: where, what, when due, how late."""
    where = str(milestone.project)
    if milestone.subitem:
        where += f" / {milestone.subitem.number} {milestone.subitem.name}"
    due = f"{milestone.due_date.year}年{milestone.due_date.month}月{milestone.due_date.day}日"
    days = (milestone.due_date - today).days
    colour = status.milestone_colour(
        due_date=milestone.due_date,
        done_date=milestone.done_date,
        today=today,
        window_days=clock.warning_days(),
    )
    if colour is status.Colour.RED:
        state, when = _("【逾期】"), _("已逾期%(n)s天") % {"n": -days}
    elif days == 0:
        state, when = _("【临期】"), _("今天到期")
    elif colour is status.Colour.AMBER:
        state, when = _("【临期】"), _("还有%(n)s天到期") % {"n": days}
    else:
        state, when = _("【未到期】"), _("还有%(n)s天到期") % {"n": days}
    return f"{state}{where}：{milestone.name}，完成时限{due}，{when}"


def date_cn(day: dt.date) -> str:
    """A date as an office writes it: 2010年9月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _due_body(unit: Unit, milestones: list[Milestone], today: dt.date) -> str:
    lines = [
        f"{unit.display_name}：",
        "",
        _(
            "截至%(date)s，贵单位以下%(n)s个进度节点临期或逾期，请抓紧推进，并及时登录"
            "质量兴市项目化推进工作平台填报进展。"
        )
        % {"date": date_cn(today), "n": len(milestones)},
        "",
        *(milestone_line(m, today) for m in milestones),
        "",
        _("市政府办公室（督查室）"),
    ]
    return "\n".join(lines)


def _open_due(today: dt.date):
    already = Reminder.objects.filter(
        milestone=OuterRef("pk"), kind=Reminder.Kind.AUTO, sent_on=today
    ).exclude(delivery=Reminder.Delivery.FAILED)
    return (
        Milestone.objects.needing_attention(today, clock.warning_days())
        .filter(project__plan__is_closed=False)
        .filter(~Exists(already))
        .select_related("project", "subitem", "unit")
        .order_by("unit__order", "unit__name", "due_date", "pk")
    )


def reminders_send_due(*, today: dt.date | None = None) -> ReminderRun:
    """E-mail each unit's clerks their milestones due within the warning window or
    overdue, one e-mail per unit, once per milestone per day.

    A unit whose clerks have no e-mail address is reported and not recorded, so
    it is reminded as soon as someone adds an address.
    """
    today = today or clock.today()
    run = ReminderRun(today=today)
    by_unit: dict[int, list[Milestone]] = defaultdict(list)
    units: dict[int, Unit] = {}
    for milestone in _open_due(today):
        by_unit[milestone.unit_id].append(milestone)
        units[milestone.unit_id] = milestone.unit
    emails = clerk_emails(by_unit)

    for unit_id, milestones in by_unit.items():
        item = UnitReminder(units[unit_id], milestones, emails.get(unit_id, []))
        if not item.recipients:
            run.no_recipient.append(item)
            continue
        body = _due_body(item.unit, milestones, today)
        try:
            # Recorded before sending, so that a run in parallel skips this unit.
            with transaction.atomic():
                rows = Reminder.objects.bulk_create(
                    (
                        Reminder(
                            milestone=m,
                            sent_to=item.unit,
                            kind=Reminder.Kind.AUTO,
                            sent_on=today,
                            recipients=", ".join(item.recipients),
                            message=body,
                        )
                        for m in milestones
                    ),
                    batch_size=BATCH,
                )
        except IntegrityError:
            # Another run reminded this unit today meanwhile: nothing to add.
            continue
        item.error = mail.deliver(
            EmailMessage(
                subject=mail.header_text(
                    _("【督办催办】%(unit)s有%(n)s个进度节点临期或逾期")
                    % {"unit": item.unit.name, "n": len(milestones)}
                ),
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=item.recipients,
            )
        )
        record_delivery(rows, item.error)
        (run.failed if item.error else run.sent).append(item)
    return run


def record_delivery(records: Sequence[MailDelivery], error: str) -> None:
    """Mark the records (reminders or 督办单, of one model) sent, or failed with the
    reason; a later run retries a failed one. One UPDATE; ``updated_at`` moves
    where the model has one."""
    if not records:
        return
    delivery = MailDelivery.Delivery.FAILED if error else MailDelivery.Delivery.SENT
    model = type(records[0])
    fields: dict[str, object] = {"delivery": delivery, "delivery_error": error}
    fields.update(dict.fromkeys(auto_now_fields(model), clock.recorded_now()))
    model._default_manager.filter(pk__in=[r.pk for r in records]).update(**fields)
    for record in records:
        record.delivery = delivery
        record.delivery_error = error
