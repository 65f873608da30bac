"""The status rule (README, "Status rule"), in one place and in both forms.

A milestone is green when done on time (按期完成) or not yet due, amber when
it falls due within the warning window and is not done, red when overdue and
not done (逾期未完成), and "late" when it was done after its due date (逾期完成):
late work is never shown or scored as on time. The due date is the one in
force, which an approved 延期申请 (deadline extension) moves. A sub-item takes
its worst milestone and a project its worst sub-item (red, then amber, then
late, then green), and shows beside its % done its on-time rate (按期完成率):
of the milestones due by the day, the share done by their due date.

Every rule is evaluated *on a day*: today for the pages and the reminders, the
"as of" date of a printed bulletin. A milestone is done on a day when its done
date is on or before that day, so a bulletin for a past date shows what was
late then, and a done date after today (the admin allows one) counts as not
done yet on every page and document alike.

Each rule is written twice, side by side: a pure Python function of plain
values, for rows already in hand, and the SQL expression with the same
boundaries, for querysets, filters, reports and reminders. SQL builders take
``prefix``, the path from the model queried to the milestone ("" on
milestones, "milestones" on projects and sub-items). Nothing outside this
module compares a milestone's dates for its status:
tests/projects/test_status_owner.py fails on a status lookup written anywhere
else, and tests/projects/test_status_agreement.py runs both forms, through
their consumers, on the same generated rows.

Adding a state takes a ``Colour`` member, its two functions (Python test, SQL
condition) and one line in :data:`RULES` (逾期完成 was added so). A
milestone's colour (:func:`milestone_colour` / :func:`colour_case`), the counts
of a group (:func:`tally` / :func:`count_annotations`, one count per rule,
named after its colour), a group's colour from its counts
(:func:`colour_from_counts` / :func:`counts_colour_case`,
:func:`counts_colour_q`) and the order of a unit's work list (:func:`urgency` /
:func:`urgency_case`) all follow :data:`RULES`.
"""

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Colour(enum.IntEnum):
    """Ordered so that ``max()`` is the worst: a late completion is history that
    no one can change any more; what falls due soon or is overdue still needs
    work, so it weighs more on a group's colour."""

    GREEN = 0
    LATE = 1
    AMBER = 2
    RED = 3

    @property
    def css(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        return str(COLOUR_LABELS[self])

    def milestone_label(self, *, done: bool) -> str:
        """The word for one milestone: a green one that is done is 按期完成."""
        if done and self is Colour.GREEN:
            return str(ON_TIME_LABEL)
        return self.label


COLOUR_LABELS = {
    Colour.GREEN: _("正常"),
    Colour.LATE: _("逾期完成"),
    Colour.AMBER: _("临期"),
    Colour.RED: _("逾期未完成"),
}
ON_TIME_LABEL = _("按期完成")


def _path(prefix: str, lookup: str) -> str:
    return f"{prefix}__{lookup}" if prefix else lookup


# --- Done, open and due on a day ------------------------------------------------


def is_done_by(done_date: dt.date | None, day: dt.date) -> bool:
    """Done on ``day``: a done date on or before it."""
    return done_date is not None and done_date <= day


def done_by_q(day: dt.date, *, prefix: str = "") -> Q:
    """SQL form of :func:`is_done_by`."""
    return Q(**{_path(prefix, "done_date__lte"): day})


def is_open(done_date: dt.date | None, day: dt.date) -> bool:
    """Not done on ``day``."""
    return not is_done_by(done_date, day)


def open_q(day: dt.date, *, prefix: str = "") -> Q:
    """SQL form of :func:`is_open`: no done date, or one after ``day``."""
    return Q(**{_path(prefix, "done_date__isnull"): True}) | Q(
        **{_path(prefix, "done_date__gt"): day}
    )


def is_due_by(due_date: dt.date, day: dt.date) -> bool:
    """Due on or before ``day`` (the "due to date" figures), done or not."""
    return due_date <= day


def due_by_q(day: dt.date, *, prefix: str = "") -> Q:
    """SQL form of :func:`is_due_by`."""
    return Q(**{_path(prefix, "due_date__lte"): day})


# --- The colour rules, one pair per colour that is not green ---------------------
#
# Every rule takes the same arguments so that RULES can hold them all; red does
# not use the window.


def is_red(
    *, due_date: dt.date, done_date: dt.date | None, today: dt.date, window_days: int = 0
) -> bool:
    """Overdue: not done on ``today`` and due before it."""
    return is_open(done_date, today) and due_date < today


def red_q(today: dt.date, window_days: int = 0, *, prefix: str = "") -> Q:
    """SQL form of :func:`is_red`."""
    return open_q(today, prefix=prefix) & Q(**{_path(prefix, "due_date__lt"): today})


def amber_until(today: dt.date, window_days: int) -> dt.date:
    """Last due date that counts as amber: due in [today, today + window]."""
    return today + dt.timedelta(days=window_days)


def is_amber(
    *, due_date: dt.date, done_date: dt.date | None, today: dt.date, window_days: int
) -> bool:
    """Due within the window (today included) and not done on ``today``.

    With another window this is "falling due within N days" (the dashboard's
    due-soon list, ``due_within()``).
    """
    return is_open(done_date, today) and today <= due_date <= amber_until(today, window_days)


def amber_q(today: dt.date, window_days: int, *, prefix: str = "") -> Q:
    """SQL form of :func:`is_amber`."""
    return open_q(today, prefix=prefix) & Q(
        **{
            _path(prefix, "due_date__gte"): today,
            _path(prefix, "due_date__lte"): amber_until(today, window_days),
        }
    )


def is_done_late(
    *, due_date: dt.date, done_date: dt.date | None, today: dt.date, window_days: int = 0
) -> bool:
    """逾期完成: done on ``today`` (see :func:`is_done_by`), after its due date."""
    return done_date is not None and is_done_by(done_date, today) and done_date > due_date


def late_q(today: dt.date, window_days: int = 0, *, prefix: str = "") -> Q:
    """SQL form of :func:`is_done_late`."""
    return done_by_q(today, prefix=prefix) & Q(
        **{_path(prefix, "done_date__gt"): F(_path(prefix, "due_date"))}
    )


@dataclasses.dataclass(frozen=True)
class Rule:
    """A colour other than green, in both forms.

    ``test(due_date=, done_date=, today=, window_days=)`` decides one milestone
    in Python; ``q(today, window_days, prefix=)`` is the same condition in SQL.
    """

    colour: Colour
    test: Callable[..., bool]
    q: Callable[..., Q]


# The one list of states. Green is what none of them claims.
RULES: tuple[Rule, ...] = (
    Rule(Colour.RED, is_red, red_q),
    Rule(Colour.AMBER, is_amber, amber_q),
    Rule(Colour.LATE, is_done_late, late_q),
)

# Worst first: the first rule that holds gives the colour, in Python and in SQL.
_WORST_FIRST = tuple(sorted(RULES, key=lambda rule: rule.colour, reverse=True))


# --- One milestone ----------------------------------------------------------------


def milestone_colour(
    *, due_date: dt.date, done_date: dt.date | None, today: dt.date, window_days: int
) -> Colour:
    """Colour of one milestone on ``today``: red, amber, late (done after its
    due date) or green (done on time, or open and not yet due)."""
    for rule in _WORST_FIRST:
        if rule.test(due_date=due_date, done_date=done_date, today=today, window_days=window_days):
            return rule.colour
    return Colour.GREEN


def colour_case(today: dt.date, window_days: int, *, prefix: str = "") -> Case:
    """SQL form of :func:`milestone_colour`: the ``Colour`` value as an integer."""
    return Case(
        *(
            When(rule.q(today, window_days, prefix=prefix), then=Value(int(rule.colour)))
            for rule in _WORST_FIRST
        ),
        default=Value(int(Colour.GREEN)),
        output_field=IntegerField(),
    )


def needs_attention(
    *, due_date: dt.date, done_date: dt.date | None, today: dt.date, window_days: int
) -> bool:
    """Red or amber: what the daily reminder and the bulletin list."""
    return is_red(due_date=due_date, done_date=done_date, today=today) or is_amber(
        due_date=due_date, done_date=done_date, today=today, window_days=window_days
    )


def attention_q(today: dt.date, window_days: int, *, prefix: str = "") -> Q:
    """SQL form of :func:`needs_attention`: open and due by the window's end."""
    return open_q(today, prefix=prefix) & due_by_q(amber_until(today, window_days), prefix=prefix)


_LAST = int(max(Colour))


def urgency(
    *, due_date: dt.date, done_date: dt.date | None, today: dt.date, window_days: int
) -> int:
    """Place in a unit's work list: open ones worst colour first (overdue 0,
    due within the window 1, the rest 3), then the done ones (4)."""
    if is_done_by(done_date, today):
        return _LAST + 1
    colour = milestone_colour(
        due_date=due_date, done_date=done_date, today=today, window_days=window_days
    )
    return _LAST - colour


def urgency_case(today: dt.date, window_days: int, *, prefix: str = "") -> Case:
    """SQL form of :func:`urgency`."""
    return Case(
        When(done_by_q(today, prefix=prefix), then=Value(_LAST + 1)),
        default=Value(_LAST) - colour_case(today, window_days, prefix=prefix),
        output_field=IntegerField(),
    )


def is_on_time(*, due_date: dt.date, done_date: dt.date | None, today: dt.date) -> bool:
    """按期完成: done on ``today``, on or before its due date."""
    return done_date is not None and is_done_by(done_date, today) and done_date <= due_date


def on_time_q(today: dt.date, *, prefix: str = "") -> Q:
    """SQL form of :func:`is_on_time`."""
    return done_by_q(today, prefix=prefix) & Q(
        **{_path(prefix, "done_date__lte"): F(_path(prefix, "due_date"))}
    )


def days_late(*, due_date: dt.date, done_date: dt.date | None, today: dt.date) -> int:
    """How many days late on ``today``: a late completion by its done date, an
    overdue milestone by today; 0 for anything else."""
    if is_done_late(due_date=due_date, done_date=done_date, today=today):
        assert done_date is not None
        return (done_date - due_date).days
    if is_red(due_date=due_date, done_date=done_date, today=today):
        return (today - due_date).days
    return 0


def milestone_words(
    *, due_date: dt.date, done_date: dt.date | None, today: dt.date, window_days: int
) -> str:
    """One milestone's status in words, with the days late when there are any:
    按期完成, 正常, 临期, 逾期完成 29天, 逾期未完成 3天 (``Milestone.status_words``
    and the exports, which read plain rows)."""
    colour = milestone_colour(
        due_date=due_date, done_date=done_date, today=today, window_days=window_days
    )
    label = colour.milestone_label(done=is_done_by(done_date, today))
    days = days_late(due_date=due_date, done_date=done_date, today=today)
    if days:
        return gettext("%(label)s %(days)s天") % {"label": label, "days": days}
    return label


# --- A group of milestones ----------------------------------------------------------


def worst(colours: Iterable[Colour]) -> Colour:
    """The worst colour of several; green when there are none."""
    return max(colours, default=Colour.GREEN)


COUNT_NAMES: tuple[str, ...] = (
    "total",
    "done",
    "due",
    "due_on_time",
    *(rule.colour.css for rule in RULES),
)


def tally(
    milestones: Iterable[tuple[dt.date, dt.date | None]], *, today: dt.date, window_days: int
) -> dict[str, int]:
    """Counts of a group of milestones given as ``(due_date, done_date)``:
    ``total``, ``done`` on ``today``, ``due`` by today, ``due_on_time`` (of
    those, done on time: the on-time rate's numerator) and one per rule
    (``red``, ``amber``, ``late``)."""
    counts = dict.fromkeys(COUNT_NAMES, 0)
    for due_date, done_date in milestones:
        counts["total"] += 1
        counts["done"] += is_done_by(done_date, today)
        due = is_due_by(due_date, today)
        counts["due"] += due
        counts["due_on_time"] += due and is_on_time(
            due_date=due_date, done_date=done_date, today=today
        )
        for rule in RULES:
            counts[rule.colour.css] += rule.test(
                due_date=due_date, done_date=done_date, today=today, window_days=window_days
            )
    return counts


def count_conditions(today: dt.date, window_days: int, *, prefix: str = "") -> dict[str, Q | None]:
    """SQL form of what each count of :func:`tally` counts (None: every milestone)."""
    return {
        "total": None,
        "done": done_by_q(today, prefix=prefix),
        "due": due_by_q(today, prefix=prefix),
        "due_on_time": due_by_q(today, prefix=prefix) & on_time_q(today, prefix=prefix),
        **{rule.colour.css: rule.q(today, window_days, prefix=prefix) for rule in RULES},
    }


def count_annotations(
    today: dt.date,
    window_days: int,
    *,
    prefix: str = "",
    into: str = "",
    distinct: bool = False,
) -> dict[str, Count]:
    """SQL form of :func:`tally`: ``Count`` annotations named ``{into}total``,
    ``{into}done``, ``{into}due``, ``{into}due_on_time``, ``{into}red``,
    ``{into}amber``, ``{into}late``.

    ``distinct`` counts each milestone once when other joins repeat it (a
    project's milestones next to its units).
    """
    field = prefix or "pk"
    return {
        f"{into}{name}": Count(field, filter=condition, distinct=distinct)
        for name, condition in count_conditions(today, window_days, prefix=prefix).items()
    }


def colour_from_counts(**counts: int) -> Colour:
    """Colour of a group from its counts per rule (``red=``, ``amber=``): the
    worst colour with any milestone, green when none."""
    return worst(rule.colour for rule in RULES if counts.get(rule.colour.css))


def counts_colour_case(*, into: str = "ms_") -> Case:
    """SQL form of :func:`colour_from_counts`, over count annotations named as
    :func:`count_annotations` names them: the ``Colour`` value as an integer."""
    return Case(
        *(
            When(**{f"{into}{rule.colour.css}__gt": 0}, then=Value(int(rule.colour)))
            for rule in _WORST_FIRST
        ),
        default=Value(int(Colour.GREEN)),
        output_field=IntegerField(),
    )


def counts_colour_q(colour: Colour, *, into: str = "ms_") -> Q:
    """Groups whose :func:`colour_from_counts` is ``colour`` (the colour filters)."""
    none_worse = Q()
    for rule in _WORST_FIRST:
        count = f"{into}{rule.colour.css}"
        if rule.colour == colour:
            return none_worse & Q(**{f"{count}__gt": 0})
        none_worse &= Q(**{count: 0})
    if colour != Colour.GREEN:
        raise ValueError(f"no rule for {colour!r}")
    return none_worse


def percent_done(done: int, total: int) -> int:
    """Whole-number percentage of milestones done; 0 for an empty group."""
    if total <= 0:
        return 0
    return round(100 * done / total)


def on_time_percent(due_on_time: int, due: int) -> int | None:
    """The on-time rate (按期完成率): of the milestones due, the share done by
    their due date, as a whole-number percentage; None when nothing is due yet."""
    if due <= 0:
        return None
    return percent_done(due_on_time, due)


class CountsColour:
    """Percent done, on-time rate and colour for any object with milestone
    counts ``total``, ``done``, ``due``, ``due_on_time`` and one per rule
    (``red``, ``amber``, ``late``): dashboard rows, PDF figures."""

    total: int
    done: int
    due: int
    due_on_time: int
    red: int
    amber: int
    late: int

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total)

    @property
    def on_time_percent(self) -> int | None:
        return on_time_percent(self.due_on_time, self.due)

    @property
    def colour(self) -> Colour:
        return colour_from_counts(
            **{rule.colour.css: getattr(self, rule.colour.css) for rule in RULES}
        )


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


def indicator_met_q(*, prefix: str = "") -> Q:
    """SQL form of ``indicator_met(...) is True``."""
    target = F(_path(prefix, "target"))
    return (
        Q(**{_path(prefix, "direction"): "binary", _path(prefix, "actual__gte"): 1})
        | Q(**{_path(prefix, "direction"): "decrease", _path(prefix, "actual__lte"): target})
        | (
            ~Q(**{_path(prefix, "direction__in"): ["binary", "decrease"]})
            & Q(**{_path(prefix, "actual__gte"): target})
        )
    )


def indicator_assessed_q(*, prefix: str = "") -> Q:
    """SQL form of ``indicator_met(...) is not None``: an actual value, and a
    target unless the indicator is done / not done."""
    return Q(**{_path(prefix, "actual__isnull"): False}) & (
        Q(**{_path(prefix, "direction"): "binary"}) | Q(**{_path(prefix, "target__isnull"): False})
    )
