"""A whole Taizhou-style year (seed 004, 创建质量先进乡镇(街道)): a township scheme of
the five categories and 30 items, twelve townships under two counties, titles
for townships at 90 points or more, and a county scheme that adds 1 point per
titled township. Every expected figure below is computed by hand in the comments.
"""

from decimal import Decimal as D

import pytest

from assessment import scoring, selectors, services
from assessment.models import AssessmentItem, AssessmentResult, AssessmentScheme, TitleAward
from assessment.scoring import RuleKind as K
from responsibility.models import Unit
from tests import factories
from tests.assessment import builders
from tests.conftest import build_city, committed_for_module

TITLE = "质量先进乡镇(街道)"

# (number, category, name, kind, max points, parameters)
ITEMS = [
    (
        1,
        "名牌战略和质量提升工程",
        "将质量兴乡镇纳入经济和社会发展规划",
        K.FIXED,
        4,
        {"points_partly": 2},
    ),
    (
        2,
        "名牌战略和质量提升工程",
        "制定年度质量工作计划和实施方案",
        K.FIXED,
        3,
        {"points_partly": 2},
    ),
    (
        3,
        "名牌战略和质量提升工程",
        "名牌培育企业数",
        K.TIERS,
        4,
        {"tiers": "0-60:0; 60-100:2; 100-:4"},
    ),
    (
        4,
        "名牌战略和质量提升工程",
        "建立和完善乡镇(街道)质量工作激励政策",
        K.FIXED,
        3,
        {"points_partly": 1},
    ),
    (
        5,
        "名牌战略和质量提升工程",
        "在块状产业中推行《浙江省中小企业质量管理基本要求》",
        K.TIERS,
        3,
        {"tiers": "0-50:0; 50-80:1; 80-100:2; 100-:3"},
    ),
    (6, "名牌战略和质量提升工程", "召开质量工作专题会议", K.DEDUCT, 3, {"per_points": 1}),
    (7, "质量基础工作", "配备专兼职质监员", K.FIXED, 5, {"points_partly": 3}),
    (8, "质量基础工作", "村居协管员工作常态化", K.TIERS, 5, {"tiers": "0-60:0; 60-90:3; 90-:5"}),
    (9, "质量基础工作", "计量器具强制检定率", K.TIERS, 5, {"tiers": "0-80:0; 80-95:3; 95-:5"}),
    (10, "质量基础工作", "推进农业和服务业标准化", K.FIXED, 4, {"points_partly": 2}),
    (11, "质量基础工作", "质量工作信息报送", K.DEDUCT, 3, {"per_points": 1}),
    (12, "质量基础工作", "质量工作档案台账", K.DEDUCT, 3, {"per_points": D("0.5")}),
    (
        13,
        "产品质量与监督",
        "产品质量监督抽查合格率",
        K.TIERS,
        6,
        {"tiers": "0-85:0; 85-90:2; 90-95:4; 95-:6"},
    ),
    (14, "产品质量与监督", "无证生产企业整治", K.FIXED, 4, {"points_partly": 2}),
    (15, "产品质量与监督", "质量投诉处理", K.DEDUCT, 4, {"per_points": 2}),
    (16, "产品质量与监督", "打假协作", K.FIXED, 3, {"points_partly": 1}),
    (17, "产品质量与监督", "区域性重点产品质量整治", K.FIXED, 3, {"points_partly": 1}),
    (18, "产品质量与监督", "发生重大质量安全事故", K.VETO, 0, {}),
    (19, "食品安全", "食品生产加工小作坊登记", K.TIERS, 5, {"tiers": "0-80:0; 80-100:3; 100-:5"}),
    (20, "食品安全", "食品安全协管员", K.FIXED, 4, {"points_partly": 2}),
    (21, "食品安全", "食品安全宣传", K.FIXED, 3, {"points_partly": 1}),
    (22, "食品安全", "食品安全隐患排查", K.DEDUCT, 4, {"per_points": 1}),
    (23, "食品安全", "食品安全事故应急预案", K.FIXED, 4, {"points_partly": 2}),
    (24, "特种设备安全", "建立健全特种设备监管责任机制", K.FIXED, 4, {"points_partly": 2}),
    (25, "特种设备安全", "特种设备定期检验率", K.TIERS, 5, {"tiers": "0-90:0; 90-98:3; 98-:5"}),
    (26, "特种设备安全", "特种设备作业人员持证上岗", K.OVER_UNDER, 3, {"per_points": 1}),
    (27, "特种设备安全", "特种设备隐患整改", K.DEDUCT, 3, {"per_points": 1}),
    (28, "加分项", "新获省级以上名牌产品", K.COUNT, 5, {"per_points": 2, "is_bonus": True}),
    (29, "加分项", "获质量奖", K.COUNT, 3, {"per_points": 3, "is_bonus": True}),
    (30, "加分项", "农业标准化示范项目", K.COUNT, 2, {"per_points": 1, "is_bonus": True}),
]
CATEGORIES = [
    ("名牌战略和质量提升工程", 20),
    ("质量基础工作", 25),
    ("产品质量与监督", 20),
    ("食品安全", 20),
    ("特种设备安全", 15),
    ("加分项", 0),
]


def perfect(number, kind):
    """The raw value that earns the item's full marks (and no bonus)."""
    if kind is K.FIXED:
        return {"state": "done"}
    if kind is K.TIERS:
        return {"value": D(100)}
    if kind is K.OVER_UNDER:
        return {"value": D(5), "target": D(5)}
    return {"value": D(0)}  # deduct / count / veto: nothing missing, nothing won


P, N = {"state": "partly"}, {"state": "not_done"}


def v(value, target=None):
    return {"value": D(value), "target": None if target is None else D(target)}


# township → (county, deviations from a perfect year)
TOWNSHIPS = {
    # 100 + bonus 名牌 2×2 + 质量奖 3 = 7, capped at 5 → 105
    "海门街道": ("椒江区", {28: v(2), 29: v(1)}),
    # item 3: 3 of 5 = 60% → 2 (−2); item 6: 2 meetings missing (−2) → 96
    "白云街道": ("椒江区", {3: v(3, 5), 6: v(2)}),
    # item 13: 92% → 4 (−2); item 15: 2 complaints (−4); item 22: 1 missing (−1) → 93; bonus +1 → 94
    "葭沚街道": ("椒江区", {13: v(92), 15: v(2), 22: v(1), 30: v(1)}),
    # perfect, but a major accident: vetoed → 不合格, ranked last, no title
    "三甲街道": ("椒江区", {18: v(1)}),
    # items 1, 7 partly (−2, −2); 8: 70% (−2); 19: 90% (−2); 25: 95% (−2) → 90
    "洪家街道": ("椒江区", {1: P, 7: P, 8: v(70), 19: v(90), 25: v(95)}),
    # 12: 4 × 0.5 (−2); 26: 2 of 5 → 3 − 3 = 0 (−3); 27: 5 missing, floored (−3); 24 partly (−2) → 90
    "下陈街道": ("椒江区", {12: v(4), 26: v(2, 5), 27: v(5), 24: P}),
    # 9: 85% (−2); 13: 80% (−6) → 92; bonus 名牌 1 × 2 → 94
    "大溪镇": ("温岭市", {9: v(85), 13: v(80), 28: v(1)}),
    # 100 + 名牌 3 × 2 = 6, item max 5 → bonus 5 → 105
    "泽国镇": ("温岭市", {28: v(3)}),
    # 20 not done (−4), 21 not done (−3), 23 partly (−2), 16 not done (−3), 14 partly (−2) → 86
    "箬横镇": ("温岭市", {20: N, 21: N, 23: P, 16: N, 14: P}),
    # 2 (−3), 4 (−3) not done; 5: 40% (−3); 10 not done (−4); 11: 5 missing (−3); 17 not done (−3) → 81
    "松门镇": ("温岭市", {2: N, 4: N, 5: v(40), 10: N, 11: v(5), 17: N}),
    # 3: 0 of 5 (−4); 8: 50% (−5); 9: 70% (−5); 13: 88% (−4); 19: 50% (−5); 25: 80% (−5) → 72
    "石塘镇": ("温岭市", {3: v(0, 5), 8: v(50), 9: v(70), 13: v(88), 19: v(50), 25: v(80)}),
    # 特种设备 all lost (−15), 食品安全 all lost (−20), 1 (−4) and 7 (−5) not done → 56
    "城东街道": (
        "温岭市",
        {
            24: N, 25: v(50), 26: v(0, 3), 27: v(9),
            19: v(0), 20: N, 21: N, 22: v(10), 23: N,
            1: N, 7: N,
        },
    ),
}  # fmt: skip

EXPECTED = {
    # township: (total, rank, grade, titled)
    "海门街道": (D(105), 1, "优秀", True),
    "泽国镇": (D(105), 1, "优秀", True),
    "白云街道": (D(96), 3, "优秀", True),
    "葭沚街道": (D(94), 4, "优秀", True),
    "大溪镇": (D(94), 4, "优秀", True),
    "洪家街道": (D(90), 6, "优秀", True),
    "下陈街道": (D(90), 6, "优秀", True),
    "箬横镇": (D(86), 8, "良好", False),
    "松门镇": (D(81), 9, "良好", False),
    "石塘镇": (D(72), 10, "合格", False),
    "城东街道": (D(56), 11, "不合格", False),
    "三甲街道": (D(100), 12, "不合格", False),
}


@pytest.fixture(scope="module")
def taizhou_year(django_db_setup, django_db_blocker):
    """The whole Taizhou year, built and computed once for this module (the
    tests read it; one that changes it rolls back to it)."""
    with committed_for_module(django_db_blocker):
        city = build_city()
        yield city, _taizhou(city)


@pytest.fixture
def city(taizhou_year, db):
    return taizhou_year[0]


@pytest.fixture
def taizhou(taizhou_year, db):
    return AssessmentScheme.objects.get(pk=taizhou_year[1].pk)


def _taizhou(city):
    counties = {
        name: factories.UnitFactory(name=name, kind=Unit.Kind.COUNTY)
        for name in ("椒江区", "温岭市")
    }
    townships = {
        name: factories.UnitFactory(name=name, kind=Unit.Kind.TOWNSHIP, parent=counties[county])
        for name, (county, _) in TOWNSHIPS.items()
    }
    township_scheme = builders.scheme(
        2009,
        Unit.Kind.TOWNSHIP,
        name="2009年度创建质量先进乡镇(街道)考核办法",
        title_name=TITLE,
        title_from=D(90),
    )
    categories = {
        name: builders.category(township_scheme, name, points, order=i)
        for i, (name, points) in enumerate(CATEGORIES)
    }
    items = {}
    for number, category, name, kind, points, params in ITEMS:
        items[number] = builders.item(
            categories[category], name, kind, points, order=number, **params
        )
    county_scheme = builders.scheme(
        2009,
        Unit.Kind.COUNTY,
        name="2009年度县(市、区)质量工作目标责任制考核办法",
        child_title_points=D(1),
        child_title_name=TITLE,
    )
    county_cat = builders.category(county_scheme, "质量兴县(市、区)工作", 100)
    plan = builders.item(
        county_cat, "质量兴县工作纳入政府目标考核", K.FIXED, 60, points_partly=D(30)
    )
    coverage = builders.item(
        county_cat, "创建活动覆盖面", K.TIERS, 40, order=2, tiers="0-80:0; 80-100:30; 100-:40"
    )

    for township, (_, deviations) in TOWNSHIPS.items():
        for number, item in items.items():
            raw = deviations.get(number) or perfect(number, scoring.RuleKind(item.rule_kind))
            services.assessment_enter_raw(
                item=item,
                unit=townships[township],
                by=city.olivia,
                reason="验收组现场考核",
                recompute=False,
                **raw,
            )
    for county, raws in (
        ("椒江区", ({"state": "done"}, v(100))),
        ("温岭市", ({"state": "done"}, v(85))),
    ):
        for item, raw in zip((plan, coverage), raws, strict=True):
            services.assessment_enter_raw(
                item=item,
                unit=counties[county],
                by=city.olivia,
                reason="市考核组考核",
                recompute=False,
                **raw,
            )
    services.assessment_compute_year(year=2009)
    return township_scheme


def test_the_scheme_has_five_categories_and_thirty_items(taizhou):
    assert taizhou.problems() == []
    assert [c.name for c in taizhou.categories.all()][:5] == [c for c, _ in CATEGORIES[:5]]
    assert AssessmentItem.objects.for_scheme(taizhou).count() == 30


def test_townships_ranks_grades_and_titles_match_the_hand_computation(taizhou):
    table = selectors.assessment_table(2009, Unit.Kind.TOWNSHIP)
    got = {r.unit.name: (r.total, r.rank, r.grade, TITLE in r.titles) for r in table.rows}
    assert got == EXPECTED
    assert [r.unit.name for r in table.rows][-1] == "三甲街道"


def test_category_subtotals_of_one_township(taizhou):
    table = selectors.assessment_table(2009, Unit.Kind.TOWNSHIP)
    row = next(r for r in table.rows if r.unit.name == "箬横镇")
    # 产品质量与监督 20 − 3 − 2 = 15; 食品安全 20 − 4 − 3 − 2 = 11
    assert row.subtotals == [D(20), D(25), D(15), D(11), D(15)]
    assert row.bonus == 0


def test_county_gets_a_point_for_each_titled_township(taizhou):
    table = selectors.assessment_table(2009, Unit.Kind.COUNTY)
    got = {r.unit.name: (r.title_points, r.total, r.rank, r.grade) for r in table.rows}
    # 椒江区: 60 + 40 + 5 titled (海门、白云、葭沚、洪家、下陈) = 105
    # 温岭市: 60 + 30 (85%) + 2 titled (大溪、泽国) = 92
    assert got == {
        "椒江区": (D(5), D(105), 1, "优秀"),
        "温岭市": (D(2), D(92), 2, "优秀"),
    }


def test_titles_are_given_again_when_results_change(taizhou, city):
    item = AssessmentItem.objects.get(category__scheme=taizhou, name="发生重大质量安全事故")
    haimen = Unit.objects.get(name="海门街道")
    services.assessment_enter_raw(
        item=item, unit=haimen, by=city.olivia, reason="事故通报", value=D(1)
    )
    assert not TitleAward.objects.filter(unit=haimen, year=2009).exists()
    services.assessment_compute_year(year=2009)
    county = selectors.assessment_table(2009, Unit.Kind.COUNTY)
    assert {r.unit.name: r.title_points for r in county.rows}["椒江区"] == D(4)


def test_stored_results_equal_the_sum_of_their_items_within_bounds(taizhou):
    for result in AssessmentResult.objects.filter(scheme=taizhou).prefetch_related("scores__item"):
        scores = list(result.scores.all())
        assert len(scores) == 30
        for s in scores:
            assert 0 <= s.points <= s.item.max_points, (result.unit, s.item)
        base = sum((s.points for s in scores if not s.item.is_bonus), D(0))
        bonus = min(sum((s.points for s in scores if s.item.is_bonus), D(0)), taizhou.bonus_cap)
        assert (result.base_points, result.bonus_points) == (base, bonus)
        assert result.total == base + bonus + result.title_points
