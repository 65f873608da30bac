"""The scoring rules of the annual assessment (年度绩效考核), as pure functions.

Nothing here touches the database: the services feed plain values in and
store what comes out, the PDF and the pages read the stored results, and the
tests (including property tests) call these functions directly.

Points (分) and money (元, the Zhucheng rewards and penalties) are always
returned apart; an item may carry either or both.

Rule kinds (``RuleKind``):

- ``fixed``      定性：完成 / 部分完成 / 未完成 each give fixed points and money;
- ``tiers``      按完成率分档：the completion percentage falls into one tier;
- ``deduct``     每缺一项扣 X：points deducted per missing unit, floored at 0,
                 money deducted per missing unit (optional cap);
- ``over_under`` 多完成一个奖 X、少完成一个扣 X：against a target; points lose
                 ``per_points`` per unit short (floored at 0, full at target),
                 money moves ``per_money`` per unit either way (optional cap);
- ``count``      按个数计分：``per_points`` per unit up to the item's maximum,
                 money per unit (optional cap) — typical for bonus items (加分项);
- ``veto``       一票否决：any occurrence fails the unit whatever its points.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from common.ranking import competition_ranks

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def q(value: Decimal | int | str) -> Decimal:
    """Round to two decimals, half up, as the assessment office does by hand."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class RuleKind(enum.StrEnum):
    FIXED = "fixed"
    TIERS = "tiers"
    DEDUCT = "deduct"
    OVER_UNDER = "over_under"
    COUNT = "count"
    VETO = "veto"

    @property
    def label(self) -> str:
        return str(RULE_LABELS[self])


RULE_LABELS = {
    RuleKind.FIXED: _("定性（完成/部分完成/未完成）"),
    RuleKind.TIERS: _("按完成率分档"),
    RuleKind.DEDUCT: _("每缺一项扣分"),
    RuleKind.OVER_UNDER: _("超额奖励、短缺扣减"),
    RuleKind.COUNT: _("按个数计分"),
    RuleKind.VETO: _("一票否决"),
}


class Completion(enum.StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT_DONE = "not_done"

    @property
    def label(self) -> str:
        return str(COMPLETION_LABELS[self])


COMPLETION_LABELS = {
    Completion.DONE: _("完成"),
    Completion.PARTLY: _("部分完成"),
    Completion.NOT_DONE: _("未完成"),
}


class Grade(enum.StrEnum):
    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"
    FAIL = "fail"

    @property
    def label(self) -> str:
        return str(GRADE_LABELS[self])


GRADE_LABELS = {
    Grade.EXCELLENT: _("优秀"),
    Grade.GOOD: _("良好"),
    Grade.PASS: _("合格"),
    Grade.FAIL: _("不合格"),
}

# Which raw value each rule kind reads.
COUNT_KINDS = frozenset({RuleKind.DEDUCT, RuleKind.COUNT, RuleKind.VETO})


@dataclasses.dataclass(frozen=True)
class Tier:
    """Completion percentage in [lower, upper) earns ``points``; ``upper=None`` is open."""

    lower: Decimal
    upper: Decimal | None
    points: Decimal


@dataclasses.dataclass(frozen=True)
class Rule:
    kind: RuleKind
    max_points: Decimal = ZERO
    points_done: Decimal = ZERO
    points_partly: Decimal = ZERO
    points_not_done: Decimal = ZERO
    money_done: Decimal = ZERO
    money_partly: Decimal = ZERO
    money_not_done: Decimal = ZERO
    tiers: tuple[Tier, ...] = ()
    per_points: Decimal = ZERO
    per_money: Decimal = ZERO
    target: Decimal | None = None
    cap: Decimal | None = None  # cap on the money's absolute value (元)


@dataclasses.dataclass(frozen=True)
class Raw:
    """A raw value: a count or amount (``value``), with an optional per-unit
    ``target``, or a completion ``state`` for qualitative items."""

    value: Decimal | None = None
    state: Completion | None = None
    target: Decimal | None = None


@dataclasses.dataclass(frozen=True)
class Outcome:
    points: Decimal
    money: Decimal
    vetoed: bool = False
    missing: bool = False


# --- One function per rule kind ------------------------------------------------


def _cap_money(money: Decimal, cap: Decimal | None) -> Decimal:
    if cap is None:
        return money
    return max(-cap, min(cap, money))


def _clamp(points: Decimal, max_points: Decimal) -> Decimal:
    return max(ZERO, min(max_points, points))


def score_fixed(
    state: Completion,
    *,
    points_done: Decimal,
    points_partly: Decimal,
    points_not_done: Decimal,
    money_done: Decimal = ZERO,
    money_partly: Decimal = ZERO,
    money_not_done: Decimal = ZERO,
) -> Outcome:
    points = {
        Completion.DONE: points_done,
        Completion.PARTLY: points_partly,
        Completion.NOT_DONE: points_not_done,
    }[Completion(state)]
    money = {
        Completion.DONE: money_done,
        Completion.PARTLY: money_partly,
        Completion.NOT_DONE: money_not_done,
    }[Completion(state)]
    return Outcome(q(points), q(money))


def completion_percent(value: Decimal, target: Decimal | None) -> Decimal:
    """``value`` as a percentage of ``target``; ``value`` itself when there is no
    target (it is then already a percentage). A zero target counts as met."""
    if target is None:
        return value
    if target <= 0:
        return HUNDRED
    return value * HUNDRED / target


def score_tiers(percent: Decimal, tiers: Sequence[Tier]) -> Outcome:
    for tier in tiers:
        if percent >= tier.lower and (tier.upper is None or percent < tier.upper):
            return Outcome(q(tier.points), ZERO)
    return Outcome(ZERO, ZERO)


def score_deduct(
    missing: Decimal | int,
    *,
    max_points: Decimal,
    per_points: Decimal,
    per_money: Decimal = ZERO,
    cap: Decimal | None = None,
) -> Outcome:
    """每缺一项扣 X: ``per_points`` off the item's maximum per missing unit, never
    below 0; ``per_money`` 元 deducted per missing unit (capped when ``cap``)."""
    missing = Decimal(missing)
    points = _clamp(max_points - missing * per_points, max_points)
    money = _cap_money(-missing * per_money, cap)
    return Outcome(q(points), q(money))


def score_over_under(
    actual: Decimal,
    target: Decimal,
    *,
    max_points: Decimal,
    per_points: Decimal = ZERO,
    per_money: Decimal = ZERO,
    cap: Decimal | None = None,
) -> Outcome:
    """多完成一个奖 X、少完成一个扣 X: full points at or over target, ``per_points``
    off per unit short (floored at 0); ``per_money`` 元 per unit over (reward)
    or short (penalty), within ±``cap`` when given."""
    diff = Decimal(actual) - Decimal(target)
    points = _clamp(max_points + min(diff, ZERO) * per_points, max_points)
    money = _cap_money(diff * per_money, cap)
    return Outcome(q(points), q(money))


def score_count(
    count: Decimal | int,
    *,
    max_points: Decimal,
    per_points: Decimal,
    per_money: Decimal = ZERO,
    cap: Decimal | None = None,
) -> Outcome:
    count = Decimal(count)
    points = _clamp(count * per_points, max_points)
    money = _cap_money(count * per_money, cap)
    return Outcome(q(points), q(money))


def score_veto(occurrences: Decimal | int) -> Outcome:
    return Outcome(ZERO, ZERO, vetoed=Decimal(occurrences) > 0)


def score(rule: Rule, raw: Raw | None) -> Outcome:
    """The outcome of one item for one unit. No raw value yet: 0 points, flagged.

    So is a raw value of the wrong shape for the rule (a completion state for a
    numeric rule, a number for a qualitative one), as when an item's rule kind is
    changed after values were entered: it must be entered again.
    """
    if raw is None:
        return Outcome(ZERO, ZERO, missing=True)
    kind = RuleKind(rule.kind)
    if kind is RuleKind.FIXED:
        if raw.state is None:
            return Outcome(ZERO, ZERO, missing=True)
        return score_fixed(
            raw.state,
            points_done=rule.points_done,
            points_partly=rule.points_partly,
            points_not_done=rule.points_not_done,
            money_done=rule.money_done,
            money_partly=rule.money_partly,
            money_not_done=rule.money_not_done,
        )
    value = raw.value
    if value is None:
        return Outcome(ZERO, ZERO, missing=True)
    target = raw.target if raw.target is not None else rule.target
    if kind is RuleKind.TIERS:
        return score_tiers(completion_percent(value, target), rule.tiers)
    if kind is RuleKind.DEDUCT:
        return score_deduct(
            value,
            max_points=rule.max_points,
            per_points=rule.per_points,
            per_money=rule.per_money,
            cap=rule.cap,
        )
    if kind is RuleKind.OVER_UNDER:
        return score_over_under(
            value,
            target if target is not None else ZERO,
            max_points=rule.max_points,
            per_points=rule.per_points,
            per_money=rule.per_money,
            cap=rule.cap,
        )
    if kind is RuleKind.COUNT:
        return score_count(
            value,
            max_points=rule.max_points,
            per_points=rule.per_points,
            per_money=rule.per_money,
            cap=rule.cap,
        )
    return score_veto(value)


def points_bounds(rule: Rule) -> tuple[Decimal, Decimal]:
    """Least and most points the rule can give."""
    if rule.kind == RuleKind.VETO:
        return ZERO, ZERO
    return ZERO, rule.max_points


# --- Validation (Chinese messages keyed by field) ---------------------------------


def check_tiers(tiers: Sequence[Tier], max_points: Decimal) -> list[str]:
    """Tiers must start at 0%, follow each other without gap or overlap, end open,
    and give between 0 and the item's maximum."""
    problems: list[str] = []
    if not tiers:
        return [str(_("请至少设置一个档次。"))]
    if tiers[0].lower != 0:
        problems.append(str(_("第一档应从 0% 开始。")))
    for i, tier in enumerate(tiers, start=1):
        if tier.upper is not None and tier.upper <= tier.lower:
            problems.append(
                str(_("第%(n)s档的上限应大于下限（%(lo)s%%–%(hi)s%%）。"))
                % {"n": i, "lo": tier.lower, "hi": tier.upper}
            )
        if tier.points < 0 or tier.points > max_points:
            problems.append(
                str(_("第%(n)s档的分值 %(p)s 应在 0 到 %(max)s 分之间。"))
                % {"n": i, "p": tier.points, "max": max_points}
            )
    for i, (a, b) in enumerate(itertools.pairwise(tiers), start=1):
        if a.upper is None or b.lower < a.upper:
            problems.append(str(_("第%(a)s档与第%(b)s档重叠。")) % {"a": i, "b": i + 1})
        elif b.lower > a.upper:
            problems.append(
                str(_("第%(a)s档与第%(b)s档之间有空档（%(lo)s%%–%(hi)s%%）。"))
                % {"a": i, "b": i + 1, "lo": a.upper, "hi": b.lower}
            )
    if tiers[-1].upper is not None:
        problems.append(str(_("最后一档应不设上限（如“100-:10”）。")))
    return problems


def check_rule(rule: Rule, *, is_bonus: bool = False) -> dict[str, list[str]]:
    """Problems with a rule's parameters, keyed by the item field they concern."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: StrOrPromise) -> None:
        problems.setdefault(field, []).append(str(message))

    kind = RuleKind(rule.kind)
    if rule.max_points < 0:
        add("max_points", _("分值不能为负数。"))
    if kind is RuleKind.VETO and rule.max_points != 0:
        add("max_points", _("一票否决项不计分，分值应为 0。"))
    if kind is RuleKind.VETO and is_bonus:
        add("is_bonus", _("一票否决项不能同时是加分项。"))
    if rule.cap is not None and rule.cap < 0:
        add("cap", _("封顶金额不能为负数。"))
    if rule.per_points < 0:
        add("per_points", _("每项分值不能为负数。"))
    if rule.per_money < 0:
        add("per_money", _("每项金额不能为负数。"))
    if rule.target is not None and rule.target < 0:
        add("target", _("目标值不能为负数。"))
    if kind is RuleKind.FIXED:
        for field in ("points_done", "points_partly", "points_not_done"):
            value = getattr(rule, field)
            if value < 0 or value > rule.max_points:
                add(
                    field,
                    _("分值 %(p)s 应在 0 到 %(max)s 分之间。")
                    % {"p": value, "max": rule.max_points},
                )
        if not rule.points_not_done <= rule.points_partly <= rule.points_done:
            add("points_partly", _("部分完成的得分应介于未完成与完成之间。"))
    if kind is RuleKind.TIERS:
        for message in check_tiers(rule.tiers, rule.max_points):
            add("tiers", message)
    if kind in (RuleKind.DEDUCT, RuleKind.OVER_UNDER, RuleKind.COUNT) and not (
        rule.per_points or rule.per_money
    ):
        add("per_points", _("请填写每项的分值或金额。"))
    return problems


def check_raw(rule: Rule, raw: Raw) -> dict[str, list[str]]:
    """Problems with a raw value for this kind of rule, keyed by entry field."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: StrOrPromise) -> None:
        problems.setdefault(field, []).append(str(message))

    kind = RuleKind(rule.kind)
    if kind is RuleKind.FIXED:
        if raw.state is None:
            add("state", _("定性项目请选择完成情况（完成/部分完成/未完成）。"))
        if raw.value is not None:
            add("value", _("定性项目不填数值，请选择完成情况。"))
        return problems
    if raw.state is not None:
        add("state", _("该项目按数值计分，不选择完成情况。"))
    if raw.value is None:
        add("value", _("请填写数值。"))
        return problems
    if raw.value < 0:
        add("value", _("数值不能为负数。"))
    if kind in COUNT_KINDS and raw.value != raw.value.to_integral_value():
        add("value", _("该项目按个数（项数）计，请填写整数。"))
    if raw.target is not None and raw.target < 0:
        add("target", _("目标值不能为负数。"))
    if kind is RuleKind.OVER_UNDER and raw.target is None and rule.target is None:
        add("target", _("该项目没有统一目标值，请填写本单位的目标值。"))
    return problems


def check_weights(total_points: Decimal, category_points: Iterable[Decimal]) -> list[str]:
    """Category maxima must add up to the scheme's total."""
    category_sum = sum(category_points, ZERO)
    if category_sum != total_points:
        return [
            str(_("各考核类别分值合计 %(sum)s 分，与考核办法总分 %(total)s 分不一致。"))
            % {"sum": q(category_sum), "total": q(total_points)}
        ]
    return []


def check_thresholds(
    *,
    total_points: Decimal,
    excellent_from: Decimal,
    good_from: Decimal,
    pass_from: Decimal,
    bonus_cap: Decimal,
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if bonus_cap < 0:
        problems["bonus_cap"] = [str(_("加分封顶不能为负数。"))]
    if total_points <= 0:
        problems["total_points"] = [str(_("总分应大于 0。"))]
    if not (0 <= pass_from < good_from < excellent_from):
        problems["excellent_from"] = [str(_("等次分数线应满足：优秀 > 良好 > 合格 ≥ 0。"))]
    elif excellent_from > total_points + max(bonus_cap, ZERO):
        problems["excellent_from"] = [str(_("优秀分数线高于可能得到的最高分。"))]
    return problems


# --- A unit's year ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Line:
    """One item's outcome for a unit, as the totals need it."""

    category: Hashable
    is_bonus: bool
    points: Decimal
    money: Decimal
    vetoed: bool = False


@dataclasses.dataclass(frozen=True)
class Totals:
    subtotals: dict  # category → points of its non-bonus items
    base: Decimal
    bonus: Decimal  # after the scheme's bonus cap
    title_points: Decimal
    total: Decimal
    money: Decimal
    vetoed: bool


def unit_totals(
    lines: Iterable[Line], *, bonus_cap: Decimal, title_points: Decimal = ZERO
) -> Totals:
    """Sum a unit's item outcomes: non-bonus items per category, bonus items
    capped at ``bonus_cap`` in all, plus points for titles (the county bonus)."""
    subtotals: dict = {}
    base = bonus = money = ZERO
    vetoed = False
    for line in lines:
        money += line.money
        vetoed = vetoed or line.vetoed
        if line.is_bonus:
            bonus += line.points
            subtotals.setdefault(line.category, ZERO)
        else:
            base += line.points
            subtotals[line.category] = subtotals.get(line.category, ZERO) + line.points
    bonus = min(bonus, bonus_cap)
    return Totals(
        subtotals={k: q(v) for k, v in subtotals.items()},
        base=q(base),
        bonus=q(bonus),
        title_points=q(title_points),
        total=q(base + bonus + title_points),
        money=q(money),
        vetoed=vetoed,
    )


def grade_for(
    total: Decimal,
    *,
    excellent_from: Decimal,
    good_from: Decimal,
    pass_from: Decimal,
    vetoed: bool = False,
) -> Grade:
    if vetoed:
        return Grade.FAIL
    if total >= excellent_from:
        return Grade.EXCELLENT
    if total >= good_from:
        return Grade.GOOD
    if total >= pass_from:
        return Grade.PASS
    return Grade.FAIL


def rank(
    totals: Mapping[Hashable, Decimal], vetoed: Iterable[Hashable] = ()
) -> dict[Hashable, int]:
    """Competition ranking (``common.ranking``): equal totals share a rank and the
    next rank skips (1, 2, 2, 4). Units with a veto (一票否决) come after every
    other unit, ranked among themselves by their points."""
    vetoed = set(vetoed)
    ranked = competition_ranks(totals.items(), key=lambda pair: (pair[0] in vetoed, -pair[1]))
    return {key: position for position, (key, _total) in ranked}


def title_points(titled_children: int, *, per_title: Decimal) -> Decimal:
    """Taizhou: the city adds points to a county for each of its townships that
    earns the title (质量先进乡镇)."""
    return q(Decimal(titled_children) * per_title)


# --- Tier text, as clerks type it in the admin and in spreadsheets ------------------

_TIER_RE = re.compile(
    r"^\s*(?P<lo>\d+(?:\.\d+)?)\s*%?\s*[-–~～至]\s*(?:(?P<hi>\d+(?:\.\d+)?)\s*%?)?\s*[:：]\s*(?P<p>\d+(?:\.\d+)?)\s*分?\s*$"
)


def parse_tiers(text: str) -> tuple[Tier, ...]:
    """Parse ``"0-80:0; 80-100:8; 100-:10"`` (percent ranges, lower inclusive,
    upper exclusive, an empty upper is open). Raises ``ValueError`` with a
    Chinese message."""
    tiers = []
    parts = [p for p in re.split(r"[;；,，\n]+", text or "") if p.strip()]
    for n, part in enumerate(parts, start=1):
        m = _TIER_RE.match(part)
        if not m:
            raise ValueError(
                str(_("第%(n)s档“%(text)s”格式不对，应写成“80-100:8”（完成率%%区间:分值）。"))
                % {"n": n, "text": part.strip()}
            )
        try:
            tiers.append(
                Tier(
                    Decimal(m["lo"]),
                    Decimal(m["hi"]) if m["hi"] is not None else None,
                    Decimal(m["p"]),
                )
            )
        except InvalidOperation as exc:  # pragma: no cover - the regex admits numbers only
            raise ValueError(str(_("档次中有无法识别的数字。"))) from exc
    return tuple(sorted(tiers, key=lambda t: t.lower))


def _num(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def format_tiers(tiers: Sequence[Tier]) -> str:
    return "; ".join(
        f"{_num(t.lower)}-{_num(t.upper) if t.upper is not None else ''}:{_num(t.points)}"
        for t in tiers
    )


def tiers_to_json(tiers: Sequence[Tier]) -> list[dict]:
    return [
        {
            "lower": str(t.lower),
            "upper": None if t.upper is None else str(t.upper),
            "points": str(t.points),
        }
        for t in tiers
    ]


def tiers_from_json(data: Iterable[Mapping[str, object]]) -> tuple[Tier, ...]:
    return tuple(
        Tier(
            Decimal(str(d["lower"])),
            None if d.get("upper") in (None, "") else Decimal(str(d["upper"])),
            Decimal(str(d["points"])),
        )
        for d in (data or [])
    )


def describe_rule(rule: Rule) -> str:
    """A one-line description of the rule, for pages and report cards."""
    kind = RuleKind(rule.kind)
    sep = str(_("；"))
    if kind is RuleKind.FIXED:
        text = str(_("完成%(a)s分，部分完成%(b)s分，未完成%(c)s分")) % {
            "a": _num(rule.points_done),
            "b": _num(rule.points_partly),
            "c": _num(rule.points_not_done),
        }
        money = [
            str(_("%(state)s%(money)s元")) % {"state": COMPLETION_LABELS[state], "money": _num(m)}
            for state, m in (
                (Completion.DONE, rule.money_done),
                (Completion.PARTLY, rule.money_partly),
                (Completion.NOT_DONE, rule.money_not_done),
            )
            if m
        ]
        return sep.join([text, *money])
    if kind is RuleKind.TIERS:
        parts = []
        for t in sorted(rule.tiers, key=lambda t: t.lower, reverse=True):
            values = {"lo": _num(t.lower), "p": _num(t.points)}
            if t.upper is None:
                parts.append(str(_("完成率≥%(lo)s%%得%(p)s分")) % values)
            else:
                values["hi"] = _num(t.upper)
                parts.append(str(_("%(lo)s%%–%(hi)s%%得%(p)s分")) % values)
        return sep.join(parts)
    cap = str(_("（封顶%(cap)s元）")) % {"cap": _num(rule.cap)} if rule.cap is not None else ""
    bits = []
    if kind is RuleKind.DEDUCT:
        if rule.per_points:
            bits.append(
                str(_("每缺一项扣%(p)s分，扣完%(max)s分为止"))
                % {"p": _num(rule.per_points), "max": _num(rule.max_points)}
            )
        if rule.per_money:
            bits.append(str(_("每缺一项扣%(m)s元")) % {"m": _num(rule.per_money)})
        return sep.join(bits) + cap
    if kind is RuleKind.OVER_UNDER:
        if rule.per_money:
            bits.append(
                str(_("比规定指标多完成一个奖励%(m)s元、少完成一个扣除%(m)s元"))
                % {"m": _num(rule.per_money)}
            )
        if rule.per_points:
            bits.append(str(_("少完成一个扣%(p)s分")) % {"p": _num(rule.per_points)})
        target = (
            str(_("（目标%(t)s个）")) % {"t": _num(rule.target)} if rule.target is not None else ""
        )
        return sep.join(bits) + target + cap
    if kind is RuleKind.COUNT:
        if rule.per_points:
            bits.append(
                str(_("每个加%(p)s分，最高%(max)s分"))
                % {"p": _num(rule.per_points), "max": _num(rule.max_points)}
            )
        if rule.per_money:
            bits.append(str(_("每个奖励%(m)s元")) % {"m": _num(rule.per_money)})
        return sep.join(bits) + cap
    return str(_("发生即一票否决，等次定为不合格"))
