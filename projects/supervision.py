"""The 督办 loop as one state machine: a 督办单 (supervision item) goes from
交办 (sent) through 签收 (acknowledged) and 反馈 (answered) to 办结/销号
(closed), or is escalated to the next rung of the ladder (催办 → 督办 → 通报,
or blue / yellow / red slips, ``SupervisionLevel``).

Like ``projects.review`` this module is data and small pure functions: it reads
no database and knows no user. ``projects.access`` tells it who the user is (a
:class:`Side`); the services (``projects.services.supervision``) ask again
under the row lock before they write; the pages offer exactly the actions
:func:`allowed_actions` returns.

- the mayor's office **sends** (交办) an item to a unit about one or more of its
  milestones, with a text, a level and two deadlines: to acknowledge (签收) and
  to answer (反馈);
- the unit (its clerks and head) **acknowledges** it, and **answers** with a text
  and evidence; answering an item not yet acknowledged acknowledges it too;
- the office **closes** it (办结/销号), answered or not (say the milestone got
  done meanwhile), or **escalates** it: the item ends as ``escalated`` and a new
  item at the next level takes its place. The daily run escalates by rule an item
  not acknowledged, or not answered, by its deadline (``escalate_supervision``).

An acknowledgement after its deadline is late, and so is one still missing once
the deadline has passed; both forms of that rule are below.
"""

from __future__ import annotations

import datetime as dt
import enum

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

TEXT_MAX = 2000  # 督办要求, 反馈内容 (characters)
NOTE_MAX = 1000  # 办结/升级说明


class State(models.TextChoices):
    """Where a 督办单 stands (``Supervision.state``)."""

    SENT = "sent", _("待签收")
    ACKNOWLEDGED = "acknowledged", _("已签收待反馈")
    ANSWERED = "answered", _("已反馈待办结")
    CLOSED = "closed", _("已办结（销号）")
    ESCALATED = "escalated", _("已升级")


class Side(enum.StrEnum):
    """Who acts on a 督办单."""

    UNIT = "unit"  # the clerks and head of the unit it is addressed to
    OFFICE = "office"  # the mayor's office: reviewers and administrators


class Action(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"  # 签收
    ANSWER = "answer"  # 反馈
    CLOSE = "close"  # 办结/销号
    ESCALATE = "escalate"  # 升级


OPEN_STATES = frozenset({State.SENT, State.ACKNOWLEDGED, State.ANSWERED})
FINAL_STATES = frozenset(State) - OPEN_STATES

# What each action does, from which states, and who takes it.
MOVES: dict[Action, tuple[Side, frozenset[State], State]] = {
    Action.ACKNOWLEDGE: (Side.UNIT, frozenset({State.SENT}), State.ACKNOWLEDGED),
    Action.ANSWER: (Side.UNIT, frozenset({State.SENT, State.ACKNOWLEDGED}), State.ANSWERED),
    Action.CLOSE: (Side.OFFICE, OPEN_STATES, State.CLOSED),
    Action.ESCALATE: (Side.OFFICE, OPEN_STATES, State.ESCALATED),
}

# The states in which an item waits for each side (the inbox counts).
WAITING: dict[Side, frozenset[State]] = {
    Side.UNIT: frozenset({State.SENT, State.ACKNOWLEDGED}),
    Side.OFFICE: frozenset({State.ANSWERED}),
}


def allowed_actions(state: str, sides: frozenset[Side]) -> frozenset[Action]:
    """What a user acting as ``sides`` may do with an item in ``state`` now."""
    return frozenset(
        action
        for action, (side, sources, _target) in MOVES.items()
        if side in sides and state in sources
    )


def target(state: str, action: Action) -> State:
    """Where ``action`` takes an item in ``state`` (check :func:`allowed_actions` first)."""
    _side, sources, to = MOVES[action]
    if state not in sources:
        raise ValueError(f"no move {action} from {state}")
    return to


def refusal_message(state: str, action: Action) -> str:
    """Why ``action`` cannot be taken on an item in ``state``, in Chinese (the
    item moved on: a double click, or someone else was quicker)."""
    from django.utils.translation import gettext

    label = State(state).label if state in State.values else state
    if action is Action.ESCALATE and state in FINAL_STATES:
        return gettext("该督办单已%(state)s，不能再升级。") % {"state": label}
    if action is Action.CLOSE and state in FINAL_STATES:
        return gettext("该督办单已%(state)s，无需重复办结。") % {"state": label}
    if action is Action.ACKNOWLEDGE and state != State.SENT:
        return gettext("该督办单已签收（当前状态：%(state)s），无需重复签收。") % {"state": label}
    return gettext("该督办单当前状态为“%(state)s”，不能进行此操作。") % {"state": label}


# --- Late acknowledgement and answer, in both forms -----------------------------------


def is_late(
    *, due: dt.date, done_on: dt.date | None, ended_on: dt.date | None, today: dt.date
) -> bool:
    """A step (签收 or 反馈) is late when taken after its deadline, or not taken
    by the time its deadline passed: still open on ``today``, or ended (closed or
    escalated, ``ended_on``) after the deadline without it."""
    if done_on is not None:
        return done_on > due
    return (today if ended_on is None else ended_on) > due


def _step_late_q(today: dt.date, due: str, done_on: str, prefix: str) -> Q:
    p = f"{prefix}__" if prefix else ""
    missing = Q(**{f"{p}{done_on}__isnull": True})
    open_ = Q(**{f"{p}state__in": sorted(OPEN_STATES), f"{p}{due}__lt": today})
    ended = Q(**{f"{p}state__in": sorted(FINAL_STATES), f"{p}closed_on__gt": F(f"{p}{due}")})
    return Q(**{f"{p}{done_on}__gt": F(f"{p}{due}")}) | (missing & (open_ | ended))


def ack_late_q(today: dt.date, *, prefix: str = "") -> Q:
    """SQL form of :func:`is_late` for the acknowledgement (``ack_due``,
    ``acknowledged_on``, ``closed_on``)."""
    return _step_late_q(today, "ack_due", "acknowledged_on", prefix)


def answer_late_q(today: dt.date, *, prefix: str = "") -> Q:
    """SQL form of :func:`is_late` for the answer (``answer_due``, ``answered_on``)."""
    return _step_late_q(today, "answer_due", "answered_on", prefix)


def overdue_for_escalation(
    *, state: str, ack_due: dt.date, answer_due: dt.date, today: dt.date
) -> str | None:
    """Why the daily run escalates an item on ``today``: "ack" when it is still not
    acknowledged after its acknowledgement deadline, "answer" when it is still
    not answered after its answer deadline; None when neither."""
    if state == State.SENT and today > ack_due:
        return "ack"
    if state in (State.SENT, State.ACKNOWLEDGED) and today > answer_due:
        return "answer"
    return None


def escalation_due_q(today: dt.date) -> Q:
    """SQL form of ``overdue_for_escalation(...) is not None``."""
    return Q(state=State.SENT, ack_due__lt=today) | Q(
        state__in=[State.SENT, State.ACKNOWLEDGED], answer_due__lt=today
    )
