"""Spreadsheet exports of the filtered project list (openpyxl)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from common.formula_safe import formula_safe
from projects.models import Project


def project_rows_xlsx(projects: Iterable[Project], *, title: str) -> bytes:
    """One row per project, as shown in the list: the workbook's bytes. Counts
    and words follow the status rule (``projects.status``): 逾期未完成, 临期 and
    逾期完成 apart, the on-time rate (按期完成率) beside the percentage done.

    ``projects`` must come from ``project_filterset(...).qs`` (progress
    annotations and the ``for_list`` prefetch).
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("项目"))
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
