"""The assessment results as the PDFs show them, read through the assessment
app's selectors (``assessment.selectors``: ``assessment_table`` and
``unit_card``), so the printed numbers are those of the assessment pages.

A year without an assessment scheme has no tables here; the reports then fall
back to the completion figures of the milestones and say so
(考核结果尚未发布 / 未建立考核方案). A scheme's results say which they are
(:func:`stage_note`): 公示中 (provisional, with the notice period), 最终结果, or
computed and not yet public.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessment import procedure, selectors
from documents.render import parts
from responsibility.models import Unit


def stage_note(scheme: Any, *, above: bool) -> str:
    """Which results a document prints, by the scheme's stage
    (``assessment.procedure``): final (最终结果), provisional during 公示 with its
    notice period, or computed and not yet public. ``above``: the sentence
    follows the figures (以上), else it comes before them (以下). Reads only the
    scheme's own fields: no query."""
    if procedure.results_locked(scheme.stage):
        return _("以上为最终结果。") if above else _("以下为最终结果。")
    if procedure.results_public(scheme.stage):
        period = {
            "start": date_format(scheme.notice_from, "DATE_FORMAT") if scheme.notice_from else "",
            "end": date_format(scheme.notice_until, "DATE_FORMAT") if scheme.notice_until else "",
        }
        if above:
            return (
                _("以上为公示中（暂定结果，公示期%(start)s至%(end)s）的考核结果，以最终结果为准。")
                % period
            )
        return (
            _("以下为公示中（暂定结果，公示期%(start)s至%(end)s）的考核结果，以最终结果为准。")
            % period
        )
    return (
        _("考核结果尚未公示，以上为计算结果。")
        if above
        else _("考核结果尚未公示，以下为计算结果。")
    )


@dataclasses.dataclass
class Ranking:
    """One scheme's ranking (bureaus, counties or townships) with its money totals."""

    table: Any  # assessment.selectors.AssessmentTable

    @property
    def rows(self) -> list[tuple[Any, Decimal]]:
        """(row, bonus points including title points), so the columns add up to the total."""
        return [(r, r.bonus + r.title_points) for r in self.table.rows]

    @property
    def row_groups(self) -> list[list[tuple[Any, Decimal]]]:
        """:attr:`rows` in groups laid out one at a time when the table is long."""
        return parts(self.rows)

    @property
    def rewards(self) -> Decimal:
        return sum((r.money for r in self.table.rows if r.money > 0), Decimal(0))

    @property
    def penalties(self) -> Decimal:
        return -sum((r.money for r in self.table.rows if r.money < 0), Decimal(0))

    @property
    def stage_note(self) -> str:
        """Which results the table shows (公示中 / 最终结果 / not yet public)."""
        return stage_note(self.table.scheme, above=False)

    @property
    def grades(self) -> list[tuple[str, int]]:
        return [(label, n) for label, n in self.table.grade_counts().items()]


def rankings(year: int, jurisdiction_id: int | None = None) -> list[Ranking]:
    """Every scheme of the year of ``jurisdiction_id`` (the home one's, when None)
    with its ranking; empty when there is no scheme."""
    tables = []
    for scheme in selectors.schemes_for_year(year, jurisdiction_id):
        table = selectors.assessment_table(year, scheme=scheme)
        if table is not None:
            tables.append(Ranking(table))
    return tables


def unit_card(year: int, unit: Unit) -> Any | None:
    """The unit's assessment card (``assessment.selectors.UnitCard``), or None
    when the year has no scheme for this kind of unit in the unit's jurisdiction
    (the one that assesses it): never another jurisdiction's scheme."""
    card = selectors.unit_card(year, unit)
    if card is not None and card.scheme.jurisdiction_id != unit.jurisdiction_id:
        return None
    return card
