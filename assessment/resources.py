"""XLSX import and export of assessment schemes (django-import-export).

Three sheets a clerk can read and type: schemes, categories and items. Column
headers are Chinese; choices are written as their Chinese labels (codes are
accepted too); a scheme is named by 年度 + 考核对象 and a category by its name
within that scheme, so a workbook exported from one year can be edited and
imported again. Every row goes through the model's ``full_clean()``: a bad tier
text, a negative cap or a published scheme is refused with the row number.
Every exported cell goes through ``common.formula_safe`` (and is unescaped again
on import).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from assessment import procedure, scoring
from assessment.models import ASSESSED_KINDS, AssessmentCategory, AssessmentItem, AssessmentScheme
from common.formula_safe import FormulaSafeResourceMixin
from projects.models import SupervisionLevel

YEAR, KIND, CATEGORY = "年度", "考核对象", "考核类别"
TEXT = widgets.CharWidget(allow_blank=True)  # an empty cell is "", not None


class ChoiceLabelWidget(widgets.Widget):
    """A choice written as its Chinese label (市直部门), or its code (bureau)."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = [(str(code), str(label)) for code, label in choices]

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        for code, label in self.choices:
            if text in (code, label):
                return code
        raise ValueError(
            _("“%(v)s”不是可选值，应为：%(labels)s")
            % {"v": text, "labels": "、".join(label for _, label in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        return dict(self.choices).get(str(value), value)


class YesNoWidget(widgets.Widget):
    YES = {"是", "1", "true", "True", "TRUE", "√", "y", "yes"}
    NO = {"否", "0", "false", "False", "FALSE", "", "n", "no", "None"}

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip()
        if text in self.YES or value is True:
            return True
        if text in self.NO or value is False:
            return False
        raise ValueError(_("应填“是”或“否”，不是“%(v)s”。") % {"v": text})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class TiersWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return scoring.tiers_to_json(scoring.parse_tiers(str(value or "")))

    def render(self, value, obj=None, **kwargs):
        return scoring.format_tiers(scoring.tiers_from_json(value))


def _scheme_lookup(row) -> dict:
    try:
        year = int(str(row.get(YEAR, "")).strip().split(".")[0])
    except ValueError as exc:
        raise ValueError(_("“年度”应为四位年份。")) from exc
    kind = ChoiceLabelWidget(ASSESSED_KINDS).clean(row.get(KIND))
    return {"year": year, "unit_kind": kind}


class SchemeWidget(widgets.ForeignKeyWidget):
    """The scheme named by the row's 年度 and 考核对象 columns."""

    def clean(self, value, row=None, **kwargs):
        lookup = _scheme_lookup(row)
        try:
            # The spreadsheet names no jurisdiction: the home jurisdiction's schemes.
            return AssessmentScheme.objects.of(None).get(**lookup)
        except AssessmentScheme.DoesNotExist as exc:
            raise ValueError(
                _("%(year)s年没有“%(kind)s”的考核办法，请先导入考核办法。")
                % {"year": lookup["year"], "kind": row.get(KIND)}
            ) from exc

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class CategoryWidget(widgets.ForeignKeyWidget):
    """A category by name within the scheme of the row's 年度 and 考核对象."""

    def get_lookup_kwargs(self, value, row=None, **kwargs):
        lookup = _scheme_lookup(row or {})
        return {
            "name": str(value or "").strip(),
            "scheme__year": lookup["year"],
            "scheme__unit_kind": lookup["unit_kind"],
        }

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except AssessmentCategory.DoesNotExist as exc:
            raise ValueError(
                _("考核办法中没有类别“%(c)s”，请先导入考核类别。") % {"c": value}
            ) from exc


class ZeroDecimalWidget(widgets.DecimalWidget):
    """A number whose empty cell means 0 (a column added later: older workbooks leave it blank)."""

    def clean(self, value, row=None, **kwargs):
        cleaned = super().clean(value, row, **kwargs)
        return Decimal(0) if cleaned is None else cleaned


class LevelWidget(widgets.ForeignKeyWidget):
    """A 督办 level by its name (催办, 督办, 黄牌…); empty for none."""

    def __init__(self, **kwargs):
        super().__init__(SupervisionLevel, field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if not str(value or "").strip():
            return None
        try:
            return SupervisionLevel.objects.get(name=str(value).strip())
        except SupervisionLevel.DoesNotExist as exc:
            names = "、".join(SupervisionLevel.objects.values_list("name", flat=True))
            raise ValueError(
                _("没有名为“%(name)s”的督办级别（现有：%(names)s）。")
                % {"name": value, "names": names}
            ) from exc


class SchemeResource(FormulaSafeResourceMixin, resources.ModelResource):
    year = fields.Field(attribute="year", column_name=YEAR, widget=widgets.IntegerWidget())
    unit_kind = fields.Field(
        attribute="unit_kind", column_name=KIND, widget=ChoiceLabelWidget(ASSESSED_KINDS)
    )
    name = fields.Field(attribute="name", column_name="考核办法名称")
    total_points = fields.Field(
        attribute="total_points", column_name="总分", widget=widgets.DecimalWidget()
    )
    excellent_from = fields.Field(
        attribute="excellent_from", column_name="优秀分数线", widget=widgets.DecimalWidget()
    )
    good_from = fields.Field(
        attribute="good_from", column_name="良好分数线", widget=widgets.DecimalWidget()
    )
    pass_from = fields.Field(
        attribute="pass_from", column_name="合格分数线", widget=widgets.DecimalWidget()
    )
    bonus_cap = fields.Field(
        attribute="bonus_cap", column_name="加分封顶", widget=widgets.DecimalWidget()
    )
    title_name = fields.Field(attribute="title_name", column_name="授予称号", widget=TEXT)
    title_from = fields.Field(
        attribute="title_from", column_name="称号分数线", widget=widgets.DecimalWidget()
    )
    child_title_points = fields.Field(
        attribute="child_title_points", column_name="下级获称号加分", widget=widgets.DecimalWidget()
    )
    child_title_name = fields.Field(
        attribute="child_title_name", column_name="下级称号名称", widget=TEXT
    )
    change_notes = fields.Field(attribute="change_notes", column_name="修订说明", widget=TEXT)

    class Meta:
        model = AssessmentScheme
        fields = (
            "year",
            "unit_kind",
            "name",
            "total_points",
            "excellent_from",
            "good_from",
            "pass_from",
            "bonus_cap",
            "title_name",
            "title_from",
            "child_title_points",
            "child_title_name",
            "change_notes",
        )
        import_id_fields = ("year", "unit_kind")
        clean_model_instances = True
        skip_unchanged = True
        use_transactions = True

    def before_save_instance(self, instance, row, **kwargs):
        _refuse_published(instance if instance.pk else None)


def _refuse_published(scheme) -> None:
    """Once the units assess themselves against a scheme (自评 onwards), it stands."""
    if (
        scheme is not None
        and AssessmentScheme.objects.filter(pk=scheme.pk)
        .exclude(stage=procedure.Stage.DRAFT)
        .exists()
    ):
        raise ValidationError(_("%(s)s 已开始考核，不能通过导入修改。") % {"s": scheme})


class CategoryResource(FormulaSafeResourceMixin, resources.ModelResource):
    year = fields.Field(column_name=YEAR, readonly=True)
    kind = fields.Field(column_name=KIND, readonly=True)
    scheme = fields.Field(
        attribute="scheme", column_name="考核办法", widget=SchemeWidget(AssessmentScheme)
    )
    name = fields.Field(attribute="name", column_name=CATEGORY)
    order = fields.Field(attribute="order", column_name="排序", widget=widgets.IntegerWidget())
    max_points = fields.Field(
        attribute="max_points", column_name="分值", widget=widgets.DecimalWidget()
    )

    class Meta:
        model = AssessmentCategory
        fields = ("year", "kind", "scheme", "name", "order", "max_points")
        import_id_fields = ("scheme", "name")
        clean_model_instances = True
        skip_unchanged = True
        use_transactions = True

    def dehydrate_year(self, obj):
        return obj.scheme.year

    def dehydrate_kind(self, obj):
        return obj.scheme.get_unit_kind_display()

    def get_queryset(self):
        return super().get_queryset().select_related("scheme")


class ItemResource(FormulaSafeResourceMixin, resources.ModelResource):
    year = fields.Field(column_name=YEAR, readonly=True)
    kind = fields.Field(column_name=KIND, readonly=True)
    category = fields.Field(
        attribute="category",
        column_name=CATEGORY,
        widget=CategoryWidget(AssessmentCategory, field="name"),
    )
    order = fields.Field(attribute="order", column_name="排序", widget=widgets.IntegerWidget())
    name = fields.Field(attribute="name", column_name="考核项目")
    method = fields.Field(attribute="method", column_name="考核方式", widget=TEXT)
    rule_kind = fields.Field(
        attribute="rule_kind",
        column_name="计分规则",
        widget=ChoiceLabelWidget([(k.value, k.label) for k in scoring.RuleKind]),
    )
    max_points = fields.Field(
        attribute="max_points", column_name="分值", widget=widgets.DecimalWidget()
    )
    is_bonus = fields.Field(attribute="is_bonus", column_name="加分项", widget=YesNoWidget())
    points_done = fields.Field(
        attribute="points_done", column_name="完成得分", widget=widgets.DecimalWidget()
    )
    points_partly = fields.Field(
        attribute="points_partly", column_name="部分完成得分", widget=widgets.DecimalWidget()
    )
    points_not_done = fields.Field(
        attribute="points_not_done", column_name="未完成得分", widget=widgets.DecimalWidget()
    )
    money_done = fields.Field(
        attribute="money_done", column_name="完成奖惩(元)", widget=widgets.DecimalWidget()
    )
    money_partly = fields.Field(
        attribute="money_partly", column_name="部分完成奖惩(元)", widget=widgets.DecimalWidget()
    )
    money_not_done = fields.Field(
        attribute="money_not_done", column_name="未完成奖惩(元)", widget=widgets.DecimalWidget()
    )
    tiers = fields.Field(attribute="tiers", column_name="分档标准", widget=TiersWidget())
    per_points = fields.Field(
        attribute="per_points", column_name="每项分值", widget=widgets.DecimalWidget()
    )
    per_money = fields.Field(
        attribute="per_money", column_name="每项金额(元)", widget=widgets.DecimalWidget()
    )
    target = fields.Field(attribute="target", column_name="目标值", widget=widgets.DecimalWidget())
    cap = fields.Field(attribute="cap", column_name="奖惩封顶(元)", widget=widgets.DecimalWidget())
    source = fields.Field(
        attribute="source",
        column_name="原始数据来源",
        widget=ChoiceLabelWidget(AssessmentItem.Source.choices),
    )
    late_credit = fields.Field(
        attribute="late_credit", column_name="逾期完成折算", widget=ZeroDecimalWidget()
    )
    supervision_level = fields.Field(
        attribute="supervision_level", column_name="督办级别", widget=LevelWidget()
    )

    class Meta:
        model = AssessmentItem
        fields = ("year", "kind", "category", *AssessmentItem.DEFINITION_FIELDS)
        import_id_fields = ("category", "name")
        clean_model_instances = True
        skip_unchanged = True
        use_transactions = True

    ZERO_DEFAULTS = (
        "max_points",
        "points_done",
        "points_partly",
        "points_not_done",
        "money_done",
        "money_partly",
        "money_not_done",
        "per_points",
        "per_money",
    )

    def before_import_row(self, row, **kwargs):
        # Clerks leave zero cells blank; the model wants numbers there.
        for name in self.ZERO_DEFAULTS:
            column = self.fields[name].column_name
            if column in row and str(row[column] if row[column] is not None else "").strip() == "":
                row[column] = "0"
        source = self.fields["source"].column_name
        if source in row and not str(row[source] or "").strip():
            row[source] = AssessmentItem.Source.MANUAL.value

    def dehydrate_year(self, obj):
        return obj.category.scheme.year

    def dehydrate_kind(self, obj):
        return obj.category.scheme.get_unit_kind_display()

    def get_queryset(self):
        return super().get_queryset().select_related("category__scheme")
