"""Build annex workbooks the way clerks make them, for the importer tests."""

from __future__ import annotations

import io

import openpyxl

from projects.models import Indicator, Milestone, Project, ProjectUnit, SubItem

HEADER = [
    "序号",
    "项目名称",
    "任务目标",
    "推进措施",
    "小项",
    "责任单位",
    "责任人",
    "分管市长",
    "完成时限",
    "考核指标",
    "目标值",
    "计量单位",
]


def xlsx(rows: list[list], merges: tuple[str, ...] = (), *, title: str | None = None) -> bytes:
    """A workbook whose first sheet holds ``rows`` (row 1 first) and the given merges."""
    book = openpyxl.Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    if title:
        ws.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def simple(rows: list[list], header: list[str] = HEADER) -> bytes:
    """Header on row 1, ``rows`` from row 2."""
    return xlsx([header, *rows])


def snapshot(year: int) -> dict:
    """Everything the importer writes for ``year``, in comparable form."""
    projects = {
        p.number: (p.name, p.category, p.target, p.measures, p.guarantees, p.mayor and p.mayor.name)
        for p in Project.objects.for_year(year).select_related("mayor")
    }
    units = sorted(
        (a.project.number, a.unit.name, a.person and a.person.name, a.is_lead, a.order)
        for a in ProjectUnit.objects.filter(project__plan__year=year).select_related(
            "project", "unit", "person"
        )
    )
    subitems = sorted(
        (
            s.project.number,
            s.number,
            s.name,
            s.description,
            s.unit.name,
            s.person and s.person.name,
            s.mayor and s.mayor.name,
        )
        for s in SubItem.objects.for_year(year).select_related("project", "unit", "person", "mayor")
    )
    milestones = sorted(
        (
            m.project.number,
            m.subitem.number if m.subitem_id else 0,
            m.name,
            m.due_date,
            m.unit.name,
        )
        for m in Milestone.objects.for_year(year).select_related("project", "subitem", "unit")
    )
    indicators = sorted(
        (i.project.number, i.subitem.number if i.subitem_id else 0, i.name, i.target, i.measure)
        for i in Indicator.objects.for_year(year).select_related("project", "subitem")
    )
    return {
        "projects": projects,
        "units": units,
        "subitems": subitems,
        "milestones": milestones,
        "indicators": indicators,
    }


def counts(result) -> dict:
    """{kind: (created, updated, unchanged)} of an ImportResult."""
    return {k: (c.created, c.updated, c.unchanged) for k, c in result.counts.items()}
