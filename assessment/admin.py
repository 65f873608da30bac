"""The administrators' back office for the annual assessment: schemes, items,
raw values, results and titles."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from assessment import selectors, services
from assessment.forms import AssessmentItemForm, CategoryFormSet
from assessment.models import (
    AssessmentCategory,
    AssessmentEntry,
    AssessmentItem,
    AssessmentResult,
    AssessmentScheme,
    ItemScore,
    TitleAward,
)
from assessment.resources import CategoryResource, ItemResource, SchemeResource
from common.formula_safe import NativeTypesExportMixin


class CategoryInline(admin.TabularInline):
    model = AssessmentCategory
    formset = CategoryFormSet
    extra = 0
    fields = ["order", "name", "max_points"]
    show_change_link = True


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(NativeTypesExportMixin, ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [SchemeResource]
    list_display = [
        "year",
        "jurisdiction",
        "unit_kind",
        "name",
        "total_points",
        "stage",
        "computed_at",
    ]
    list_filter = ["jurisdiction", "year", "unit_kind", "stage"]
    list_select_related = ["jurisdiction"]
    search_fields = ["name"]
    inlines = [CategoryInline]
    # The stage moves only through the procedure (the assessment pages), on record.
    readonly_fields = [
        "stage",
        "notice_from",
        "notice_until",
        "published_at",
        "published_by",
        "computed_at",
        "copied_from",
        "changes",
    ]
    fieldsets = [
        (None, {"fields": ["jurisdiction", "year", "unit_kind", "name", "total_points"]}),
        (_("等次与加分"), {"fields": ["excellent_from", "good_from", "pass_from", "bonus_cap"]}),
        (
            _("称号"),
            {"fields": ["title_name", "title_from", "child_title_name", "child_title_points"]},
        ),
        (_("修订"), {"fields": ["copied_from", "change_notes", "changes"]}),
        (
            _("考核进程"),
            {
                "fields": [
                    "stage",
                    "notice_days",
                    "notice_from",
                    "notice_until",
                    "published_at",
                    "published_by",
                    "computed_at",
                ]
            },
        ),
    ]
    actions = ["compute", "copy_to_next_year"]

    @admin.display(description=_("与上一年度相比的变化"))
    def changes(self, obj):
        items = selectors.scheme_changes(obj) if obj and obj.pk else []
        if not items:
            return "—"
        return format_html_join("", "<div>{}</div>", ((c,) for c in items))

    @admin.action(description=_("重新计算所选考核办法的结果"))
    def compute(self, request, queryset):
        for scheme in queryset:
            try:
                summary = services.assessment_compute(scheme=scheme, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request,
                    f"{scheme}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}",
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request, _("%(s)s：已计算 %(n)s 个单位。") % {"s": scheme, "n": summary.units}
                )

    @admin.action(description=_("复制到下一年度"))
    def copy_to_next_year(self, request, queryset):
        for scheme in queryset:
            try:
                copy = services.scheme_copy_to_next_year(scheme=scheme, by=request.user)
            except ValidationError as exc:
                self.message_user(request, "；".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, _("已复制为 %(s)s。") % {"s": copy})


class ItemInline(admin.TabularInline):
    model = AssessmentItem
    form = AssessmentItemForm
    extra = 0
    fields = ["order", "name", "rule_kind", "max_points", "is_bonus", "source"]
    show_change_link = True


@admin.register(AssessmentCategory)
class AssessmentCategoryAdmin(NativeTypesExportMixin, ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [CategoryResource]
    list_display = ["name", "scheme", "order", "max_points"]
    list_filter = ["scheme__jurisdiction", "scheme__year", "scheme__unit_kind"]
    list_select_related = ["scheme"]
    search_fields = ["name", "scheme__name"]
    inlines = [ItemInline]


@admin.register(AssessmentItem)
class AssessmentItemAdmin(NativeTypesExportMixin, ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [ItemResource]
    form = AssessmentItemForm
    list_display = ["name", "category", "rule_kind", "max_points", "is_bonus", "source"]
    list_filter = ["category__scheme__year", "category__scheme__unit_kind", "rule_kind", "is_bonus"]
    list_select_related = ["category__scheme"]
    search_fields = ["name", "method", "category__name"]
    raw_id_fields = ["indicators", "milestones"]
    readonly_fields = ["rule_text"]
    fieldsets = [
        (None, {"fields": ["category", "order", "name", "method"]}),
        (_("计分规则"), {"fields": ["rule_kind", "max_points", "is_bonus", "rule_text"]}),
        (
            _("定性项目"),
            {
                "fields": [
                    ("points_done", "points_partly", "points_not_done"),
                    ("money_done", "money_partly", "money_not_done"),
                ]
            },
        ),
        (_("按完成率分档"), {"fields": ["tiers"]}),
        (
            _("按个数计（扣分、超额奖励、加分）"),
            {"fields": [("per_points", "per_money"), ("target", "cap")]},
        ),
        (
            _("原始数据来源"),
            {"fields": ["source", "late_credit", "supervision_level", "indicators", "milestones"]},
        ),
    ]

    @admin.display(description=_("计分标准"))
    def rule_text(self, obj):
        return obj.rule_text if obj and obj.pk else "—"


@admin.register(AssessmentEntry)
class AssessmentEntryAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "item", "value", "state", "target", "entered_by", "entered_at"]
    list_filter = ["item__category__scheme__year", "item__category__scheme__unit_kind"]
    list_select_related = ["unit", "item", "entered_by"]
    search_fields = ["unit__name", "item__name", "reason"]
    raw_id_fields = ["item", "unit", "entered_by"]


class ItemScoreInline(admin.TabularInline):
    model = ItemScore
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "item",
        "raw_source",
        "raw_value",
        "raw_state",
        "computed_points",
        "computed_money",
        "override_points",
        "override_money",
        "override_reason",
        "overridden_by",
    )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AssessmentResult)
class AssessmentResultAdmin(SimpleHistoryAdmin):
    """Results are computed; change them through raw values and overrides."""

    list_display = ["unit", "scheme", "rank", "total", "grade", "money", "vetoed"]
    list_filter = ["scheme__jurisdiction", "scheme__year", "scheme__unit_kind", "grade"]
    list_select_related = ["unit", "scheme"]
    search_fields = ["unit__name"]
    readonly_fields = [
        "scheme",
        "unit",
        "base_points",
        "bonus_points",
        "title_points",
        "total",
        "money",
        "rank",
        "grade",
        "vetoed",
        "missing_items",
        "milestones_as_of",
        "milestones_total",
        "milestones_done",
        "milestones_due",
        "milestones_due_done",
        "milestones_due_on_time",
        "milestones_late",
        "milestones_red",
        "milestones_amber",
    ]
    inlines = [ItemScoreInline]

    def has_add_permission(self, request):
        return False


@admin.register(TitleAward)
class TitleAwardAdmin(SimpleHistoryAdmin):
    list_display = ["year", "unit", "name", "scheme", "reason"]
    list_filter = ["year", "name"]
    list_select_related = ["unit", "scheme"]
    search_fields = ["unit__name", "name"]
    raw_id_fields = ["unit", "scheme"]
