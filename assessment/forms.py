"""Forms of the assessment pages and admin: raw value entry, score override,
and the tier text of an item."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from assessment import procedure, scoring
from assessment.models import AssessmentItem
from common.evidence import EvidenceRejected, sniff
from common.fields import PlainTextField

DECIMAL_ERRORS = {"invalid": _("请输入数字。"), "required": _("请填写此项。")}


def checked_evidence(upload):
    """Only the evidence formats progress reports accept, checked by content."""
    if not upload:
        return upload
    limit = settings.ZHUCHENG_EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s”超过%(size)s。") % {"name": upload.name, "size": filesizeformat(limit)}
        )
    try:
        sniff(upload.name, upload)
    except EvidenceRejected as exc:
        raise ValidationError(str(exc)) from exc
    return upload


class RawEntryForm(forms.Form):
    """The raw value of one item for one unit. Which fields show depends on the
    item's rule: a completion state for qualitative items, a number (and a
    target where the rule compares against one) for the others."""

    state = forms.ChoiceField(
        label=_("完成情况"),
        required=False,
        choices=[("", "—")] + [(c.value, c.label) for c in scoring.Completion],
    )
    value = forms.DecimalField(
        label=_("数值"),
        required=False,
        max_digits=14,
        decimal_places=2,
        error_messages=DECIMAL_ERRORS,
    )
    target = forms.DecimalField(
        label=_("本单位目标值"),
        required=False,
        max_digits=14,
        decimal_places=2,
        error_messages=DECIMAL_ERRORS,
        help_text=_("留空则用考核项目的统一目标值。"),
    )
    reason = PlainTextField(
        label=_("依据说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写依据说明（如检查记录、文件）。")},
    )
    evidence_ref = PlainTextField(label=_("佐证出处"), required=False, max_length=200)
    evidence = forms.FileField(label=_("佐证材料"), required=False)

    def __init__(self, *args, item: AssessmentItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        kind = scoring.RuleKind(item.rule_kind)
        if kind is scoring.RuleKind.FIXED:
            del self.fields["value"], self.fields["target"]
            self.fields["state"].required = True
            self.fields["state"].error_messages["required"] = _("请选择完成情况。")
        else:
            del self.fields["state"]
            self.fields["value"].required = True
            self.fields["value"].label = {
                scoring.RuleKind.TIERS: _("完成数（或完成率%）"),
                scoring.RuleKind.DEDUCT: _("缺少项数"),
                scoring.RuleKind.OVER_UNDER: _("实际完成数"),
                scoring.RuleKind.COUNT: _("个数"),
                scoring.RuleKind.VETO: _("发生次数"),
            }[kind]
            if kind not in (scoring.RuleKind.TIERS, scoring.RuleKind.OVER_UNDER):
                del self.fields["target"]

    def clean_evidence(self):
        return checked_evidence(self.cleaned_data.get("evidence"))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        raw = scoring.Raw(
            value=data.get("value"),
            state=scoring.Completion(data["state"]) if data.get("state") else None,
            target=data.get("target"),
        )
        if any(f in self.errors for f in ("value", "state", "target")):
            return data
        for field, messages in scoring.check_raw(self.item.rule(), raw).items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return data


class OverrideForm(forms.Form):
    points = forms.DecimalField(
        label=_("调整后得分"),
        required=False,
        max_digits=8,
        decimal_places=2,
        error_messages=DECIMAL_ERRORS,
    )
    money = forms.DecimalField(
        label=_("调整后奖惩(元)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        error_messages=DECIMAL_ERRORS,
    )
    reason = PlainTextField(
        label=_("调整理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    clear = forms.BooleanField(label=_("取消调整，恢复计算得分"), required=False)

    def __init__(self, *args, item: AssessmentItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("clear"):
            data["points"] = data["money"] = None
            return data
        if data.get("points") is None and data.get("money") is None and not self.errors:
            raise ValidationError(_("请填写调整后得分或奖惩金额。"))
        if not (data.get("reason") or "").strip():
            self.add_error("reason", _("调整得分须填写理由。"))
        low, high = scoring.points_bounds(self.item.rule())
        points = data.get("points")
        if points is not None and not low <= points <= high:
            self.add_error(
                "points", _("得分应在 %(lo)s 到 %(hi)s 分之间。") % {"lo": low, "hi": high}
            )
        return data


class TiersField(forms.CharField):
    """Tiers typed as ``0-60:0; 60-80:4; 80-100:8; 100-:10`` (completion % : points)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _(
                "按完成率分档，格式“下限-上限:分值”，用分号分隔，最后一档上限留空，如：0-60:0; 60-80:4; 80-100:8; 100-:10"
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return scoring.format_tiers(scoring.tiers_from_json(value))
        return value

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return scoring.tiers_to_json(scoring.parse_tiers(text or ""))
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class AssessmentItemForm(forms.ModelForm):
    tiers = TiersField(label=_("分档标准"))

    class Meta:
        model = AssessmentItem
        fields = [
            "category",
            *AssessmentItem.DEFINITION_FIELDS,
            "indicators",
            "milestones",
        ]
        field_classes = {"name": PlainTextField, "method": PlainTextField}


class CategoryFormSet(forms.BaseInlineFormSet):
    """The scheme's categories: their points must add up to the scheme's total."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        points = [
            f.cleaned_data.get("max_points") or Decimal(0)
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        total = getattr(self.instance, "total_points", None)
        if points and total is not None:
            problems = scoring.check_weights(total, points)
            if problems:
                raise ValidationError(problems)


# --- The procedure (自评, 核查, 复核/申诉, stages) ----------------------------------------

TEXT_MAX = 2000


class StageMoveForm(forms.Form):
    """A deliberate move of the scheme to another stage: confirmed, and going back
    with a reason."""

    target = forms.ChoiceField(choices=procedure.Stage.choices)
    confirm = forms.BooleanField(
        label=_("我已核对以上情况，确认进行此操作"),
        error_messages={"required": _("请勾选确认后再操作。")},
    )
    reason = PlainTextField(
        label=_("理由"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("理由最多%(limit_value)d字。")},
    )


class SelfEntryForm(RawEntryForm):
    """A unit's own value of one item (自评): the raw value's fields, a note and evidence."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["evidence_ref"]
        reason = self.fields["reason"]
        reason.label = _("自评说明")
        assert isinstance(reason, forms.CharField)
        reason.max_length = TEXT_MAX
        reason.error_messages = {
            "required": _("请填写自评说明（做了什么、依据是什么）。"),
            "max_length": _("自评说明最多%(limit_value)d字。"),
        }
        reason.widget.attrs["maxlength"] = str(TEXT_MAX)


class VerifyForm(RawEntryForm):
    """核查 of a unit's own value: accept it, or set the office's value with a reason."""

    DECISIONS = [("accept", _("采纳单位自评")), ("adjust", _("调整为下列数值"))]

    decision = forms.ChoiceField(
        label=_("核查结果"),
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择核查结果。"), "invalid_choice": _("核查结果无效。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["evidence_ref"], self.fields["evidence"]
        reason = self.fields["reason"]
        reason.label = _("核查说明")
        reason.required = False
        assert isinstance(reason, forms.CharField)
        reason.max_length = TEXT_MAX
        reason.help_text = _("调整时必填。")
        for name in ("value", "state", "target"):
            if name in self.fields:
                self.fields[name].required = False
        self.order_fields(["decision"])

    def clean(self):
        data = forms.Form.clean(self) or {}
        if data.get("decision") != "adjust":
            return data
        if not (data.get("reason") or "").strip():
            self.add_error("reason", _("调整自评数值须填写理由。"))
        return RawEntryForm.clean(self)


class ObjectionForm(forms.Form):
    """复核申请: why the unit objects to an item's score, with evidence."""

    reason = PlainTextField(
        label=_("申请理由"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": str(TEXT_MAX)}),
        help_text=_("写明对哪一数据或得分有异议、理由和依据。"),
        error_messages={
            "required": _("请填写申请理由。"),
            "max_length": _("申请理由最多%(limit_value)d字。"),
        },
    )
    evidence = forms.FileField(label=_("佐证材料"), required=False)

    def clean_reason(self) -> str:
        text = self.cleaned_data["reason"].strip()
        if not text:
            raise ValidationError(_("请填写申请理由。"))
        return text

    def clean_evidence(self):
        return checked_evidence(self.cleaned_data.get("evidence"))


class AnswerForm(RawEntryForm):
    """The office's answer to an objection: upheld with the new raw value (or the
    item's points), or rejected; a reason either way."""

    DECISIONS = [("uphold", _("采纳，按下列数值重新计算")), ("reject", _("不予采纳"))]

    decision = forms.ChoiceField(
        label=_("答复"),
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择是否采纳。"), "invalid_choice": _("答复无效。")},
    )
    points = forms.DecimalField(
        label=_("或直接调整得分"),
        required=False,
        max_digits=8,
        decimal_places=2,
        error_messages=DECIMAL_ERRORS,
        help_text=_("不改原始数据、只改该项得分时填写。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["evidence_ref"], self.fields["evidence"]
        reason = self.fields["reason"]
        reason.label = _("答复意见")
        assert isinstance(reason, forms.CharField)
        reason.max_length = TEXT_MAX
        reason.error_messages = {
            "required": _("请填写答复意见。"),
            "max_length": _("答复意见最多%(limit_value)d字。"),
        }
        for name in ("value", "state", "target"):
            if name in self.fields:
                self.fields[name].required = False
        self.order_fields(["decision"])

    def clean(self):
        data = forms.Form.clean(self) or {}
        if data.get("decision") != "uphold":
            return data
        changed = (
            data.get("value") is not None or data.get("state") or data.get("points") is not None
        )
        if not changed and not self.errors:
            raise ValidationError(_("采纳复核申请时请填写调整后的原始数据或得分。"))
        if data.get("value") is not None or data.get("state"):
            return RawEntryForm.clean(self)
        low, high = scoring.points_bounds(self.item.rule())
        points = data.get("points")
        if points is not None and not low <= points <= high:
            self.add_error(
                "points", _("得分应在 %(lo)s 到 %(hi)s 分之间。") % {"lo": low, "hi": high}
            )
        return data
