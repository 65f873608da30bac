"""The scoring rules, pure: one test per rule kind with the seeds' own numbers,
validation messages, ranking, grades, and hypothesis properties."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment import scoring
from assessment.scoring import Completion, Grade, Raw, Rule, RuleKind, Tier

# --- Zhucheng 质监局 工作目标考核办法 (seed 000) --------------------------------------


def test_each_missing_record_costs_the_responsible_person_50_yuan():
    outcome = scoring.score_deduct(3, max_points=D(10), per_points=D(0), per_money=D(50))
    assert outcome.money == D("-150.00")
    assert outcome.points == D("10.00")


def test_complete_records_cost_nothing():
    outcome = scoring.score_deduct(0, max_points=D(10), per_points=D(2), per_money=D(50))
    assert (outcome.points, outcome.money) == (D("10.00"), D("0.00"))


def test_per_missing_deduction_is_floored_at_zero_points():
    outcome = scoring.score_deduct(8, max_points=D(10), per_points=D(2), per_money=D(50))
    assert outcome.points == D("0.00")
    assert outcome.money == D("-400.00")


def test_each_brand_product_above_target_earns_100_yuan():
    outcome = scoring.score_over_under(D(6), D(4), max_points=D(10), per_money=D(100))
    assert outcome.money == D("200.00")
    assert outcome.points == D("10.00")


def test_each_brand_product_short_of_target_costs_100_yuan():
    outcome = scoring.score_over_under(
        D(1), D(4), max_points=D(10), per_points=D(2), per_money=D(100)
    )
    assert outcome.money == D("-300.00")
    assert outcome.points == D("4.00")


def test_over_under_money_respects_the_cap_both_ways():
    over = scoring.score_over_under(D(20), D(4), max_points=D(0), per_money=D(100), cap=D(500))
    under = scoring.score_over_under(D(0), D(9), max_points=D(0), per_money=D(100), cap=D(500))
    assert (over.money, under.money) == (D("500.00"), D("-500.00"))


def test_failed_training_exam_means_no_reimbursement():
    rule = Rule(
        kind=RuleKind.FIXED,
        max_points=D(5),
        points_done=D(5),
        points_partly=D(5),
        points_not_done=D(0),
        money_not_done=D(-600),
    )
    passed = scoring.score(rule, Raw(state=Completion.DONE))
    failed = scoring.score(rule, Raw(state=Completion.NOT_DONE))
    assert (passed.points, passed.money) == (D("5.00"), D("0.00"))
    assert (failed.points, failed.money) == (D("0.00"), D("-600.00"))


# --- Taizhou rule kinds -----------------------------------------------------------------

TIERS = scoring.parse_tiers("0-60:0; 60-80:4; 80-100:8; 100-:10")


@pytest.mark.parametrize(
    ("percent", "points"),
    [
        (D(0), D(0)),
        (D("59.99"), D(0)),
        (D(60), D(4)),
        (D(80), D(8)),
        (D("99.9"), D(8)),
        (D(100), D(10)),
        (D(130), D(10)),
    ],
)
def test_tiers_by_completion_ratio(percent, points):
    assert scoring.score_tiers(percent, TIERS).points == points


def test_tiers_read_value_against_a_target():
    rule = Rule(kind=RuleKind.TIERS, max_points=D(10), tiers=TIERS)
    assert scoring.score(rule, Raw(value=D(4), target=D(5))).points == D(8)


def test_fixed_points_for_done_partly_not_done():
    rule = Rule(RuleKind.FIXED, D(4), points_done=D(4), points_partly=D(2), points_not_done=D(0))
    got = [scoring.score(rule, Raw(state=s)).points for s in Completion]
    assert got == [D(4), D(2), D(0)]


def test_count_bonus_is_capped_at_the_item_maximum():
    outcome = scoring.score_count(4, max_points=D(3), per_points=D(1), per_money=D(0))
    assert outcome.points == D("3.00")


def test_veto_item_fails_whatever_the_points():
    rule = Rule(kind=RuleKind.VETO)
    vetoed = scoring.score(rule, Raw(value=D(1)))
    assert vetoed.vetoed and vetoed.points == 0
    assert (
        scoring.grade_for(
            D(99), excellent_from=D(90), good_from=D(80), pass_from=D(60), vetoed=True
        )
        is Grade.FAIL
    )
    assert not scoring.score(rule, Raw(value=D(0))).vetoed


def test_missing_raw_value_scores_zero_and_is_flagged():
    outcome = scoring.score(Rule(kind=RuleKind.COUNT, max_points=D(5), per_points=D(1)), None)
    assert outcome.missing and outcome.points == 0


def test_raw_value_of_the_wrong_shape_scores_zero_and_is_flagged():
    # An item's rule kind can change after values were entered for it.
    tiers = Rule(kind=RuleKind.TIERS, max_points=D(5), tiers=(Tier(D(0), None, D(5)),))
    fixed = Rule(kind=RuleKind.FIXED, max_points=D(5), points_done=D(5))
    for rule, raw in [
        (tiers, Raw(state=Completion.DONE)),
        (Rule(kind=RuleKind.COUNT, max_points=D(5), per_points=D(1)), Raw(state=Completion.DONE)),
        (fixed, Raw(value=D(3))),
    ]:
        outcome = scoring.score(rule, raw)
        assert outcome.missing and outcome.points == 0 and outcome.money == 0, (rule, raw)


def test_bonus_items_are_capped_in_total_and_kept_out_of_subtotals():
    lines = [
        scoring.Line("A", False, D(40), D(0)),
        scoring.Line("B", False, D(45), D(-50)),
        scoring.Line("bonus", True, D(3), D(100)),
        scoring.Line("bonus", True, D(4), D(0)),
    ]
    t = scoring.unit_totals(lines, bonus_cap=D(5), title_points=D(2))
    assert t.subtotals == {"A": D(40), "B": D(45), "bonus": D(0)}
    assert (t.base, t.bonus, t.title_points, t.total, t.money) == (D(85), D(5), D(2), D(92), D(50))


def test_ranks_share_ties_and_skip():
    assert scoring.rank({"a": D(90), "b": D(85), "c": D(85), "d": D(80)}) == {
        "a": 1,
        "b": 2,
        "c": 2,
        "d": 4,
    }


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (D(95), Grade.EXCELLENT),
        (D(90), Grade.EXCELLENT),
        (D("89.99"), Grade.GOOD),
        (D(80), Grade.GOOD),
        (D(60), Grade.PASS),
        (D("59.5"), Grade.FAIL),
    ],
)
def test_grade_bands(total, grade):
    assert scoring.grade_for(total, excellent_from=D(90), good_from=D(80), pass_from=D(60)) is grade


def test_county_gets_points_per_titled_township():
    assert scoring.title_points(3, per_title=D("0.5")) == D("1.50")


# --- Validation ---------------------------------------------------------------------------


def test_overlapping_tiers_are_refused():
    tiers = scoring.parse_tiers("0-80:0; 70-100:8; 100-:10")
    assert any("重叠" in m for m in scoring.check_tiers(tiers, D(10)))


def test_gapped_tiers_are_refused():
    tiers = scoring.parse_tiers("0-60:0; 80-100:8; 100-:10")
    assert any("空档" in m for m in scoring.check_tiers(tiers, D(10)))


def test_tiers_above_the_item_maximum_are_refused():
    tiers = scoring.parse_tiers("0-100:0; 100-:12")
    assert any("0 到 10" in m for m in scoring.check_tiers(tiers, D(10)))


def test_good_tiers_pass():
    assert scoring.check_tiers(TIERS, D(10)) == []


def test_unreadable_tier_text_says_which_tier():
    with pytest.raises(ValueError, match="第2档"):
        scoring.parse_tiers("0-80:0; 八十以上:10")


def test_tier_text_round_trips():
    assert scoring.parse_tiers(scoring.format_tiers(TIERS)) == TIERS


def test_negative_cap_is_refused():
    rule = Rule(kind=RuleKind.OVER_UNDER, max_points=D(5), per_money=D(100), cap=D(-1))
    assert "cap" in scoring.check_rule(rule)


def test_weights_must_add_up_to_the_total():
    assert scoring.check_weights(D(100), [D(20)] * 5) == []
    assert "95" in scoring.check_weights(D(100), [D(20)] * 4 + [D(15)])[0]


def test_raw_value_of_the_wrong_kind_is_refused():
    count_rule = Rule(kind=RuleKind.DEDUCT, max_points=D(10), per_money=D(50))
    assert "value" in scoring.check_raw(count_rule, Raw(value=D("1.5")))
    assert "state" in scoring.check_raw(count_rule, Raw(value=D(1), state=Completion.DONE))
    fixed = Rule(RuleKind.FIXED, D(4), points_done=D(4))
    assert "state" in scoring.check_raw(fixed, Raw(value=D(1)))
    over = Rule(kind=RuleKind.OVER_UNDER, per_money=D(100))
    assert "target" in scoring.check_raw(over, Raw(value=D(3)))


def test_rules_are_described_in_chinese():
    rule = Rule(kind=RuleKind.DEDUCT, max_points=D(0), per_money=D(50))
    assert scoring.describe_rule(rule) == "每缺一项扣50元"
    over = Rule(kind=RuleKind.OVER_UNDER, per_money=D(100))
    assert "多完成一个奖励100元、少完成一个扣除100元" in scoring.describe_rule(over)


# --- Properties --------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=0, max_value=500)
maxima = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False)


@st.composite
def tier_sets(draw, max_points):
    cuts = sorted(set(draw(st.lists(st.integers(min_value=1, max_value=150), max_size=4))))
    bounds = [D(0), *[D(c) for c in cuts]]
    points = [
        draw(st.decimals(min_value=0, max_value=max_points, places=1, allow_nan=False))
        for _ in bounds
    ]
    return tuple(
        Tier(lo, bounds[i + 1] if i + 1 < len(bounds) else None, p)
        for i, (lo, p) in enumerate(zip(bounds, points, strict=True))
    )


@st.composite
def rules_and_raws(draw):
    kind = draw(st.sampled_from(list(RuleKind)))
    max_points = D(0) if kind is RuleKind.VETO else draw(maxima)
    pts = sorted(
        draw(st.decimals(min_value=0, max_value=max_points, places=1, allow_nan=False))
        for _ in range(3)
    )
    rule = Rule(
        kind=kind,
        max_points=max_points,
        points_not_done=pts[0],
        points_partly=pts[1],
        points_done=pts[2],
        tiers=draw(tier_sets(max_points)) if kind is RuleKind.TIERS else (),
        per_points=draw(st.decimals(min_value=0, max_value=20, places=1, allow_nan=False)),
        per_money=draw(st.decimals(min_value=0, max_value=500, places=0, allow_nan=False)),
        target=D(draw(counts)),
        cap=draw(st.none() | st.decimals(min_value=0, max_value=2000, places=0, allow_nan=False)),
    )
    if kind is RuleKind.FIXED:
        raw = Raw(state=draw(st.sampled_from(list(Completion))))
    elif kind in scoring.COUNT_KINDS:
        raw = Raw(value=D(draw(counts)))
    else:
        raw = Raw(value=draw(amounts), target=draw(st.none() | amounts))
    return rule, raw


@given(rules_and_raws())
def test_scores_stay_within_the_items_bounds(rule_raw):
    rule, raw = rule_raw
    assert scoring.check_rule(rule) == {} or rule.kind in (
        RuleKind.DEDUCT,
        RuleKind.OVER_UNDER,
        RuleKind.COUNT,
    )
    assert scoring.check_raw(rule, raw) == {}
    outcome = scoring.score(rule, raw)
    low, high = scoring.points_bounds(rule)
    assert low <= outcome.points <= high
    if rule.cap is not None:
        assert abs(outcome.money) <= rule.cap


@given(
    st.lists(
        st.tuples(
            st.sampled_from("ABCDE"),
            st.booleans(),
            st.decimals(min_value=0, max_value=20, places=2, allow_nan=False),
            st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False),
        ),
        max_size=40,
    ),
    st.decimals(min_value=0, max_value=10, places=1, allow_nan=False),
)
def test_totals_equal_the_sum_of_items(rows, bonus_cap):
    lines = [scoring.Line(c, b, p, m) for c, b, p, m in rows]
    t = scoring.unit_totals(lines, bonus_cap=bonus_cap)
    base = sum((p for _, b, p, _ in rows if not b), D(0))
    bonus = sum((p for _, b, p, _ in rows if b), D(0))
    assert t.base == base
    assert sum(t.subtotals.values(), D(0)) == base
    assert t.bonus == min(bonus, bonus_cap)
    assert t.total == base + min(bonus, bonus_cap)
    assert t.money == sum((m for *_, m in rows), D(0))


@given(
    st.dictionaries(
        st.integers(),
        st.decimals(min_value=0, max_value=120, places=1, allow_nan=False),
        max_size=30,
    )
)
def test_rank_is_competition_ranking(totals):
    ranks = scoring.rank(totals)
    for key, total in totals.items():
        assert ranks[key] == 1 + sum(1 for other in totals.values() if other > total)


def test_vetoed_units_rank_after_all_others():
    ranks = scoring.rank({"a": D(100), "b": D(80), "c": D(70)}, vetoed={"a"})
    assert ranks == {"b": 1, "c": 2, "a": 3}
