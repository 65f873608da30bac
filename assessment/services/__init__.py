"""Writes of the annual assessment: compute, enter raw values, override, publish,
copy a scheme to next year.

Every function takes keyword-only arguments and runs in one transaction.
The rules themselves are in ``assessment.scoring``; this module only
gathers raw values, calls the rules and stores what they return.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal
from typing import TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from assessment import access, procedure, scoring
from assessment.models import (
    AssessmentCategory,
    AssessmentEntry,
    AssessmentItem,
    AssessmentResult,
    AssessmentScheme,
    ItemScore,
    TitleAward,
)
from common import bulk, clock
from common.history import history_reason
from common.writes import touch, touch_fields
from projects import status, supervision
from projects.dashboard import AsOf, UnitRow, add_counts, milestone_figures, unit_ranking
from projects.models import Indicator, Milestone, PlanYear, Project, ProjectUnit, Supervision
from responsibility.models import JURISDICTION_KINDS, Unit, existing_home_jurisdiction


class SchemeInvalid(ValidationError):
    """The scheme cannot be scored as it stands (weights, rules)."""


@dataclasses.dataclass
class ComputeSummary:
    scheme: AssessmentScheme
    units: int
    items: int
    missing: int
    titles: int


def _require_editable(scheme: AssessmentScheme, by, *, step: bool = False) -> None:
    """Who may change raw values and scores in the scheme's stage
    (``assessment.procedure``): the office in draft and during 核查, and by a step of
    the procedure itself (``step``: answering an objection, moving a stage, which
    check their own stage and role); an administrator always, on record."""
    if step or access.can_edit(by, scheme):
        return
    if not access.can_write_jurisdiction(by, scheme.jurisdiction_id):
        raise PermissionDenied(_("上级辖区只能查看下级辖区的考核结果，不能修改。"))
    if not access.is_office(by):
        raise PermissionDenied(_("只有市政府办公室可以录入或调整考核数据。"))
    if scheme.stage == procedure.Stage.SELF:
        raise PermissionDenied(_("自评阶段由各单位填报，核查阶段再录入或调整。"))
    if scheme.stage == procedure.Stage.NOTICE:
        raise PermissionDenied(_("公示期间只能通过答复复核申请修改得分。"))
    raise PermissionDenied(_("考核结果已确认为最终结果，只有系统管理员可以修改。"))


def _change_reason(scheme: AssessmentScheme, text: str) -> str:
    """The history label of a change: the user's reason may be long, the column is not."""
    return history_reason(f"[最终结果后修改] {text}" if scheme.is_published else text)


# --- Raw values computed from what was reported and accepted -------------------------


def _project_units(projects: QuerySet | list[int]) -> dict[int, list[int]]:
    """Project id → its units (lead first), in one query."""
    mapping: dict[int, list[int]] = defaultdict(list)
    rows = (
        ProjectUnit.objects.filter(project__in=projects)
        .order_by("project_id", "order")
        .values_list("project_id", "unit_id")
    )
    for project_id, unit_id in rows:
        mapping[project_id].append(unit_id)
    return mapping


def _indicator_units(indicators, project_units: dict[int, list[int]]) -> list[list[int]]:
    """The units answerable for each indicator: the sub-item's unit, or the
    project's units for a project-level indicator (``project_units``)."""
    return [
        [indicator.subitem.unit_id]
        if indicator.subitem_id
        else project_units.get(indicator.project_id, [])
        for indicator in indicators
    ]


def _raw_from_counts(
    kind: scoring.RuleKind, *, done: int | Decimal, total: int
) -> scoring.Raw | None:
    """A raw value from "done out of total" (milestones done, indicators met).
    ``done`` may be fractional: late completions counted at a scheme's credit."""
    if total == 0:
        return None
    if kind is scoring.RuleKind.FIXED:
        state = (
            scoring.Completion.DONE
            if done == total
            else scoring.Completion.PARTLY
            if done
            else scoring.Completion.NOT_DONE
        )
        return scoring.Raw(state=state)
    if kind is scoring.RuleKind.DEDUCT:
        return scoring.Raw(value=Decimal(total - done))
    if kind is scoring.RuleKind.TIERS:
        return scoring.Raw(value=Decimal(done), target=Decimal(total))
    return scoring.Raw(value=Decimal(done), target=Decimal(total))


class _Amounts(TypedDict):
    """What a linked item adds up over one unit's indicators."""

    actual: Decimal
    target: Decimal
    met: int
    total: int


def _raw_from_amounts(
    kind: scoring.RuleKind, *, actual: Decimal, target: Decimal, met: int, total: int
):
    if kind in (scoring.RuleKind.FIXED, scoring.RuleKind.DEDUCT):
        return _raw_from_counts(kind, done=met, total=total)
    return scoring.Raw(value=actual, target=target)


def _credited(on_time: int, late: int, credit: Decimal) -> int | Decimal:
    """Milestones counted as done: the on-time ones, and the late ones at ``credit``
    (0: not at all, 0.5: half, 1: as on time)."""
    return on_time + credit * late if credit else on_time


def _occurrences(scheme: AssessmentScheme, items, unit_ids: set[int]):
    """Raw values of the count sources, for every assessed unit (0 when none): late
    completions, 督办单 received (of one level or all), late acknowledgements.
    One query for the 督办单 whatever the number of units."""
    Source = AssessmentItem.Source
    wanted = {i.source for i in items} & AssessmentItem.COUNT_SOURCES
    per_level: dict[tuple[int, int], int] = defaultdict(int)
    late_acks: dict[int, int] = defaultdict(int)
    if wanted & {Source.UNIT_SUPERVISIONS, Source.UNIT_LATE_ACKS}:
        rows = (
            Supervision.objects.filter(
                plan__year=scheme.year,
                plan__jurisdiction_id=scheme.jurisdiction_id,
                unit_id__in=unit_ids,
            )
            .order_by()
            .values("unit", "level")
            .annotate(
                n=Count("pk"),
                late=Count("pk", filter=supervision.ack_late_q(clock.today())),
            )
        )
        for row in rows:
            per_level[(row["unit"], row["level"])] += row["n"]
            late_acks[row["unit"]] += row["late"]
    return per_level, late_acks


def unit_figures(scheme: AssessmentScheme) -> dict[int, UnitRow]:
    """Each unit's milestone figures in the scheme's year as of today, read
    through the dashboard's selector (``projects.dashboard.unit_ranking``) on the
    programme of the scheme's jurisdiction (its ``PlanYear`` of the year), so the
    assessment counts milestones exactly as the pages and PDFs do.

    An assessed unit that is itself a jurisdiction (a county in a city's county
    scheme) is measured on its own programme instead, when it has one: the
    milestones of its own plan of the year (:func:`jurisdiction_figures`).
    A fixed number of queries."""
    plan = PlanYear.objects.filter(year=scheme.year, jurisdiction_id=scheme.jurisdiction_id).first()
    rows = {} if plan is None else {r.pk: r for r in unit_ranking(plan, as_of=clock.today())}
    if scheme.unit_kind in JURISDICTION_KINDS:
        rows.update(jurisdiction_figures(scheme.year, _assessed_units(scheme).values("pk")))
    return rows


def jurisdiction_figures(year: int, jurisdictions) -> dict[int, UnitRow]:
    """Jurisdiction id → the milestone figures of its own programme (every
    milestone of its ``PlanYear`` of ``year``) as of today, counted as the
    dashboard counts a unit's. Jurisdictions without a plan that year are left
    out. One query grouped by jurisdiction."""
    on = AsOf(clock.today(), clock.warning_days())
    groups = (
        Milestone.objects.filter(
            project__plan__year=year, project__plan__jurisdiction__in=jurisdictions
        )
        .order_by()
        .values(
            "project__plan__jurisdiction",
            "project__plan__jurisdiction__name",
            "project__plan__jurisdiction__full_name",
        )
        .annotate(**milestone_figures(on.date, on.window))
    )
    rows: dict[int, UnitRow] = {}
    for g in groups:
        pk = g["project__plan__jurisdiction"]
        name = g["project__plan__jurisdiction__name"]
        row = UnitRow(pk, name, display_name=g["project__plan__jurisdiction__full_name"] or name)
        add_counts(row, g)
        row.due_done += g["due_done"]
        rows[pk] = row
    return rows


def _jurisdiction_indicators(year: int, jurisdiction_ids) -> dict[int, list[int]]:
    """Jurisdiction id → [met, total] of the indicators of its own plan of ``year``
    (those without a plan are left out). One query."""
    met_total: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        Indicator.objects.for_year(year)
        .filter(project__plan__jurisdiction__in=list(jurisdiction_ids))
        .order_by()
        .values_list("project__plan__jurisdiction_id", "direction", "target", "actual")
    )
    for jurisdiction_id, direction, target, actual in rows:
        is_met = status.indicator_met(direction=direction, target=target, actual=actual)
        met_total[jurisdiction_id][1] += 1
        met_total[jurisdiction_id][0] += 1 if is_met else 0
    return dict(met_total)


def computed_raws(
    scheme: AssessmentScheme, items, unit_ids, figures: dict[int, UnitRow] | None = None
) -> dict[tuple[int, int], scoring.Raw]:
    """Raw values of the items whose source is not manual, for each unit, from
    accepted data: a milestone counts as done once its done date is set (by an
    accepted report), an indicator's ``actual`` is its last accepted value.
    ``figures`` are the units' milestone figures (``unit_figures``), read when
    left out.

    A fixed number of queries whatever the number of units.
    """
    raws: dict[tuple[int, int], scoring.Raw] = {}
    unit_ids = set(unit_ids)
    sources = {i.source for i in items}
    Source = AssessmentItem.Source

    if sources & {Source.UNIT_MILESTONES, Source.UNIT_LATE}:
        # Milestones already due when the assessment is made (all of them once the year
        # is over): of those, the ones done by their due date in force (an approved
        # extension moves it) count as done; late ones at the item's credit.
        by_unit = unit_figures(scheme) if figures is None else figures
        for item in items:
            if item.source == Source.UNIT_MILESTONES:
                kind = item.rule().kind
                for unit_id in unit_ids & by_unit.keys():
                    row = by_unit[unit_id]
                    done = _credited(row.due_on_time, row.late, item.late_credit)
                    raw = _raw_from_counts(kind, done=done, total=row.due)
                    if raw:
                        raws[(item.pk, unit_id)] = raw
            elif item.source == Source.UNIT_LATE:
                for unit_id in unit_ids:
                    late = by_unit[unit_id].late if unit_id in by_unit else 0
                    raws[(item.pk, unit_id)] = scoring.Raw(value=Decimal(late))

    if sources & {Source.UNIT_SUPERVISIONS, Source.UNIT_LATE_ACKS}:
        per_level, late_acks = _occurrences(scheme, items, unit_ids)
        for item in items:
            if item.source == Source.UNIT_SUPERVISIONS:
                for unit_id in unit_ids:
                    n = sum(
                        count
                        for (unit, level), count in per_level.items()
                        if unit == unit_id
                        and (
                            item.supervision_level_id is None or level == item.supervision_level_id
                        )
                    )
                    raws[(item.pk, unit_id)] = scoring.Raw(value=Decimal(n))
            elif item.source == Source.UNIT_LATE_ACKS:
                for unit_id in unit_ids:
                    raws[(item.pk, unit_id)] = scoring.Raw(value=Decimal(late_acks.get(unit_id, 0)))

    if Source.UNIT_INDICATORS in sources:
        # Plain rows, not model instances: a province has thousands of indicators.
        year_projects = Project.objects.filter(
            plan__year=scheme.year, plan__jurisdiction_id=scheme.jurisdiction_id
        )
        project_units = _project_units(year_projects)
        rows = (
            Indicator.objects.for_year(scheme.year)
            .filter(project__plan__jurisdiction_id=scheme.jurisdiction_id)
            .order_by()
            .values_list("project_id", "subitem__unit_id", "direction", "target", "actual")
        )
        met_total: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for project_id, subitem_unit, direction, target, actual in rows:
            is_met = status.indicator_met(direction=direction, target=target, actual=actual)
            units = [subitem_unit] if subitem_unit else project_units.get(project_id, [])
            for unit_id in units:
                met_total[unit_id][1] += 1
                met_total[unit_id][0] += 1 if is_met else 0
        if scheme.unit_kind in JURISDICTION_KINDS:
            # An assessed jurisdiction with its own programme: every indicator of it.
            met_total.update(_jurisdiction_indicators(scheme.year, unit_ids))
        for item in items:
            if item.source == Source.UNIT_INDICATORS:
                kind = item.rule().kind
                for unit_id in unit_ids & met_total.keys():
                    met, total = met_total[unit_id]
                    raw = _raw_from_counts(kind, done=met, total=total)
                    if raw:
                        raws[(item.pk, unit_id)] = raw

    linked = [i for i in items if i.source == Source.LINKED]
    today = clock.today()
    for item in linked:  # uses the indicators / milestones prefetch
        kind = item.rule().kind
        milestones = list(item.milestones.all())
        if milestones:
            # (on time, late, total) per unit: late completions at the item's credit.
            per_unit: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
            for m in milestones:
                counts = per_unit[m.unit_id]
                counts[0] += status.is_on_time(
                    due_date=m.due_date, done_date=m.done_date, today=today
                )
                counts[1] += status.is_done_late(
                    due_date=m.due_date, done_date=m.done_date, today=today
                )
                counts[2] += 1
            for unit_id in unit_ids & per_unit.keys():
                on_time, late, total = per_unit[unit_id]
                done = _credited(on_time, late, item.late_credit)
                raw = _raw_from_counts(kind, done=done, total=total)
                if raw:
                    raws[(item.pk, unit_id)] = raw
            continue
        indicators = list(item.indicators.all())
        project_units = _project_units([i.project_id for i in indicators if not i.subitem_id])
        agg: dict[int, _Amounts] = defaultdict(
            lambda: {"actual": Decimal(0), "target": Decimal(0), "met": 0, "total": 0}
        )
        for indicator, units in zip(
            indicators, _indicator_units(indicators, project_units), strict=True
        ):
            for unit_id in units:
                a = agg[unit_id]
                a["actual"] += indicator.actual or 0
                a["target"] += indicator.target or 0
                a["met"] += 1 if indicator.is_met else 0
                a["total"] += 1
        for unit_id in unit_ids & agg.keys():
            a = agg[unit_id]
            raws[(item.pk, unit_id)] = _raw_from_amounts(kind, **a)
    return raws


# --- Compute --------------------------------------------------------------------------


SCORE_FIELDS = [
    "raw_value",
    "raw_state",
    "raw_target",
    "raw_source",
    "computed_points",
    "computed_money",
    "vetoed",
]
RESULT_FIELDS = [
    "base_points",
    "bonus_points",
    "title_points",
    "total",
    "money",
    "rank",
    "grade",
    "vetoed",
    "missing_items",
    "milestones_total",
    "milestones_done",
    "milestones_due",
    "milestones_due_done",
    "milestones_due_on_time",
    "milestones_late",
    "milestones_red",
    "milestones_amber",
]
# Written with the figures, but a new date alone does not make a result "changed":
# unchanged figures are as true on the earlier date as on today.
RESULT_WRITTEN = [*RESULT_FIELDS, "milestones_as_of"]
# What a new result row is inserted with (computed_at: now).
RESULT_COLUMNS = ["scheme_id", "unit_id", *RESULT_WRITTEN]


def _values(obj, fields) -> tuple:
    return tuple(getattr(obj, f) for f in fields)


def _assessed_units(scheme: AssessmentScheme):
    """The active units of the scheme's kind that belong to its jurisdiction (a
    city's county scheme: the counties directly below the city)."""
    return Unit.objects.filter(
        kind=scheme.unit_kind, jurisdiction_id=scheme.jurisdiction_id, is_active=True
    ).order_by("order", "name")


class ChildrenNotComputed(ValidationError):
    """A scheme that credits the titles of lower jurisdictions' schemes, computed
    before those schemes are (``assessment_compute_year`` computes them first)."""


def child_schemes(scheme: AssessmentScheme) -> dict[int, AssessmentScheme]:
    """County id → its own township scheme of the year (the scheme of
    jurisdiction = that county, kind township), for the counties a city's county
    scheme assesses. Empty for any other scheme. One query."""
    if scheme.unit_kind != Unit.Kind.COUNTY:
        return {}
    return {
        s.jurisdiction_id: s
        for s in AssessmentScheme.objects.filter(
            year=scheme.year,
            unit_kind=Unit.Kind.TOWNSHIP,
            jurisdiction__in=_assessed_units(scheme).values("pk"),
        ).select_related("jurisdiction")
    }


def _require_children_computed(scheme: AssessmentScheme) -> dict[int, AssessmentScheme]:
    """The counties' township schemes (``child_schemes``), once every one of them
    has been computed; else a ``ChildrenNotComputed`` naming what is missing."""
    children = child_schemes(scheme) if scheme.child_title_points else {}
    missing = [c for c in children.values() if c.computed_at is None]
    if missing:
        names = "、".join(f"{c.jurisdiction.name}的“{c.name}”" for c in missing)
        raise ChildrenNotComputed(
            _(
                "%(schemes)s尚未计算：%(year)s年乡镇(街道)称号未定，无法计算县市区得分。"
                "请先计算这些县市区的乡镇(街道)考核结果。"
            )
            % {"schemes": names, "year": scheme.year}
        )
    return children


@transaction.atomic
def assessment_compute(*, scheme: AssessmentScheme, by=None, step: bool = False) -> ComputeSummary:
    """Recompute every result of the scheme from raw values and rules.

    Entered raw values win over computed ones; hand overrides are kept and
    count instead of the computed score. Titles the scheme awards are given
    again from the new totals. Refuses a scheme whose weights or rules are wrong.
    """
    if by is not None:
        _require_editable(scheme, by, step=step)
    problems = scheme.problems()
    if problems:
        raise SchemeInvalid(problems)
    # One compute of a scheme at a time (a worker's task, a stage move, an entry):
    # the second waits for the first to commit, then computes from its results.
    list(AssessmentScheme.objects.select_for_update().filter(pk=scheme.pk).values_list("pk"))

    items = list(
        AssessmentItem.objects.for_scheme(scheme)
        .in_order()
        .prefetch_related("indicators__subitem", "milestones")
    )
    children = _require_children_computed(scheme)
    units = list(_assessed_units(scheme))
    unit_ids = [u.pk for u in units]
    # Entered raw values as plain rows (tens of thousands at province size).
    entries = {
        (item_id, unit_id): AssessmentEntry.raw_of(value, state, target)
        for item_id, unit_id, value, state, target in AssessmentEntry.objects.filter(
            item__category__scheme=scheme
        )
        .order_by()
        .values_list("item_id", "unit_id", "value", "state", "target")
    }
    # Once published (公示, final) the values the system computed stand as they were
    # published: a recompute (an upheld objection, finalising) changes only what was
    # changed on purpose, not what the live plan has done since.
    frozen = procedure.results_public(scheme.stage)
    figures = {} if frozen else unit_figures(scheme)
    computed = (
        _published_raws(scheme) if frozen else computed_raws(scheme, items, unit_ids, figures)
    )
    results = {r.unit_id: r for r in AssessmentResult.objects.filter(scheme=scheme)}
    # The stored scores as plain rows (a province has tens of thousands): a model
    # instance is made only for a score that is new or changed.
    unit_of = {r.pk: r.unit_id for r in results.values()}
    scores = {
        (unit_of[result_id], item_id): (pk, tuple(values), override_points, override_money)
        for pk, result_id, item_id, *values, override_points, override_money in (
            ItemScore.objects.filter(result__scheme=scheme)
            .order_by()
            .values_list(
                "pk", "result_id", "item_id", *SCORE_FIELDS, "override_points", "override_money"
            )
        )
    }
    # The items as plain tuples for the loop below (units × items iterations).
    item_rows = [(item.pk, item.rule(), item.category_id, item.is_bonus) for item in items]
    titled_children = _titled_children(scheme, unit_ids, children)
    reason = _change_reason(scheme, "重新计算考核结果")

    new_results, new_scores, changed_scores, totals, result_before = [], [], [], {}, {}
    missing_total = 0
    for unit in units:
        unit_id = unit.pk
        result = results.get(unit_id)
        if result is None:
            # Created below with its figures, in one batched INSERT (no UPDATE after).
            result = results[unit_id] = AssessmentResult(scheme=scheme, unit=unit)
            new_results.append(result)
        lines, missing = [], 0
        for item_id, rule, category_id, is_bonus in item_rows:
            key = (item_id, unit_id)
            raw = entries.get(key)
            if raw is not None:
                source = ItemScore.RawSource.ENTERED
            else:
                raw = computed.get(key)
                source = (
                    ItemScore.RawSource.MISSING if raw is None else ItemScore.RawSource.COMPUTED
                )
            outcome = scoring.score(rule, raw)
            missing += outcome.missing
            values = (
                raw.value if raw else None,
                raw.state.value if raw and raw.state else "",
                raw.target if raw else None,
                source,
                outcome.points,
                outcome.money,
                outcome.vetoed,
            )
            stored = scores.get((unit_id, item_id))
            override_points = override_money = None
            if stored is None:
                new_scores.append((result, item_id, values))
            else:
                pk, before, override_points, override_money = stored
                if before != values:
                    changed_scores.append((pk, *values))
            lines.append(
                scoring.Line(
                    category=category_id,
                    is_bonus=is_bonus,
                    # An override counts instead of the computed score (ItemScore.points).
                    points=outcome.points if override_points is None else override_points,
                    money=outcome.money if override_money is None else override_money,
                    vetoed=outcome.vetoed,
                )
            )
        t = scoring.unit_totals(
            lines,
            bonus_cap=scheme.bonus_cap,
            title_points=scoring.title_points(
                titled_children.get(unit.pk, 0), per_title=scheme.child_title_points
            ),
        )
        if result.pk is not None:
            result_before[unit.pk] = _values(result, RESULT_FIELDS)
        result.base_points, result.bonus_points = t.base, t.bonus
        result.title_points, result.total, result.money = t.title_points, t.total, t.money
        result.vetoed, result.missing_items = t.vetoed, missing
        result.grade = scoring.grade_for(
            t.total,
            excellent_from=scheme.excellent_from,
            good_from=scheme.good_from,
            pass_from=scheme.pass_from,
            vetoed=t.vetoed,
        ).value
        if not frozen:
            _keep_figures(result, figures.get(unit.pk))
        totals[unit.pk] = t.total
        missing_total += missing

    vetoed = [u for u, r in results.items() if r.vetoed and u in totals]
    for unit_id, position in scoring.rank(totals, vetoed).items():
        results[unit_id].rank = position

    # Batched writes (common.bulk): a fixed number of statements per 500 rows, and
    # history rows copied by INSERT … SELECT, whatever the number of units.
    bulk.create_with_history(new_results, RESULT_COLUMNS, user=by, reason=reason)
    bulk.insert_with_history(
        ItemScore,
        ["result_id", "item_id", *SCORE_FIELDS],
        [(result.pk, item_id, *values) for result, item_id, values in new_scores],
        user=by,
        reason=reason,
    )
    bulk.update_with_history(ItemScore, SCORE_FIELDS, changed_scores, user=by, reason=reason)
    current = [results[u] for u in unit_ids]
    # Only rows whose figures moved are written (and get a history row).
    changed_results = [
        r
        for r in current
        if r.unit_id in result_before and _values(r, RESULT_FIELDS) != result_before[r.unit_id]
    ]
    bulk.save_with_history(
        changed_results,
        touch(changed_results, RESULT_WRITTEN),  # and computed_at
        user=by,
        reason=reason,
    )
    # Results of units no longer assessed (made inactive, of another kind): their
    # item scores first (nothing cascades in a batched delete).
    assessed = set(unit_ids)
    gone = [r.pk for unit_id, r in results.items() if unit_id not in assessed]
    if gone:
        scores_gone = ItemScore.objects.filter(result_id__in=gone)
        bulk.delete_with_history(scores_gone, user=by, reason=reason)
        bulk.delete_with_history(
            AssessmentResult.objects.filter(pk__in=gone), user=by, reason=reason
        )

    titles = _award_titles(scheme, current, by=by, reason=reason)
    scheme.computed_at = clock.now()
    scheme.save(update_fields=touch_fields(AssessmentScheme, ["computed_at"]))
    return ComputeSummary(scheme, len(units), len(items), missing_total, titles)


def _published_raws(scheme: AssessmentScheme) -> dict[tuple[int, int], scoring.Raw]:
    """The raw values the system computed, as the results were published (one query)."""
    rows = ItemScore.objects.filter(
        result__scheme=scheme, raw_source=ItemScore.RawSource.COMPUTED
    ).values_list("item_id", "result__unit_id", "raw_value", "raw_state", "raw_target")
    return {
        (item_id, unit_id): scoring.Raw(
            value=value, state=scoring.Completion(state) if state else None, target=target
        )
        for item_id, unit_id, value, state, target in rows
    }


def _keep_figures(result: AssessmentResult, row: UnitRow | None) -> None:
    """Store the unit's milestone figures with its result (what its card prints),
    in the order of ``AssessmentResult.milestone_figures``."""
    row = row or UnitRow(result.unit_id, "")
    figures = row.figures
    if figures != result.milestone_figures or result.milestones_as_of is None:
        result.milestones_as_of = clock.today()
    (
        result.milestones_total,
        result.milestones_done,
        result.milestones_due,
        result.milestones_due_done,
        result.milestones_due_on_time,
        result.milestones_late,
        result.milestones_red,
        result.milestones_amber,
    ) = figures


def _titled_children(
    scheme: AssessmentScheme, unit_ids, children: dict[int, AssessmentScheme]
) -> dict[int, int]:
    """Unit id → how many of its townships hold the child title this year.

    A county that runs its own township scheme (``children``: county id → that
    scheme) is credited with the titles earned in it, that is by the units of
    the county's own jurisdiction; a county without one (single-city data, where
    the townships are in the city's own township scheme) with the titles of the
    units below it in the org chart (``Unit.parent``). Two queries at most."""
    if not scheme.child_title_points:
        return {}
    titles = TitleAward.objects.filter(year=scheme.year)
    if scheme.child_title_name:
        titles = titles.filter(name=scheme.child_title_name)
    counted: dict[int, int] = {}
    if children:
        own = (
            titles.filter(
                unit__jurisdiction_id__in=list(children),
                unit__kind=Unit.Kind.TOWNSHIP,
            )
            .values("unit__jurisdiction_id")
            .annotate(n=Count("unit", distinct=True))
        )
        counted.update({row["unit__jurisdiction_id"]: row["n"] for row in own})
    rest = [pk for pk in unit_ids if pk not in children]
    if rest:
        rows = (
            titles.filter(unit__parent_id__in=rest)
            .values("unit__parent_id")
            .annotate(n=Count("unit", distinct=True))
        )
        counted.update({row["unit__parent_id"]: row["n"] for row in rows})
    return counted


def _award_titles(scheme: AssessmentScheme, results, *, by, reason: str) -> int:
    """Give the scheme's title to units at or over its line (never to a vetoed unit).
    Titles given by hand (no scheme) are left alone. Only what changed is written:
    awards that no longer hold are deleted, new ones created, kept ones get their
    new reason (the total may have moved), each in batches with their history."""
    awarded = {a.unit_id: a for a in TitleAward.objects.filter(scheme=scheme)}
    if not scheme.title_name or scheme.title_from is None:
        bulk.delete_with_history(TitleAward.objects.filter(scheme=scheme), user=by, reason=reason)
        return 0
    winners = [r for r in results if r.total >= scheme.title_from and not r.vetoed]
    manual = set(
        TitleAward.objects.filter(
            year=scheme.year, name=scheme.title_name, unit_id__in=[r.unit_id for r in winners]
        )
        .exclude(scheme=scheme)
        .values_list("unit_id", flat=True)
    )
    wanted = {
        r.unit_id: f"考核得分{r.total}分，达到{scheme.title_from}分"
        for r in winners
        if r.unit_id not in manual
    }
    stale = [
        a.pk
        for unit_id, a in awarded.items()
        if unit_id not in wanted or a.name != scheme.title_name or a.year != scheme.year
    ]
    bulk.delete_with_history(TitleAward.objects.filter(pk__in=stale), user=by, reason=reason)
    kept = {unit_id: a for unit_id, a in awarded.items() if a.pk not in stale}
    changed = []
    for unit_id, award in kept.items():
        if award.reason != wanted[unit_id]:
            award.reason = wanted[unit_id]
            changed.append(award)
    bulk.save_with_history(changed, ["reason"], user=by, reason=reason)
    bulk.create_with_history(
        [
            TitleAward(
                year=scheme.year,
                unit_id=unit_id,
                name=scheme.title_name,
                scheme=scheme,
                reason=text,
            )
            for unit_id, text in wanted.items()
            if unit_id not in kept
        ],
        ["year", "unit_id", "name", "scheme_id", "reason"],
        user=by,
        reason=reason,
    )
    return len(wanted) + len(manual)


def _depth(pk: int, parent: dict[int, int | None]) -> int:
    depth = 0
    while parent.get(pk) is not None and depth <= len(parent):
        pk, depth = parent[pk], depth + 1  # type: ignore[assignment]
    return depth


@transaction.atomic
def assessment_compute_year(
    *, year: int, jurisdiction: Unit | int | None = None, by=None
) -> list[ComputeSummary]:
    """Compute the year's schemes of a jurisdiction (None: the home jurisdiction)
    and of every jurisdiction below it, in dependency order: the lower
    jurisdictions first (a county's township scheme before the city's county
    scheme that credits its titles), and within one jurisdiction townships
    before bureaus before counties. With ``by``, only the schemes ``by`` may
    compute: the office of a higher jurisdiction reads the lower ones' results
    and does not compute them, so a scheme that credits a lower scheme not yet
    computed is refused (``ChildrenNotComputed``)."""
    from responsibility.jurisdictions import jurisdictions, subtree_ids

    root = jurisdiction_ref_id(jurisdiction)
    if root is None:
        return []
    parent: dict[int, int | None] = dict(jurisdictions().values_list("pk", "jurisdiction_id"))
    order = {Unit.Kind.TOWNSHIP: 0, Unit.Kind.BUREAU: 1, Unit.Kind.COUNTY: 2}
    schemes = sorted(
        AssessmentScheme.objects.filter(year=year, jurisdiction__in=subtree_ids(root)),
        key=lambda s: (-_depth(s.jurisdiction_id, parent), order.get(s.unit_kind, 9)),
    )
    if by is not None:
        schemes = [s for s in schemes if access.can_write_jurisdiction(by, s.jurisdiction_id)]
    return [assessment_compute(scheme=s, by=by) for s in schemes]


def jurisdiction_ref_id(jurisdiction: Unit | int | None) -> int | None:
    """A jurisdiction's id; None: the home jurisdiction's (None when there is none)."""
    if jurisdiction is None:
        home = existing_home_jurisdiction()
        return home.pk if home else None
    return jurisdiction if isinstance(jurisdiction, int) else jurisdiction.pk


# --- Entries and overrides -------------------------------------------------------------


@transaction.atomic
def assessment_enter_raw(
    *,
    item: AssessmentItem,
    unit: Unit,
    by,
    reason: str,
    value: Decimal | None = None,
    state: str = "",
    target: Decimal | None = None,
    evidence=None,
    evidence_ref: str = "",
    recompute: bool = True,
    step: bool = False,
) -> AssessmentEntry:
    """Record (or replace) the raw value of an item for a unit, then recompute.

    Raises ``ValidationError`` (Chinese messages by field) for a value of the
    wrong kind, and ``PermissionDenied`` after publishing unless ``by`` is an admin.
    """
    scheme = item.category.scheme
    _require_editable(scheme, by, step=step)
    entry = AssessmentEntry.objects.filter(item=item, unit=unit).first() or AssessmentEntry(
        item=item, unit=unit
    )
    entry.value, entry.state, entry.target = value, state or "", target
    entry.reason, entry.evidence_ref, entry.entered_by = reason, evidence_ref, by
    if evidence is not None:
        entry.evidence = evidence
    entry.full_clean()
    entry._change_reason = _change_reason(scheme, reason)
    entry._history_user = by
    entry.save()
    if recompute and not scheme.problems() and not _children_missing(scheme):
        assessment_compute(scheme=scheme, by=by, step=step)
    return entry


def _children_missing(scheme: AssessmentScheme) -> bool:
    """A county's township scheme this scheme credits is not computed yet: an
    entry is kept, and the results wait for a compute in dependency order."""
    try:
        _require_children_computed(scheme)
    except ChildrenNotComputed:
        return True
    return False


@transaction.atomic
def assessment_override(
    *,
    score: ItemScore,
    by,
    reason: str,
    points: Decimal | None = None,
    money: Decimal | None = None,
    step: bool = False,
) -> ItemScore:
    """Replace an item's computed score by hand (or clear the override with both
    None). The reason is required; who and when are recorded."""
    scheme = score.result.scheme
    _require_editable(scheme, by, step=step)
    errors = {}
    if points is not None or money is not None:
        if not (reason or "").strip():
            errors["reason"] = [_("调整得分须填写理由。")]
        low, high = scoring.points_bounds(score.item.rule())
        if points is not None and not low <= points <= high:
            errors["points"] = [
                _("调整后得分应在 %(lo)s 到 %(hi)s 分之间。") % {"lo": low, "hi": high}
            ]
    if errors:
        raise ValidationError(errors)
    score.override_points, score.override_money = points, money
    score.override_reason = reason if (points is not None or money is not None) else ""
    score.overridden_by = by if score.override_reason else None
    score.overridden_at = clock.now() if score.override_reason else None
    score._change_reason = _change_reason(scheme, reason or "取消调整")
    score._history_user = by
    score.save()
    assessment_compute(scheme=scheme, by=by, step=step)
    score.refresh_from_db()
    return score


# --- Copy to next year --------------------------------------------------------------

ITEM_COPY_FIELDS = AssessmentItem.DEFINITION_FIELDS
SCHEME_COPY_FIELDS = [
    "unit_kind",
    "total_points",
    "excellent_from",
    "good_from",
    "pass_from",
    "bonus_cap",
    "title_name",
    "title_from",
    "child_title_points",
    "child_title_name",
]


@transaction.atomic
def scheme_copy_to_next_year(
    *, scheme: AssessmentScheme, by=None, year: int | None = None
) -> AssessmentScheme:
    """A new, unpublished scheme for the next year with the same categories and
    items; its "修订说明" starts with where it came from. Links to indicators and
    milestones are year-specific and are not copied (listed in the notes)."""
    year = year or scheme.year + 1
    if AssessmentScheme.objects.filter(
        jurisdiction_id=scheme.jurisdiction_id, year=year, unit_kind=scheme.unit_kind
    ).exists():
        raise ValidationError(
            _("%(year)s年已有“%(kind)s”的考核办法。")
            % {"year": year, "kind": scheme.get_unit_kind_display()}
        )
    copy = AssessmentScheme(
        jurisdiction_id=scheme.jurisdiction_id,
        year=year,
        name=scheme.name.replace(str(scheme.year), str(year)),
        copied_from=scheme,
        **{f: getattr(scheme, f) for f in SCHEME_COPY_FIELDS},
    )
    unlinked = []
    copy.change_notes = _("由%(year)s年“%(name)s”复制。") % {
        "year": scheme.year,
        "name": scheme.name,
    }
    copy._change_reason = history_reason(copy.change_notes)
    copy.save()
    for category in scheme.categories.prefetch_related("items__indicators", "items__milestones"):
        new_category = AssessmentCategory.objects.create(
            scheme=copy, name=category.name, order=category.order, max_points=category.max_points
        )
        for item in category.items.all():
            AssessmentItem.objects.create(
                category=new_category, **{f: getattr(item, f) for f in ITEM_COPY_FIELDS}
            )
            if item.indicators.all() or item.milestones.all():
                unlinked.append(item.name)
    if unlinked:
        copy.change_notes += "\n" + _(
            "以下项目关联的指标/节点属于上一年度，需重新关联：%(items)s"
        ) % {"items": "、".join(unlinked)}
        copy.save(update_fields=touch_fields(AssessmentScheme, ["change_notes"]))
    return copy
