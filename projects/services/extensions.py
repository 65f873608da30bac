"""延期申请 (deadline extension requests): a clerk or head of a milestone's unit
asks, before the due date passes, to move it to a later date, with a reason and
the progress so far; the request is decided along the review state machine of
``projects.review``, like a progress report (the unit head, then the mayor's
office; nobody decides on their own request).

Only the office's approval changes the milestone: its due date moves to the
approved date, the first due date stays on record (``original_due_date``), and
whether the milestone is on time is then judged against the approved date (the
status rule reads ``due_date``). A refused or unanswered request changes nothing.

Every function here locks the milestone row first, then the request, so that a
request, a decision and an approval about one milestone happen one after the
other; every check that depends on what others did meanwhile (an open request,
the request's state, the milestone's due date) runs under those locks.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common import clock
from common.history import history_reason
from common.writes import touch_fields
from projects import access, review, status
from projects.models import DeadlineExtension, Milestone

# Bounds of the texts a request and a refusal carry (unbounded columns, bounded here).
REASON_MAX = 1000  # 延期理由
PROGRESS_MAX = 2000  # 目前进展
REFUSAL_MAX = 1000  # 不予批准理由


class ExtensionStateError(ValidationError):
    """The request is not (any more, or not yet) in a state that allows this decision."""


class OpenExtensionError(ValidationError):
    """The milestone already has a request waiting for a decision; nothing was stored.

    ``extension`` is that request."""

    def __init__(self, extension: DeadlineExtension):
        super().__init__(
            _(
                "该节点已有一份延期申请正在审批中（%(who)s 于 %(when)s 提交，申请延期至 %(date)s），"
                "请等待审批结果，不必重复申请。"
            )
            % {
                "who": _name(extension.requested_by),
                "when": f"{timezone.localtime(extension.created_at):%Y-%m-%d %H:%M}",
                "date": _day(extension.new_due_date),
            },
            code="open",
        )
        self.extension = extension


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _day(day: dt.date) -> str:
    return date_format(day, "DATE_FORMAT")


# --- The rules of a request (also read by the pages) -------------------------------------


def request_blockers(milestone: Milestone, *, today: dt.date) -> list[str]:
    """Why no request on the milestone can be made ``today`` (empty: one can), an
    open request apart (:func:`open_extension`). Reads ``milestone.project.plan``."""
    plan = milestone.project.plan
    problems = []
    if plan.is_closed:
        problems.append(_("%(year)s年度已结束，不再受理延期申请。") % {"year": plan.year})
    if milestone.done_date is not None:
        problems.append(_("该节点已完成，无需申请延期。"))
    elif status.is_red(due_date=milestone.due_date, done_date=milestone.done_date, today=today):
        problems.append(
            _("该节点的完成时限（%(date)s）已过，不能再申请延期；延期申请须在完成时限前提出。")
            % {"date": _day(milestone.due_date)}
        )
    return problems


def date_problems(milestone: Milestone, new_due_date: dt.date, *, today: dt.date) -> list[str]:
    """What is wrong with ``new_due_date`` as the new due date (empty: nothing)."""
    plan = milestone.project.plan
    old_due_date = milestone.due_date  # what the request would record as its old date
    problems = []
    if new_due_date <= old_due_date:
        problems.append(
            _("申请延期至的日期应晚于当前完成时限（%(date)s）。") % {"date": _day(old_due_date)}
        )
    if new_due_date < today:
        problems.append(_("申请延期至的日期不能早于今天（%(date)s）。") % {"date": _day(today)})
    if new_due_date.year != plan.year:
        problems.append(
            _("申请延期至的日期应在%(year)s年度内（不晚于%(last)s）。")
            % {"year": plan.year, "last": _day(plan.last_day)}
        )
    return problems


def open_extension(milestone: Milestone) -> DeadlineExtension | None:
    """The milestone's request waiting for a decision, if any (at most one)."""
    return (
        DeadlineExtension.objects.filter(milestone_id=milestone.pk)
        .waiting_for_review()
        .select_related("requested_by")
        .first()
    )


def _text(value: str, *, label: str, limit: int) -> str:
    """``value`` stripped; refused (in Chinese) when empty, too long or holding NUL."""
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("请填写%(label)s。") % {"label": label}, code="required")
    if "\x00" in value:
        raise ValidationError(_("%(label)s不能包含空字符。") % {"label": label}, code="null")
    if len(value) > limit:
        raise ValidationError(
            _("%(label)s最多%(max)d字（现有%(n)d字）。")
            % {"label": label, "max": limit, "n": len(value)},
            code="max_length",
        )
    return value


def _lock_milestone(milestone_id: int) -> Milestone:
    return (
        Milestone.objects.select_for_update().select_related("project__plan").get(pk=milestone_id)
    )


# --- Asking --------------------------------------------------------------------------------


def extension_request(
    *,
    milestone: Milestone,
    user: User,
    new_due_date: dt.date,
    reason: str,
    progress: str,
) -> DeadlineExtension:
    """Store a request to move the milestone's due date to ``new_due_date``.

    Raises ``PermissionDenied`` when the user is not a clerk or head of the
    milestone's unit; ``ValidationError`` (by field: ``new_due_date``, ``reason``,
    ``progress``, or for the whole request) when the year is closed, the
    milestone is done, its due date has passed, or the date or a text is not
    acceptable; :class:`OpenExtensionError` when a request on the milestone is
    already waiting (also when another one arrived at the same moment: the check
    runs under the milestone's lock, and the database's partial unique constraint
    backs it). Nothing is stored then.

    The request starts in the state :func:`projects.review.initial_state` gives:
    a head's own request, and one from a unit without a head account, go straight
    to the mayor's office with a note.
    """
    errors: dict[str, list[ValidationError]] = {}
    texts = {}
    for field, value, label, limit in [
        ("reason", reason, _("延期理由"), REASON_MAX),
        ("progress", progress, _("目前进展"), PROGRESS_MAX),
    ]:
        try:
            texts[field] = _text(value, label=label, limit=limit)
        except ValidationError as exc:
            errors[field] = [exc]
    with transaction.atomic():
        locked = _lock_milestone(milestone.pk)
        if not access.can_request_extension(user, locked):
            raise PermissionDenied
        today = clock.today()
        blockers = request_blockers(locked, today=today)
        if blockers:
            errors["__all__"] = [ValidationError(m, code="blocked") for m in blockers]
        problems = date_problems(locked, new_due_date, today=today)
        if problems:
            errors["new_due_date"] = [ValidationError(m, code="date") for m in problems]
        if errors:
            raise ValidationError(errors)
        waiting = open_extension(locked)
        if waiting is not None:
            raise OpenExtensionError(waiting)

        state, note = review.initial_state(
            head_approval=access.head_approval_on(),
            author_is_head=access.is_unit_head(user, locked.unit_id),
            unit_has_head=access.unit_has_head(locked.unit_id),
        )
        extension = DeadlineExtension(
            milestone=locked,
            requested_by=user,
            old_due_date=locked.due_date,
            new_due_date=new_due_date,
            reason=texts["reason"],
            progress=texts["progress"],
            review_state=state,
            route_note=note,
        )
        extension._history_user = user
        try:
            with transaction.atomic():  # a savepoint: the outer transaction stays usable
                extension.save()
        except IntegrityError:
            # Only a request written without this function's lock gets here.
            waiting = open_extension(locked)
            if waiting is None:
                raise
            raise OpenExtensionError(waiting) from None
    return extension


# --- Deciding ------------------------------------------------------------------------------


def refusal_message(kind: review.Refusal, extension: DeadlineExtension, user: User) -> str:
    """The Chinese message for a decision ``user`` may not take on the request now."""
    state = extension.decision_label
    if kind is review.Refusal.SETTLED:
        return _("该延期申请已处理（当前状态：%(state)s），无需重复操作。") % {"state": state}
    if kind is review.Refusal.NOT_YET:
        return _("该延期申请当前状态为“%(state)s”，还未轮到您审批。") % {"state": state}
    if extension.requested_by_id == user.pk:
        return _("这是您本人提出的延期申请，须由他人审批。")
    if extension.head_approved_by_id == user.pk:
        return _("您已作为单位负责人审核过这份延期申请，须由市政府办公室其他人员审批。")
    return _("您不能对这份延期申请执行此操作（当前状态：%(state)s）。") % {"state": state}


def _lock_extension(extension: DeadlineExtension) -> tuple[DeadlineExtension, Milestone]:
    milestone = _lock_milestone(extension.milestone_id)
    fresh = DeadlineExtension.objects.select_for_update().get(pk=extension.pk)
    fresh.milestone = milestone
    return fresh, milestone


@transaction.atomic
def extension_decide(
    *, extension: DeadlineExtension, user: User, action: str, reason: str = ""
) -> DeadlineExtension:
    """Take a decision (``projects.review.Action``) on a request: the head approves
    (passes it on) or refuses it, the office approves (``ACCEPT``) or refuses it.

    Raises ``ValidationError`` for a refusal without a reason (or with an
    unacceptable one), and for an approval the milestone no longer fits (its due
    date changed since the request, or its year is closed);
    :class:`ExtensionStateError` when the request is not (any more, or not yet) at
    a stage where the user decides; ``PermissionDenied`` when the user may not
    decide on it at all (no role for it, or they asked for it or approved it as
    its head). Nothing changes then.
    """
    action = review.Action(action)
    if action is review.Action.RETURN:
        try:
            reason = _text(reason, label=_("不予批准理由"), limit=REFUSAL_MAX)
        except ValidationError as exc:
            raise ValidationError({"reason": [exc]}) from None
    extension, milestone = _lock_extension(extension)
    refusal = access.extension_refusal(user, extension, action)
    if refusal is not None:
        message = refusal_message(refusal, extension, user)
        if refusal is review.Refusal.NOT_YOURS:
            raise PermissionDenied(message)
        raise ExtensionStateError(message, code=refusal.value)
    if action is review.Action.ACCEPT:
        _check_still_fits(extension, milestone)

    head_approval = access.head_approval_on()
    stage = review.waiting_for(extension.review_state, head_approval=head_approval)
    extension.review_state = review.target(
        extension.review_state, action, head_approval=head_approval
    )
    fields = ["review_state"]
    if stage is review.Stage.HEAD:
        extension.head_approved_by, extension.head_approved_at = user, clock.now()
        fields += ["head_approved_by", "head_approved_at"]
    else:
        extension.reviewed_by, extension.reviewed_at = user, clock.now()
        fields += ["reviewed_by", "reviewed_at"]
    if action is review.Action.RETURN:
        extension.return_reason = reason
        fields.append("return_reason")
    extension._history_user = user
    extension.save(update_fields=fields)
    if action is review.Action.ACCEPT:
        _apply_approved(extension, milestone, user)
    return extension


def _check_still_fits(extension: DeadlineExtension, milestone: Milestone) -> None:
    """An approval moves the due date the request was about, in an open year."""
    plan = milestone.project.plan
    if plan.is_closed:
        raise ValidationError(
            _("%(year)s年度已结束，不能再批准延期。") % {"year": plan.year}, code="closed"
        )
    if milestone.due_date != extension.old_due_date:
        raise ValidationError(
            _(
                "申请提出后，该节点的完成时限已由 %(old)s 调整为 %(now)s，本申请已不适用。"
                "请不予批准，由申请单位按新的完成时限重新申请。"
            )
            % {"old": _day(extension.old_due_date), "now": _day(milestone.due_date)},
            code="due_changed",
        )


def _apply_approved(extension: DeadlineExtension, milestone: Milestone, user: User) -> None:
    """The milestone's due date moves to the approved date; the first due date it
    had stays in ``original_due_date``. The history names the approver and why."""
    fields = ["due_date"]
    if milestone.original_due_date is None:
        milestone.original_due_date = milestone.due_date
        fields.append("original_due_date")
    milestone.due_date = extension.new_due_date
    milestone._history_user = user
    milestone._change_reason = history_reason(  # type: ignore[attr-defined]
        _("批准延期申请：%(reason)s") % {"reason": extension.reason}
    )
    milestone.save(update_fields=touch_fields(Milestone, fields))
