"""Forms of the assessment pages and admin: raw value entry, score override,
and the tier text of an item."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from assessment import scoring
from assessment.models import AssessmentItem
from common.evidence import EvidenceRejected, sniff

DECIMAL_ERRORS = {"invalid": _("请输入数字。"), "required": _("请填写此项。")}


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
    reason = forms.CharField(
        label=_("依据说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写依据说明（如检查记录、文件）。")},
    )
    evidence_ref = forms.CharField(label=_("佐证出处"), required=False, max_length=200)
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
        """Only the evidence formats progress reports accept, checked by content."""
        upload = self.cleaned_data.get("evidence")
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
    reason = forms.CharField(
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
