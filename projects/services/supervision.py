"""督办: the mayor's office sends 督办单 (交办), units acknowledge (签收) and
answer (反馈), the office closes (办结/销号) or escalates (升级); the daily run
escalates by rule what was not acknowledged or answered in time.

The moves and who makes them are ``projects.supervision``; every function here
locks the item (``select_for_update``) and asks the state machine again under
the lock, so that a double click or two people at once decide once. E-mail is a
channel beside the record: an item is recorded whatever happens to its e-mail
(``MailDelivery``), a unit with nobody to e-mail sees it in the application, and
the daily run sends a failed e-mail again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import clock, evidence
from common.writes import touch_fields
from projects import access, mail, supervision
from projects.models import MailDelivery, Milestone, Supervision, SupervisionFile, SupervisionLevel
from projects.services.reminders import date_cn, milestone_line, record_delivery, unit_emails
from responsibility import roles
from responsibility.models import Unit

State = supervision.State
Action = supervision.Action

TEXT_MAX = supervision.TEXT_MAX
NOTE_MAX = supervision.NOTE_MAX
# The latest answer deadline the office may set, counted from the day it sends.
ANSWER_DUE_MAX_DAYS = 366
# Who of a unit gets the e-mail of a 督办单 (both also see it in the application).
MAIL_ROLES = (roles.CLERK, roles.UNIT_HEAD)

DEFAULT_TEXT = gettext_lazy("请高度重视，抓紧推进以下进度节点，按时签收并反馈办理情况。")


class SupervisionStateError(ValidationError):
    """The item is not (any more) in a state that allows this step."""


class DuplicateSupervision(ValidationError):
    """A 督办单 of this level went out today about some of these milestones;
    ``milestones`` are those. Sending again needs ``confirm_duplicate``."""

    def __init__(self, milestones: list[Milestone], level: SupervisionLevel):
        names = "、".join(m.name for m in milestones[:5]) + ("等" if len(milestones) > 5 else "")
        super().__init__(
            _("今天已就%(names)s发过%(level)s单，确需再次发送请勾选“仍要发送”。")
            % {"names": names, "level": level.name},
            code="duplicate",
        )
        self.milestones = milestones


# --- The ladder ------------------------------------------------------------------------

# The default ladder (also made by migration 0006 for a new database): name, rank,
# tone, days to acknowledge, days to answer, escalated by the daily run when late.
DEFAULT_LADDER = (
    ("催办", 1, SupervisionLevel.Tone.BLUE, 1, 5, True),
    ("督办", 2, SupervisionLevel.Tone.YELLOW, 1, 3, True),
    ("通报", 3, SupervisionLevel.Tone.RED, 1, 3, False),
)


def supervision_ladder_ensure() -> list[SupervisionLevel]:
    """The ladder, made with the defaults when there is none (a flushed or restored
    database, the demo); an office's own ladder is left as it is."""
    if not SupervisionLevel.objects.exists():
        for name, rank, tone, ack_days, answer_days, auto in DEFAULT_LADDER:
            SupervisionLevel.objects.create(
                name=name,
                rank=rank,
                tone=tone,
                ack_days=ack_days,
                answer_days=answer_days,
                auto_escalate=auto,
            )
    return list(SupervisionLevel.objects.order_by("rank"))


@transaction.atomic
def supervision_levels_save(*, formset, user: User) -> list[SupervisionLevel]:
    """Save the office's ladder (a bound, valid formset of ``SupervisionLevelForm``),
    with the user in each level's history. A level in use is never deleted: the
    office switches it off (``is_active``)."""
    if not access.can_send_supervision(user):
        raise PermissionDenied(_("只有市政府办公室可以设置督办级别。"))
    saved = []
    for level in formset.save(commit=False):
        level._history_user = user
        level.save()
        saved.append(level)
    return saved


# --- Who gets the e-mail, and what a send would do ------------------------------------


def recipients_by_unit(unit_ids: Iterable[int]) -> dict[int, list[str]]:
    """E-mail addresses of each unit's active clerks and heads, in one query."""
    return unit_emails(unit_ids, role_names=MAIL_ROLES)


@dataclasses.dataclass
class UnitBatch:
    """What sending would do for one unit: one 督办单 about these milestones."""

    unit: Unit
    milestones: list[Milestone]
    recipients: list[str]
    duplicates: list[Milestone] = dataclasses.field(default_factory=list)
    refused: list[tuple[Milestone, str]] = dataclasses.field(default_factory=list)


def _duplicates(milestone_ids: Sequence[int], level: SupervisionLevel, day: dt.date) -> set[int]:
    """The milestones that already have a 督办单 of ``level`` sent on ``day``."""
    return set(
        Supervision.objects.filter(level=level, sent_on=day, milestones__in=milestone_ids)
        .values_list("milestones", flat=True)
        .distinct()
    )


def _refusal(milestone: Milestone, today: dt.date) -> str:
    """Why a milestone cannot be the subject of a 督办单 ("" when it can)."""
    if milestone.project.plan.is_closed:
        return _("年度已结束")
    if milestone.done_date is not None and milestone.done_date <= today:
        return _("已完成")
    return ""


def supervision_preview(
    *, milestones: Sequence[Milestone], level: SupervisionLevel | None, today: dt.date | None = None
) -> list[UnitBatch]:
    """The 督办单 a send would make, one per unit, with each unit's e-mail
    recipients (none: the office is told before sending), the milestones that
    already had a 督办单 of ``level`` today, and those that cannot be sent (done,
    closed year). A fixed number of queries."""
    today = today or clock.today()
    batches: dict[int, UnitBatch] = {}
    emails = recipients_by_unit({m.unit_id for m in milestones})
    duplicates = _duplicates([m.pk for m in milestones], level, today) if level else set()
    for m in sorted(milestones, key=lambda m: (m.unit.order, m.unit.name, m.due_date, m.pk)):
        batch = batches.setdefault(m.unit_id, UnitBatch(m.unit, [], emails.get(m.unit_id, [])))
        reason = _refusal(m, today)
        if reason:
            batch.refused.append((m, reason))
            continue
        batch.milestones.append(m)
        if m.pk in duplicates:
            batch.duplicates.append(m)
    return list(batches.values())


# --- Sending (交办) ---------------------------------------------------------------------


def _deadlines(
    level: SupervisionLevel, today: dt.date, answer_due: dt.date | None
) -> tuple[dt.date, dt.date]:
    ack_due = today + dt.timedelta(days=level.ack_days)
    if answer_due is None:
        answer_due = today + dt.timedelta(days=level.answer_days)
    if answer_due < ack_due:
        raise ValidationError(
            _("反馈时限不能早于签收时限（%(date)s）。") % {"date": date_cn(ack_due)},
            code="answer_due",
        )
    if answer_due > today + dt.timedelta(days=ANSWER_DUE_MAX_DAYS):
        raise ValidationError(_("反馈时限不能晚于一年以后。"), code="answer_due")
    return ack_due, answer_due


def _body(item: Supervision, milestones: Sequence[Milestone], today: dt.date) -> str:
    sender = (
        (item.sent_by.get_full_name() or item.sent_by.get_username())
        if item.sent_by
        else _("每日定时任务（按督办规则升级）")
    )
    return "\n".join(
        [
            f"{item.unit.display_name}：",
            "",
            _("市政府办公室就以下事项向贵单位%(level)s（%(level)s单 #%(pk)s，%(tone)s）：")
            % {"level": item.level.name, "pk": item.pk, "tone": item.level.get_tone_display()},
            *(milestone_line(m, today) for m in milestones),
            "",
            _("督办要求：%(text)s") % {"text": item.text},
            "",
            _("请于%(ack)s前登录质量兴市项目化推进工作平台签收，%(answer)s前反馈办理情况。")
            % {"ack": date_cn(item.ack_due), "answer": date_cn(item.answer_due)},
            _("交办人：%(name)s，%(date)s") % {"name": sender, "date": date_cn(item.sent_on)},
        ]
    )


def _mail(items: Sequence[Supervision], today: dt.date, connection=None) -> None:
    """E-mail each item to its unit's recipients and record what happened.
    ``connection``: an e-mail backend connection (Django's default when None)."""
    for item in items:
        if not item.recipients:
            continue
        milestones = list(item.milestones.select_related("project", "subitem"))
        error = mail.deliver(
            EmailMessage(
                subject=mail.header_text(
                    _("【%(level)s单】%(unit)s：%(n)s个进度节点")
                    % {"level": item.level.name, "unit": item.unit.name, "n": len(milestones)}
                ),
                body=_body(item, milestones, today),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[a.strip() for a in item.recipients.split(",") if a.strip()],
                connection=connection,
            )
        )
        record_delivery([item], error)


def _create(
    *,
    unit: Unit,
    milestones: Sequence[Milestone],
    level: SupervisionLevel,
    text: str,
    sender: User | None,
    ack_due: dt.date,
    answer_due: dt.date,
    recipients: list[str],
    previous: Supervision | None = None,
    today: dt.date,
) -> Supervision:
    item = Supervision(
        plan=milestones[0].project.plan,
        unit=unit,
        level=level,
        text=text,
        sent_by=sender,
        sent_at=clock.now(),
        sent_on=today,
        ack_due=ack_due,
        answer_due=answer_due,
        previous=previous,
        recipients=", ".join(recipients),
        delivery=(
            MailDelivery.Delivery.PENDING if recipients else MailDelivery.Delivery.NO_RECIPIENT
        ),
    )
    item._history_user = sender
    item.save()
    item.milestones.set(milestones)
    return item


def supervision_send(
    *,
    milestones: Sequence[Milestone],
    level: SupervisionLevel,
    sender: User,
    text: str = "",
    answer_due: dt.date | None = None,
    confirm_duplicate: bool = False,
    connection=None,
) -> list[Supervision]:
    """Send 督办单 about ``milestones``: one per unit, each about that unit's
    milestones, e-mailed to the unit's clerks and head (recorded whatever
    happens to the e-mail). All or nothing: a milestone that cannot be sent, a
    level not in use, a deadline out of range or a duplicate of today (without
    ``confirm_duplicate``) raises ``ValidationError`` and nothing is stored.
    """
    if not access.can_send_supervision(sender):
        raise PermissionDenied(_("只有市政府办公室可以发督办单。"))
    today = clock.today()
    text = (text or "").strip() or str(DEFAULT_TEXT)
    if len(text) > TEXT_MAX:
        raise ValidationError(_("督办要求最多%(n)s字。") % {"n": TEXT_MAX}, code="text")
    if not milestones:
        raise ValidationError(_("请至少选择一个进度节点。"), code="milestones")
    with transaction.atomic():
        level = SupervisionLevel.objects.select_for_update().get(pk=level.pk)
        if not level.is_active:
            raise ValidationError(_("该督办级别已停用。"), code="level")
        locked = list(
            # of=self: PostgreSQL locks no row of an outer join (the nullable sub-item).
            Milestone.objects.select_for_update(of=("self",))
            .select_related("project__plan", "unit", "subitem")
            .filter(pk__in=[m.pk for m in milestones])
            .order_by("pk")
        )
        if len({m.project.plan_id for m in locked}) > 1:
            raise ValidationError(_("一次只能督办同一年度的进度节点。"), code="milestones")
        if not all(access.writes_in(sender, m.project.plan.jurisdiction_id) for m in locked):
            # A higher jurisdiction's office reads the programmes below it; the
            # 督办 of their units is for their own office.
            raise PermissionDenied(_("只能督办本辖区的进度节点。"))
        ack_due, answer_due = _deadlines(level, today, answer_due)
        batches = supervision_preview(milestones=locked, level=level, today=today)
        refused = [f"{m.name}（{why}）" for b in batches for m, why in b.refused]
        if refused:
            raise ValidationError(
                _("以下进度节点不能督办：%(list)s。") % {"list": "；".join(refused)},
                code="refused",
            )
        duplicates = [m for b in batches for m in b.duplicates]
        if duplicates and not confirm_duplicate:
            raise DuplicateSupervision(duplicates, level)
        items = [
            _create(
                unit=b.unit,
                milestones=b.milestones,
                level=level,
                text=text,
                sender=sender,
                ack_due=ack_due,
                answer_due=answer_due,
                recipients=b.recipients,
                today=today,
            )
            for b in batches
        ]
    _mail(items, today, connection)
    return items


# --- The unit's steps: 签收 and 反馈 --------------------------------------------------------


def _lock(item: Supervision) -> Supervision:
    return (
        Supervision.objects.select_for_update()
        .select_related("level", "unit", "plan")
        .get(pk=item.pk)
    )


def _check(item: Supervision, user: User | None, action: Action) -> None:
    """The state machine's answer on the locked (current) item: PermissionDenied for
    a user without the side that takes the action, SupervisionStateError when the
    item has moved on."""
    if user is not None and not access.may_act_on_supervision(user, item, action):
        raise PermissionDenied(_("您不能对该督办单进行此操作。"))
    if action not in supervision.allowed_actions(item.state, frozenset(supervision.Side)):
        raise SupervisionStateError(supervision.refusal_message(item.state, action), code="state")


def _acknowledge(item: Supervision, user: User) -> list[str]:
    item.acknowledged_by, item.acknowledged_at = user, clock.now()
    item.acknowledged_on = clock.today()
    return ["acknowledged_by", "acknowledged_at", "acknowledged_on"]


@transaction.atomic
def supervision_acknowledge(*, item: Supervision, user: User) -> Supervision:
    """签收: the unit confirms it received the item (late when after ``ack_due``)."""
    item = _lock(item)
    _check(item, user, Action.ACKNOWLEDGE)
    fields = _acknowledge(item, user)
    item.state = supervision.target(item.state, Action.ACKNOWLEDGE)
    item._history_user = user
    item.save(update_fields=touch_fields(Supervision, ["state", *fields]))
    return item


def supervision_answer(
    *, item: Supervision, user: User, text: str, files: Sequence[UploadedFile] = ()
) -> Supervision:
    """反馈: the unit answers with a text and evidence. An item not yet
    acknowledged is acknowledged by the answer. All or nothing, files included."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("请填写反馈内容。"), code="answer")
    if len(text) > TEXT_MAX:
        raise ValidationError(_("反馈内容最多%(n)s字。") % {"n": TEXT_MAX}, code="answer")
    checked = [(f, f.name or "", evidence.sniff(f.name or "", f)) for f in files]
    saved: list[str] = []
    try:
        with transaction.atomic():
            item = _lock(item)
            _check(item, user, Action.ANSWER)
            fields = ["state", "answer", "answered_by", "answered_at", "answered_on"]
            if item.acknowledged_on is None:
                fields += _acknowledge(item, user)
            item.state = supervision.target(item.state, Action.ANSWER)
            item.answer = text
            item.answered_by, item.answered_at = user, clock.now()
            item.answered_on = clock.today()
            item._history_user = user
            item.save(update_fields=touch_fields(Supervision, fields))
            for upload, name, content_type in checked:
                stored = SupervisionFile(
                    supervision=item,
                    original_name=name[:200],
                    content_type=content_type,
                    size=upload.size or 0,
                    uploaded_by=user,
                )
                stored.file.save(name, upload, save=False)
                saved.append(stored.file.name)
                stored.save()
    except BaseException:
        for name in saved:
            SupervisionFile.file.field.storage.delete(name)
        raise
    return item


# --- The office's steps: 办结/销号 and 升级 ------------------------------------------------


def _note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(_("说明最多%(n)s字。") % {"n": NOTE_MAX}, code="note")
    return note


@transaction.atomic
def supervision_close(*, item: Supervision, user: User, note: str = "") -> Supervision:
    """办结/销号: the office closes the item, answered or not (say the milestone
    was done meanwhile), with an optional note."""
    note = _note(note)
    item = _lock(item)
    _check(item, user, Action.CLOSE)
    item.state = supervision.target(item.state, Action.CLOSE)
    item.closed_by, item.closed_at, item.closed_on = user, clock.now(), clock.today()
    item.close_note = note
    item._history_user = user
    item.save(
        update_fields=touch_fields(
            Supervision, ["state", "closed_by", "closed_at", "closed_on", "close_note"]
        )
    )
    return item


class TopOfLadder(ValidationError):
    """There is no higher active level to escalate to."""


def _escalate_locked(
    item: Supervision, *, user: User | None, note: str, text: str, today: dt.date
) -> Supervision:
    """End the locked ``item`` as escalated and send its successor (not yet e-mailed)."""
    _check(item, user, Action.ESCALATE)
    upper = item.level.next_level()
    if upper is None:
        raise TopOfLadder(
            _("“%(level)s”已是最高督办级别，不能再升级。") % {"level": item.level.name},
            code="top",
        )
    milestones = list(item.milestones.select_related("project__plan", "unit").order_by("pk"))
    open_ = [m for m in milestones if not _refusal(m, today)] or milestones
    item.state = supervision.target(item.state, Action.ESCALATE)
    item.closed_by, item.closed_at, item.closed_on = user, clock.now(), today
    item.close_note = note
    item._history_user = user
    item.save(
        update_fields=touch_fields(
            Supervision, ["state", "closed_by", "closed_at", "closed_on", "close_note"]
        )
    )
    ack_due, answer_due = _deadlines(upper, today, None)
    return _create(
        unit=item.unit,
        milestones=open_,
        level=upper,
        text=text or item.text,
        sender=user,
        ack_due=ack_due,
        answer_due=answer_due,
        recipients=recipients_by_unit([item.unit_id]).get(item.unit_id, []),
        previous=item,
        today=today,
    )


def supervision_escalate(
    *, item: Supervision, user: User, note: str = "", text: str = ""
) -> Supervision:
    """升级: the office ends the item and sends a new one at the next level
    (the successor), e-mailed like any 督办单. Returns the successor."""
    note = _note(note)
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise ValidationError(_("督办要求最多%(n)s字。") % {"n": TEXT_MAX}, code="text")
    today = clock.today()
    with transaction.atomic():
        successor = _escalate_locked(
            _lock(item),
            user=user,
            note=note or str(_("市政府办公室决定升级督办。")),
            text=text,
            today=today,
        )
    _mail([successor], today)
    return successor


# --- The daily run ---------------------------------------------------------------------------


@dataclasses.dataclass
class EscalationRun:
    today: dt.date
    escalated: list[tuple[Supervision, Supervision]] = dataclasses.field(default_factory=list)
    at_top: list[Supervision] = dataclasses.field(default_factory=list)  # late, nowhere to go
    resent: list[Supervision] = dataclasses.field(default_factory=list)
    failed: list[Supervision] = dataclasses.field(default_factory=list)  # e-mail still failing


def _why(item: Supervision, today: dt.date) -> str:
    reason = supervision.overdue_for_escalation(
        state=item.state, ack_due=item.ack_due, answer_due=item.answer_due, today=today
    )
    if reason == "ack":
        return _("逾期未签收（签收时限%(date)s），按规则自动升级。") % {
            "date": date_cn(item.ack_due)
        }
    return _("逾期未反馈（反馈时限%(date)s），按规则自动升级。") % {
        "date": date_cn(item.answer_due)
    }


def supervision_escalate_due(*, today: dt.date | None = None, connection=None) -> EscalationRun:
    """Escalate every open item not acknowledged, or not answered, by its deadline
    whose level escalates by rule, to the next level; e-mail the successors and
    send again the e-mails of open items that failed. Idempotent: an escalated
    item is final, so a second run on the same day finds nothing new to do.

    Each item is escalated in its own transaction under its lock, so two runs at
    once escalate it once.
    """
    today = today or clock.today()
    run = EscalationRun(today=today)
    due = (
        Supervision.objects.filter(supervision.escalation_due_q(today))
        .filter(level__auto_escalate=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in list(due):
        with transaction.atomic():
            item = (
                Supervision.objects.select_for_update()
                .select_related("level", "unit", "plan")
                .get(pk=pk)
            )
            if (
                supervision.overdue_for_escalation(
                    state=item.state, ack_due=item.ack_due, answer_due=item.answer_due, today=today
                )
                is None
            ):
                continue  # acknowledged, answered or escalated meanwhile
            try:
                successor = _escalate_locked(
                    item,
                    user=None,
                    note=_why(item, today),
                    text="",
                    today=today,
                )
            except TopOfLadder:
                run.at_top.append(item)
                continue
        run.escalated.append((item, successor))
    _mail([s for _old, s in run.escalated], today, connection)
    retry = list(
        Supervision.objects.open()
        .filter(delivery=MailDelivery.Delivery.FAILED)
        .exclude(pk__in=[s.pk for _old, s in run.escalated])
        .select_related("level", "unit", "sent_by")
    )
    _mail(retry, today, connection)
    for item in retry:
        (run.failed if item.delivery == MailDelivery.Delivery.FAILED else run.resent).append(item)
    run.failed += [s for _old, s in run.escalated if s.delivery == MailDelivery.Delivery.FAILED]
    return run


def late_supervisions_at_top(*, today: dt.date | None = None):
    """Open items past a deadline at a level that does not escalate (the top of the
    ladder, or one the office keeps by hand): for the office to act on."""
    today = today or clock.today()
    return Supervision.objects.filter(supervision.escalation_due_q(today)).filter(
        level__auto_escalate=False
    )


def supervisions_by_milestone(milestone_ids: Iterable[int]) -> dict[int, list[Supervision]]:
    """The open 督办单 about each milestone, highest level first, in one query
    (for work lists: "督办中")."""
    rows = Supervision.milestones.through.objects.filter(
        milestone_id__in=list(milestone_ids),
        supervision__state__in=sorted(supervision.OPEN_STATES),
    ).select_related("supervision__level")
    found: dict[int, list[Supervision]] = defaultdict(list)
    for link in rows:
        found[link.milestone_id].append(link.supervision)
    for items in found.values():
        items.sort(key=lambda s: (-s.level.rank, -s.pk))
    return found
