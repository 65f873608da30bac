"""Assessment services: compute from entries and accepted data, overrides,
publish lock, copy to next year; and the selectors the PDFs read."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from assessment import scoring, selectors, services
from assessment.models import AssessmentEntry, AssessmentItem, AssessmentResult, ItemScore
from assessment.procedure import Stage
from assessment.services import steps
from projects.dashboard import unit_ranking
from tests import factories
from tests.assessment import builders


def enter(scheme, unit, name, by, **raw):
    item = AssessmentItem.objects.get(category__scheme=scheme, name=name)
    return services.assessment_enter_raw(item=item, unit=unit, by=by, reason="年终检查", **raw)


@pytest.fixture
def scheme(city):
    return builders.bureau_scheme()


def fill(scheme, unit, by, *, products, target, missing, exam, accidents=0, honours=0):
    enter(
        scheme,
        unit,
        "名牌产品、地理标志产品、优质示范基地",
        by,
        value=D(products),
        target=D(target),
    )
    enter(scheme, unit, "服务企业记录、检定记录", by, value=D(missing))
    enter(scheme, unit, "培训考试", by, state=exam)
    enter(scheme, unit, "发生重大质量安全事故", by, value=D(accidents))
    enter(scheme, unit, "获省级以上质量荣誉", by, value=D(honours))


def test_compute_reads_milestones_entries_and_rules(city, scheme):
    # 质监局: 1 milestone (due 6-30), done → 100% → 40; 商务局: 2 milestones, none done → 0.
    city.ms_zhijian.status, city.ms_zhijian.done_date = "done", dt.date(2010, 6, 28)
    city.ms_zhijian.save()
    fill(scheme, city.zhijian, city.olivia, products=6, target=4, missing=3, exam="done", honours=2)
    fill(scheme, city.shangwu, city.olivia, products=1, target=2, missing=0, exam="not_done")

    table = selectors.assessment_table(2010)
    rows = {r.unit.name: r for r in table.rows}
    zj, sw = rows["质监局"], rows["商务局"]
    # 质监局: 40 + 20 (over target) + (20 - 3×2) + 20 = 94, bonus 2×2 = 4 → 98; money +200 −150.
    assert (zj.total, zj.money, zj.rank, zj.grade_label) == (D("98.00"), D("50.00"), 1, "优秀")
    assert zj.subtotals == [D("60.00"), D("34.00")]
    # 商务局: 0 + (20 − 5) + 20 + 0 = 35; money −100 −600.
    assert (sw.total, sw.money, sw.rank, sw.grade_label) == (D("35.00"), D("-700.00"), 2, "不合格")


def test_veto_fails_the_unit_whatever_its_points(city, scheme):
    fill(
        scheme, city.zhijian, city.olivia, products=6, target=4, missing=0, exam="done", accidents=1
    )
    card = selectors.unit_card(2010, city.zhijian)
    assert card.result.vetoed and card.grade_label == "不合格"
    assert [i.name for i in card.items if i.vetoed] == ["发生重大质量安全事故"]


def test_raw_value_of_the_wrong_kind_is_refused_in_chinese(city, scheme):
    with pytest.raises(ValidationError) as exc:
        enter(scheme, city.zhijian, "服务企业记录、检定记录", city.olivia, value=D("2.5"))
    assert "整数" in str(exc.value.message_dict["value"])
    with pytest.raises(ValidationError) as exc:
        enter(scheme, city.zhijian, "培训考试", city.olivia, value=D(1))
    assert "完成情况" in str(exc.value.message_dict)
    assert not AssessmentEntry.objects.exists()


def test_override_is_recorded_with_who_and_why(city, scheme):
    fill(scheme, city.zhijian, city.olivia, products=4, target=4, missing=0, exam="not_done")
    score = ItemScore.objects.get(result__unit=city.zhijian, item__name="培训考试")
    with pytest.raises(ValidationError):
        services.assessment_override(score=score, by=city.olivia, reason="", points=D(10))
    with pytest.raises(ValidationError):
        services.assessment_override(score=score, by=city.olivia, reason="补考通过", points=D(30))
    services.assessment_override(
        score=score, by=city.olivia, reason="补考通过", points=D(20), money=D(0)
    )
    score.refresh_from_db()
    assert score.overridden_by == city.olivia and score.override_reason == "补考通过"
    card = selectors.unit_card(2010, city.zhijian)
    assert card.result.total == D("60.00")  # 0 + 20 + 20 + 20
    assert card.result.money == D("0.00")
    # The computed score is kept beside the override.
    assert score.computed_points == D("0.00") and score.points == D("20.00")


def test_final_results_are_locked_except_for_admins(city, scheme):
    fill(scheme, city.zhijian, city.olivia, products=4, target=4, missing=1, exam="done")
    scheme = builders.advance(scheme, Stage.FINAL, city.olivia)
    assert scheme.is_published and scheme.published_by == city.olivia
    with pytest.raises(PermissionDenied):
        enter(scheme, city.zhijian, "服务企业记录、检定记录", city.olivia, value=D(2))
    entry = enter(scheme, city.zhijian, "服务企业记录、检定记录", city.adam, value=D(2))
    last = entry.history.first()
    assert last.history_user == city.adam
    assert last.history_change_reason.startswith("[最终结果后修改]")
    assert selectors.unit_card(2010, city.zhijian).result.money == D("-100.00")


def test_clerk_cannot_move_the_procedure(city, scheme):
    with pytest.raises(PermissionDenied):
        steps.scheme_move(scheme=scheme, target=Stage.SELF, by=city.alice)
    scheme.refresh_from_db()
    assert scheme.stage == Stage.DRAFT


def test_scheme_with_wrong_weights_is_not_computed(city, scheme):
    scheme.categories.filter(name="综合管理").update(max_points=D(30))
    with pytest.raises(services.SchemeInvalid) as exc:
        services.assessment_compute(scheme=scheme)
    assert "90" in " ".join(exc.value.messages)


def test_copy_to_next_year_lists_the_changes(city, scheme):
    new = services.scheme_copy_to_next_year(scheme=scheme)
    assert (new.year, new.copied_from, new.is_published) == (2011, scheme, False)
    assert "由2010年" in new.change_notes
    assert AssessmentItem.objects.for_scheme(new).count() == 6
    exam = AssessmentItem.objects.get(category__scheme=new, name="培训考试")
    exam.points_partly = D(10)
    exam.save()
    new_cat = new.categories.get(name="综合管理")
    builders.item(new_cat, "建立健全特种设备监管责任机制", scoring.RuleKind.FIXED, 0, order=9)
    changes = selectors.scheme_changes(new)
    assert "新增项目：综合管理 · 建立健全特种设备监管责任机制" in changes
    assert any("培训考试" in c and "部分完成10分" in c for c in changes)
    with pytest.raises(ValidationError):
        services.scheme_copy_to_next_year(scheme=scheme)


def test_linked_indicators_give_the_raw_value(city, scheme):
    indicator = factories.IndicatorFactory(
        project=city.project1, subitem=city.sub_zhijian, name="山东名牌产品", target=4, actual=5
    )
    item = AssessmentItem.objects.get(category__scheme=scheme, name__startswith="名牌产品")
    item.source = AssessmentItem.Source.LINKED
    item.save()
    item.indicators.add(indicator)
    services.assessment_compute(scheme=scheme)
    score = ItemScore.objects.get(result__unit=city.zhijian, item=item)
    assert (score.raw_source, score.raw_value, score.raw_target) == ("computed", D(5), D(4))
    assert score.computed_money == D("100.00")
    # 商务局 has no linked indicator: waiting for a raw value.
    assert ItemScore.objects.get(result__unit=city.shangwu, item=item).raw_source == "missing"


def test_recompute_without_changes_writes_no_history(city, scheme):
    fill(scheme, city.zhijian, city.olivia, products=4, target=4, missing=1, exam="done")
    scores = ItemScore.history.count()
    results = AssessmentResult.history.count()
    services.assessment_compute(scheme=scheme)
    assert (ItemScore.history.count(), AssessmentResult.history.count()) == (scores, results)
    enter(scheme, city.zhijian, "服务企业记录、检定记录", city.olivia, value=D(2))
    # One item of one unit moved: one score row and one result row.
    assert ItemScore.history.count() == scores + 1
    assert AssessmentResult.history.count() == results + 1


def test_results_keep_the_on_time_and_late_figures_they_were_computed_from(city, scheme):
    def finish(milestone, done):
        milestone.status, milestone.done_date = "done", done
        milestone.save()

    noon = dt.datetime(2010, 9, 30, 4, 0, tzinfo=dt.UTC)
    with time_machine.travel(noon, tick=False):
        finish(city.ms_zhijian, dt.date(2010, 7, 2))  # due 6-30: late
        finish(city.ms_shangwu, dt.date(2010, 9, 20))  # due 9-30: on time
        services.assessment_compute(scheme=scheme)
        stored = {
            r.unit.name: r.milestone_figures
            for r in AssessmentResult.objects.filter(scheme=scheme).select_related("unit")
        }
        # (total, done, due, due done, due on time, late, red, amber)
        assert stored["质监局"] == (1, 1, 1, 1, 0, 1, 0, 0)
        assert stored["商务局"] == (2, 1, 1, 1, 1, 0, 0, 0)
        # The same figures as the dashboard's unit rows, read back from the database.
        rows = {r.name: r for r in unit_ranking(city.plan, as_of=dt.date(2010, 9, 30))}
        zj = rows["质监局"]
        assert stored["质监局"] == (
            zj.total,
            zj.done,
            zj.due,
            zj.due_done,
            zj.due_on_time,
            zj.late,
            zj.red,
            zj.amber,
        )
        result = AssessmentResult.objects.get(scheme=scheme, unit=city.zhijian)
        assert (result.milestones_on_time_percent, result.milestones_late) == (0, 1)

        # The late completion corrected to on time: the next computation stores it.
        finish(city.ms_zhijian, dt.date(2010, 6, 29))
        services.assessment_compute(scheme=scheme)
        result.refresh_from_db()
        assert result.milestone_figures == (1, 1, 1, 1, 1, 0, 0, 0)
        assert result.milestones_on_time_percent == 100
