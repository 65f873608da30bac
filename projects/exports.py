"""Spreadsheet exports of the filtered project and milestone lists (openpyxl).

:func:`build_project_export` and :func:`build_milestone_export` are the whole
export, from who asks and the list's query string to the file: the views call
them, and so can a background task. Rows are streamed from ``values_list()``
(no model instance per row) into a write-only workbook, in a fixed number of
queries whatever the number of rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from common import clock
from common.formula_safe import formula_safe
from projects import status
from projects.models import Category, ProjectUnit

CHUNK = 2000  # rows fetched at a time


@dataclasses.dataclass(frozen=True)
class ExportFile:
    """A built export: its file name and its bytes."""

    filename: str
    content: bytes
    content_type: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def _saved(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _reader(user, params: Mapping[str, str]):
    """What the list's filters read from a request: who asks and the query string."""
    return SimpleNamespace(user=user, GET=params)


PROJECT_HEADER = (
    gettext_lazy("年度"),
    gettext_lazy("序号"),
    gettext_lazy("项目名称"),
    gettext_lazy("类别"),
    gettext_lazy("责任单位"),
    gettext_lazy("责任人"),
    gettext_lazy("分管市长"),
    gettext_lazy("进度节点"),
    gettext_lazy("已完成"),
    gettext_lazy("逾期未完成"),
    gettext_lazy("临期"),
    gettext_lazy("逾期完成"),
    gettext_lazy("完成率(%)"),
    gettext_lazy("按期完成率(%)"),
    gettext_lazy("状态"),
    gettext_lazy("任务目标"),
)


def build_project_export(
    user, params: Mapping[str, str], *, today: dt.date | None = None
) -> ExportFile:
    """``/projects/export.xlsx``: the project list as ``user`` reads it, filtered
    and sorted by ``params`` (its query string), one row per project. Counts and
    words follow the status rule (``projects.status``): 逾期未完成, 临期 and 逾期完成
    apart, the on-time rate (按期完成率) beside the percentage done.

    Three queries: the filters' years, the projects' units and persons, the
    projects (streamed)."""
    from projects.filters import project_filterset

    today = today or clock.today()
    filterset = project_filterset(_reader(user, params), today=today)
    projects = filterset.qs.prefetch_related(None)
    year = (filterset.data or {}).get("year", "")
    title = _("%(year)s年项目进展一览（导出于%(date)s）") % {
        "year": year,
        "date": today.strftime("%Y-%m-%d"),
    }
    units: dict[int, list[str]] = defaultdict(list)
    persons: dict[int, list[str]] = defaultdict(list)
    for project, unit, person in (
        ProjectUnit.objects.filter(project__in=projects.order_by().values("pk"))
        .order_by("project", "-is_lead", "order", "pk")
        .values_list("project", "unit__name", "person__name")
        .iterator(chunk_size=CHUNK)
    ):
        units[project].append(unit)
        if person:
            persons[project].append(person)
    counts = [
        f"ms_{name}" for name in ("total", "done", "due", "due_on_time", "red", "amber", "late")
    ]
    rows = projects.values_list(
        "pk", "plan__year", "number", "name", "category", "mayor__name", *counts, "target"
    )
    widths = [8, 6, 28, 12, 24, 18, 10, 9, 8, 10, 6, 9, 10, 12, 10, 60]
    wb = Workbook(write_only=True)
    ws = _sheet(wb, _("项目"), title=title, header=[str(h) for h in PROJECT_HEADER], widths=widths)
    categories = dict(Category.choices)
    for (
        pk,
        year_,
        number,
        name,
        category,
        mayor,
        total,
        done,
        due,
        on_time,
        red,
        amber,
        late,
        target,
    ) in rows.iterator(chunk_size=CHUNK):
        ws.append(
            [
                formula_safe(v)
                for v in (
                    year_,
                    number,
                    name,
                    str(categories.get(category, category)),
                    "、".join(units.get(pk, ())),
                    "、".join(persons.get(pk, ())),
                    mayor or "",
                    total,
                    done,
                    red,
                    amber,
                    late,
                    status.percent_done(done, total),
                    status.on_time_percent(on_time, due),  # empty when nothing is due yet
                    str(status.colour_from_counts(red=red, amber=amber, late=late).label),
                    target,
                )
            ]
        )
    return ExportFile(f"projects-{year}.xlsx", _saved(wb))


MILESTONE_HEADER = (
    gettext_lazy("年度"),
    gettext_lazy("项目序号"),
    gettext_lazy("项目"),
    gettext_lazy("小项"),
    gettext_lazy("进度节点"),
    gettext_lazy("责任单位"),
    gettext_lazy("分管市长"),
    gettext_lazy("完成时限"),
    gettext_lazy("原定完成时限"),
    gettext_lazy("状态"),
    gettext_lazy("完成进度(%)"),
    gettext_lazy("完成日期"),
    gettext_lazy("是否督办"),
)


def build_milestone_export(
    user, params: Mapping[str, str], *, today: dt.date | None = None
) -> ExportFile:
    """``/milestones/export.xlsx``: the milestone list as ``user`` reads it,
    filtered as on its page, one row per milestone. The status is the
    milestone's own words (``projects.status.milestone_words``: 正常, 临期,
    逾期未完成 3天, 按期完成, 逾期完成 29天) as of ``today``; the vice-mayor is the
    sub-item's, else the project's; an open 督办单 is named by its level.

    Two queries: the filters' years, the milestones (streamed)."""
    from projects.filters import milestone_filterset

    today = today or clock.today()
    window = clock.warning_days()
    filterset = milestone_filterset(_reader(user, params), today=today)
    year = filterset.form.data.get("year", "")
    title = _("%(year)s年进度节点一览（截至%(date)s）") % {
        "year": year,
        "date": today.strftime("%Y-%m-%d"),
    }
    rows = filterset.qs.with_open_supervision().values_list(  # type: ignore[attr-defined]  # a MilestoneQuerySet; django-filter's stub says QuerySet
        "project__plan__year",
        "project__number",
        "project__name",
        "subitem__number",
        "subitem__name",
        "name",
        "unit__name",
        "subitem__mayor__name",
        "project__mayor__name",
        "due_date",
        "original_due_date",
        "percent",
        "done_date",
        "open_supervision",
    )
    widths = [8, 9, 28, 28, 36, 16, 10, 12, 12, 16, 11, 12, 12]
    wb = Workbook(write_only=True)
    ws = _sheet(
        wb, _("进度节点"), title=title, header=[str(h) for h in MILESTONE_HEADER], widths=widths
    )
    yes, no = _("是（%(level)s）"), _("否")
    for (
        year_,
        number,
        project,
        sub_number,
        sub_name,
        name,
        unit,
        sub_mayor,
        project_mayor,
        due_date,
        original_due_date,
        percent,
        done_date,
        level,
    ) in rows.iterator(chunk_size=CHUNK):
        words = status.milestone_words(
            due_date=due_date, done_date=done_date, today=today, window_days=window
        )
        ws.append(
            [
                formula_safe(v)
                for v in (
                    year_,
                    number,
                    project,
                    f"{number}-{sub_number} {sub_name}" if sub_number is not None else "",
                    name,
                    unit,
                    sub_mayor or project_mayor or "",
                    due_date,
                    original_due_date,
                    words,
                    percent,
                    done_date,
                    yes % {"level": level} if level else no,
                )
            ]
        )
    return ExportFile(f"milestones-{year}.xlsx", _saved(wb))
