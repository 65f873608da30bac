"""The *data version* of a year: a short hash of the latest change times and
row counts of everything a report prints, read in one query.

A generated file's key (``documents.files``) holds the report kind, its
parameters and this version. Any save (``updated_at``, ``auto_now``), any new,
reviewed or deleted row (counts, history rows) gives a new version, hence a new
key and a fresh file; an unchanged year is served from the stored file without
rendering.
"""

from __future__ import annotations

import hashlib

from django.apps import apps
from django.db.models import F, Func, IntegerField, OuterRef, Subquery

from projects.models import (
    Indicator,
    Milestone,
    PlanYear,
    ProgressReport,
    Project,
    ProjectUnit,
    SubItem,
)

# Bump when the templates or the builders change what a PDF shows, so files
# stored by an earlier release are not served.
LAYOUT_VERSION = "3"  # 3: the assessment results say their stage (公示中 / 最终结果)
# Apps whose every table (org chart, assessment) the reports may print.
PRINTED_APPS = ("responsibility", "assessment")


def _max(queryset, field: str) -> Subquery:
    """``SELECT MAX(field)`` of the queryset as a scalar subquery (no GROUP BY)."""
    return Subquery(queryset.order_by().annotate(v=Func(F(field), function="MAX")).values("v")[:1])


def _count(queryset) -> Subquery:
    return Subquery(
        queryset.order_by()
        .annotate(v=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("v")[:1]
    )


def data_version(year: int) -> str | None:
    """A short key that changes whenever anything printed for ``year`` changes.

    One query. None when the year has no plan.
    """
    plan = OuterRef("pk")
    parts: dict[str, Subquery] = {}
    for name, printed, path in (
        ("project", Project, "plan"),
        ("subitem", SubItem, "project__plan"),
        ("milestone", Milestone, "project__plan"),
        ("indicator", Indicator, "project__plan"),
    ):
        scoped = printed.objects.filter(**{path: plan})
        parts[f"{name}_changed"] = _max(scoped, "updated_at")
        parts[f"{name}_count"] = _count(scoped)
        # The newest history row too: a save stamped earlier than the latest
        # updated_at (the demo's pinned clock, common.clock) still counts.
        history = printed.history.model._default_manager.filter(**{path: plan})
        parts[f"{name}_history"] = _max(history, "history_id")
    assignments = ProjectUnit.objects.filter(project__plan=plan)
    parts["assignment_count"] = _count(assignments)
    reports = ProgressReport.objects.filter(milestone__project__plan=plan)
    parts["report_count"] = _count(reports)
    for field in ("created_at", "head_approved_at", "reviewed_at"):
        parts[f"report_{field}"] = _max(reports, field)
    # Units, persons, vice-mayors and the assessment tables are few rows with
    # indexed history; any change there (including deletes) shows in history_date.
    for model in apps.get_models():
        label = model._meta.label
        if model.__name__.startswith("Historical") and (
            model._meta.app_label in PRINTED_APPS or label == "projects.HistoricalProjectUnit"
        ):
            parts[f"h_{label}"] = _max(model._default_manager.all(), "history_date")
            parts[f"hid_{label}"] = _max(model._default_manager.all(), "history_id")
    for app_label in PRINTED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if not model.__name__.startswith("Historical") and any(
                f.name == "updated_at" for f in model._meta.fields
            ):
                parts[f"u_{model._meta.label}"] = _max(model._default_manager.all(), "updated_at")
    row = PlanYear.objects.filter(year=year).values("pk", "updated_at").annotate(**parts).first()
    if row is None:
        return None
    text = repr(sorted((key, str(value)) for key, value in row.items()))
    return hashlib.sha1(text.encode()).hexdigest()[:16]
