"""What each printed report shows: one builder per report, returning the
template context. Reads only; a fixed number of queries per report whatever
the size of the year (the annex is grouped in SQL, not fetched row by row).

The figures are the dashboard's: every count, percentage and rank comes from
``projects.dashboard`` (``year_figures``, ``unit_ranking``,
``milestone_lists``, ``milestone_figures``), the read layer behind ``/`` and
``/units/<id>/``, so a PDF prints what the page shows. The assessment results
come from ``assessment.selectors`` (see ``documents.assessment``).

"As of" a date (see ``projects.dashboard``): for the annual report and the unit
card the date is today (the dashboard's); the bulletin takes the date it is
asked for, so a bulletin for a past date shows what was late then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from common import clock
from documents import assessment
from documents.cache import jurisdiction_id
from documents.render import CHUNK_MARK, parts
from projects import charts
from projects.access import WHOLE_CITY, Portion
from projects.dashboard import (
    Dashboard,
    GroupRow,
    UnitRow,
    add_counts,
    milestone_figures,
    milestone_lists,
    open_milestones,
    unit_ranking,
    year_figures,
)
from projects.models import Indicator, Milestone, PlanYear, Project, SubItem
from projects.status import COUNT_NAMES, CountsColour
from responsibility.models import Unit


class ReportNotFound(Exception):
    """The report's year, unit or kind does not exist; the message says which, in Chinese."""


def get_plan(year: int, jurisdiction: Unit | int | None = None) -> PlanYear:
    """The plan of ``jurisdiction`` (the home one when None) for ``year``: a
    year's plan is unique per jurisdiction, several jurisdictions may have one."""
    plan = PlanYear.objects.filter(year=year, jurisdiction_id=jurisdiction_id(jurisdiction)).first()
    if plan is None:
        raise ReportNotFound(_("没有 %(year)s 年度的责任制文件。") % {"year": year})
    return plan


@dataclasses.dataclass
class Figures(CountsColour):
    """Milestone counts of one line of a unit's annex (one per
    :data:`projects.status.COUNT_NAMES`)."""

    total: int = 0
    done: int = 0
    due: int = 0
    due_on_time: int = 0
    red: int = 0
    amber: int = 0
    late: int = 0

    @classmethod
    def of(cls, row: dict) -> Figures:
        figures = cls()
        add_counts(figures, row)
        return figures


@dataclasses.dataclass
class WorkItem:
    """One line of a unit's annex: a sub-item, or a project's own milestones."""

    code: str
    project_name: str
    name: str
    figures: Figures


def _work_items(
    milestones: QuerySet[Milestone], as_of: dt.date, window: int
) -> dict[int, list[WorkItem]]:
    """Per unit, its sub-items (and projects' own milestones) with their figures,
    counted as the dashboard counts (``milestone_figures``). One query."""
    rows = (
        milestones.order_by()
        .values(
            "unit",
            "project__number",
            "project__name",
            "subitem",
            "subitem__number",
            "subitem__name",
        )
        .annotate(**milestone_figures(as_of, window))
    )
    items: dict[int, list[WorkItem]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r["project__number"], r["subitem__number"] or 0)):
        number, project_name = row["project__number"], row["project__name"]
        if row["subitem"]:
            code, name = f"{number}-{row['subitem__number']}", row["subitem__name"]
        else:
            code, name = str(number), project_name
        items[row["unit"]].append(WorkItem(code, project_name, name, Figures.of(row)))
    return items


def _by_unit(milestones) -> dict[int, list[Milestone]]:
    grouped: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in milestones:
        grouped[milestone.unit_id].append(milestone)
    return grouped


def _total(rows: list[UnitRow]) -> GroupRow:
    total = GroupRow(None, "")
    for row in rows:
        add_counts(total, {name: getattr(row, name) for name in COUNT_NAMES})
    return total


# --- Charts ---------------------------------------------------------------------


MAX_CHART_UNITS = 30


def _charts(board: Dashboard) -> dict:
    """The annual report's charts, drawn from the dashboard's figures."""
    status = charts.stacked_status_bar(
        board.headline.colour_counts, title=_("项目状态分布（按项目）")
    )

    rows = list(board.units or [])
    if len(rows) > MAX_CHART_UNITS:
        rows = sorted(rows, key=lambda r: (r.percent, -r.red))[:MAX_CHART_UNITS]
        units_title = _("完成率最低的 %(n)s 个责任单位") % {"n": MAX_CHART_UNITS}
    else:
        units_title = _("各责任单位进度节点完成率")
    units = charts.bar_chart([(r.name, r.percent) for r in rows], unit="%", title=units_title)

    categories = charts.bar_chart(
        [(row.name, row.percent) for row in board.categories if row.total],
        unit="%",
        title=_("各类别进度节点完成率"),
    )

    # Shares of all the year's milestones, so the scale is 0–100 % whatever the size.
    total = max(board.headline.ms_total, 1)
    done = {point.month: point.done for point in board.trend}
    planned, actual = [], []
    for month, due in enumerate(board.due_by_month, start=1):
        label = _("%(m)s月") % {"m": month}
        planned.append((label, round(100 * due / total)))
        actual.append((label, round(100 * done[month] / total) if month in done else None))
    trend = charts.line_chart(
        [(_("计划应完成（累计）"), planned), (_("实际已完成（累计）"), actual)],
        unit="%",
        title=_("进度节点累计完成比例（占全年节点）"),
    )
    return {"status": status, "units": units, "categories": categories, "trend": trend}


# --- The four reports ------------------------------------------------------------


def _org_order(row: UnitRow) -> tuple:
    return (row.order, row.name)


def _portion_context(portion: Portion) -> dict:
    """``mayor``: whose portfolio the document covers (None: the whole city)."""
    return {"mayor": portion.mayor}


def _annex_rows(block: dict) -> int:
    """Rows one unit prints in the annual report's annex: its heading, its
    work items (or the note that it has none) and one line per listed milestone."""
    listed = len(block["overdue"]) + len(block["due_soon"]) + len(block["late"])
    return 1 + max(len(block["items"]), 1) + listed


def _section_rows(section: dict) -> int:
    """Rows one unit's section of the bulletin prints (heading, table header, milestones)."""
    return 2 + sum(len(section.get(key, ())) for key in ("overdue", "due_soon", "late"))


def _mark_parts(sections: list[dict]) -> None:
    """Flag the sections that start a new part (``new_part``), at most
    ``PART_ROWS`` printed rows apart; none when they all fit in one."""
    for group in parts(sections, _section_rows)[1:]:
        group[0]["new_part"] = True


def annual_context(
    year: int, portion: Portion = WHOLE_CITY, jurisdiction: Unit | int | None = None
) -> dict:
    """年度绩效考核报告 of ``jurisdiction``'s programme (the home one when None):
    cover, summary, projects, ranking, charts, annex per unit; for a vice-mayor,
    their portfolio (the figures of their dashboard)."""
    plan = get_plan(year, jurisdiction)
    today, window = clock.today(), clock.warning_days()
    board = year_figures(plan, as_of=today, mayor=portion.mayor)
    ranked = board.units or []
    milestones = portion.milestones(Milestone.objects.filter(project__plan=plan))
    items = _work_items(milestones, today, window)
    lists = milestone_lists(milestones, as_of=today, days=window)
    overdue_by_unit, due_soon_by_unit = _by_unit(lists.overdue), _by_unit(lists.due_soon)
    late_by_unit = _by_unit(lists.late)
    annex = [
        {
            "number": number,
            "row": row,
            "items": items.get(row.pk, []),
            "overdue": overdue_by_unit.get(row.pk, []),
            "due_soon": due_soon_by_unit.get(row.pk, []),
            "late": late_by_unit.get(row.pk, []),
        }
        for number, row in enumerate(sorted(ranked + board.idle_units, key=_org_order), start=1)
    ]
    ranking = ranked + board.idle_units
    return {
        **_portion_context(portion),
        "plan": plan,
        "today": today,
        "window": window,
        "board": board,
        "headline": board.headline,
        "projects": board.project_rows,
        "project_parts": parts(board.project_rows),
        "units": len(ranked) + len(board.idle_units),
        "ranking": ranking,
        "ranking_parts": parts(ranking),
        "annex": annex,
        "annex_parts": parts(annex, _annex_rows),
        "rankings": assessment.rankings(year, plan.jurisdiction_id),
        "chunk_mark": CHUNK_MARK,
        "charts": _charts(board) if board.project_rows else None,
    }


def _assessed_figures(card) -> tuple[int, ...] | None:
    """The milestone figures a unit's assessment result was computed from."""
    result = card.result if card is not None else None
    if result is None or result.milestones_as_of is None:
        return None
    return result.milestone_figures


def unit_context(year: int, unit: Unit) -> dict:
    """单位考核结果通知 for one unit: its figures are those of ``/units/<id>/``.

    With an assessment result, the opening paragraph prints the milestone
    figures the result was computed from (stored with it), the same computation
    as the score table below it, not today's counts: a milestone done since
    then shows up in the later sections (today's), with a note saying so.
    The plan is that of the unit's jurisdiction (the programme it works in).
    """
    plan = get_plan(year, unit.jurisdiction_id)
    today, window = clock.today(), clock.warning_days()
    board = year_figures(plan, as_of=today, unit=unit)
    ranking = unit_ranking(plan, as_of=today)
    row = next((r for r in ranking if r.pk == unit.pk), None)
    card = assessment.unit_card(year, unit)
    assessed = _assessed_figures(card)
    live = row.figures if row else None
    milestones = Milestone.objects.filter(project__plan=plan, unit=unit)
    items = _work_items(milestones, today, window).get(unit.pk, [])
    overdue, due_soon = open_milestones(milestones, as_of=today, days=window)
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
        "units_ranked": sum(1 for r in ranking if r.rank),
        "projects": board.project_rows,
        "items": items,
        "overdue": overdue,
        "due_soon": due_soon,
        "indicators": indicators,
        "card": card,
        "card_stage": assessment.stage_note(card.scheme, above=True) if card else "",
        "assessed": card.result if assessed and card is not None else None,
        "changed_since": assessed is not None and assessed != (live or (0,) * len(assessed)),
    }


@dataclasses.dataclass
class ResponsibilityRow:
    """One line of the responsibility table: a sub-item, or a project without any."""

    subitem: SubItem | None
    units: list[str]
    persons: list[str]
    mayor: str
    milestones: list[Milestone]


def _block_rows(block: dict) -> int:
    """Lines one project prints in the responsibility table: a line per milestone
    of each of its rows (at least one)."""
    return sum(max(len(row.milestones), 1) for row in block["rows"])


def responsibility_context(
    year: int, portion: Portion = WHOLE_CITY, jurisdiction: Unit | int | None = None
) -> dict:
    """责任分解表 of ``jurisdiction``'s programme: the red-header document's annex,
    one line per sub-item (for a vice-mayor, those of their portfolio)."""
    plan = get_plan(year, jurisdiction)
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
    return {
        **_portion_context(portion),
        "plan": plan,
        "blocks": blocks,
        "block_parts": parts(blocks, _block_rows),
        "chunk_mark": CHUNK_MARK,
    }


def bulletin_context(
    as_of: dt.date, portion: Portion = WHOLE_CITY, jurisdiction: Unit | int | None = None
) -> dict:
    """督查通报 of ``jurisdiction``'s programme as of a date: overdue and due-soon
    milestones, by unit, and the milestones finished late (逾期完成) up to that
    date with their days late (for a vice-mayor, those of their portfolio)."""
    plan = get_plan(as_of.year, jurisdiction)
    window = clock.warning_days()
    milestones = portion.milestones(Milestone.objects.filter(project__plan=plan))
    projects = portion.projects(Project.objects.filter(plan=plan))
    unit_rows = [
        r
        for r in unit_ranking(plan, as_of=as_of, milestones=milestones, projects=projects)
        if r.total
    ]
    lists = milestone_lists(milestones, as_of=as_of, days=window)
    overdue, due_soon, late = lists.overdue, lists.due_soon, lists.late
    overdue_by_unit, due_soon_by_unit = _by_unit(overdue), _by_unit(due_soon)
    late_by_unit = _by_unit(late)
    # Worst first: the 序号 of this table is a reading order, not a rank.
    unit_rows.sort(key=lambda r: (-r.red, -r.amber, -r.late, *_org_order(r)))
    sections = [
        {
            "row": row,
            "overdue": overdue_by_unit.get(row.pk, []),
            "due_soon": due_soon_by_unit.get(row.pk, []),
        }
        for row in unit_rows
        if row.red or row.amber
    ]
    late_sections = [
        {"row": row, "late": late_by_unit[row.pk]} for row in unit_rows if late_by_unit.get(row.pk)
    ]
    _mark_parts(sections)
    _mark_parts(late_sections)
    return {
        **_portion_context(portion),
        "plan": plan,
        "as_of": as_of,
        "window": window,
        "window_end": as_of + dt.timedelta(days=window),
        "unit_rows": unit_rows,
        "unit_parts": parts(list(enumerate(unit_rows, start=1))),
        "sections": sections,
        "total": _total(unit_rows),
        "overdue_count": len(overdue),
        "due_soon_count": len(due_soon),
        "late_sections": late_sections,
        "late_count": len(late),
        # Praised: nothing overdue, nothing due soon and nothing finished late.
        "clean_units": [r for r in unit_rows if not r.red and not r.amber and not r.late],
        "chunk_mark": CHUNK_MARK,
    }
