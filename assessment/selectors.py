"""What the assessment pages and PDFs read: the ranking table and a unit's card.

Both return plain dataclasses, built in a fixed number of queries, so the
web pages, the annual report PDF and the per-unit report card show the same
numbers. They do not check permissions: callers decide who may see what
(``assessment.access``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Field, Prefetch, Sum
from django.utils.translation import gettext as _

from assessment import scoring
from assessment.models import (
    AssessmentCategory,
    AssessmentItem,
    AssessmentResult,
    AssessmentScheme,
    ItemScore,
    TitleAward,
)
from projects.access import User as Reader
from responsibility.models import Unit

KIND_ORDER = [Unit.Kind.BUREAU, Unit.Kind.COUNTY, Unit.Kind.TOWNSHIP]


@dataclasses.dataclass
class RankingRow:
    rank: int
    unit: Unit
    subtotals: list[Decimal]  # aligned with AssessmentTable.categories
    base: Decimal
    bonus: Decimal
    title_points: Decimal
    total: Decimal
    grade: str  # 优秀 / 良好 / 合格 / 不合格
    grade_code: str  # excellent / good / pass / fail (CSS class)
    money: Decimal
    titles: list[str]
    vetoed: bool
    missing_items: int

    @property
    def unit_name(self) -> str:
        return self.unit.name

    @property
    def grade_label(self) -> str:
        return self.grade

    @property
    def note(self) -> str:
        """Titles, veto and missing raw values, for the report's 备注 column."""
        parts = list(self.titles)
        if self.vetoed:
            parts.append(_("一票否决"))
        if self.missing_items:
            parts.append(_("%(n)s项待录入") % {"n": self.missing_items})
        return "；".join(parts)


@dataclasses.dataclass
class AssessmentTable:
    year: int
    scheme: AssessmentScheme
    categories: list[AssessmentCategory]  # non-bonus categories, in order
    rows: list[RankingRow]

    @property
    def scheme_name(self) -> str:
        return self.scheme.name

    @property
    def published(self) -> bool:
        return self.scheme.is_published

    @property
    def money_total(self) -> Decimal:
        return sum((r.money for r in self.rows), Decimal(0))

    def grade_counts(self) -> dict[str, int]:
        counts = {str(g.label): 0 for g in scoring.Grade}
        for row in self.rows:
            counts[row.grade_label] += 1
        return counts


def schemes_for_year(year: int) -> list[AssessmentScheme]:
    """The year's schemes, bureaus first, then counties, then townships."""
    schemes = list(AssessmentScheme.objects.for_year(year))
    order = {k.value: i for i, k in enumerate(KIND_ORDER)}
    return sorted(schemes, key=lambda s: order.get(s.unit_kind, 9))


def scheme_for(year: int, unit_kind: str | None = None) -> AssessmentScheme | None:
    schemes = schemes_for_year(year)
    if unit_kind:
        schemes = [s for s in schemes if s.unit_kind == unit_kind]
    return schemes[0] if schemes else None


def assessment_table(year: int, unit_kind: str | None = None) -> AssessmentTable | None:
    """The ranking of a year's scheme (bureaus unless ``unit_kind`` says otherwise):
    rank, unit, category subtotals, total, grade, money and titles per row.

    Five queries whatever the number of units. None when the year has no scheme.
    """
    scheme = scheme_for(year, unit_kind)
    if scheme is None:
        return None
    categories = list(scheme.categories.order_by("order", "pk"))
    results = list(AssessmentResult.objects.filter(scheme=scheme).ranked())
    sums = (
        ItemScore.objects.filter(result__scheme=scheme, item__is_bonus=False)
        .values("result_id", "item__category_id")
        .annotate(computed=Sum("computed_points"))
    )
    overridden = ItemScore.objects.filter(
        result__scheme=scheme, item__is_bonus=False, override_points__isnull=False
    ).values("result_id", "item__category_id", "computed_points", "override_points")
    subtotal: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for row in sums:
        subtotal[(row["result_id"], row["item__category_id"])] += row["computed"] or 0
    for over in overridden:
        if over["override_points"] is not None:  # always, by the filter above
            subtotal[(over["result_id"], over["item__category_id"])] += (
                over["override_points"] - over["computed_points"]
            )
    titles: dict[int, list[str]] = defaultdict(list)
    for unit_id, name in TitleAward.objects.filter(year=year).values_list("unit_id", "name"):
        titles[unit_id].append(name)
    shown = [c for c in categories if c.max_points > 0]
    rows = [
        RankingRow(
            rank=r.rank,
            unit=r.unit,
            subtotals=[scoring.q(subtotal[(r.pk, c.pk)]) for c in shown],
            base=r.base_points,
            bonus=r.bonus_points,
            title_points=r.title_points,
            total=r.total,
            grade=r.get_grade_display(),
            grade_code=r.grade,
            money=r.money,
            titles=titles.get(r.unit_id, []),
            vetoed=r.vetoed,
            missing_items=r.missing_items,
        )
        for r in results
    ]
    return AssessmentTable(year=year, scheme=scheme, categories=shown, rows=rows)


@dataclasses.dataclass
class CardItem:
    item: AssessmentItem
    category: str
    name: str
    method: str
    rule_text: str
    is_bonus: bool
    is_veto: bool
    max_points: Decimal
    raw_display: str
    raw_source: str  # label: 人工录入 / 系统计算 / 待录入
    points: Decimal
    money: Decimal
    vetoed: bool
    overridden: bool
    override_reason: str
    overridden_by: str
    score: ItemScore | None
    entry_reason: str
    entry_ref: str
    # The unit's own value (自评) and whether the item takes one; the unit page sets them.
    own: object = None
    self_assessed: bool = True


@dataclasses.dataclass
class UnitCard:
    year: int
    scheme: AssessmentScheme
    unit: Unit
    result: AssessmentResult | None
    items: list[CardItem]
    titles: list[str]
    units_ranked: int
    generated: dt.datetime | None

    @property
    def grade_label(self) -> str:
        return self.result.get_grade_display() if self.result else "—"


def unit_card(year: int, unit: Unit) -> UnitCard | None:
    """One unit's result with every item: raw value, rule, points, money,
    overrides and the reason behind the raw value. A fixed number of queries.
    None when the year has no scheme for this kind of unit."""
    scheme = scheme_for(year, unit.kind)
    if scheme is None:
        return None
    result = (
        AssessmentResult.objects.filter(scheme=scheme, unit=unit)
        .select_related("scheme", "unit")
        .prefetch_related(
            Prefetch("scores", queryset=ItemScore.objects.select_related("overridden_by"))
        )
        .first()
    )
    scores = {s.item_id: s for s in result.scores.all()} if result else {}
    entries = {e.item_id: e for e in unit.assessment_entries.filter(item__category__scheme=scheme)}
    items = []
    for item in AssessmentItem.objects.for_scheme(scheme).in_order():
        s = scores.get(item.pk)
        e = entries.get(item.pk)
        items.append(
            CardItem(
                item=item,
                category=item.category.name,
                name=item.name,
                method=item.method,
                rule_text=item.rule_text,
                is_bonus=item.is_bonus,
                is_veto=item.is_veto,
                max_points=item.max_points,
                raw_display=s.display_value if s else "—",
                raw_source=s.get_raw_source_display()
                if s
                else str(ItemScore.RawSource.MISSING.label),
                points=s.points if s else Decimal(0),
                money=s.money if s else Decimal(0),
                vetoed=s.vetoed if s else False,
                overridden=s.is_overridden if s else False,
                override_reason=s.override_reason if s else "",
                overridden_by=(
                    (s.overridden_by.get_full_name() or s.overridden_by.get_username())
                    if s and s.overridden_by
                    else ""
                ),
                score=s,
                entry_reason=e.reason if e else "",
                entry_ref=e.evidence_ref if e else "",
            )
        )
    return UnitCard(
        year=year,
        scheme=scheme,
        unit=unit,
        result=result,
        items=items,
        titles=list(TitleAward.objects.filter(year=year, unit=unit).values_list("name", flat=True)),
        units_ranked=AssessmentResult.objects.filter(scheme=scheme).count(),
        generated=scheme.computed_at,
    )


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


def scheme_changes(scheme: AssessmentScheme) -> list[str]:
    """What changed from the scheme it was copied from: items added, removed or
    re-scored, categories re-weighted, grade lines moved. Empty when it was not
    copied. Reads both schemes' categories and items (four queries)."""
    old = scheme.copied_from
    if old is None:
        return []
    changes: list[str] = []
    for field in ("total_points", "excellent_from", "good_from", "pass_from", "bonus_cap"):
        a, b = getattr(old, field), getattr(scheme, field)
        if a != b:
            model_field = AssessmentScheme._meta.get_field(field)
            assert isinstance(model_field, Field)  # a column, not a relation
            label = model_field.verbose_name
            changes.append(_("%(f)s：%(a)s → %(b)s") % {"f": label, "a": _n(a), "b": _n(b)})
    old_cats = {c.name: c for c in old.categories.all()}
    new_cats = {c.name: c for c in scheme.categories.all()}
    for name in new_cats.keys() - old_cats.keys():
        changes.append(_("新增类别：%(c)s") % {"c": name})
    for name in old_cats.keys() - new_cats.keys():
        changes.append(_("删除类别：%(c)s") % {"c": name})
    for name in new_cats.keys() & old_cats.keys():
        if new_cats[name].max_points != old_cats[name].max_points:
            changes.append(
                _("类别“%(c)s”分值：%(a)s → %(b)s")
                % {
                    "c": name,
                    "a": _n(old_cats[name].max_points),
                    "b": _n(new_cats[name].max_points),
                }
            )
    old_items = {
        (i.category.name, i.name): i for i in AssessmentItem.objects.for_scheme(old).in_order()
    }
    new_items = {
        (i.category.name, i.name): i for i in AssessmentItem.objects.for_scheme(scheme).in_order()
    }
    for key in sorted(new_items.keys() - old_items.keys()):
        changes.append(_("新增项目：%(c)s · %(i)s") % {"c": key[0], "i": key[1]})
    for key in sorted(old_items.keys() - new_items.keys()):
        changes.append(_("删除项目：%(c)s · %(i)s") % {"c": key[0], "i": key[1]})
    for key in sorted(new_items.keys() & old_items.keys()):
        a, b = old_items[key], new_items[key]
        if a.max_points != b.max_points:
            changes.append(
                _("项目“%(i)s”分值：%(a)s → %(b)s")
                % {"i": key[1], "a": _n(a.max_points), "b": _n(b.max_points)}
            )
        if a.rule_text != b.rule_text and a.max_points == b.max_points:
            changes.append(_("项目“%(i)s”计分标准改为：%(r)s") % {"i": key[1], "r": b.rule_text})
    return changes


# --- What cost a unit points on an item the system computes -------------------------------

COST_LIMIT = 20


@dataclasses.dataclass
class Cost:
    """The milestones (not done by their due date) or 督办单 behind a computed
    item's raw value, for the unit's page: "why did it lose points"."""

    milestones: list
    supervisions: list
    more: int = 0

    def __bool__(self) -> bool:
        return bool(self.milestones or self.supervisions)


def cost_of(item: AssessmentItem, unit: Unit, *, today: dt.date, user: Reader) -> Cost:
    """What cost ``unit`` points on ``item`` as of ``today`` (at most
    :data:`COST_LIMIT` of them, ``more`` says how many besides), each marked
    ``readable`` when ``user`` may open its page. A fixed number of queries."""
    from projects import access as plan_access
    from projects import status, supervision
    from projects.models import Milestone, Supervision

    Source = AssessmentItem.Source
    year = item.category.scheme.year
    milestones = None
    if item.source in (Source.UNIT_MILESTONES, Source.LINKED, Source.UNIT_LATE):
        milestones = Milestone.objects.for_year(year).filter(unit=unit)
        if item.source == Source.LINKED:
            milestones = milestones.filter(assessment_items=item)
        late = status.late_q(today)
        not_on_time = status.due_by_q(today) & (status.red_q(today) | late)
        milestones = milestones.filter(late if item.source == Source.UNIT_LATE else not_on_time)
        found = list(
            milestones.select_related("project").order_by("due_date", "pk")[: COST_LIMIT + 1]
        )
        readable = set(
            plan_access.visible_milestones(
                user, Milestone.objects.filter(pk__in=[m.pk for m in found])
            ).values_list("pk", flat=True)
        )
        for m in found:
            m.readable = m.pk in readable
        total = milestones.count() if len(found) > COST_LIMIT else len(found)
        return Cost(found[:COST_LIMIT], [], max(0, total - COST_LIMIT))
    if item.source in (Source.UNIT_SUPERVISIONS, Source.UNIT_LATE_ACKS):
        items = Supervision.objects.filter(plan__year=year, unit=unit)
        if item.source == Source.UNIT_SUPERVISIONS and item.supervision_level_id:
            items = items.filter(level_id=item.supervision_level_id)
        if item.source == Source.UNIT_LATE_ACKS:
            items = items.filter(supervision.ack_late_q(today))
        found_sv = list(items.select_related("level").order_by("sent_on", "pk")[: COST_LIMIT + 1])
        readable = set(
            plan_access.visible_supervisions(
                user, Supervision.objects.filter(pk__in=[s.pk for s in found_sv])
            ).values_list("pk", flat=True)
        )
        for s in found_sv:
            s.readable = s.pk in readable
            s.late_ack = s.ack_late(today)
        total = items.count() if len(found_sv) > COST_LIMIT else len(found_sv)
        return Cost([], found_sv[:COST_LIMIT], max(0, total - COST_LIMIT))
    return Cost([], [])
