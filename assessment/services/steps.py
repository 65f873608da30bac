"""The steps of the assessment procedure (``assessment.procedure``): moving a
scheme's year from stage to stage, the units' self-assessment (自评), the office's
verification (核查), and objections during 公示 (复核/申诉) with their answers.

Every function takes keyword-only arguments, locks the scheme's row first (so two
people acting at once act one after the other) and asks the procedure and
``assessment.access`` again under the lock. Refusals are ``ValidationError`` with
a Chinese message (nothing changed) or ``PermissionDenied``.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assessment import access, procedure, scoring
from assessment.models import (
    AssessmentItem,
    AssessmentScheme,
    AssessmentStageChange,
    ItemScore,
    Objection,
    SelfEntry,
)
from assessment.procedure import Stage
from assessment.services import (
    assessment_compute,
    assessment_enter_raw,
    assessment_override,
)
from common import clock, evidence
from common.history import history_reason
from common.writes import touch_fields
from responsibility.models import Unit

REASON_MAX = 2000  # 自评说明, 核查说明, 申请理由, 答复意见, 退回理由


class StageError(ValidationError):
    """The scheme is not (any more) in a stage that allows this step."""


def _lock(scheme: AssessmentScheme) -> AssessmentScheme:
    return AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)


def _text(value: str | None, *, label: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(_("请填写%(label)s。") % {"label": label}, code="required")
    if len(text) > REASON_MAX:
        raise ValidationError(
            _("%(label)s最多%(max)s字。") % {"label": label, "max": REASON_MAX}, code="max_length"
        )
    if "\x00" in text:
        raise ValidationError(_("%(label)s含有不允许的字符。") % {"label": label}, code="nul")
    return text


def _check_file(upload: UploadedFile | None) -> str:
    """The content type of an evidence file checked by name and content; "" for none."""
    if upload is None:
        return ""
    try:
        return evidence.sniff(upload.name or "", upload)
    except evidence.EvidenceRejected as exc:
        raise ValidationError({"evidence": [str(exc)]}) from exc


# --- Stages ------------------------------------------------------------------------------


def _today_label(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def move_blockers(scheme: AssessmentScheme, target: str, *, today) -> list[str]:
    """Why the scheme cannot move to ``target`` now (whoever asks), in Chinese."""
    if procedure.who_moves(scheme.stage, target) is None:
        return [
            _("考核只能逐级推进或退回一级（当前：%(stage)s）。")
            % {"stage": scheme.get_stage_display()}
        ]
    if target == Stage.SELF and procedure.position(scheme.stage) < procedure.position(target):
        return scheme.problems()
    if target == Stage.FINAL:
        return procedure.finalise_blockers(
            scheme.stage,
            until=scheme.notice_until,
            today=today,
            open_objections=scheme.objections.filter(state=Objection.State.OPEN).count(),
        )
    return []


@transaction.atomic
def scheme_move(*, scheme: AssessmentScheme, target: str, by, reason: str = "") -> AssessmentScheme:
    """Move the scheme one stage forward (the office) or one back (an administrator,
    with a reason), and record who, when and why.

    Into 公示 the results are computed and the notice period starts today for
    ``notice_days``; into final they are computed once more, after the notice period
    and with every objection answered. Going back from 公示 ends the notice period.
    """
    scheme = _lock(scheme)
    target = Stage(target)
    today = clock.today()
    back = procedure.position(target) < procedure.position(scheme.stage)
    if not access.can_move(by, scheme, target):
        if back and procedure.who_moves(scheme.stage, target) is procedure.Who.ADMIN:
            raise PermissionDenied(_("退回上一阶段须由系统管理员操作。"))
        if procedure.who_moves(scheme.stage, target) is procedure.Who.OFFICE:
            raise PermissionDenied(_("只有市政府办公室可以推进考核阶段。"))
    blockers = move_blockers(scheme, target, today=today)
    if blockers:
        raise StageError(blockers, code="stage")
    # A reason is asked for (and kept) when going back; a forward move needs none.
    reason = _text(reason, label=_("退回理由")) if back else ""
    source = scheme.stage
    fields = ["stage"]
    if target == Stage.NOTICE and not back:
        assessment_compute(scheme=scheme, by=by, step=True)
        scheme.refresh_from_db()
        scheme.notice_from = today
        scheme.notice_until = procedure.notice_until(today, scheme.notice_days)
        fields += ["notice_from", "notice_until"]
    elif target == Stage.FINAL:
        assessment_compute(scheme=scheme, by=by, step=True)
        scheme.refresh_from_db()
        scheme.published_at, scheme.published_by = clock.now(), by
        fields += ["published_at", "published_by"]
    elif source == Stage.FINAL:  # back to 公示
        scheme.published_at = scheme.published_by = None
        fields += ["published_at", "published_by"]
    elif source == Stage.NOTICE:  # back to 核查: the notice period ends
        scheme.notice_from = scheme.notice_until = None
        fields += ["notice_from", "notice_until"]
    scheme.stage = target
    word = procedure.FORWARD_WORDS.get(target) if not back else _("退回")
    scheme._change_reason = history_reason(f"{word}：{reason}" if reason else str(word))
    scheme._history_user = by
    scheme.save(update_fields=touch_fields(AssessmentScheme, fields))
    AssessmentStageChange.objects.create(
        scheme=scheme, from_stage=source, to_stage=target, by=by, reason=reason
    )
    return scheme


# --- 自评 -------------------------------------------------------------------------------


def self_assessed(item: AssessmentItem) -> bool:
    """Units enter their own values for the items the system does not compute."""
    return item.source == AssessmentItem.Source.MANUAL


@transaction.atomic
def self_entry_save(
    *,
    item: AssessmentItem,
    unit: Unit,
    by,
    note: str,
    value: Decimal | None = None,
    state: str = "",
    target: Decimal | None = None,
    evidence_file: UploadedFile | None = None,
) -> SelfEntry:
    """A unit's own raw value of one item, with a note and evidence, during 自评.
    Entering again replaces it (history keeps the earlier one) and it waits for
    核查 again."""
    scheme = _lock(item.category.scheme)
    if not access.can_self_assess(by, unit, scheme):
        if procedure.self_entry_open(scheme.stage):
            raise PermissionDenied(_("只有本单位的填报员或负责人可以填报自评。"))
        raise StageError(
            _("自评阶段已结束（当前：%(stage)s），不能再填报或修改自评。")
            % {"stage": scheme.get_stage_display()},
            code="stage",
        )
    if unit.kind != scheme.unit_kind:
        raise PermissionDenied(_("该单位不属于本考核办法的考核对象。"))
    if not self_assessed(item):
        raise ValidationError(_("该项由系统根据审核通过的填报计算，无需自评。"), code="computed")
    note = _text(note, label=_("自评说明"))
    raw = scoring.Raw(
        value=value, state=scoring.Completion(state) if state else None, target=target
    )
    problems = scoring.check_raw(item.rule(), raw)
    if problems:
        raise ValidationError(problems)
    content_type = _check_file(evidence_file)
    entry = SelfEntry.objects.filter(item=item, unit=unit).first() or SelfEntry(
        item=item, unit=unit
    )
    entry.value, entry.state, entry.target = value, state or "", target
    entry.note, entry.entered_by = note, by
    entry.verdict, entry.verified_by, entry.verified_at, entry.verify_reason = (
        SelfEntry.Verdict.PENDING,
        None,
        None,
        "",
    )
    if evidence_file is not None and content_type:
        entry.evidence_name = (evidence_file.name or "")[:200]
        entry.evidence.save(evidence_file.name or "evidence", evidence_file, save=False)
    entry._history_user = by
    entry.save()
    return entry


# --- 核查 -------------------------------------------------------------------------------


@transaction.atomic
def self_entry_verify(
    *,
    entry: SelfEntry,
    by,
    accept: bool,
    reason: str = "",
    value: Decimal | None = None,
    state: str = "",
    target: Decimal | None = None,
) -> SelfEntry:
    """核查 of a unit's own value: accept it as it stands, or set the office's value
    with a reason. Either way the verified value becomes the item's raw value
    (``AssessmentEntry``) and the unit's own value stays beside it."""
    scheme = _lock(entry.item.category.scheme)
    if not access.can_verify(by, scheme):
        if not access.is_office(by):
            raise PermissionDenied(_("只有市政府办公室可以核查自评。"))
        raise StageError(
            _("只有核查阶段才能核查自评（当前：%(stage)s）。")
            % {"stage": scheme.get_stage_display()},
            code="stage",
        )
    entry = SelfEntry.objects.select_for_update().get(pk=entry.pk)
    if accept:
        value, state, target = entry.value, entry.state, entry.target
        reason = _text(reason, label=_("核查说明"), required=False)
        label = _("核查采纳单位自评") + (f"：{reason}" if reason else "")
    else:
        reason = _text(reason, label=_("核查调整的理由"))
        label = _("核查调整：%(reason)s") % {"reason": reason}
    assessment_enter_raw(
        item=entry.item,
        unit=entry.unit,
        by=by,
        reason=label,
        value=value,
        state=state,
        target=target,
        evidence_ref=_("单位自评佐证"),
        recompute=False,
    )
    entry.verdict = SelfEntry.Verdict.ACCEPTED if accept else SelfEntry.Verdict.ADJUSTED
    entry.verified_by, entry.verified_at, entry.verify_reason = by, clock.now(), reason
    entry._history_user = by
    entry.save(update_fields=["verdict", "verified_by", "verified_at", "verify_reason"])
    return entry


# --- 复核/申诉 ----------------------------------------------------------------------------


@transaction.atomic
def objection_lodge(
    *,
    scheme: AssessmentScheme,
    unit: Unit,
    item: AssessmentItem,
    by,
    reason: str,
    evidence_file: UploadedFile | None = None,
) -> Objection:
    """A unit's head objects to one item of the unit's provisional result during 公示."""
    scheme = _lock(scheme)
    today = clock.today()
    if item.category.scheme_id != scheme.pk or unit.kind != scheme.unit_kind:
        raise PermissionDenied(_("该考核项目或单位不属于本考核办法。"))
    if not access.can_lodge(by, unit, scheme, today=today):
        if procedure.objections_open(scheme.stage, until=scheme.notice_until, today=today):
            raise PermissionDenied(_("复核申请须由本单位负责人提出。"))
        raise StageError(_("只能在考核结果公示期间申请复核。"), code="stage")
    reason = _text(reason, label=_("申请理由"))
    content_type = _check_file(evidence_file)
    if Objection.objects.filter(
        scheme=scheme, unit=unit, item=item, state=Objection.State.OPEN
    ).exists():
        raise ValidationError(_("该项已有一份复核申请待答复，请等待答复。"), code="duplicate")
    score = ItemScore.objects.filter(result__scheme=scheme, result__unit=unit, item=item).first()
    objection = Objection(
        scheme=scheme,
        unit=unit,
        item=item,
        reason=reason,
        lodged_by=by,
        points_before=score.points if score else None,
    )
    if evidence_file is not None and content_type:
        objection.evidence_name = (evidence_file.name or "")[:200]
        objection.evidence.save(evidence_file.name or "evidence", evidence_file, save=False)
    objection._history_user = by
    try:
        with transaction.atomic():
            objection.save()
    except IntegrityError as exc:  # lodged at the same moment by a colleague
        raise ValidationError(
            _("该项已有一份复核申请待答复，请等待答复。"), code="duplicate"
        ) from exc
    return objection


@dataclasses.dataclass(frozen=True)
class Change:
    """What upholding an objection changes: a new raw value, or the item's points."""

    value: Decimal | None = None
    state: str = ""
    target: Decimal | None = None
    points: Decimal | None = None

    @property
    def is_raw(self) -> bool:
        return self.value is not None or bool(self.state)


@transaction.atomic
def objection_answer(
    *, objection: Objection, by, uphold: bool, answer: str, change: Change | None = None
) -> Objection:
    """The office's answer to an objection: upheld (the item's raw value or points
    change as given and the results are recomputed) or rejected, with a reason
    either way. Answered once: a second answer is refused kindly."""
    scheme = _lock(objection.scheme)
    objection = (
        Objection.objects.select_for_update().select_related("item", "unit").get(pk=objection.pk)
    )
    if not access.can_answer(by, scheme):
        if not access.is_office(by):
            raise PermissionDenied(_("只有市政府办公室可以答复复核申请。"))
        raise StageError(_("只能在公示阶段答复复核申请。"), code="stage")
    if objection.state != Objection.State.OPEN:
        raise StageError(
            _("该复核申请已答复（%(state)s），无需重复操作。")
            % {"state": objection.get_state_display()},
            code="answered",
        )
    answer = _text(answer, label=_("答复意见"))
    label = _("复核采纳：%(answer)s") % {"answer": answer}
    if uphold:
        change = change or Change()
        if change.is_raw:
            assessment_enter_raw(
                item=objection.item,
                unit=objection.unit,
                by=by,
                reason=label,
                value=change.value,
                state=change.state,
                target=change.target,
                evidence_ref=_("复核申请 #%(pk)s") % {"pk": objection.pk},
                step=True,
            )
        elif change.points is not None:
            scored = ItemScore.objects.get(
                result__scheme=scheme, result__unit=objection.unit, item=objection.item
            )
            assessment_override(score=scored, by=by, reason=label, points=change.points, step=True)
        else:
            raise ValidationError(_("采纳复核申请时请填写调整后的原始数据或得分。"), code="change")
        after = ItemScore.objects.filter(
            result__scheme=scheme, result__unit=objection.unit, item=objection.item
        ).first()
        objection.points_after = after.points if after else None
    objection.state = Objection.State.UPHELD if uphold else Objection.State.REJECTED
    objection.answer, objection.answered_by, objection.answered_at = answer, by, clock.now()
    objection._history_user = by
    objection.save(update_fields=["state", "answer", "answered_by", "answered_at", "points_after"])
    return objection
