"""Spreadsheet exports of the filtered project and milestone lists (openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from common.formula_safe import formula_safe
from projects.models import Milestone, Project


def _sheet(wb: Workbook, name: str, *, title: str, header: Sequence[str], widths: Sequence[int]):
    """A write-only sheet with the title row and the bold header row."""
    ws = wb.create_sheet(name)
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append([formula_safe(title)])
    bold = Font(bold=True)
    cells = []
    for text in header:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        cells.append(cell)
    ws.append(cells)
    return ws


def project_rows_xlsx(projects: Iterable[Project], *, title: str) -> bytes:
    """One row per project, as shown in the list: the workbook's bytes. Counts
    and words follow the status rule (``projects.status``): 逾期未完成, 临期 and
    逾期完成 apart, the on-time rate (按期完成率) beside the percentage done.

    ``projects`` must come from ``project_filterset(...).qs`` (progress
    annotations and the ``for_list`` prefetch).
    """
    header = [
        _("年度"),
        _("序号"),
        _("项目名称"),
        _("类别"),
        _("责任单位"),
        _("责任人"),
        _("分管市长"),
        _("进度节点"),
        _("已完成"),
        _("逾期未完成"),
        _("临期"),
        _("逾期完成"),
        _("完成率(%)"),
        _("按期完成率(%)"),
        _("状态"),
        _("任务目标"),
    ]
    widths = [8, 6, 28, 12, 24, 18, 10, 9, 8, 10, 6, 9, 10, 12, 10, 60]
    wb = Workbook(write_only=True)
    ws = _sheet(wb, _("项目"), title=title, header=header, widths=widths)
    for p in projects:
        assignments = list(p.assignments.all())
        ws.append(
            [
                formula_safe(v)
                for v in (
                    p.plan.year,
                    p.number,
                    p.name,
                    p.get_category_display(),
                    "、".join(a.unit.name for a in assignments),
                    "、".join(a.person.name for a in assignments if a.person),
                    p.mayor.name if p.mayor else "",
                    p.ms_total,
                    p.ms_done,
                    p.ms_red,
                    p.ms_amber,
                    p.ms_late,
                    p.percent,
                    p.on_time_percent,  # empty when nothing is due yet
                    str(p.colour.label),
                    p.target,
                )
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def milestone_rows_xlsx(milestones: Iterable[Milestone], *, title: str, today: dt.date) -> bytes:
    """One row per milestone, as the milestone list shows it: the workbook's bytes.
    The status is the milestone's own words (``Milestone.status_words``: 正常, 临期,
    逾期未完成 3天, 按期完成, 逾期完成 29天) as of ``today``.

    ``milestones`` must come from ``milestone_filterset(...).qs`` (the ``for_list``
    joins) with ``with_open_supervision()``.
    """
    header = [
        _("年度"),
        _("项目序号"),
        _("项目"),
        _("小项"),
        _("进度节点"),
        _("责任单位"),
        _("分管市长"),
        _("完成时限"),
        _("原定完成时限"),
        _("状态"),
        _("完成进度(%)"),
        _("完成日期"),
        _("是否督办"),
    ]
    widths = [8, 9, 28, 28, 36, 16, 10, 12, 12, 16, 11, 12, 12]
    wb = Workbook(write_only=True)
    ws = _sheet(wb, _("进度节点"), title=title, header=header, widths=widths)
    for m in milestones:
        project = m.project
        subitem = m.subitem
        mayor = (subitem.mayor if subitem and subitem.mayor else None) or project.mayor
        level = m.open_supervision
        ws.append(
            [
                formula_safe(v)
                for v in (
                    project.plan.year,
                    project.number,
                    project.name,
                    f"{project.number}-{subitem.number} {subitem.name}" if subitem else "",
                    m.name,
                    m.unit.name,
                    mayor.name if mayor else "",
                    m.due_date,
                    m.original_due_date,
                    str(m.status_words(today)),
                    m.percent,
                    m.done_date,
                    _("是（%(level)s）") % {"level": level} if level else _("否"),
                )
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
