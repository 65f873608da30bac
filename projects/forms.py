"""Forms of the reporting and review pages. They check input and say what is
wrong in Chinese next to the field; the services do the writing."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from common import clock, evidence
from common.fields import PlainTextField
from projects import supervision
from projects.models import Indicator, Milestone, SupervisionLevel

NARRATIVE_MAX = 2000
REASON_MAX = 1000
MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _accept_attr() -> str:
    # image/* lets phones offer the camera and the photo library beside files; the
    # server still accepts only the listed formats (``common.evidence``).
    return ",".join(["image/*", *evidence.ALLOWED_EXTENSIONS])


def uploads_help() -> str:
    return _(
        "可多选，最多%(count)s个；PDF、图片(jpg/png)、Word/Excel/PowerPoint/WPS 文档，"
        "每个不超过%(size)s。表单有误时需重新选择文件。"
    ) % {"count": MAX_FILES, "size": filesizeformat(settings.ZHUCHENG_EVIDENCE_MAX_BYTES)}


def clean_uploads(files: list) -> list:
    """Evidence files as every upload field checks them: how many, how large, and
    their content against their name (``common.evidence``); Chinese messages."""
    if len(files) > MAX_FILES:
        raise forms.ValidationError(_("一次最多上传%(count)s个文件。") % {"count": MAX_FILES})
    max_bytes = settings.ZHUCHENG_EVIDENCE_MAX_BYTES
    errors = []
    for upload in files:
        if upload.size > max_bytes:
            errors.append(
                _("“%(name)s”超过大小限制%(size)s。")
                % {"name": upload.name, "size": filesizeformat(max_bytes)}
            )
            continue
        try:
            evidence.sniff(upload.name, upload)
        except evidence.EvidenceRejected as exc:
            errors.append(str(exc))
    if errors:
        raise forms.ValidationError(errors)
    return files


class ProgressReportForm(forms.Form):
    status = forms.ChoiceField(
        label=_("进展状态"),
        choices=Milestone.Status.choices,
        error_messages={"required": _("请选择进展状态。"), "invalid_choice": _("进展状态无效。")},
    )
    percent = forms.IntegerField(
        label=_("完成进度(%)"),
        min_value=0,
        max_value=100,
        error_messages={
            "required": _("请填写完成进度。"),
            "invalid": _("完成进度应为0到100之间的整数。"),
            "min_value": _("完成进度不能小于0。"),
            "max_value": _("完成进度不能大于100。"),
        },
    )
    narrative = PlainTextField(
        label=_("进展情况"),
        max_length=NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("最多%(max)s字。") % {"max": NARRATIVE_MAX},
        error_messages={
            "required": _("请填写进展情况。"),
            "max_length": _("进展情况最多%(limit_value)d字（现有%(show_value)d字）。"),
        },
    )
    done_date = forms.DateField(
        label=_("完成日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("状态为“已完成”时必填。"),
        error_messages={"invalid": _("请按 年-月-日 格式填写日期，如 2010-06-30。")},
    )
    evidence = MultipleFileField(
        label=_("佐证材料"),
        required=False,
        error_messages={"invalid": _("上传的文件无效。"), "empty": _("上传的文件是空的。")},
    )
    seen_report = forms.IntegerField(required=False, widget=forms.HiddenInput)
    confirm_newer = forms.BooleanField(
        label=_("我已看到新的填报，仍要提交本次填报"), required=False
    )

    def __init__(self, *args, milestone: Milestone, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.milestone = milestone
        self.indicators: list[Indicator] = list(indicators)
        self.fields["evidence"].help_text = uploads_help()
        self.fields["evidence"].widget.attrs["accept"] = _accept_attr()
        for indicator in self.indicators:
            label = indicator.name + (f"（{indicator.measure}）" if indicator.measure else "")
            help_text = ""
            if indicator.target is not None:
                help_text = _("目标值 %(target)s") % {"target": f"{indicator.target.normalize():f}"}
            self.fields[self.indicator_field(indicator)] = forms.DecimalField(
                label=label,
                required=False,
                min_value=Decimal(0),
                max_digits=14,
                decimal_places=2,
                help_text=help_text,
                error_messages={
                    "invalid": _("请填写数字。"),
                    "min_value": _("实际值不能为负数。"),
                    "max_digits": _("数值过大。"),
                    "max_decimal_places": _("最多保留两位小数。"),
                    "max_whole_digits": _("数值过大。"),
                },
            )

    @staticmethod
    def indicator_field(indicator: Indicator) -> str:
        return f"indicator_{indicator.pk}"

    def indicator_bound_fields(self):
        return [self[self.indicator_field(i)] for i in self.indicators]

    def clean_narrative(self) -> str:
        text = self.cleaned_data["narrative"].strip()
        if not text:
            raise forms.ValidationError(_("请填写进展情况。"))
        return text

    def clean_done_date(self):
        value = self.cleaned_data.get("done_date")
        if value is None:
            return None
        if value > clock.today():
            raise forms.ValidationError(_("完成日期不能晚于今天。"))
        plan = self.milestone.project.plan
        floor = self.milestone.start_date or plan.first_day
        if value < floor:
            raise forms.ValidationError(
                _("完成日期不能早于%(date)s。") % {"date": date_format(floor, "DATE_FORMAT")}
            )
        return value

    def clean_evidence(self):
        return clean_uploads(self.cleaned_data.get("evidence") or [])

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        status = cleaned.get("status")
        if status == Milestone.Status.DONE:
            if not cleaned.get("done_date") and "done_date" not in self.errors:
                self.add_error("done_date", _("状态为“已完成”时须填写完成日期。"))
            if cleaned.get("percent") not in (None, 100) and "percent" not in self.errors:
                self.add_error("percent", _("状态为“已完成”时完成进度应为100。"))
        elif status:
            cleaned["done_date"] = None
        if self.milestone.project.plan.is_closed:
            raise forms.ValidationError(
                _("%(year)s年度已结束，不再接受进展填报。")
                % {"year": self.milestone.project.plan.year}
            )
        return cleaned

    def indicator_values(self) -> dict[int, Decimal]:
        values = {}
        for indicator in self.indicators:
            value = self.cleaned_data.get(self.indicator_field(indicator))
            if value is not None:
                values[indicator.pk] = value
        return values


class _IdsField(forms.TypedMultipleChoiceField):
    """Any positive whole numbers: the view looks each id up within the user's reach
    and reports those it cannot find or that the user may not decide."""

    def valid_value(self, value) -> bool:
        return str(value).isdigit() and len(str(value)) < 12


class BulkReviewForm(forms.Form):
    """Several reports on /review/ passed or returned at once (one reason for all)."""

    report = _IdsField(
        coerce=int,
        error_messages={"required": _("请先勾选要处理的填报。")},
    )
    verdict = forms.ChoiceField(choices=[("pass", _("批量通过")), ("return", _("批量退回"))])
    reason = PlainTextField(
        label=_("退回原因（批量退回时必填，对所选各份填报相同）"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("退回原因最多%(limit_value)d字。")},
    )

    def clean(self):
        data = super().clean() or self.cleaned_data
        data["reason"] = (data.get("reason") or "").strip()
        if data.get("verdict") == "return" and not data["reason"]:
            self.add_error("reason", _("退回时必须填写退回原因。"))
        return data


class ReturnForm(forms.Form):
    reason = PlainTextField(
        label=_("退回原因"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("退回时必须填写退回原因。"),
            "max_length": _("退回原因最多%(limit_value)d字。"),
        },
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("退回时必须填写退回原因。"))
        return reason


# --- 督办 ---------------------------------------------------------------------------


class LevelChoiceField(forms.ModelChoiceField):
    """A 督办 level with its colour and deadlines, as the office picks it."""

    def label_from_instance(self, obj) -> str:
        return _("%(name)s（%(tone)s，%(ack)s天内签收，默认%(answer)s天内反馈）") % {
            "name": obj.name,
            "tone": obj.get_tone_display(),
            "ack": obj.ack_days,
            "answer": obj.answer_days,
        }


class SupervisionSendForm(forms.Form):
    """交办: the level, the text and the answer deadline of the 督办单 to send."""

    level = LevelChoiceField(
        label=_("督办级别"),
        queryset=SupervisionLevel.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("请选择督办级别。"),
            "invalid_choice": _("督办级别无效或已停用。"),
        },
    )
    text = PlainTextField(
        label=_("督办要求"),
        max_length=supervision.TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("可留空，将发送标准督办要求。"),
        error_messages={"max_length": _("督办要求最多%(limit_value)d字。")},
    )
    answer_due = forms.DateField(
        label=_("反馈时限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("留空按督办级别的默认天数计算。"),
        error_messages={"invalid": _("请按 年-月-日 格式填写日期，如 2010-10-08。")},
    )
    confirm_duplicate = forms.BooleanField(
        label=_("今天已就其中的进度节点发过同级督办单，仍要发送"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["level"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = SupervisionLevel.objects.active()

    def clean_answer_due(self):
        value = self.cleaned_data.get("answer_due")
        if value is not None and value < clock.today():
            raise forms.ValidationError(_("反馈时限不能早于今天。"))
        return value


class SupervisionAnswerForm(forms.Form):
    """反馈: what the unit did, with evidence."""

    answer = PlainTextField(
        label=_("反馈内容"),
        max_length=supervision.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明采取的措施、目前进展和预计完成时间。"),
        error_messages={
            "required": _("请填写反馈内容。"),
            "max_length": _("反馈内容最多%(limit_value)d字（现有%(show_value)d字）。"),
        },
    )
    evidence = MultipleFileField(
        label=_("佐证材料"),
        required=False,
        error_messages={"invalid": _("上传的文件无效。"), "empty": _("上传的文件是空的。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = uploads_help()
        self.fields["evidence"].widget.attrs["accept"] = _accept_attr()

    def clean_answer(self) -> str:
        text = self.cleaned_data["answer"].strip()
        if not text:
            raise forms.ValidationError(_("请填写反馈内容。"))
        return text

    def clean_evidence(self):
        return clean_uploads(self.cleaned_data.get("evidence") or [])


class SupervisionCloseForm(forms.Form):
    """办结/销号, with an optional note."""

    note = PlainTextField(
        label=_("办结说明"),
        max_length=supervision.NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("说明最多%(limit_value)d字。")},
    )


class SupervisionEscalateForm(forms.Form):
    """升级 to the next level, with why and the new text."""

    note = PlainTextField(
        label=_("升级理由"),
        max_length=supervision.NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("说明最多%(limit_value)d字。")},
    )
    text = PlainTextField(
        label=_("新的督办要求"),
        max_length=supervision.TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("可留空，沿用原督办要求。"),
        error_messages={"max_length": _("督办要求最多%(limit_value)d字。")},
    )


# --- 延期申请 ---------------------------------------------------------------------
# The rules of a request (before the due date, a later date within the year, one
# open request per milestone) are the service's, which the view asks on POST;
# these forms check the input itself.

from projects.services import extensions as _extensions  # noqa: E402 (kept with its section)


class ExtensionRequestForm(forms.Form):
    new_due_date = forms.DateField(
        label=_("申请延期至"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("须晚于当前完成时限，且在本年度内。"),
        error_messages={
            "required": _("请填写申请延期至的日期。"),
            "invalid": _("请按 年-月-日 格式填写日期，如 2010-07-31。"),
        },
    )
    reason = PlainTextField(
        label=_("延期理由"),
        max_length=_extensions.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("最多%(max)s字。") % {"max": _extensions.REASON_MAX},
        error_messages={
            "required": _("请填写延期理由。"),
            "max_length": _("延期理由最多%(limit_value)d字（现有%(show_value)d字）。"),
        },
    )
    progress = PlainTextField(
        label=_("目前进展"),
        max_length=_extensions.PROGRESS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("最多%(max)s字。") % {"max": _extensions.PROGRESS_MAX},
        error_messages={
            "required": _("请填写目前进展。"),
            "max_length": _("目前进展最多%(limit_value)d字（现有%(show_value)d字）。"),
        },
    )

    def clean_reason(self) -> str:
        text = self.cleaned_data["reason"].strip()
        if not text:
            raise forms.ValidationError(_("请填写延期理由。"))
        return text

    def clean_progress(self) -> str:
        text = self.cleaned_data["progress"].strip()
        if not text:
            raise forms.ValidationError(_("请填写目前进展。"))
        return text


class ExtensionRefuseForm(forms.Form):
    reason = PlainTextField(
        label=_("不予批准理由"),
        max_length=_extensions.REFUSAL_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("不予批准时必须填写理由。"),
            "max_length": _("不予批准理由最多%(limit_value)d字。"),
        },
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("不予批准时必须填写理由。"))
        return reason


class SupervisionLevelForm(forms.ModelForm):
    """One rung of the 督办 ladder, as the office sets it."""

    class Meta:
        model = SupervisionLevel
        fields = ["rank", "name", "tone", "ack_days", "answer_days", "auto_escalate", "is_active"]
        field_classes = {"name": PlainTextField}
        error_messages = {
            "name": {"required": _("请填写级别名称。"), "unique": _("已有同名的督办级别。")},
            "rank": {
                "required": _("请填写级次。"),
                "unique": _("已有相同级次的督办级别。"),
                "invalid": _("级次应为整数。"),
            },
            "ack_days": {"required": _("请填写签收时限。"), "invalid": _("请填写天数。")},
            "answer_days": {"required": _("请填写反馈时限。"), "invalid": _("请填写天数。")},
        }


SupervisionLevelFormSet = forms.modelformset_factory(
    SupervisionLevel, form=SupervisionLevelForm, extra=1, can_delete=False
)
