"""The administrators' back office for the year's plan.

Project pages carry their units, sub-items and milestones as inlines; a
sub-item's page carries its milestones and indicators.
"""

from typing import cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from projects import status
from projects.importing.admin import TargetsImportAdmin
from projects.models import (
    Evidence,
    Indicator,
    IndicatorValue,
    Milestone,
    PlanYear,
    ProgressReport,
    Project,
    ProjectQuerySet,
    ProjectUnit,
    Reminder,
    SubItem,
    Supervision,
    SupervisionLevel,
)
from projects.status import COLOUR_LABELS, Colour
from responsibility.admin import JurisdictionListFilter

STALE_MESSAGE = _("该记录已被他人修改，请刷新后重试；您填写的内容未丢失")


class OptimisticLockForm(forms.ModelForm):
    """Refuses to save over a change made since the form was opened.

    The form carries the row's ``updated_at`` as it was when the page was
    rendered; if the row has changed meanwhile, saving fails with a message and
    the page shows again with everything the user typed.
    """

    seen_updated_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.updated_at:
            self.fields["seen_updated_at"].initial = self.instance.updated_at.isoformat()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if self.instance.pk and self.add_prefix("seen_updated_at") in self.data:
            current = (
                type(self.instance)
                ._default_manager.filter(pk=self.instance.pk)
                .values_list("updated_at", flat=True)
                .first()
            )
            if current is not None and cleaned.get("seen_updated_at") != current.isoformat():
                raise ValidationError(STALE_MESSAGE, code="stale")
        return cleaned


class OptimisticLockAdmin(admin.ModelAdmin):
    """ModelAdmin mixin for models with ``updated_at``: see OptimisticLockForm."""

    form = OptimisticLockForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        names = {f for _name, opts in fieldsets for f in opts.get("fields", ())}
        if "seen_updated_at" not in names and fieldsets:
            name, opts = fieldsets[0]
            fieldsets[0] = (name, {**opts, "fields": [*opts["fields"], "seen_updated_at"]})
        return fieldsets


class ParentLimitedInline(admin.options.InlineModelAdmin):
    """Limits the sub-item choices of an inline to the project being edited."""

    def get_formset(self, request, obj=None, **kwargs):
        self._parent_project = obj if isinstance(obj, Project) else getattr(obj, "project", None)
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        project = getattr(self, "_parent_project", None)
        if db_field.name == "subitem":
            kwargs["queryset"] = (
                SubItem.objects.filter(project=project) if project else SubItem.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the application's own pages and runs, where their rules
    hold: the admin shows them and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanYear)
class PlanYearAdmin(OptimisticLockAdmin, SimpleHistoryAdmin):
    list_display = [
        "year",
        "jurisdiction",
        "doc_number",
        "title",
        "issue_date",
        "project_count",
        "is_closed",
    ]
    list_filter = [("jurisdiction", JurisdictionListFilter), "is_closed"]
    list_select_related = ["jurisdiction"]
    search_fields = ["year", "doc_number", "title", "jurisdiction__name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_project_count=Count("projects"))

    @admin.display(description=_("项目数"), ordering="_project_count")
    def project_count(self, obj):
        return obj._project_count


class ProjectUnitInline(admin.TabularInline):
    model = ProjectUnit
    extra = 0
    autocomplete_fields = ["unit", "person"]
    fields = ["unit", "person", "is_lead", "order"]


class SubItemInline(admin.TabularInline):
    model = SubItem
    extra = 0
    show_change_link = True
    autocomplete_fields = ["unit", "person", "mayor"]
    fields = ["number", "name", "unit", "person", "mayor"]


class MilestoneInline(ParentLimitedInline, admin.TabularInline):
    model = Milestone
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["subitem", "name", "unit", "start_date", "due_date", "status", "done_date"]


class IndicatorInline(ParentLimitedInline, admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["subitem", "name", "measure", "baseline", "target", "direction", "actual"]


class StatusColourFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "colour"

    def lookups(self, request, model_admin):
        # Worst first, in the status rule's words (projects.status.COLOUR_LABELS).
        return [(colour.css, COLOUR_LABELS[colour]) for colour in sorted(Colour, reverse=True)]

    def queryset(self, request, queryset):
        colour = next((c for c in Colour if c.css == self.value()), None)
        if colour is None:
            return queryset
        return queryset.filter(status.counts_colour_q(colour, into="ms_"))


@admin.register(Project)
class ProjectAdmin(TargetsImportAdmin, OptimisticLockAdmin, SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "plan",
        "category",
        "lead_unit",
        "mayor",
        "progress",
        "on_time",
        "status_label",
    ]
    list_display_links = ["__str__"]
    list_filter = ["plan", "category", StatusColourFilter, "mayor", "units", "is_sample"]
    search_fields = ["name", "target", "measures", "trades", "units__name"]
    autocomplete_fields = ["mayor"]
    inlines = [ProjectUnitInline, SubItemInline, MilestoneInline, IndicatorInline]
    fieldsets = [
        (None, {"fields": ["plan", "number", "name", "category", "mayor", "is_sample"]}),
        (_("任务与措施"), {"fields": ["target", "measures", "guarantees", "trades"]}),
    ]
    list_per_page = 50

    def get_queryset(self, request):
        # The default manager is ProjectQuerySet.as_manager(); ModelAdmin's stub says QuerySet.
        return cast(ProjectQuerySet, super().get_queryset(request)).for_list().with_progress()

    @admin.display(description=_("牵头单位"))
    def lead_unit(self, obj):
        lead = obj.lead_assignment()
        return lead.unit.name if lead else "—"

    @admin.display(description=_("完成率"), ordering="ms_done")
    def progress(self, obj):
        return f"{obj.percent}%（{obj.ms_done}/{obj.ms_total}）"

    @admin.display(description=_("按期完成率"))
    def on_time(self, obj):
        if obj.on_time_percent is None:
            return "—"
        return f"{obj.on_time_percent}%（{obj.ms_due_on_time}/{obj.ms_due}）"

    @admin.display(description=_("状态"))
    def status_label(self, obj):
        return obj.colour.label


@admin.register(SubItem)
class SubItemAdmin(OptimisticLockAdmin, SimpleHistoryAdmin):
    list_display = ["__str__", "project", "unit", "person", "mayor"]
    list_filter = ["project__plan", "unit", "mayor"]
    search_fields = ["name", "description", "project__name", "unit__name", "person__name"]
    autocomplete_fields = ["project", "unit", "person", "mayor"]
    list_select_related = ["project__plan", "unit", "person__unit", "mayor"]
    inlines = [MilestoneInline, IndicatorInline]


class OpenFilter(admin.SimpleListFilter):
    title = _("完成情况")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("open", _("未完成")),
            ("overdue", _("逾期未完成")),
            ("done", _("已完成")),
            ("on_time", _("按期完成")),
            ("late", _("逾期完成")),
        ]

    def queryset(self, request, queryset):
        narrow = {
            "open": queryset.open,
            "overdue": queryset.overdue,
            "done": queryset.done,
            "on_time": queryset.done_on_time,
            "late": queryset.done_late,
        }.get(self.value() or "")
        return narrow() if narrow is not None else queryset


@admin.register(Milestone)
class MilestoneAdmin(OptimisticLockAdmin, SimpleHistoryAdmin):
    list_display = [
        "name",
        "project",
        "subitem",
        "unit",
        "due_date",
        "status",
        "done_date",
        "status_words",
    ]
    list_filter = ["project__plan", OpenFilter, "status", "unit"]
    search_fields = ["name", "project__name", "subitem__name", "unit__name"]
    date_hierarchy = "due_date"
    autocomplete_fields = ["project", "subitem", "unit"]
    list_select_related = ["project", "subitem__project", "unit"]

    @admin.display(description=_("完成情况"))
    def status_words(self, obj):
        """按期完成 / 逾期完成 N天 / 逾期未完成 N天 / 临期 / 正常, as on the pages."""
        return obj.status_words()


@admin.register(Indicator)
class IndicatorAdmin(OptimisticLockAdmin, SimpleHistoryAdmin):
    list_display = ["name", "project", "subitem", "measure", "baseline", "target", "actual"]
    list_filter = ["project__plan", "direction"]
    search_fields = ["name", "project__name", "subitem__name"]
    autocomplete_fields = ["project", "subitem"]
    list_select_related = ["project", "subitem__project"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    can_delete = False
    fields = readonly_fields = ("original_name", "content_type", "size", "uploaded_at")


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 0
    can_delete = False
    fields = readonly_fields = ("indicator", "value")


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Read-only: reports are append-only and reviewed in the web pages."""

    list_display = ["milestone", "author", "created_at", "status", "percent", "review_state"]
    list_filter = ["review_state", "status", "milestone__unit"]
    search_fields = ["narrative", "milestone__name", "author__username"]
    list_select_related = ["milestone", "author"]
    date_hierarchy = "created_at"
    inlines = [IndicatorValueInline, EvidenceInline]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """Read-only record of reminders (督办催办) sent by the daily run (and of the
    one-e-mail 督办单 of the first release)."""

    list_display = ["milestone", "sent_to", "kind", "sent_by", "sent_on", "created_at", "delivery"]
    list_filter = ["kind", "delivery", "sent_on", "sent_to"]
    search_fields = ["milestone__name", "sent_to__name", "message"]
    list_select_related = ["milestone", "sent_to", "sent_by"]
    date_hierarchy = "sent_on"


@admin.register(SupervisionLevel)
class SupervisionLevelAdmin(OptimisticLockAdmin, SimpleHistoryAdmin):
    """The 督办 ladder the mayor's office uses: names, colours, deadlines, and
    whether the daily run escalates a late item to the next level."""

    list_display = ["rank", "name", "tone", "ack_days", "answer_days", "auto_escalate", "is_active"]
    list_display_links = ["name"]
    list_editable = ["is_active"]
    ordering = ["rank"]


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Read-only: 督办单 are sent, answered and closed in the web pages, where the
    loop's rules hold (``projects.supervision``)."""

    list_display = ["pk", "unit", "level", "state", "sent_on", "ack_due", "answer_due", "delivery"]
    list_filter = ["state", "level", "delivery", "plan", "unit"]
    search_fields = ["text", "answer", "unit__name", "milestones__name"]
    list_select_related = ["unit", "level"]
    date_hierarchy = "sent_on"
