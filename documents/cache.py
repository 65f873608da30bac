"""Data versions: short hashes of the latest change times and row counts of
what a report prints, read in one query.

A generated file's key (``documents.files``) holds the report kind, its
parameters and the report's version. Any save (``updated_at``, ``auto_now``),
any new, reviewed or deleted row (counts, history rows) gives a new version,
hence a new key and a fresh file; an unchanged report is served from the stored
file without rendering.

The PDFs are keyed by :func:`report_version`, the same read cut to what one
report prints (its kind, year, unit or vice-mayor's portfolio), so a clerk's
submission elsewhere does not throw a cached report away. :func:`data_version`
(everything of the year) stays for callers that want the whole year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery

from projects.models import (
    Indicator,
    Milestone,
    PlanYear,
    ProgressReport,
    Project,
    ProjectUnit,
    SubItem,
)
from responsibility.models import Unit, existing_home_jurisdiction

# Bump when the templates or the builders change what a PDF shows, so files
# stored by an earlier release are not served.
LAYOUT_VERSION = "4"  # 4: long reports laid out in parts (a part starts a new page)
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


def jurisdiction_id(jurisdiction: Unit | int | None) -> int | None:
    """The id of the jurisdiction whose programme a document prints: the one
    given (a unit or its id), else the home jurisdiction (the command line, the
    files stored before jurisdictions)."""
    if isinstance(jurisdiction, Unit):
        return jurisdiction.pk
    if jurisdiction is not None:
        return int(jurisdiction)
    home = existing_home_jurisdiction()
    return home.pk if home is not None else None


def _plan(year: int, jurisdiction: int | None):
    """The plan of (jurisdiction, year) as a queryset (the home jurisdiction when
    None, looked up inside the same query: still one query)."""
    if jurisdiction is not None:
        return PlanYear.objects.filter(year=year, jurisdiction_id=int(jurisdiction))
    home = (
        Unit.objects.jurisdictions()
        .filter(name=getattr(settings, "ZHUCHENG_HOME_JURISDICTION", "诸城市"))
        .order_by("pk")
        .values("pk")[:1]
    )
    return PlanYear.objects.filter(year=year, jurisdiction_id=Subquery(home))


def data_version(year: int, jurisdiction: int | None = None) -> str | None:
    """A short key that changes whenever anything printed for the plan of
    ``jurisdiction`` (its id; the home one when None) for ``year`` changes.

    One query. None when that jurisdiction has no plan for the year.
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
    row = _plan(year, jurisdiction).values("pk", "updated_at").annotate(**parts).first()
    if row is None:
        return None
    text = repr(sorted((key, str(value)) for key, value in row.items()))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


# --- Versions at the grain of a report -------------------------------------------
#
# What each report prints (see ``builders``): "plan" rows are the year's
# projects, sub-items, milestones, indicators and project–unit assignments,
# cut to a vice-mayor's portfolio or a unit where the report is. Progress
# reports are never printed: a milestone changes (and so the version) when its
# report is accepted, not while it waits for review.
PRINTS: dict[str, tuple[str, ...]] = {
    "annual": ("project", "subitem", "milestone", "indicator", "assignment", "assessment"),
    "bulletin": ("project", "subitem", "milestone"),
    "responsibility": ("project", "subitem", "milestone", "assignment"),
    "unit": ("project", "subitem", "milestone", "indicator", "assignment", "assessment"),
}
# Printed by every report: unit names, persons, vice-mayors.
ORG_APP = "responsibility"


def _history(model) -> Any:
    return model.history.model._default_manager


def _mayor_of(params: dict) -> int | None:
    """The vice-mayor whose portfolio ``params["portion"]`` names (``mayor:<pk>``)."""
    reach, _, owner = str(params.get("portion", "city")).partition(":")
    return int(owner) if reach == "mayor" and owner.isdigit() else None


def _plan_scopes(kind: str, params: dict, plan: OuterRef) -> dict[str, tuple[Any, Any]]:
    """Per printed table, (current rows, history rows) the report reads.

    A portfolio's report reads the rows of its vice-mayor (as
    ``Milestone.objects.for_mayor``). A unit card reads that unit's own rows,
    and every milestone of the year: its rank (完成率排序) depends on every
    unit's figures. History rows are matched through the current project and
    sub-item, so deleted rows still count.
    """
    mayor = _mayor_of(params)
    unit = params.get("unit") if kind == "unit" else None
    projects = Project.objects.filter(plan=plan)
    project_history = _history(Project).filter(plan=plan)
    subitems = SubItem.objects.filter(project__plan=plan)
    subitem_history = _history(SubItem).filter(project__plan=plan)
    milestones = Milestone.objects.filter(project__plan=plan)
    milestone_history = _history(Milestone).filter(project__plan=plan)
    indicators = Indicator.objects.filter(project__plan=plan)
    indicator_history = _history(Indicator).filter(project__plan=plan)
    assignments = ProjectUnit.objects.filter(project__plan=plan)
    assignment_history = _history(ProjectUnit).filter(project__plan=plan)
    if mayor is not None:
        in_portfolio = Q(project__mayor=mayor) | Q(subitem__mayor=mayor)
        mayors_projects = Project.objects.filter(Q(mayor=mayor) | Q(subitems__mayor=mayor)).values(
            "pk"
        )
        projects = projects.filter(pk__in=mayors_projects)
        project_history = project_history.filter(id__in=mayors_projects)
        subitems = subitems.filter(Q(mayor=mayor) | Q(project__mayor=mayor))
        subitem_history = subitem_history.filter(Q(mayor=mayor) | Q(project__mayor=mayor))
        milestones = milestones.filter(in_portfolio)
        milestone_history = milestone_history.filter(in_portfolio)
        indicators = indicators.filter(in_portfolio)
        indicator_history = indicator_history.filter(in_portfolio)
        assignments = assignments.filter(project__in=mayors_projects)
        assignment_history = assignment_history.filter(project__in=mayors_projects)
    if unit is not None:
        units_projects = Project.objects.filter(
            Q(assignments__unit=unit) | Q(subitems__unit=unit) | Q(milestones__unit=unit)
        ).values("pk")
        projects = projects.filter(pk__in=units_projects)
        project_history = project_history.filter(id__in=units_projects)
        subitems = subitems.filter(unit=unit)
        subitem_history = subitem_history.filter(unit=unit)
        own = Q(subitem__unit=unit) | Q(subitem__isnull=True, project__in=units_projects)
        indicators = indicators.filter(own)
        indicator_history = indicator_history.filter(own)
        assignments = assignments.filter(unit=unit)
        assignment_history = assignment_history.filter(unit=unit)
    return {
        "project": (projects, project_history),
        "subitem": (subitems, subitem_history),
        "milestone": (milestones, milestone_history),
        "indicator": (indicators, indicator_history),
        "assignment": (assignments, assignment_history),
    }


def _app_parts(app_label: str) -> dict[str, Subquery]:
    """Latest change of every table of ``app_label`` (few rows, indexed history)."""
    parts: dict[str, Subquery] = {}
    for model in apps.get_app_config(app_label).get_models():
        label = model._meta.label
        if model.__name__.startswith("Historical"):
            parts[f"h_{label}"] = _max(model._default_manager.all(), "history_date")
            parts[f"hid_{label}"] = _max(model._default_manager.all(), "history_id")
        elif any(f.name == "updated_at" for f in model._meta.fields):
            parts[f"u_{label}"] = _max(model._default_manager.all(), "updated_at")
    return parts


def _year(params: dict) -> int:
    if "year" in params:
        return int(params["year"])
    as_of = params["as_of"]  # a date, or its ISO form as the file store keeps it
    return as_of.year if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of).year


def report_version(kind: str, params: dict) -> str | None:
    """A short key that changes when what the report ``kind`` with ``params``
    (the dict ``documents.pdfs`` builds: year or as_of, unit, portion…) prints
    changes, and not otherwise: not on a progress report waiting for review,
    not on another unit's sub-items or indicators for a unit card, not on
    milestones outside a vice-mayor's portfolio for that portfolio's reports.

    The plan is that of ``params["j"]`` (the jurisdiction whose programme the
    report prints; the home one when missing) for the year.

    One query. None when that jurisdiction has no plan for the year.
    """
    plan = OuterRef("pk")
    printed = PRINTS[kind]
    parts: dict[str, Any] = {}
    for name, (current, history) in _plan_scopes(kind, params, plan).items():
        if name not in printed:
            continue
        if name != "assignment":  # project–unit rows have no updated_at
            parts[f"{name}_changed"] = _max(current, "updated_at")
        parts[f"{name}_count"] = _count(current)
        parts[f"{name}_history"] = _max(history, "history_id")
    parts.update(_app_parts(ORG_APP))
    if "assessment" in printed:
        parts.update(_app_parts("assessment"))
    row = _plan(_year(params), params.get("j")).values("pk", "updated_at").annotate(**parts).first()
    if row is None:
        return None
    text = repr((kind, sorted((key, str(value)) for key, value in row.items())))
    return hashlib.sha1(text.encode()).hexdigest()[:16]
