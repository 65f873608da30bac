"""Write a year's targets as the annex workbook, and the blank import template.

The layout is the one the importer reads (so an exported file imports back to
the same data): a title row, the header row, then per project a first row with
the project's units, persons and vice-mayor (and its own milestones and
indicators, if any), then one row per milestone or indicator of each
sub-item. Project cells are merged down over the project's rows, sub-item
cells over the sub-item's rows. Every cell goes through
:func:`common.formula_safe.formula_safe` (text a spreadsheet would run as a
formula gets a leading single quote; the importer takes it off again).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from itertools import zip_longest

from django.db.models import Prefetch
from openpyxl.worksheet.cell_range import CellRange

from common.formula_safe import formula_safe
from projects.importing.columns import EXPORT_COLUMNS
from projects.models import Category, Indicator, Milestone, PlanYear, Project, ProjectUnit, SubItem
from responsibility.models import Unit, existing_home_jurisdiction

WIDTHS = {
    "number": 6,
    "project": 18,
    "category": 10,
    "target": 36,
    "measures": 36,
    "guarantees": 28,
    "subitem": 24,
    "description": 30,
    "units": 14,
    "persons": 10,
    "mayor": 10,
    "milestone": 28,
    "deadline": 12,
    "indicator": 18,
    "target_value": 8,
    "measure": 8,
}
PROJECT_COLUMNS = ("number", "project", "category", "target", "measures", "guarantees")
SUBITEM_COLUMNS = ("subitem", "description", "units", "persons", "mayor")
COLUMN_INDEX = {key: i for i, (key, _label) in enumerate(EXPORT_COLUMNS)}


def _persons_cell(persons: list[str | None]) -> str:
    while persons and persons[-1] is None:
        persons.pop()
    return "、".join(p or "—" for p in persons)


def project_rows(project: Project) -> list[dict]:
    """The rows of one project, as {column key: value}. Expects the prefetches of
    :func:`_projects`."""
    assignments = sorted(project.assignments.all(), key=lambda a: (not a.is_lead, a.order, a.pk))
    lead = assignments[0].unit if assignments else None
    head = {
        "number": project.number,
        "project": project.name,
        "category": str(Category(project.category).label) if project.category else "",
        "target": project.target,
        "measures": project.measures,
        "guarantees": project.guarantees,
        "units": "、".join(a.unit.name for a in assignments),
        "persons": _persons_cell([a.person.name if a.person else None for a in assignments]),
        "mayor": project.mayor.name if project.mayor else "",
    }
    own_milestones = [m for m in project.milestones.all() if m.subitem_id is None]
    own_indicators = [i for i in project.indicators.all() if i.subitem_id is None]
    rows = []
    own = list(zip_longest(own_milestones, own_indicators)) or [(None, None)]
    for n, (milestone, indicator) in enumerate(own):
        row = dict(head) if n == 0 else {}
        if milestone is not None and n > 0 and lead is not None and milestone.unit_id != lead.pk:
            row["units"] = milestone.unit.name
        rows.append(_fill(row, milestone, indicator))
    for sub in project.subitems.all():
        sub_head = {
            "subitem": sub.name,
            "description": sub.description,
            "units": sub.unit.name,
            "persons": sub.person.name if sub.person_id else "",
            "mayor": sub.mayor.name if sub.mayor_id else "",
        }
        pairs = list(zip_longest(sub.milestones.all(), sub.indicators.all())) or [(None, None)]
        for n, (milestone, indicator) in enumerate(pairs):
            row = dict(sub_head)
            row["_sub_first"] = n == 0
            row["_sub_span"] = len(pairs) if n == 0 else 0
            rows.append(_fill(row, milestone, indicator))
    return rows


def _fill(row: dict, milestone: Milestone | None, indicator: Indicator | None) -> dict:
    if milestone is not None:
        row["milestone"] = milestone.name
        row["deadline"] = milestone.due_date
        if milestone.start_date:  # a period, read back by the importer as one
            row["deadline"] = (
                f"{milestone.start_date.isoformat()}至{milestone.due_date.isoformat()}"
            )
    if indicator is not None:
        row["indicator"] = indicator.name
        row["target_value"] = indicator.target
        row["measure"] = indicator.measure
    return row


def _projects(plan: PlanYear | None):
    return (
        Project.objects.filter(plan=plan)
        .select_related("mayor")
        .prefetch_related(
            Prefetch("assignments", queryset=ProjectUnit.objects.select_related("unit", "person")),
            Prefetch(
                "subitems",
                queryset=SubItem.objects.select_related("unit", "person", "mayor")
                .order_by("number")
                .prefetch_related(
                    Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "pk")),
                    Prefetch("indicators", queryset=Indicator.objects.order_by("pk")),
                ),
            ),
            Prefetch(
                "milestones",
                queryset=Milestone.objects.filter(subitem__isnull=True)
                .select_related("unit")
                .order_by("due_date", "pk"),
            ),
            Prefetch(
                "indicators", queryset=Indicator.objects.filter(subitem__isnull=True).order_by("pk")
            ),
        )
        .order_by("number")
    )


def merge_all(ws, ranges: list[tuple[int, int, int, int]]) -> None:
    """Merge many (first_row, first_col, last_row, last_col) ranges at once.

    ``Worksheet.merge_cells`` checks each new range against every existing one,
    which is quadratic (minutes for a 20,000-row annex); this does what
    openpyxl's own reader does when it loads merged cells.
    """
    from openpyxl.worksheet.cell_range import MultiCellRange
    from openpyxl.worksheet.merge import MergedCellRange

    merged = list(ws.merged_cells.ranges)
    for r0, c0, r1, c1 in ranges:
        mcr = MergedCellRange(ws, CellRange(min_row=r0, min_col=c0, max_row=r1, max_col=c1).coord)
        ws._clean_merge_range(mcr)
        merged.append(mcr)
    ws.merged_cells = MultiCellRange(merged)


def build_workbook(
    title: str, projects_rows: list[list[dict]], *, footnotes: Sequence[str] = ()
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.worksheets[0]  # the active sheet of a new workbook
    ws.title = "责任分解表"
    width = len(EXPORT_COLUMNS)
    ws.cell(row=1, column=1, value=formula_safe(title))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1).font = Font(size=16, bold=True)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.row_dimensions[1].height = 30
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    for c, (key, label) in enumerate(EXPORT_COLUMNS, start=1):
        cell = ws.cell(row=2, column=c, value=label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        ws.column_dimensions[get_column_letter(c)].width = WIDTHS[key]
    ws.freeze_panes = "A3"

    r = 3
    merges = []
    for rows in projects_rows:
        first = r
        for row in rows:
            for key, value in row.items():
                if key.startswith("_") or value in (None, ""):
                    continue
                cell = ws.cell(row=r, column=COLUMN_INDEX[key] + 1, value=formula_safe(value))
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
            span = row.get("_sub_span", 0)
            if span > 1:
                for key in SUBITEM_COLUMNS:
                    c = COLUMN_INDEX[key] + 1
                    merges.append((r, c, r + span - 1))
            r += 1
        if r - 1 > first:
            for key in PROJECT_COLUMNS:
                c = COLUMN_INDEX[key] + 1
                merges.append((first, c, r - 1))
    # Merge once every value is written: merging blanks the cells below the first.
    merge_all(ws, [(top, c, bottom, c) for top, c, bottom in merges])
    for row_cells in ws.iter_rows(min_row=3, max_row=r - 1, max_col=width):
        for body_cell in row_cells:
            body_cell.alignment = wrap
            body_cell.border = border
    for note in footnotes:
        ws.cell(row=r, column=1, value=note)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        r += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_year(year: int, jurisdiction: Unit | None = None) -> bytes:
    """The plan of ``year`` of ``jurisdiction`` (the home one by default)."""
    jurisdiction = jurisdiction or existing_home_jurisdiction()
    plan = PlanYear.objects.filter(jurisdiction=jurisdiction, year=year).first()
    title = (
        f"{plan.title}（{plan.doc_number}）"
        if plan and plan.doc_number
        else (plan.title if plan else "")
    ) or f"{year}年质量兴市项目化推进工作责任分解表"
    return build_workbook(title, [project_rows(p) for p in _projects(plan)])


TEMPLATE_NOTES = [
    "注：1. 每个小项一行（一个小项有多个进度节点时可占多行，小项名称相同即为同一小项）；没有小项的项目占一行。",
    "2. 同一项目的序号、项目名称等可以合并单元格；多个责任单位、责任人用顿号“、”分隔，按顺序一一对应，第一个为牵头单位。",
    "3. 完成时限可填日期（2011-08-31、2011年9月30日）或 6月底前、上半年、第三季度、年底、全年 等；"
    "时间段（3月至6月）记为开始和完成日期；每季度末、每月25日前、每月底、每半年 按期拆成多个进度节点。",
    "4. 目标值只填一个数字（可带单位，如 95%、13个）；单位名称后可注（牵头），责任人后可注（职务）。",
]


def template_workbook(year: int) -> bytes:
    """A blank annex with the header, a title row and two example projects."""
    example: list[list[dict]] = [
        [
            {
                "number": "第十六项",
                "project": "（示例）提高服务质量",
                "category": "服务质量",
                "target": "全市15个服务行业开展服务质量承诺活动。",
                "measures": "制定行业服务规范，开展明察暗访。",
                "guarantees": "纳入年度绩效考核。",
                "units": "商务局、卫生局",
                "persons": "陈建民、钟兆湘",
                "mayor": "王副市长",
            },
            {
                "subitem": "超市、商场服务质量提升",
                "units": "商务局",
                "persons": "陈建民",
                "mayor": "王副市长",
                "milestone": "制定服务规范",
                "deadline": "6月底前",
                "indicator": "服务承诺单位",
                "target_value": 50,
                "measure": "家",
            },
            {
                "subitem": "医疗服务质量提升",
                "units": "卫生局",
                "persons": "钟兆湘",
                "mayor": "王副市长",
                "deadline": dt.date(year, 9, 30),
            },
        ],
        [
            {
                "number": 17,
                "project": "（示例）没有小项的项目",
                "units": "质监局",
                "persons": "王磊",
                "mayor": "王副市长",
                "deadline": "年底",
            }
        ],
    ]
    return build_workbook(
        f"{year}年质量兴市项目化推进工作责任分解表（导入模板）", example, footnotes=TEMPLATE_NOTES
    )
