"""The dashboard figures: where a year's projects stand, for the city, one unit
or one vice-mayor, as seen by one user.

:func:`dashboard_for` is the selector behind ``/``, ``/units/<id>/`` and
``/mayors/<id>/`` and is meant to be reused by the PDF reports. It runs a fixed
number of queries whatever the size of the year (aggregates and annotations,
never a loop over related managers):

1. the projects in scope, annotated with milestone counts, lead unit and
   sub-item / indicator counts;
2. one aggregate over the milestones in scope (headline figures and the trend);
3. milestone counts per unit (city and vice-mayor views);
4. milestone counts per (project, vice-mayor) (city view);
5. overdue milestones, 6. milestones falling due soon, 7. recent reports.

Permission scoping goes through :mod:`projects.access`; this module only
narrows what the user may read.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections import defaultdict

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from common import clock
from projects import access, charts, status
from projects.models import (
    Category,
    Indicator,
    Milestone,
    PlanYear,
    ProgressReport,
    Project,
    ProjectUnit,
    SubItem,
)
from projects.status import CountsColour, percent_done
from responsibility.models import Unit, ViceMayor

DUE_SOON_DAYS = 14
LIST_LIMIT = 20  # overdue / due-soon milestones shown; the totals are always exact
REPORT_LIMIT = 10
PROJECT_ROWS = 50  # more than this (synthetic data) → the rows needing most attention
UNIT_ROWS = 30


def plan_years() -> list[int]:
    """Years that have a plan, newest first (one query)."""
    return list(PlanYear.objects.order_by("-year").values_list("year", flat=True))


def pick_plan(raw: str | None, today: dt.date | None = None) -> tuple[PlanYear | None, list[int]]:
    """The plan asked for by ``?year=`` (see :func:`pick_year`) and the years
    that have a plan, in one query."""
    plans = {p.year: p for p in PlanYear.objects.order_by("-year")}
    year = pick_year(raw, list(plans), today)
    return (plans.get(year) if year is not None else None), list(plans)


def pick_year(raw: str | None, years: list[int], today: dt.date | None = None) -> int | None:
    """The year asked for when it has a plan; else this year if planned; else the latest."""
    today = today or clock.today()
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        year = None
    if year in years:
        return year
    if today.year in years:
        return today.year
    return years[0] if years else None


@dataclasses.dataclass
class Headline:
    projects: int = 0
    subitems: int = 0
    ms_total: int = 0
    ms_done: int = 0
    ms_due: int = 0  # due on or before today
    ms_due_done: int = 0  # of those, done
    ms_overdue: int = 0  # red
    ms_amber: int = 0  # due within the warning window
    ms_due_soon: int = 0  # open, due within DUE_SOON_DAYS
    ind_assessed: int = 0  # indicators with an actual value that can be compared
    ind_met: int = 0
    colour_counts: dict[str, int] = dataclasses.field(
        default_factory=lambda: {"green": 0, "amber": 0, "red": 0}
    )

    @property
    def percent(self) -> int:
        return percent_done(self.ms_done, self.ms_total)

    @property
    def due_percent(self) -> int:
        """Share of the milestones due to date that are done."""
        return percent_done(self.ms_due_done, self.ms_due)


@dataclasses.dataclass
class GroupRow(CountsColour):
    """Milestone counts of a unit, a vice-mayor or a category."""

    pk: int | str | None
    name: str
    total: int = 0
    done: int = 0
    red: int = 0
    amber: int = 0
    projects: int = 0
    rank: int = 0


@dataclasses.dataclass
class TrendPoint:
    month: int
    due: int
    due_done: int
    total: int
    done: int

    @property
    def label(self) -> str:
        return _("%(m)s月") % {"m": self.month}

    @property
    def due_percent(self) -> int | None:
        return percent_done(self.due_done, self.due) if self.due else None

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total)


@dataclasses.dataclass
class Dashboard:
    year: int | None
    today: dt.date
    plan: PlanYear | None
    headline: Headline
    projects: list[Project]  # rows shown (see PROJECT_ROWS)
    projects_total: int
    categories: list[GroupRow]
    trend: list[TrendPoint]
    units: list[GroupRow] | None  # None on a unit's own page
    mayors: list[GroupRow] | None  # None on unit and vice-mayor pages
    overdue: list[Milestone]
    due_soon: list[Milestone]
    reports: list[ProgressReport]
    unit: Unit | None = None
    mayor: ViceMayor | None = None
    due_soon_days: int = DUE_SOON_DAYS
    warning_days: int = 7

    @property
    def projects_truncated(self) -> bool:
        return self.projects_total > len(self.projects)

    @property
    def units_shown(self) -> list[GroupRow]:
        return (self.units or [])[:UNIT_ROWS]

    # Charts, shared with the PDFs.

    def status_chart(self) -> SafeString:
        c = self.headline.colour_counts
        return charts.stacked_status_bar(
            c["green"], c["amber"], c["red"], title=_("项目状态（按项目计）")
        )

    def category_chart(self) -> SafeString:
        return charts.bar_chart(
            [(row.name, row.percent) for row in self.categories],
            title=_("各类别进度节点完成率"),
        )

    def unit_chart(self) -> SafeString:
        return charts.bar_chart(
            [(row.name, row.percent) for row in self.units_shown],
            title=_("各单位进度节点完成率"),
        )

    def trend_chart(self) -> SafeString:
        return charts.line_chart(
            [
                (_("到期节点完成率"), [(p.label, p.due_percent) for p in self.trend]),
                (_("全年节点完成率"), [(p.label, p.percent) for p in self.trend]),
            ],
            title=_("%(year)s年进度趋势（按月累计）") % {"year": self.year},
        )


def dashboard_for(
    user,
    *,
    year: int | None = None,
    plan: PlanYear | None = None,
    unit: Unit | None = None,
    mayor: ViceMayor | None = None,
    today: dt.date | None = None,
) -> Dashboard:
    """The figures of ``year`` that ``user`` may read, for the city or narrowed
    to one unit's or one vice-mayor's work."""
    today = today or clock.today()
    window = clock.warning_days()
    if plan is None and year:
        plan = PlanYear.objects.filter(year=year).first()
    if plan is None:
        return Dashboard(
            year=year,
            today=today,
            plan=None,
            headline=Headline(),
            projects=[],
            projects_total=0,
            categories=[],
            trend=[],
            units=None if unit else [],
            mayors=None if (unit or mayor) else [],
            overdue=[],
            due_soon=[],
            reports=[],
            unit=unit,
            mayor=mayor,
            warning_days=window,
        )

    milestones = access.visible_milestones(user, Milestone.objects.filter(project__plan=plan))
    projects = access.visible_projects(user, Project.objects.filter(plan=plan))
    subitems = SubItem.objects.filter(project=OuterRef("pk"))
    indicators = Indicator.objects.filter(project=OuterRef("pk"))
    if unit is not None:
        milestones = milestones.filter(unit=unit)
        projects = projects.for_unit(unit)
        subitems = subitems.filter(unit=unit)
        indicators = indicators.for_unit(unit)
    if mayor is not None:
        milestones = milestones.for_mayor(mayor)
        projects = projects.for_mayor(mayor)
        subitems = subitems.for_mayor(mayor)
    subitems = access.visible_subitems(user, subitems)

    rows = _project_rows(projects, subitems, indicators, today, window)
    headline, trend = _headline_and_trend(milestones, rows, plan.year, today, window)
    categories = _categories(rows)

    units = None if unit is not None else _units(milestones, today, window)
    mayors = None if (unit is not None or mayor is not None) else _mayors(milestones, today, window)

    shown = rows
    if len(rows) > PROJECT_ROWS:
        shown = sorted(rows, key=lambda p: (-p.colour, p.percent, p.number))[:PROJECT_ROWS]

    listed = milestones.select_related("project", "subitem", "unit").order_by("due_date", "pk")
    overdue = list(listed.overdue(today)[:LIST_LIMIT])
    for m in overdue:
        m.days_overdue = (today - m.due_date).days
    due_soon = list(listed.due_within(DUE_SOON_DAYS, today)[:LIST_LIMIT])
    reports = list(
        ProgressReport.objects.filter(milestone__in=milestones.values("pk"))
        .select_related("milestone__project", "milestone__unit", "author")
        .order_by("-created_at", "-pk")[:REPORT_LIMIT]
    )
    return Dashboard(
        year=plan.year,
        today=today,
        plan=plan,
        headline=headline,
        projects=shown,
        projects_total=len(rows),
        categories=categories,
        trend=trend,
        units=units,
        mayors=mayors,
        overdue=overdue,
        due_soon=due_soon,
        reports=reports,
        unit=unit,
        mayor=mayor,
        warning_days=window,
    )


def _count(queryset) -> Coalesce:
    """A correlated COUNT(*) of ``queryset`` as an integer column (0 when none)."""
    return Coalesce(
        Subquery(
            queryset.order_by().values("project").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _project_rows(projects, subitems, indicators, today, window) -> list[Project]:
    lead = ProjectUnit.objects.filter(project=OuterRef("pk"), is_lead=True).order_by()
    # Milestone counts as correlated subqueries rather than with_progress()'s join and
    # GROUP BY: the grouped plan grows with the milestones and, on PostgreSQL, its
    # estimated cost triggers JIT compilation (over 100 ms at factor 10).
    ms = Milestone.objects.filter(project=OuterRef("pk"))
    counts = {
        f"ms_{name}": _count(ms if condition is None else ms.filter(condition))
        for name, condition in status.count_conditions(today, window).items()
    }
    return list(
        projects.select_related("mayor")
        .annotate(
            **counts,
            lead_unit_name=Subquery(lead.values("unit__name")[:1]),
            lead_unit_id=Subquery(lead.values("unit_id")[:1]),
            n_subitems=_count(subitems),
            n_assessed=_count(indicators.filter(status.indicator_assessed_q())),
            n_met=_count(indicators.filter(status.indicator_met_q())),
        )
        .order_by("number")
    )


def _month_ends(year: int, today: dt.date) -> list[tuple[int, dt.date]]:
    """(month, cut-off day) for the months of ``year`` up to today: month ends,
    and today itself for the current month."""
    ends = []
    for month in range(1, 13):
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        if end > today:
            if dt.date(year, month, 1) <= today:
                ends.append((month, today))
            break
        ends.append((month, end))
    return ends


def _headline_and_trend(milestones, rows, year, today, window):
    """Headline figures and the monthly trend from one aggregate query."""
    ends = _month_ends(year, today)
    trend_counts = {}
    for month, end in ends:
        due, done = status.due_by_q(end), status.done_by_q(end)
        trend_counts[f"m{month}_due"] = Count("pk", filter=due)
        trend_counts[f"m{month}_due_done"] = Count("pk", filter=due & done)
        trend_counts[f"m{month}_done"] = Count("pk", filter=done)
    due, done = status.due_by_q(today), status.done_by_q(today)
    figures = milestones.aggregate(
        **status.count_annotations(today, window),
        due=Count("pk", filter=due),
        due_done=Count("pk", filter=due & done),
        soon=Count("pk", filter=status.amber_q(today, DUE_SOON_DAYS)),
        **trend_counts,
    )
    headline = Headline(
        projects=len(rows),
        subitems=sum(p.n_subitems for p in rows),
        ms_total=figures["total"],
        ms_done=figures["done"],
        ms_due=figures["due"],
        ms_due_done=figures["due_done"],
        ms_overdue=figures["red"],
        ms_amber=figures["amber"],
        ms_due_soon=figures["soon"],
        ind_assessed=sum(p.n_assessed for p in rows),
        ind_met=sum(p.n_met for p in rows),
    )
    for p in rows:
        headline.colour_counts[p.colour.css] += 1
    trend = [
        TrendPoint(
            month=month,
            due=figures[f"m{month}_due"],
            due_done=figures[f"m{month}_due_done"],
            total=figures["total"],
            done=figures[f"m{month}_done"],
        )
        for month, _end in ends
    ]
    return headline, trend


def _categories(rows: list[Project]) -> list[GroupRow]:
    groups: dict[str, GroupRow] = {}
    for p in rows:
        row = groups.setdefault(p.category, GroupRow(p.category, str(Category(p.category).label)))
        row.total += p.ms_total
        row.done += p.ms_done
        row.red += p.ms_red
        row.amber += p.ms_amber
        row.projects += 1
    order: dict[int | str | None, int] = {value: i for i, value in enumerate(Category.values)}
    return sorted(groups.values(), key=lambda r: order.get(r.pk, 99))


def _counts(today: dt.date, window: int) -> dict:
    return {
        **status.count_annotations(today, window),
        "projects": Count("project", distinct=True),
    }


def _units(milestones, today, window) -> list[GroupRow]:
    """Units ranked by completion, then fewest overdue, then name."""
    rows = [
        GroupRow(
            r["unit"],
            r["unit__name"],
            r["total"],
            r["done"],
            r["red"],
            r["amber"],
            r["projects"],
        )
        for r in milestones.order_by()
        .values("unit", "unit__name")
        .annotate(**_counts(today, window))
    ]
    rows.sort(key=lambda r: (-r.percent, r.red, r.name))
    for rank, row in enumerate(rows, 1):
        row.rank = rank
    return rows


def _mayors(milestones, today, window) -> list[GroupRow]:
    """Each vice-mayor's portfolio: projects supervised whole or through a sub-item.

    Grouped by (project, project's mayor, sub-item's mayor) in one query, then
    each group counted for the project's mayor and, when different, for the
    sub-item's mayor — the same reach as ``for_mayor``.
    """
    mayors: dict[int, GroupRow] = {}
    projects: dict[int, set] = defaultdict(set)
    groups = (
        milestones.order_by()
        .values(
            "project",
            "project__mayor",
            "project__mayor__name",
            "project__mayor__order",
            "subitem__mayor",
            "subitem__mayor__name",
            "subitem__mayor__order",
        )
        .annotate(**_counts(today, window))
    )
    order: dict[int | str | None, int] = {}  # keyed like GroupRow.pk
    for g in groups:
        ids = []
        if g["project__mayor"]:
            ids.append((g["project__mayor"], g["project__mayor__name"], g["project__mayor__order"]))
        if g["subitem__mayor"] and g["subitem__mayor"] != g["project__mayor"]:
            ids.append((g["subitem__mayor"], g["subitem__mayor__name"], g["subitem__mayor__order"]))
        for pk, name, rank in ids:
            row = mayors.setdefault(pk, GroupRow(pk, name))
            order[pk] = rank
            row.total += g["total"]
            row.done += g["done"]
            row.red += g["red"]
            row.amber += g["amber"]
            projects[pk].add(g["project"])
    for pk, row in mayors.items():
        row.projects = len(projects[pk])
    return sorted(mayors.values(), key=lambda r: (order[r.pk], r.name))
