"""The assessment procedure of a scheme's year as one state machine: its stages,
the moves between them and what each stage allows. Data and small pure
functions, like ``projects.review``; ``assessment.access`` tells it who the user
is, ``assessment.services`` asks again under the scheme's row lock before it
writes, and the pages offer what it allows.

draft → 自评 (self-assessment open) → 核查 (verification) → 公示 (provisional
results published for a notice period) → final

- **draft**: the office sets the scheme up, may enter raw values and compute;
- **自评**: each assessed unit enters its own raw values (with a note and
  evidence) for the items the system does not compute;
- **核查**: the units' entries are closed; the office verifies item by item,
  accepting a unit's value or setting its own with a reason;
- **公示**: the results are computed and published, to every signed-in unit and
  on the public page, for ``notice_days``; a unit head may lodge an objection on
  an item; the office answers each (upheld: the score changes and is recomputed;
  rejected: with a reason);
- **final**: after the notice period and with no open objection the office
  finalises; results are locked (an administrator may still correct them, on
  record).

Each forward move is one step, taken by the office with a confirmation; going
back a stage needs an administrator and a reason. Both are recorded
(``AssessmentStageChange``).
"""

from __future__ import annotations

import datetime as dt
import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    DRAFT = "draft", _("准备")
    SELF = "self", _("自评")
    VERIFY = "verify", _("核查")
    NOTICE = "notice", _("公示")
    FINAL = "final", _("最终结果")


ORDER: tuple[Stage, ...] = (Stage.DRAFT, Stage.SELF, Stage.VERIFY, Stage.NOTICE, Stage.FINAL)

# What moving forward into a stage is called on its button and in the record.
FORWARD_WORDS = {
    Stage.SELF: _("开始自评"),
    Stage.VERIFY: _("结束自评，开始核查"),
    Stage.NOTICE: _("计算并公示考核结果"),
    Stage.FINAL: _("确认最终结果"),
}

DEFAULT_NOTICE_DAYS = 7


class Who(enum.StrEnum):
    OFFICE = "office"  # the mayor's office: reviewers and administrators
    ADMIN = "admin"  # administrators (going back a stage)


def position(stage: str) -> int:
    return ORDER.index(Stage(stage))


def next_stage(stage: str) -> Stage | None:
    """The stage after ``stage`` (None at the end)."""
    i = position(stage)
    return ORDER[i + 1] if i + 1 < len(ORDER) else None


def previous_stage(stage: str) -> Stage | None:
    """The stage before ``stage`` (None at the start)."""
    i = position(stage)
    return ORDER[i - 1] if i > 0 else None


def who_moves(source: str, target: str) -> Who | None:
    """Who may move a scheme from ``source`` to ``target``: the office one step
    forward, an administrator one step back; None for any other move."""
    step = position(target) - position(source)
    if step == 1:
        return Who.OFFICE
    if step == -1:
        return Who.ADMIN
    return None


# --- What a stage allows -------------------------------------------------------------


def definition_locked(stage: str) -> bool:
    """Categories and items may change only while the scheme is a draft: once the
    units assess themselves against it, it stands."""
    return stage != Stage.DRAFT


def self_entry_open(stage: str) -> bool:
    """Units enter their own values during 自评 only."""
    return stage == Stage.SELF


def office_entry_open(stage: str) -> bool:
    """The office enters raw values and verifies in draft and during 核查 (and, on
    record, by answering objections during 公示)."""
    return stage in (Stage.DRAFT, Stage.VERIFY)


def results_public(stage: str) -> bool:
    """The ranking is shown to every signed-in unit and on the public page."""
    return stage in (Stage.NOTICE, Stage.FINAL)


def results_locked(stage: str) -> bool:
    """Final results change only by an administrator, on record."""
    return stage == Stage.FINAL


def notice_until(start: dt.date, days: int) -> dt.date:
    """The last day of a notice period of ``days`` days starting on ``start``."""
    return start + dt.timedelta(days=max(days, 1) - 1)


def objections_open(stage: str, *, until: dt.date | None, today: dt.date) -> bool:
    """Objections are lodged during 公示, up to and including its last day."""
    return stage == Stage.NOTICE and until is not None and today <= until


def finalise_blockers(
    stage: str, *, until: dt.date | None, today: dt.date, open_objections: int
) -> list[str]:
    """Why the office may not finalise yet, in Chinese (empty: it may)."""
    from django.utils.translation import gettext

    if stage != Stage.NOTICE:
        return [gettext("只有公示阶段的考核结果才能确认为最终结果。")]
    problems = []
    if until is not None and today <= until:
        problems.append(
            gettext("公示期至%(date)s结束，公示期满后才能确认最终结果。")
            % {"date": f"{until.year}年{until.month}月{until.day}日"}
        )
    if open_objections:
        problems.append(
            gettext("还有%(n)s项复核申请未答复，全部答复后才能确认最终结果。")
            % {"n": open_objections}
        )
    return problems
