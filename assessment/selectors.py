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
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Field, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from assessment import procedure, scoring
from assessment.models import (
    AssessmentCategory,
    AssessmentItem,
    AssessmentResult,
    AssessmentScheme,
    ItemScore,
    TitleAward,
)
from common import clock
from projects.access import User as Reader
from responsibility.models import Unit

# A jurisdiction (a Unit of JURISDICTION_KINDS or its id); None: the home jurisdiction.
Jurisdiction = Unit | int | None

KIND_ORDER = [Unit.Kind.BUREAU, Unit.Kind.COUNTY, Unit.Kind.TOWNSHIP]

# The stages whose results are public (``procedure.results_public``), as a filter.
PUBLIC_STAGES = [stage.value for stage in procedure.ORDER if procedure.results_public(stage)]


@dataclasses.dataclass(frozen=True)
class LastYear:
    """A unit's result in the same kind of scheme the year before."""

    year: int
    total: Decimal
    rank: int
    grade: str  # 优秀 / 良好 / 合格 / 不合格
    grade_code: str


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
    last: LastYear | None = None  # filled when asked for (``with_last_year``)

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
    rows: list[RankingRow]  # every unit's, or one page of them (``results``)
    # Of every unit, when ``rows`` is one page: their number and money (one aggregate).
    units_total: int | None = None
    money_sum: Decimal | None = None

    @property
    def scheme_name(self) -> str:
        return self.scheme.name

    @property
    def published(self) -> bool:
        return self.scheme.is_published

    @property
    def units(self) -> int:
        return len(self.rows) if self.units_total is None else self.units_total

    @property
    def money_total(self) -> Decimal:
        if self.money_sum is not None:
            return self.money_sum
        return sum((r.money for r in self.rows), Decimal(0))

    def grade_counts(self) -> dict[str, int]:
        counts = {str(g.label): 0 for g in scoring.Grade}
        for row in self.rows:
            counts[row.grade_label] += 1
        return counts


def schemes_for_year(year: int, jurisdiction: Jurisdiction = None) -> list[AssessmentScheme]:
    """A jurisdiction's schemes of the year (None: the home jurisdiction's),
    bureaus first, then counties, then townships."""
    schemes = list(AssessmentScheme.objects.for_year(year, jurisdiction))
    order = {k.value: i for i, k in enumerate(KIND_ORDER)}
    return sorted(schemes, key=lambda s: order.get(s.unit_kind, 9))


def scheme_for(
    year: int, unit_kind: str | None = None, jurisdiction: Jurisdiction = None
) -> AssessmentScheme | None:
    schemes = schemes_for_year(year, jurisdiction)
    if unit_kind:
        schemes = [s for s in schemes if s.unit_kind == unit_kind]
    return schemes[0] if schemes else None


def last_year_results(
    scheme: AssessmentScheme,
    *,
    public_only: bool,
    unit: Unit | None = None,
    units: list[int] | None = None,
) -> dict[int, LastYear]:
    """Unit id → its result in the scheme of the same kind of unit the year
    before in the same jurisdiction (only ``unit``'s, or those of the ids in
    ``units``, when given); with ``public_only``, only when that year's results
    are public. One query."""
    results = AssessmentResult.objects.filter(
        scheme__jurisdiction_id=scheme.jurisdiction_id,
        scheme__year=scheme.year - 1,
        scheme__unit_kind=scheme.unit_kind,
    )
    if public_only:
        results = results.filter(scheme__stage__in=PUBLIC_STAGES)
    if unit is not None:
        results = results.filter(unit=unit)
    if units is not None:
        results = results.filter(unit__in=units)
    labels = dict(AssessmentResult.GradeChoice.choices)
    return {
        unit_id: LastYear(
            year=scheme.year - 1,
            total=total,
            rank=rank,
            grade=str(labels.get(grade, grade)),
            grade_code=grade,
        )
        for unit_id, total, rank, grade in results.values_list("unit_id", "total", "rank", "grade")
    }


def assessment_table(
    year: int,
    unit_kind: str | None = None,
    *,
    jurisdiction: Jurisdiction = None,
    scheme: AssessmentScheme | None = None,
    with_last_year: bool = False,
    last_year_public_only: bool = False,
    results: Iterable[AssessmentResult] | None = None,
) -> AssessmentTable | None:
    """The ranking of a year's scheme (bureaus unless ``unit_kind`` says otherwise,
    or ``scheme`` when the caller has it) of a jurisdiction (None: the home
    jurisdiction): rank, unit, category subtotals,
    total, grade, money and titles per row; with ``with_last_year``, each
    unit's result of the year before (:func:`last_year_results`).

    ``results``: only these of the scheme's results (a page of
    :func:`ranked_results`); the subtotals, titles and last year's results are
    then fetched for those units only, and ``units_total`` and ``money_total``
    still count every unit (one more query).

    Five queries (six with last year) whatever the number of units. None when
    the year has no scheme.
    """
    if scheme is None:
        scheme = scheme_for(year, unit_kind, jurisdiction)
    if scheme is None:
        return None
    categories = list(scheme.categories.order_by("order", "pk"))
    paged = results is not None
    shown = list(ranked_results(scheme) if results is None else results)
    scores = ItemScore.objects.filter(result__scheme=scheme, item__is_bonus=False)
    if paged:
        scores = scores.filter(result__in=[r.pk for r in shown])
    sums = scores.values("result_id", "item__category_id").annotate(computed=Sum("computed_points"))
    overridden = scores.filter(override_points__isnull=False).values(
        "result_id", "item__category_id", "computed_points", "override_points"
    )
    subtotal: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for row in sums:
        subtotal[(row["result_id"], row["item__category_id"])] += row["computed"] or 0
    for over in overridden:
        if over["override_points"] is not None:  # always, by the filter above
            subtotal[(over["result_id"], over["item__category_id"])] += (
                over["override_points"] - over["computed_points"]
            )
    titles: dict[int, list[str]] = defaultdict(list)
    awards = TitleAward.objects.filter(year=year)
    if paged:
        awards = awards.filter(unit__in=[r.unit_id for r in shown])
    for unit_id, name in awards.values_list("unit_id", "name"):
        titles[unit_id].append(name)
    columns = [c for c in categories if c.max_points > 0]
    rows = [
        RankingRow(
            rank=r.rank,
            unit=r.unit,
            subtotals=[scoring.q(subtotal[(r.pk, c.pk)]) for c in columns],
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
        for r in shown
    ]
    if with_last_year:
        last = last_year_results(
            scheme,
            public_only=last_year_public_only,
            units=[r.unit_id for r in shown] if paged else None,
        )
        for ranked in rows:
            ranked.last = last.get(ranked.unit.pk)
    table = AssessmentTable(year=year, scheme=scheme, categories=columns, rows=rows)
    if paged:
        every = AssessmentResult.objects.filter(scheme=scheme).aggregate(
            n=Count("pk"), money=Sum("money")
        )
        table.units_total, table.money_sum = every["n"], every["money"] or Decimal(0)
    return table


def ranked_results(scheme: AssessmentScheme) -> QuerySet[AssessmentResult]:
    """The scheme's results, best first: what the ranking lists (page it with a
    ``Paginator`` and pass the page to :func:`assessment_table`)."""
    return AssessmentResult.objects.filter(scheme=scheme).ranked()


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
    last: LastYear | None = None  # filled when asked for (``with_last_year``)

    @property
    def grade_label(self) -> str:
        return self.result.get_grade_display() if self.result else "—"


def unit_card(year: int, unit: Unit, *, with_last_year: bool = False) -> UnitCard | None:
    """One unit's result with every item: raw value, rule, points, money,
    overrides and the reason behind the raw value; with ``with_last_year``, its
    result of the year before (one more query). A fixed number of queries.
    The unit is assessed by the scheme of its jurisdiction (``Unit.jurisdiction``:
    a county by the city above it). None when the year has no scheme for this
    kind of unit there."""
    scheme = scheme_for(year, unit.kind, unit.jurisdiction_id)
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
        last=(
            last_year_results(scheme, public_only=False, unit=unit).get(unit.pk)
            if with_last_year
            else None
        ),
    )


# --- The public results (公示 and final) ---------------------------------------------


@dataclasses.dataclass(frozen=True)
class PublicRow:
    """What the public page shows of a unit's result, and nothing more."""

    rank: int
    unit_name: str  # the unit's display name (全称 when it has one)
    total: Decimal
    grade: str
    grade_code: str
    titles: list[str]


@dataclasses.dataclass(frozen=True)
class PublicScheme:
    """One public scheme of a year: its name, stage, notice period and ranking."""

    year: int
    name: str
    unit_kind: str  # label: 市直部门 / 县市区 / 乡镇(街道)
    is_final: bool  # final (最终结果); else in 公示
    notice_from: dt.date | None
    notice_until: dt.date | None
    notice_over: bool  # in 公示, its period has ended: waiting to be finalised
    rows: list[PublicRow]


def public_schemes_for_year(year: int, jurisdiction: Jurisdiction = None) -> list[AssessmentScheme]:
    """A jurisdiction's schemes of the year whose results are public, in
    :data:`KIND_ORDER`. One query."""
    return [s for s in schemes_for_year(year, jurisdiction) if procedure.results_public(s.stage)]


def public_years(jurisdiction: Jurisdiction = None) -> list[int]:
    """Years with a scheme of the jurisdiction whose results are public, newest
    first. One query."""
    return list(
        AssessmentScheme.objects.of(jurisdiction)
        .filter(stage__in=PUBLIC_STAGES)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def public_results(
    year: int, *, jurisdiction: Jurisdiction = None, today: dt.date | None = None
) -> list[PublicScheme]:
    """The public schemes of ``year`` (公示 or final), bureaus first, each with
    its ranking: rank, unit, total, grade and the titles the unit was awarded
    that year. Empty when none of the year's schemes is public.

    Three queries whatever the number of units (schemes, results, titles). Reads
    no person, money, item or evidence: what it returns may be shown to anyone.
    """
    today = today or clock.today()
    schemes = public_schemes_for_year(year, jurisdiction)
    if not schemes:
        return []
    results = (
        AssessmentResult.objects.filter(scheme__in=schemes)
        .select_related("unit")
        .order_by("rank", "unit__order", "unit__name")
    )
    by_scheme: dict[int, list[AssessmentResult]] = defaultdict(list)
    for r in results:
        by_scheme[r.scheme_id].append(r)
    # Titles awarded by hand (no scheme) or by a public scheme; a title of a
    # scheme still being assessed is not public yet.
    titles: dict[int, list[str]] = defaultdict(list)
    awarded = TitleAward.objects.filter(
        Q(scheme__isnull=True) | Q(scheme__stage__in=PUBLIC_STAGES),
        year=year,
        unit__in=AssessmentResult.objects.filter(scheme__in=schemes).values("unit"),
    )
    for unit_id, name in awarded.order_by("name", "pk").values_list("unit_id", "name"):
        titles[unit_id].append(name)
    return [
        PublicScheme(
            year=year,
            name=s.name,
            unit_kind=s.get_unit_kind_display(),
            is_final=procedure.results_locked(s.stage),
            notice_from=s.notice_from,
            notice_until=s.notice_until,
            notice_over=(
                not procedure.results_locked(s.stage)
                and s.notice_until is not None
                and today > s.notice_until
            ),
            rows=[
                PublicRow(
                    rank=r.rank,
                    unit_name=r.unit.display_name,
                    total=r.total,
                    grade=r.get_grade_display(),
                    grade_code=r.grade,
                    titles=titles.get(r.unit_id, []),
                )
                for r in by_scheme[s.pk]
            ],
        )
        for s in schemes
    ]


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
    from projects.models import Milestone, PlanYear, Supervision

    Source = AssessmentItem.Source
    scheme = item.category.scheme
    year = scheme.year
    milestones = None
    if item.source in (Source.UNIT_MILESTONES, Source.LINKED, Source.UNIT_LATE):
        milestones = Milestone.objects.for_year(year).filter(
            unit=unit, project__plan__jurisdiction_id=scheme.jurisdiction_id
        )
        if (
            unit.is_jurisdiction
            and item.source != Source.LINKED
            and PlanYear.objects.filter(year=year, jurisdiction=unit).exists()
        ):
            # A county measured on its own programme (``services.unit_figures``).
            milestones = Milestone.objects.for_year(year).filter(project__plan__jurisdiction=unit)
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
        items = Supervision.objects.filter(
            plan__year=year, plan__jurisdiction_id=scheme.jurisdiction_id, unit=unit
        )
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
