"""Assessment items that take their raw values from late completions and from 督办:
"进度节点按期完成" counts only milestones done by their due date (late ones at the
item's credit), and "每被黄牌督办一次扣1分" is a rule the office sets, not a hand entry."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError

from assessment import scoring, services
from assessment.models import AssessmentItem, ItemScore
from projects.models import Milestone, Supervision
from projects.services import supervision as supervision_service
from tests import factories
from tests.assessment import builders
from tests.projects.reporting_support import SHANGHAI

pytestmark = pytest.mark.django_db

Source = AssessmentItem.Source


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI), tick=False)


def done(milestone: Milestone, day: dt.date) -> None:
    Milestone.objects.filter(pk=milestone.pk).update(status="done", done_date=day, percent=100)


@pytest.fixture
def ladder(db):
    return factories.ladder()


def score_of(item, unit) -> ItemScore:
    return ItemScore.objects.get(item=item, result__unit=unit)


@pytest.fixture
def milestones(city):
    """质监局: two milestones due by 9-30, one done on time, one done late."""
    late = factories.MilestoneFactory(
        project=city.project1,
        subitem=city.sub_zhijian,
        unit=city.zhijian,
        name="名牌复查",
        due_date=dt.date(2010, 8, 31),
    )
    done(city.ms_zhijian, dt.date(2010, 6, 28))  # due 6-30: on time
    done(late, dt.date(2010, 9, 29))  # due 8-31: 29 days late
    return late


def scheme_with(**item_fields):
    """A one-item scheme (plus what makes its weights add up)."""
    s = builders.scheme(2010)
    work = builders.category(s, "项目推进", 100, order=1)
    item = builders.item(work, "考核项", max_points=100, **item_fields)
    return s, item


def test_on_time_rate_counts_late_completions_as_not_done(city, milestones):
    s, item = scheme_with(
        kind=scoring.RuleKind.TIERS,
        tiers="0-50:0; 50-100:50; 100-:100",
        source=Source.UNIT_MILESTONES,
    )
    with at(dt.date(2010, 9, 30)):
        services.assessment_compute(scheme=s)
    score = score_of(item, city.zhijian)
    # 2 due, 1 on time: 50% → 50 points (a late completion counted as done would give 100).
    assert (score.raw_value, score.raw_target) == (D("1"), D("2"))
    assert score.computed_points == D("50.00")
    result = score.result
    assert (result.milestones_due, result.milestones_due_on_time, result.milestones_late) == (
        2,
        1,
        1,
    )


def test_a_scheme_may_give_late_completions_half_credit(city, milestones):
    s, item = scheme_with(
        kind=scoring.RuleKind.TIERS,
        tiers="0-50:0; 50-75:50; 75-100:75; 100-:100",
        source=Source.UNIT_MILESTONES,
        late_credit=D("0.5"),
    )
    with at(dt.date(2010, 9, 30)):
        services.assessment_compute(scheme=s)
    score = score_of(item, city.zhijian)
    assert (score.raw_value, score.raw_target) == (D("1.5"), D("2"))
    assert score.computed_points == D("75.00")


def test_linked_milestones_count_on_time_and_late_apart(city, milestones):
    s, item = scheme_with(kind=scoring.RuleKind.DEDUCT, per_points=D(10), source=Source.LINKED)
    item.milestones.set([city.ms_zhijian, milestones])
    with at(dt.date(2010, 9, 30)):
        services.assessment_compute(scheme=s)
    # Of the 2 linked milestones one is missing on time: 100 − 10.
    assert score_of(item, city.zhijian).computed_points == D("90.00")


def test_each_late_completion_can_cost_points(city, milestones):
    s, item = scheme_with(kind=scoring.RuleKind.DEDUCT, per_points=D(5), source=Source.UNIT_LATE)
    with at(dt.date(2010, 9, 30)):
        services.assessment_compute(scheme=s)
    assert score_of(item, city.zhijian).computed_points == D("95.00")
    # A unit with no late completion has a raw value 0, not "missing".
    clean = score_of(item, city.shangwu)
    assert (clean.raw_source, clean.raw_value, clean.computed_points) == (
        "computed",
        D("0"),
        D("100.00"),
    )


def test_every_yellow_duban_costs_a_point(city, ladder):
    cuiban, duban, _tongbao = ladder
    with at(dt.date(2010, 9, 1)):
        supervision_service.supervision_send(
            milestones=[city.ms_zhijian], level=cuiban, sender=city.olivia
        )
        supervision_service.supervision_send(
            milestones=[city.ms_zhijian], level=duban, sender=city.olivia
        )
        supervision_service.supervision_send(
            milestones=[city.ms_zhijian], level=duban, sender=city.olivia, confirm_duplicate=True
        )
    s = builders.scheme(2010)
    work = builders.category(s, "督办落实", 100, order=1)
    yellow = builders.item(
        work,
        "每被督办（黄色）一次扣1分",
        scoring.RuleKind.DEDUCT,
        50,
        per_points=D(1),
        source=Source.UNIT_SUPERVISIONS,
        supervision_level=duban,
    )
    every = builders.item(
        work,
        "每被督办一次扣1分（各级）",
        scoring.RuleKind.DEDUCT,
        50,
        order=2,
        per_points=D(1),
        source=Source.UNIT_SUPERVISIONS,
    )
    with at(dt.date(2010, 9, 30)):
        services.assessment_compute(scheme=s)
    assert score_of(yellow, city.zhijian).computed_points == D("48.00")
    assert score_of(every, city.zhijian).computed_points == D("47.00")
    assert score_of(every, city.shangwu).computed_points == D("50.00")


def test_late_acknowledgements_can_cost_points(city, ladder):
    cuiban = ladder[0]
    with at(dt.date(2010, 9, 1)):
        [first] = supervision_service.supervision_send(
            milestones=[city.ms_zhijian], level=cuiban, sender=city.olivia
        )
        supervision_service.supervision_send(
            milestones=[city.ms_zhijian], level=ladder[1], sender=city.olivia
        )
    with at(dt.date(2010, 9, 2)):  # on time
        supervision_service.supervision_acknowledge(item=first, user=city.alice)
    # The second is never acknowledged: late once its deadline (9-2) has passed.
    s, item = scheme_with(
        kind=scoring.RuleKind.DEDUCT, per_points=D(2), source=Source.UNIT_LATE_ACKS
    )
    with at(dt.date(2010, 9, 2)):
        services.assessment_compute(scheme=s)
    assert score_of(item, city.zhijian).computed_points == D("100.00")
    with at(dt.date(2010, 9, 3)):
        services.assessment_compute(scheme=s)
    assert score_of(item, city.zhijian).computed_points == D("98.00")
    assert Supervision.objects.count() == 2


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"kind": scoring.RuleKind.TIERS, "source": Source.UNIT_SUPERVISIONS}, "rule_kind"),
        (
            {"kind": scoring.RuleKind.DEDUCT, "per_points": D(1), "source": Source.MANUAL},
            "supervision_level",
        ),
        (
            {
                "kind": scoring.RuleKind.DEDUCT,
                "per_points": D(1),
                "source": Source.UNIT_INDICATORS,
                "late_credit": D("0.5"),
            },
            "late_credit",
        ),
    ],
)
def test_items_whose_source_does_not_fit_are_refused_in_chinese(city, ladder, fields, field):
    s = builders.scheme(2010)
    work = builders.category(s, "项目推进", 100)
    kind = fields.pop("kind")
    if field == "supervision_level":
        fields["supervision_level"] = ladder[1]
    item = AssessmentItem(
        category=work, name="x", rule_kind=kind, max_points=D(10), tiers=[], **fields
    )
    if kind == scoring.RuleKind.TIERS:
        item.tiers = scoring.tiers_to_json(scoring.parse_tiers("0-:10"))
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    messages = refused.value.message_dict[field]
    assert messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages)


def test_late_credit_outside_zero_to_one_is_refused(city):
    s = builders.scheme(2010)
    work = builders.category(s, "项目推进", 100)
    item = AssessmentItem(
        category=work,
        name="x",
        rule_kind=scoring.RuleKind.DEDUCT,
        max_points=D(10),
        per_points=D(1),
        source=Source.UNIT_MILESTONES,
        late_credit=D("1.5"),
    )
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert "late_credit" in refused.value.message_dict
