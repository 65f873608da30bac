"""The review of a progress report as one state machine: its states, the moves
between them, and who may make each move.

This module is data and small pure functions; it reads no database and knows no
user. ``projects.access`` turns a user and a report into an :class:`Actor` (the
facts below) and asks here; the services (``projects.services.progress``) ask
again under the row lock before they write; the views offer exactly the actions
:func:`allowed_actions` returns. So a page, its access check and its service
cannot disagree.

The flow:

- a clerk (or head) of the milestone's unit **submits** a report. With head
  approval on (``ZHUCHENG_HEAD_APPROVAL``) it waits for the unit head
  (``submitted``), unless the author is a head of that unit (nobody approves
  their own report) or the unit has no head account (nobody could approve it):
  then it goes straight to the mayor's office (``to_office``) with a note saying
  why (:class:`Route`). With head approval off every report waits for the office.
- the **unit head** approves (→ ``head_approved``, now waiting for the office) or
  returns it to the clerk (→ ``returned``);
- the **mayor's office** (reviewers and administrators) accepts (→ ``accepted``)
  or returns (→ ``returned``).

``accepted`` and ``returned`` are final: a correction is a new report.

Separation of duties: nobody decides on a report they wrote, and the office's
decision is not taken by the person who approved the report as its unit head.
"""

from __future__ import annotations

import dataclasses
import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    """The review state of a report (``ProgressReport.review_state``)."""

    SUBMITTED = "submitted", _("待审核")
    TO_OFFICE = "to_office", _("待市府办审核")
    HEAD_APPROVED = "head_approved", _("单位已审核")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回")


class Route(models.TextChoices):
    """Why a report went straight to the mayor's office (``ProgressReport.route_note``)."""

    HEAD_OWN = "head_own", _("单位负责人本人填报，不经本人审核，直接报送市政府办公室")
    NO_HEAD = "no_head", _("本单位没有单位负责人账号，直接报送市政府办公室")


class Stage(enum.StrEnum):
    """Who acts on a report waiting for a decision."""

    HEAD = "head"  # 单位负责人 of the milestone's unit
    OFFICE = "office"  # 市政府办公室: reviewers and administrators


class Action(enum.StrEnum):
    APPROVE = "approve"  # the unit head passes the report on to the mayor's office
    ACCEPT = "accept"  # the mayor's office accepts
    RETURN = "return"  # back to the clerk, with a reason


# What each stage may do, and where each action leads.
STAGE_MOVES: dict[Stage, dict[Action, State]] = {
    Stage.HEAD: {Action.APPROVE: State.HEAD_APPROVED, Action.RETURN: State.RETURNED},
    Stage.OFFICE: {Action.ACCEPT: State.ACCEPTED, Action.RETURN: State.RETURNED},
}

# Order of the stages along the flow; a report past a user's stage is settled for them.
_ORDER = {Stage.HEAD: 0, Stage.OFFICE: 1}
_FINAL = 2

FINAL_STATES = frozenset({State.ACCEPTED, State.RETURNED})
OPEN_STATES = frozenset(State) - FINAL_STATES

# What a milestone waits for, in words (for /my/), by the stage its newest report waits for.
WAITING_WORDS = {Stage.HEAD: _("待单位审核"), Stage.OFFICE: _("待市府办审核")}


def waiting_for(state: str, *, head_approval: bool) -> Stage | None:
    """The stage that decides on a report in ``state`` (None once it is final)."""
    if state == State.SUBMITTED:
        return Stage.HEAD if head_approval else Stage.OFFICE
    if state in (State.TO_OFFICE, State.HEAD_APPROVED):
        return Stage.OFFICE
    return None


def states_waiting_for(stage: Stage, *, head_approval: bool) -> list[str]:
    """The states in which a report waits for ``stage`` (for querysets)."""
    return [s.value for s in State if waiting_for(s, head_approval=head_approval) is stage]


@dataclasses.dataclass(frozen=True)
class Move:
    source: State
    action: Action
    target: State
    by: Stage


def moves(*, head_approval: bool) -> list[Move]:
    """Every allowed move, as a table (for documentation and tests)."""
    table = []
    for state in State:
        stage = waiting_for(state, head_approval=head_approval)
        if stage is not None:
            table += [Move(state, a, t, stage) for a, t in STAGE_MOVES[stage].items()]
    return table


def initial_state(
    *, head_approval: bool, author_is_head: bool, unit_has_head: bool
) -> tuple[State, str]:
    """The state a new report starts in, and the note saying why it skips the head."""
    if not head_approval:
        return State.SUBMITTED, ""
    if author_is_head:
        return State.TO_OFFICE, Route.HEAD_OWN
    if not unit_has_head:
        return State.TO_OFFICE, Route.NO_HEAD
    return State.SUBMITTED, ""


@dataclasses.dataclass(frozen=True)
class Actor:
    """What the state machine needs to know about one user and one report."""

    stages: frozenset[Stage]  # review roles the user holds for the report's unit
    is_author: bool = False  # the user wrote the report
    approved_as_head: bool = False  # the user approved it as its unit head


def allowed_actions(state: str, actor: Actor, *, head_approval: bool) -> frozenset[Action]:
    """What ``actor`` may do with a report in ``state`` now (empty when nothing)."""
    stage = waiting_for(state, head_approval=head_approval)
    if stage is None or stage not in actor.stages or actor.is_author:
        return frozenset()
    if stage is Stage.OFFICE and actor.approved_as_head:
        return frozenset()
    return frozenset(STAGE_MOVES[stage])


PASS_ACTIONS = {Stage.HEAD: Action.APPROVE, Stage.OFFICE: Action.ACCEPT}


def pass_action(state: str, stages: frozenset[Stage], *, head_approval: bool) -> Action:
    """What "pass" (通过) means for a user holding ``stages`` on a report in ``state``:
    the pass move of the stage the report waits for when the user holds it, else
    that of the user's own (latest) stage, which :func:`refusal` then explains.

    For bulk review, where one button passes reports waiting at different stages.
    """
    stage = waiting_for(state, head_approval=head_approval)
    if stage is None or stage not in stages:
        held = sorted(stages, key=_ORDER.__getitem__)
        stage = held[-1] if held else Stage.OFFICE
    return PASS_ACTIONS[stage]


def target(state: str, action: Action, *, head_approval: bool) -> State:
    """Where ``action`` takes a report in ``state`` (check :func:`allowed_actions` first)."""
    stage = waiting_for(state, head_approval=head_approval)
    if stage is None or action not in STAGE_MOVES[stage]:
        raise ValueError(f"no move {action} from {state}")
    return STAGE_MOVES[stage][action]


class Refusal(enum.Enum):
    SETTLED = "settled"  # the report is past the user's stage: a double submit, say so kindly
    NOT_YET = "not_yet"  # it has not reached the user's stage
    NOT_YOURS = "not_yours"  # the user holds no stage for it, or wrote / approved it


def refusal(state: str, action: Action, actor: Actor, *, head_approval: bool) -> Refusal | None:
    """Why ``actor`` may not take ``action`` on a report in ``state`` (None: allowed)."""
    if action in allowed_actions(state, actor, head_approval=head_approval):
        return None
    # The stages at which this user could take this action at all.
    theirs = [s for s in actor.stages if action in STAGE_MOVES[s]]
    if not theirs or (actor.is_author and state in OPEN_STATES):
        return Refusal.NOT_YOURS
    stage = waiting_for(state, head_approval=head_approval)
    position = _FINAL if stage is None else _ORDER[stage]
    if position > max(_ORDER[s] for s in theirs):
        return Refusal.SETTLED
    if stage in theirs:  # their stage, yet not allowed: they wrote or approved it
        return Refusal.NOT_YOURS
    return Refusal.NOT_YET


def refusal_message(kind: Refusal, state_label: str) -> str:
    """The Chinese message for a refusal (``state_label``: the report's current state)."""
    from django.utils.translation import gettext

    if kind is Refusal.SETTLED:
        return gettext("该填报已处理（当前状态：%(state)s），无需重复操作。") % {
            "state": state_label
        }
    if kind is Refusal.NOT_YET:
        return gettext("该填报当前状态为“%(state)s”，还未轮到您审核。") % {"state": state_label}
    return gettext("您不能审核这份填报：本人填报或本人已审核的填报须由他人审核。")
