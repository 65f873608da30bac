"""What each printed report shows: one builder per report, returning the
template context. Reads only; a fixed number of queries per report whatever
the size of the year (the annex is grouped in SQL, not fetched row by row).

"As of" a date: a milestone counts as done when its done date is on or before
that date, red when it was due before that date and not done by then, amber
when it falls due within the warning window after it. For the annual report
and the unit card the date is today (the dashboard's rule); the bulletin takes
the date it is asked for, so a bulletin for a past date shows what was late
then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _

from common import clock
from documents import assessment
from projects import charts, status
from projects.access import WHOLE_CITY, Portion
from projects.models import Category, Indicator, Milestone, PlanYear, Project, ProjectUnit, SubItem
from projects.status import Colour, CountsColour
from responsibility.models import Unit


class ReportNotFound(Exception):
    """The report's year, unit or kind does not exist; the message says which, in Chinese."""


def get_plan(year: int) -> PlanYear:
    plan = PlanYear.objects.filter(year=year).first()
    if plan is None:
        raise ReportNotFound(_("没有 %(year)s 年度的责任制文件。") % {"year": year})
    return plan


# --- Counting milestones as of a date -------------------------------------------


def _counts(as_of: dt.date, window_days: int) -> dict:
    """Count annotations for milestones as of ``as_of`` (see the module docstring)."""
    return status.count_annotations(as_of, window_days)


@dataclasses.dataclass
class Figures(CountsColour):
    """Milestone counts of a group (a unit, a sub-item, the whole year)."""

    total: int = 0
    done: int = 0
    red: int = 0
    amber: int = 0

    def add(self, other: Figures) -> None:
        self.total += other.total
        self.done += other.done
        self.red += other.red
        self.amber += other.amber

    @classmethod
    def of(cls, row: dict) -> Figures:
        return cls(row["total"], row["done"], row["red"], row["amber"])


@dataclasses.dataclass
class UnitRow:
    unit: Unit
    figures: Figures
    projects: int = 0
    lead_projects: int = 0
    rank: int = 0


@dataclasses.dataclass
class WorkItem:
    """One line of a unit's annex: a sub-item, or a project's own milestones."""

    code: str
    project: Project
    name: str
    figures: Figures


def _unit_rows(
    plan: PlanYear, as_of: dt.date, window: int, portion: Portion = WHOLE_CITY
) -> list[UnitRow]:
    """Every unit with a part in the year (in the portion), with its figures, ranked
    by completion."""
    figures = {
        row["unit"]: Figures.of(row)
        for row in portion.milestones(Milestone.objects.filter(project__plan=plan))
        .order_by()
        .values("unit")
        .annotate(**_counts(as_of, window))
    }
    assignments = ProjectUnit.objects.filter(project__plan=plan)
    if not portion.whole_city:
        projects = portion.projects(Project.objects.filter(plan=plan))
        assignments = assignments.filter(project__in=projects.values("pk"))
    shares = {
        row["unit"]: row
        for row in assignments.order_by()
        .values("unit")
        .annotate(
            projects=Count("project", distinct=True), lead=Count("pk", filter=Q(is_lead=True))
        )
    }
    units = Unit.objects.filter(pk__in=set(figures) | set(shares)).order_by("order", "name")
    rows = [
        UnitRow(
            unit=unit,
            figures=figures.get(unit.pk, Figures()),
            projects=shares.get(unit.pk, {}).get("projects", 0),
            lead_projects=shares.get(unit.pk, {}).get("lead", 0),
        )
        for unit in units
    ]
    ranked = sorted(rows, key=lambda r: (-r.figures.percent, r.figures.red, r.unit.order))
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        key = (row.figures.percent, row.figures.red)
        if key != previous:
            rank, previous = position, key
        row.rank = rank
    return rows


def _work_items(
    plan: PlanYear,
    as_of: dt.date,
    window: int,
    projects: dict[int, Project],
    unit=None,
    portion: Portion = WHOLE_CITY,
) -> dict[int, list[WorkItem]]:
    """Per unit, its sub-items (and projects' own milestones) with their figures."""
    milestones = portion.milestones(Milestone.objects.filter(project__plan=plan))
    if unit is not None:
        milestones = milestones.filter(unit=unit)
    rows = (
        milestones.order_by()
        .values("unit", "project", "subitem")
        .annotate(**_counts(as_of, window))
    )
    subitems = dict(
        SubItem.objects.filter(project__plan=plan).values_list("pk", "name")
        if unit is None
        else SubItem.objects.filter(project__plan=plan, unit=unit).values_list("pk", "name")
    )
    numbers = dict(SubItem.objects.filter(project__plan=plan).values_list("pk", "number"))
    items: dict[int, list[WorkItem]] = defaultdict(list)
    for row in rows:
        project = projects[row["project"]]
        if row["subitem"]:
            code = f"{project.number}-{numbers.get(row['subitem'], '')}"
            name = subitems.get(row["subitem"], "")
        else:
            code, name = str(project.number), project.name
        items[row["unit"]].append(WorkItem(code, project, name, Figures.of(row)))
    for unit_items in items.values():
        unit_items.sort(key=lambda i: (i.project.number, i.code))
    return items


def _by_unit(milestones) -> dict[int, list[Milestone]]:
    grouped: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in milestones:
        grouped[milestone.unit_id].append(milestone)
    return grouped


def _open_milestones(
    plan: PlanYear, as_of: dt.date, window: int, unit=None, portion: Portion = WHOLE_CITY
):
    """Milestones overdue or due within the window as of ``as_of``, oldest first."""
    qs = (
        portion.milestones(Milestone.objects.filter(project__plan=plan))
        .needing_attention(as_of, window)
        .select_related("project", "subitem", "unit")
        .order_by("due_date", "project__number", "pk")
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    overdue, due_soon = [], []
    for milestone in qs:
        if status.is_red(due_date=milestone.due_date, done_date=milestone.done_date, today=as_of):
            milestone.days_late = (as_of - milestone.due_date).days
            overdue.append(milestone)
        else:
            milestone.days_left = (milestone.due_date - as_of).days
            due_soon.append(milestone)
    return overdue, due_soon


# --- Charts ---------------------------------------------------------------------


MAX_CHART_UNITS = 30


def _charts(
    plan: PlanYear,
    projects: list[Project],
    unit_rows: list[UnitRow],
    as_of,
    portion: Portion = WHOLE_CITY,
) -> dict:
    colours = [p.colour for p in projects]
    status = charts.stacked_status_bar(
        colours.count(Colour.GREEN),
        colours.count(Colour.AMBER),
        colours.count(Colour.RED),
        title=_("项目状态分布（按项目）"),
    )

    rows = [r for r in unit_rows if r.figures.total]
    if len(rows) > MAX_CHART_UNITS:
        rows = sorted(rows, key=lambda r: (r.figures.percent, -r.figures.red))[:MAX_CHART_UNITS]
        units_title = _("完成率最低的 %(n)s 个责任单位") % {"n": MAX_CHART_UNITS}
    else:
        rows = sorted(rows, key=lambda r: (-r.figures.percent, r.figures.red))
        units_title = _("各责任单位进度节点完成率")
    units = charts.bar_chart(
        [(r.unit.name, r.figures.percent) for r in rows], unit="%", title=units_title
    )

    by_category: dict[str, Figures] = defaultdict(Figures)
    for project in projects:
        by_category[project.category].add(
            Figures(project.ms_total, project.ms_done, project.ms_red, project.ms_amber)
        )
    categories = charts.bar_chart(
        [
            (str(Category(key).label), f.percent)
            for key in Category.values
            if (f := by_category.get(key)) and f.total
        ],
        unit="%",
        title=_("各类别进度节点完成率"),
    )

    due_by_month, done_by_month = [0] * 13, [0] * 13
    for due, done in portion.milestones(Milestone.objects.filter(project__plan=plan)).values_list(
        "due_date", "done_date"
    ):
        if due.year == plan.year:
            due_by_month[due.month] += 1
        if done and done.year == plan.year:
            done_by_month[done.month] += 1
    # Shares of all the year's milestones, so the scale is 0–100 % whatever the size.
    total = max(sum(due_by_month), 1)
    planned, actual, running_due, running_done = [], [], 0, 0
    for month in range(1, 13):
        running_due += due_by_month[month]
        running_done += done_by_month[month]
        label = _("%(m)s月") % {"m": month}
        planned.append((label, round(100 * running_due / total)))
        past = dt.date(plan.year, month, 1) <= as_of
        actual.append((label, round(100 * running_done / total) if past else None))
    trend = charts.line_chart(
        [(_("计划应完成（累计）"), planned), (_("实际已完成（累计）"), actual)],
        unit="%",
        title=_("进度节点累计完成比例（占全年节点）"),
    )
    return {"status": status, "units": units, "categories": categories, "trend": trend}


# --- The four reports ------------------------------------------------------------


def _year_projects(
    plan: PlanYear, today: dt.date, window: int, portion: Portion = WHOLE_CITY
) -> list[Project]:
    return list(
        portion.projects(Project.objects.filter(plan=plan))
        .for_list()
        .with_progress(today, window)
        .order_by("number")
    )


def _portion_context(portion: Portion) -> dict:
    """``mayor``: whose portfolio the document covers (None: the whole city)."""
    return {"mayor": portion.mayor}


def annual_context(year: int, portion: Portion = WHOLE_CITY) -> dict:
    """年度绩效考核报告: cover, summary, projects, ranking, charts, annex per unit."""
    plan = get_plan(year)
    today, window = clock.today(), clock.warning_days()
    projects = _year_projects(plan, today, window, portion)
    by_pk = {p.pk: p for p in projects}
    unit_rows = _unit_rows(plan, today, window, portion)
    items = _work_items(plan, today, window, by_pk, portion=portion)
    overdue, due_soon = _open_milestones(plan, today, window, portion=portion)
    overdue_by_unit, due_soon_by_unit = _by_unit(overdue), _by_unit(due_soon)
    annex = [
        {
            "row": row,
            "items": items.get(row.unit.pk, []),
            "overdue": overdue_by_unit.get(row.unit.pk, []),
            "due_soon": due_soon_by_unit.get(row.unit.pk, []),
        }
        for row in unit_rows
    ]
    total = Figures()
    for row in unit_rows:
        total.add(row.figures)
    in_plan = Indicator.objects.filter(project__plan=plan)
    if not portion.whole_city:
        in_plan = in_plan.filter(project__in=[p.pk for p in projects])
    indicators = list(in_plan.only("direction", "target", "actual"))
    colours = [p.colour for p in projects]
    return {
        **_portion_context(portion),
        "plan": plan,
        "today": today,
        "window": window,
        "projects": projects,
        "unit_rows": unit_rows,
        "ranking": sorted(unit_rows, key=lambda r: (r.rank, r.unit.order, r.unit.name)),
        "annex": annex,
        "total": total,
        "summary": {
            "projects": len(projects),
            "green": colours.count(Colour.GREEN),
            "amber": colours.count(Colour.AMBER),
            "red": colours.count(Colour.RED),
            "subitems": portion.subitems(SubItem.objects.filter(project__plan=plan)).count(),
            "units": len(unit_rows),
            "indicators": len(indicators),
            "indicators_met": sum(1 for i in indicators if i.is_met),
            "indicators_reported": sum(1 for i in indicators if i.actual is not None),
        },
        "rankings": assessment.rankings(year),
        "charts": _charts(plan, projects, unit_rows, today, portion) if projects else None,
    }


def unit_context(year: int, unit: Unit) -> dict:
    """单位考核结果通知 for one unit."""
    plan = get_plan(year)
    today, window = clock.today(), clock.warning_days()
    unit_rows = _unit_rows(plan, today, window)
    row = next((r for r in unit_rows if r.unit.pk == unit.pk), None)
    projects = list(
        Project.objects.filter(plan=plan)
        .for_unit(unit)
        .for_list()
        .with_progress(today, window)
        .order_by("number")
    )
    by_pk = {p.pk: p for p in Project.objects.filter(plan=plan)}
    items = _work_items(plan, today, window, by_pk, unit=unit).get(unit.pk, [])
    overdue, due_soon = _open_milestones(plan, today, window, unit=unit)
    indicators = list(
        Indicator.objects.filter(project__plan=plan)
        .for_unit(unit)
        .select_related("project", "subitem")
        .order_by("project__number", "pk")
    )
    return {
        "plan": plan,
        "unit": unit,
        "today": today,
        "window": window,
        "row": row,
        "units_ranked": len(unit_rows),
        "projects": projects,
        "items": items,
        "overdue": overdue,
        "due_soon": due_soon,
        "indicators": indicators,
        "card": assessment.unit_card(year, unit),
    }


@dataclasses.dataclass
class ResponsibilityRow:
    """One line of the responsibility table: a sub-item, or a project without any."""

    subitem: SubItem | None
    units: list[str]
    persons: list[str]
    mayor: str
    milestones: list[Milestone]


def responsibility_context(year: int, portion: Portion = WHOLE_CITY) -> dict:
    """责任分解表: the red-header document's annex, one line per sub-item."""
    plan = get_plan(year)
    projects = list(
        portion.projects(Project.objects.filter(plan=plan))
        .for_list()
        .prefetch_related(
            Prefetch(
                "subitems",
                queryset=portion.subitems(SubItem.objects.all()).select_related(
                    "unit", "person", "mayor"
                ),
            )
        )
        .order_by("number")
    )
    milestones_of: dict[tuple[int, int | None], list[Milestone]] = defaultdict(list)
    for milestone in (
        portion.milestones(Milestone.objects.filter(project__plan=plan))
        .only("project_id", "subitem_id", "name", "due_date")
        .order_by("due_date", "pk")
    ):
        milestones_of[(milestone.project_id, milestone.subitem_id)].append(milestone)
    blocks = []
    for project in projects:
        assignments = list(project.assignments.all())
        project_mayor = project.mayor.name if project.mayor else ""
        rows = [
            ResponsibilityRow(
                subitem=sub,
                units=[sub.unit.name],
                persons=[sub.person.name] if sub.person else [],
                mayor=sub.mayor.name if sub.mayor else project_mayor,
                milestones=milestones_of.get((project.pk, sub.pk), []),
            )
            for sub in sorted(project.subitems.all(), key=lambda s: s.number)
        ]
        own = milestones_of.get((project.pk, None), [])
        if own or not rows:
            rows.append(
                ResponsibilityRow(
                    subitem=None,
                    units=[a.unit.name for a in assignments],
                    persons=[a.person.name for a in assignments if a.person],
                    mayor=project_mayor,
                    milestones=own,
                )
            )
        blocks.append(
            {
                "project": project,
                "units": [a.unit.name for a in assignments],
                "rows": rows,
                "span": len(rows),
            }
        )
    return {**_portion_context(portion), "plan": plan, "blocks": blocks}


def bulletin_context(as_of: dt.date, portion: Portion = WHOLE_CITY) -> dict:
    """督查通报 as of a date: overdue and due-soon milestones, by unit."""
    plan = get_plan(as_of.year)
    window = clock.warning_days()
    unit_rows = [r for r in _unit_rows(plan, as_of, window, portion) if r.figures.total]
    overdue, due_soon = _open_milestones(plan, as_of, window, portion=portion)
    overdue_by_unit, due_soon_by_unit = _by_unit(overdue), _by_unit(due_soon)
    unit_rows.sort(key=lambda r: (-r.figures.red, -r.figures.amber, r.unit.order, r.unit.name))
    sections = [
        {
            "row": row,
            "overdue": overdue_by_unit.get(row.unit.pk, []),
            "due_soon": due_soon_by_unit.get(row.unit.pk, []),
        }
        for row in unit_rows
        if row.figures.red or row.figures.amber
    ]
    total = Figures()
    for row in unit_rows:
        total.add(row.figures)
    return {
        **_portion_context(portion),
        "plan": plan,
        "as_of": as_of,
        "window": window,
        "window_end": status.amber_until(as_of, window),
        "unit_rows": unit_rows,
        "sections": sections,
        "total": total,
        "overdue_count": len(overdue),
        "due_soon_count": len(due_soon),
        "clean_units": [r for r in unit_rows if not r.figures.red and not r.figures.amber],
    }
