"""The assessment results as the PDFs show them, read through the assessment
app's selectors (``assessment.selectors``: ``assessment_table`` and
``unit_card``), so the printed numbers are those of the assessment pages.

A year without an assessment scheme has no tables here; the reports then fall
back to the completion figures of the milestones and say so
(考核结果尚未发布 / 未建立考核方案).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from assessment import selectors
from responsibility.models import Unit


@dataclasses.dataclass
class Ranking:
    """One scheme's ranking (bureaus, counties or townships) with its money totals."""

    table: Any  # assessment.selectors.AssessmentTable

    @property
    def rows(self) -> list[tuple[Any, Decimal]]:
        """(row, bonus points including title points), so the columns add up to the total."""
        return [(r, r.bonus + r.title_points) for r in self.table.rows]

    @property
    def rewards(self) -> Decimal:
        return sum((r.money for r in self.table.rows if r.money > 0), Decimal(0))

    @property
    def penalties(self) -> Decimal:
        return -sum((r.money for r in self.table.rows if r.money < 0), Decimal(0))

    @property
    def grades(self) -> list[tuple[str, int]]:
        return [(label, n) for label, n in self.table.grade_counts().items()]


def rankings(year: int) -> list[Ranking]:
    """Every scheme of the year with its ranking; empty when there is no scheme."""
    tables = []
    for scheme in selectors.schemes_for_year(year):
        table = selectors.assessment_table(year, scheme.unit_kind)
        if table is not None:
            tables.append(Ranking(table))
    return tables


def unit_card(year: int, unit: Unit) -> Any | None:
    """The unit's assessment card (``assessment.selectors.UnitCard``), or None
    when the year has no scheme for this kind of unit."""
    return selectors.unit_card(year, unit)
