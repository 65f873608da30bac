"""Progress reports: a clerk submits, the unit head approves, the mayor's office
accepts or returns, along the state machine of ``projects.review``.

Reports are append-only (``ProgressReport.save`` enforces it): a correction is
a new report, and only the review fields of a report move. Every function here
locks the milestone row (``select_for_update``) first, so that two decisions
about one milestone — two reviewers, or a review racing a new report — happen
one after the other. Every check that depends on what others did meanwhile (a
newer report, the report's review state) runs under that lock.

Only an accepted report changes the milestone (status, %, done date) and the
indicators' actual values; the milestone and indicator history rows name the
reviewer as the user who made the change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import clock, evidence
from common.bulk import BATCH
from projects import access, review
from projects.models import Evidence, Indicator, IndicatorValue, Milestone, ProgressReport

Review = ProgressReport.Review


class ReviewStateError(ValidationError):
    """The report is not (any more, or not yet) in a state that allows this decision."""


class NewerReportError(ValidationError):
    """Someone reported on the milestone since the author opened the form.

    ``report`` is that newer report. Nothing was stored."""

    def __init__(self, report: ProgressReport):
        super().__init__(_("在您填写期间已有新的填报。"), code="newer")
        self.report = report


def _lock_milestone(milestone_id: int) -> Milestone:
    return (
        Milestone.objects.select_for_update().select_related("project__plan").get(pk=milestone_id)
    )


def _check_open_year(milestone: Milestone) -> None:
    plan = milestone.project.plan
    if plan.is_closed:
        raise ValidationError(
            _("%(year)s年度已结束，不再接受进展填报。") % {"year": plan.year}, code="closed"
        )


def milestone_indicators(milestone: Milestone):
    """The indicators a report on this milestone gives actual values for: those of
    its sub-item, or of its project when it has no sub-item."""
    if milestone.subitem_id:
        return Indicator.objects.filter(subitem_id=milestone.subitem_id).order_by("pk")
    return Indicator.objects.filter(project_id=milestone.project_id, subitem__isnull=True).order_by(
        "pk"
    )


def progress_report_submit(
    *,
    milestone: Milestone,
    author: User,
    status: str,
    percent: int,
    narrative: str,
    done_date: dt.date | None = None,
    indicator_values: Mapping[int, Decimal] | None = None,
    files: Sequence[UploadedFile] = (),
    seen_report: int | None = None,
    confirm_newer: bool = True,
) -> ProgressReport:
    """Store a new report with its indicator values and evidence files.

    ``indicator_values`` maps indicator ids (of :func:`milestone_indicators`) to
    values. Raises ``ValidationError`` for a closed year or a value the form
    should already have refused; then nothing is stored, files included.

    ``seen_report`` is the newest report the author saw when opening the form;
    with ``confirm_newer=False`` a newer one raises :class:`NewerReportError`.
    The check runs under the milestone's lock, so of two reports sent at the
    same moment the second is the one told.

    The report starts in the state :func:`projects.review.initial_state` gives:
    a head's own report, and a report of a unit without a head, go straight to
    the mayor's office with a note.
    """
    indicator_values = dict(indicator_values or {})
    if status not in Milestone.Status.values:
        raise ValidationError(_("进展状态无效。"), code="status")
    if not 0 <= percent <= 100:
        raise ValidationError(_("完成进度应在0到100之间。"), code="percent")
    if status == Milestone.Status.DONE:
        if done_date is None:
            raise ValidationError(_("状态为“已完成”时须填写完成日期。"), code="done_date")
        if done_date > clock.today():
            raise ValidationError(_("完成日期不能晚于今天。"), code="done_date")
    else:
        done_date = None
    if any(v < 0 for v in indicator_values.values()):
        raise ValidationError(_("指标实际值不能为负数。"), code="indicator")
    # A file without a name has no extension, so sniff() refuses it.
    checked = [(f, f.name or "", evidence.sniff(f.name or "", f)) for f in files]

    saved_files: list[str] = []
    try:
        with transaction.atomic():
            locked = _lock_milestone(milestone.pk)
            _check_open_year(locked)
            if not confirm_newer:
                newest = locked.reports.order_by("-created_at", "-pk").first()
                if newest is not None and newest.pk != seen_report:
                    raise NewerReportError(newest)
            floor = locked.start_date or locked.project.plan.first_day
            if done_date is not None and done_date < floor:
                raise ValidationError(
                    _("完成日期不能早于%(date)s。") % {"date": floor.isoformat()},
                    code="done_date",
                )
            allowed = set(milestone_indicators(locked).values_list("pk", flat=True))
            if set(indicator_values) - allowed:
                raise ValidationError(_("指标不属于该进度节点。"), code="indicator")

            state, note = review.initial_state(
                head_approval=access.head_approval_on(),
                author_is_head=access.is_unit_head(author, locked.unit_id),
                unit_has_head=access.unit_has_head(locked.unit_id),
            )
            report = ProgressReport(
                milestone=locked,
                author=author,
                status=status,
                percent=100 if status == Milestone.Status.DONE else percent,
                narrative=narrative,
                done_date=done_date,
                review_state=state,
                route_note=note,
            )
            report._history_user = author
            report.save()
            IndicatorValue.objects.bulk_create(
                (
                    IndicatorValue(report=report, indicator_id=pk, value=value)
                    for pk, value in indicator_values.items()
                ),
                batch_size=BATCH,
            )
            for upload, name, content_type in checked:
                item = Evidence(
                    report=report,
                    original_name=name[:200],
                    content_type=content_type,
                    size=upload.size or 0,
                )
                item.file.save(name, upload, save=False)
                saved_files.append(item.file.name)
                item.save()
    except BaseException:
        # The rows are rolled back; do not leave their files behind.
        for name in saved_files:
            Evidence.file.field.storage.delete(name)
        raise
    return report


def _lock_report(report: ProgressReport) -> tuple[ProgressReport, Milestone]:
    milestone = _lock_milestone(report.milestone_id)
    fresh = ProgressReport.objects.select_for_update().get(pk=report.pk)
    fresh.milestone = milestone
    return fresh, milestone


def _check_decision(report: ProgressReport, user: User, action: review.Action) -> None:
    """The state machine's answer for this user, on the locked (current) report."""
    refusal = access.review_refusal(user, report, action)
    if refusal is None:
        return
    message = review.refusal_message(refusal, report.get_review_state_display())
    if refusal is review.Refusal.NOT_YOURS:
        raise PermissionDenied(message)
    raise ReviewStateError(message, code=refusal.value)


@transaction.atomic
def progress_report_decide(
    *, report: ProgressReport, user: User, action: str, reason: str = ""
) -> ProgressReport:
    """Take a review decision (``projects.review.Action``) on a report.

    Raises ``ValidationError`` for a return without a reason,
    :class:`ReviewStateError` when the report is not (any more, or not yet) at a
    stage where the user decides, and ``PermissionDenied`` when the user may not
    decide on it at all (no review role for it, or they wrote or approved it).
    """
    action = review.Action(action)
    if action is review.Action.RETURN:
        reason = reason.strip()
        if not reason:
            raise ValidationError(_("退回时必须填写退回原因。"), code="reason")
    report, milestone = _lock_report(report)
    _check_decision(report, user, action)
    head_approval = access.head_approval_on()
    stage = review.waiting_for(report.review_state, head_approval=head_approval)
    report.review_state = review.target(report.review_state, action, head_approval=head_approval)
    fields = ["review_state"]
    if stage is review.Stage.HEAD:
        report.head_approved_by, report.head_approved_at = user, clock.now()
        fields += ["head_approved_by", "head_approved_at"]
    else:
        report.reviewed_by, report.reviewed_at = user, clock.now()
        fields += ["reviewed_by", "reviewed_at"]
    if action is review.Action.RETURN:
        report.return_reason = reason
        fields.append("return_reason")
    report._history_user = user
    report.save(update_fields=fields)
    if action is review.Action.ACCEPT:
        _apply_accepted(report, milestone, user)
    return report


@dataclasses.dataclass
class BulkOutcome:
    """What a bulk decision did: the reports decided (with the action taken) and
    those refused (with the reason, in the words a single decision would give)."""

    decided: list[tuple[ProgressReport, review.Action]] = dataclasses.field(default_factory=list)
    refused: list[tuple[ProgressReport, str]] = dataclasses.field(default_factory=list)


def progress_reports_decide_bulk(
    *, reports: Sequence[ProgressReport], user: User, verdict: str, reason: str = ""
) -> BulkOutcome:
    """Pass (``verdict="pass"``) or return (``"return"``) several reports at once.

    Each report goes through :func:`progress_report_decide` on its own, in its own
    transaction, exactly as if decided singly: the same locks, permission and
    state checks, history rows and milestone updates. "Pass" is the approval of
    the stage the report waits for (``review.pass_action``). A report the user may
    not decide (not theirs, their own, already or not yet at their stage) is left
    as it is and listed in ``refused``; the others are decided regardless.

    A return without a reason raises ``ValidationError`` before anything changes.
    """
    if verdict not in ("pass", "return"):
        raise ValueError(f"unknown verdict {verdict!r}")
    if verdict == "return" and not reason.strip():
        raise ValidationError(_("退回时必须填写退回原因。"), code="reason")
    head_approval = access.head_approval_on()
    outcome = BulkOutcome()
    for report in reports:
        if verdict == "return":
            action = review.Action.RETURN
        else:
            stages = access.review_stages(user, report.milestone.unit_id)
            action = review.pass_action(report.review_state, stages, head_approval=head_approval)
        try:
            decided = progress_report_decide(report=report, user=user, action=action, reason=reason)
        except (PermissionDenied, ReviewStateError) as exc:
            if isinstance(exc, ValidationError):
                message = exc.messages[0]
            else:
                message = str(exc) or review.refusal_message(review.Refusal.NOT_YOURS, "")
            outcome.refused.append((report, message))
        else:
            outcome.decided.append((decided, action))
    return outcome


def progress_report_head_approve(*, report: ProgressReport, user: User) -> ProgressReport:
    """The unit head passes a submitted report on to the mayor's office."""
    return progress_report_decide(report=report, user=user, action=review.Action.APPROVE)


def progress_report_return(*, report: ProgressReport, user: User, reason: str) -> ProgressReport:
    """Send a report back to the clerk with a reason (required), by the unit head
    or the mayor's office, whichever the report waits for."""
    return progress_report_decide(
        report=report, user=user, action=review.Action.RETURN, reason=reason
    )


def progress_report_accept(*, report: ProgressReport, user: User) -> ProgressReport:
    """The mayor's office accepts a report (see :func:`_apply_accepted`)."""
    return progress_report_decide(report=report, user=user, action=review.Action.ACCEPT)


def _apply_accepted(report: ProgressReport, milestone: Milestone, user: User) -> None:
    """The milestone takes the accepted report's status and % (a "done" report also
    its done date), and the indicators take the reported actual values — unless a
    newer report on the milestone was accepted already, which stays in force.
    """
    newer_accepted = (
        ProgressReport.objects.filter(milestone=milestone, review_state=Review.ACCEPTED)
        .filter(created_at__gt=report.created_at)
        .exists()
    )
    if newer_accepted:
        return

    done = report.status == Milestone.Status.DONE
    milestone.status = report.status
    milestone.percent = 100 if done else report.percent
    milestone.done_date = report.done_date if done else None
    milestone._history_user = user
    milestone.save(update_fields=["status", "percent", "done_date", "updated_at"])

    as_of = report.done_date or timezone.localtime(report.created_at).date()
    for value in report.indicator_values.select_related("indicator"):
        indicator = value.indicator
        indicator.actual = value.value
        indicator.actual_date = as_of
        indicator._history_user = user
        indicator.save(update_fields=["actual", "actual_date", "updated_at"])
