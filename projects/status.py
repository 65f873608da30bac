"""The status rule (DESIGN.md, "Status rules"), in one place.

A milestone is green when done or not yet due, amber when it falls due within
the warning window and is not done, red when overdue and not done. A sub-item
takes its worst milestone and a project its worst sub-item.

Everything here is a pure function of plain values so that the dashboard, the
PDFs, the reminders and SQL annotations all agree. The SQL side
(``projects.models`` annotations) counts red and amber milestones with the same
boundaries and turns the counts into a colour with :func:`colour_from_counts`.
"""

import datetime as dt
import enum
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext_lazy as _


class Colour(enum.IntEnum):
    """Ordered so that ``max()`` is the worst."""

    GREEN = 0
    AMBER = 1
    RED = 2

    @property
    def css(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        return str(COLOUR_LABELS[self])


COLOUR_LABELS = {
    Colour.GREEN: _("正常"),
    Colour.AMBER: _("临期"),
    Colour.RED: _("逾期"),
}


def amber_from(today: dt.date, window_days: int) -> dt.date:
    """Last due date that counts as amber: due in [today, today + window]."""
    return today + dt.timedelta(days=window_days)


def milestone_colour(
    *, due_date: dt.date, done_date: dt.date | None, today: dt.date, window_days: int
) -> Colour:
    """Colour of one milestone on ``today``.

    A milestone done late is green: it is done, and lateness is reported apart
    (see :func:`is_late`).
    """
    if done_date is not None:
        return Colour.GREEN
    if due_date < today:
        return Colour.RED
    if due_date <= amber_from(today, window_days):
        return Colour.AMBER
    return Colour.GREEN


def is_late(*, due_date: dt.date, done_date: dt.date | None, today: dt.date) -> bool:
    """Overdue now, or done after its due date."""
    if done_date is None:
        return due_date < today
    return done_date > due_date


def worst(colours: Iterable[Colour]) -> Colour:
    """The worst colour of several; green when there are none."""
    return max(colours, default=Colour.GREEN)


def colour_from_counts(*, red: int, amber: int) -> Colour:
    """Colour of a group of milestones from its counts of red and amber ones."""
    if red:
        return Colour.RED
    if amber:
        return Colour.AMBER
    return Colour.GREEN


def percent_done(done: int, total: int) -> int:
    """Whole-number percentage of milestones done; 0 for an empty group."""
    if total <= 0:
        return 0
    return round(100 * done / total)


class CountsColour:
    """Percent done and colour for any object with milestone counts ``total``,
    ``done``, ``red`` and ``amber`` (dashboard rows, PDF figures)."""

    total: int
    done: int
    red: int
    amber: int

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total)

    @property
    def colour(self) -> Colour:
        return colour_from_counts(red=self.red, amber=self.amber)


def indicator_met(
    *, direction: str, target: Decimal | int | None, actual: Decimal | int | None
) -> bool | None:
    """Whether an indicator's actual value meets its target.

    ``direction`` is one of ``Indicator.Direction``'s values: "increase" (more
    is better), "decrease" (less is better) or "binary" (done / not done, where
    any actual value ≥ 1 means done). None when there is nothing to compare yet.
    """
    if actual is None:
        return None
    if direction == "binary":
        return actual >= 1
    if target is None:
        return None
    if direction == "decrease":
        return actual <= target
    return actual >= target
