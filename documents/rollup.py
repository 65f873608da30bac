"""Roll-up of the programmes below a jurisdiction (issue 17): one row per child
jurisdiction (a province's cities, a city's counties) with the headline figures
of its own dashboard, and their sum.

The figures are counted by the dashboard's own rules (``projects.dashboard.
milestone_figures``, the same status conditions), grouped by jurisdiction in one
query per table, so the roll-up agrees with each child's dashboard and its query
count does not grow with the number of children. The published assessment grade
of each child (as assessed by the parent's scheme) sits beside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from django.db.models import Count
from django.utils.translation import gettext as _
from openpyxl import Workbook

from assessment.models import AssessmentResult
from assessment.procedure import Stage
from common import clock
from projects import supervision
from projects.dashboard import DUE_SOON_DAYS, milestone_figures
from projects.models import Milestone, PlanYear, Project, Supervision
from projects.status import on_time_percent, percent_done
from responsibility.jurisdictions import children
from responsibility.models import Unit


@dataclasses.dataclass
class RollupRow:
    """A child jurisdiction's headline (or the sum, ``jurisdiction`` None)."""

    jurisdiction: Unit | None
    plan: PlanYear | None = None
    projects: int = 0
    ms_total: int = 0
    ms_done: int = 0
    ms_due: int = 0
    ms_due_on_time: int = 0
    ms_overdue: int = 0  # red: due, not done
    ms_amber: int = 0
    open_supervisions: int = 0
    grade: str = ""

    @property
    def percent(self) -> int:
        return percent_done(self.ms_done, self.ms_total)

    @property
    def on_time_percent(self) -> int | None:
        return on_time_percent(self.ms_due_on_time, self.ms_due)

    def add(self, other: RollupRow) -> None:
        for name in (
            "projects",
            "ms_total",
            "ms_done",
            "ms_due",
            "ms_due_on_time",
            "ms_overdue",
            "ms_amber",
            "open_supervisions",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclasses.dataclass
class Rollup:
    parent: Unit
    year: int | None
    years: list[int]
    today: dt.date
    rows: list[RollupRow]
    total: RollupRow


def rollup_years(parent: Unit) -> list[int]:
    """Years in which a child of ``parent`` has a plan, newest first."""
    return list(
        PlanYear.objects.filter(jurisdiction__jurisdiction=parent)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def rollup(parent: Unit, year: int | None, *, today: dt.date | None = None) -> Rollup:
    """The roll-up of ``parent``'s children for ``year`` as of ``today``: a fixed
    number of queries, whatever the number of children."""
    today = today or clock.today()
    window = clock.warning_days()
    kids = list(children(parent))
    rows = {kid.pk: RollupRow(jurisdiction=kid) for kid in kids}
    years = rollup_years(parent)
    if year is not None and rows:
        ids = list(rows)
        for plan in PlanYear.objects.filter(jurisdiction__in=ids, year=year):
            rows[plan.jurisdiction_id].plan = plan  # type: ignore[index]  # not null
        for row in (
            Project.objects.filter(plan__jurisdiction__in=ids, plan__year=year)
            .values("plan__jurisdiction")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            rows[row["plan__jurisdiction"]].projects = row["n"]
        for row in (
            Milestone.objects.filter(project__plan__jurisdiction__in=ids, project__plan__year=year)
            .values("project__plan__jurisdiction")
            .annotate(**milestone_figures(today, window))
            .order_by()
        ):
            target = rows[row["project__plan__jurisdiction"]]
            target.ms_total, target.ms_done = row["total"], row["done"]
            target.ms_due, target.ms_due_on_time = row["due"], row["due_on_time"]
            target.ms_overdue, target.ms_amber = row["red"], row["amber"]
        for row in (
            Supervision.objects.filter(
                plan__jurisdiction__in=ids,
                plan__year=year,
                state__in=sorted(supervision.OPEN_STATES),
            )
            .values("plan__jurisdiction")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            rows[row["plan__jurisdiction"]].open_supervisions = row["n"]
        # The grade each child earned in the parent's assessment of its
        # governments, once the result is final (published).
        for result in AssessmentResult.objects.filter(
            unit__in=ids,
            scheme__jurisdiction=parent,
            scheme__year=year,
            scheme__stage=Stage.FINAL,
        ).only("unit_id", "grade"):
            rows[result.unit_id].grade = result.get_grade_display()
    total = RollupRow(jurisdiction=None)
    for row in rows.values():
        total.add(row)
    return Rollup(
        parent=parent, year=year, years=years, today=today, rows=list(rows.values()), total=total
    )


DUE_SOON = DUE_SOON_DAYS  # re-exported for the template's legend


def _percent(value: int | None) -> str:
    return "—" if value is None else f"{value}%"


def rollup_xlsx(data: Rollup) -> bytes:
    """The roll-up's table as a workbook (the same rows and figures as the page)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("下级辖区汇总"))
    sheet.append(
        [
            _("%(parent)s %(year)s年度下级辖区质量兴市工作汇总（截至 %(today)s）")
            % {"parent": data.parent.display_name, "year": data.year, "today": data.today}
        ]
    )
    sheet.append(
        [
            _("辖区"),
            _("项目数"),
            _("进度节点"),
            _("已完成"),
            _("完成率"),
            _("按期完成率"),
            _("逾期未完成"),
            _("临期"),
            _("未办结督办"),
            _("考核等次"),
        ]
    )
    for row in [*data.rows, data.total]:
        sheet.append(
            [
                row.jurisdiction.name if row.jurisdiction else _("合计"),
                row.projects,
                row.ms_total,
                row.ms_done,
                _percent(row.percent),
                _percent(row.on_time_percent),
                row.ms_overdue,
                row.ms_amber,
                row.open_supervisions,
                row.grade if row.jurisdiction else "",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
