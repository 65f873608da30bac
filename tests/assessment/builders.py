"""Plain functions that build assessment schemes for tests."""

from decimal import Decimal as D

from assessment import scoring
from assessment.models import AssessmentCategory, AssessmentItem, AssessmentScheme
from responsibility.models import Unit


def scheme(year=2010, unit_kind=Unit.Kind.BUREAU, **fields) -> AssessmentScheme:
    defaults = {
        "name": f"{year}年度考核办法",
        "total_points": D(100),
        "excellent_from": D(90),
        "good_from": D(80),
        "pass_from": D(60),
        "bonus_cap": D(5),
    }
    defaults.update(fields)
    return AssessmentScheme.objects.create(year=year, unit_kind=unit_kind, **defaults)


def category(scheme, name, max_points, order=0) -> AssessmentCategory:
    return AssessmentCategory.objects.create(
        scheme=scheme, name=name, max_points=D(max_points), order=order
    )


def item(category, name, kind=scoring.RuleKind.FIXED, max_points=0, order=0, **fields):
    max_points = D(max_points)
    if kind == scoring.RuleKind.FIXED:
        fields.setdefault("points_done", max_points)
    if "tiers" in fields and isinstance(fields["tiers"], str):
        fields["tiers"] = scoring.tiers_to_json(scoring.parse_tiers(fields["tiers"]))
    return AssessmentItem.objects.create(
        category=category, name=name, rule_kind=kind, max_points=max_points, order=order, **fields
    )


def bureau_scheme(year=2010) -> AssessmentScheme:
    """A small Zhucheng-style bureau scheme: 100 points in two categories plus a
    bonus category and a veto item."""
    s = scheme(year)
    work = category(s, "项目推进", 60, order=1)
    item(
        work,
        "进度节点按期完成率",
        scoring.RuleKind.TIERS,
        40,
        tiers="0-60:0; 60-80:20; 80-100:32; 100-:40",
        source=AssessmentItem.Source.UNIT_MILESTONES,
    )
    item(
        work,
        "名牌产品、地理标志产品、优质示范基地",
        scoring.RuleKind.OVER_UNDER,
        20,
        order=2,
        per_points=D(5),
        per_money=D(100),
    )
    admin = category(s, "综合管理", 40, order=2)
    item(
        admin,
        "服务企业记录、检定记录",
        scoring.RuleKind.DEDUCT,
        20,
        per_points=D(2),
        per_money=D(50),
    )
    item(
        admin,
        "培训考试",
        scoring.RuleKind.FIXED,
        20,
        order=2,
        points_partly=D(20),
        money_not_done=D(-600),
    )
    item(admin, "发生重大质量安全事故", scoring.RuleKind.VETO, 0, order=3)
    bonus = category(s, "加分项", 0, order=3)
    item(
        bonus,
        "获省级以上质量荣誉",
        scoring.RuleKind.COUNT,
        5,
        is_bonus=True,
        per_points=D(2),
    )
    return s


def advance(scheme, stage, by):
    """Walk ``scheme`` forward to ``stage`` through the procedure's own services
    (``assessment.services.steps.scheme_move``), as the office would; into final
    the clock jumps past the notice period. Returns the scheme as it is then."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from assessment import procedure
    from assessment.services import steps
    from common import clock

    while procedure.position(scheme.stage) < procedure.position(stage):
        target = procedure.next_stage(scheme.stage)
        if target == procedure.Stage.FINAL:
            after = dt.datetime.combine(
                scheme.notice_until + dt.timedelta(days=1),
                dt.time(10),
                timezone.get_current_timezone(),
            )
            with time_machine.travel(after, tick=False):
                assert clock.today() > scheme.notice_until
                scheme = steps.scheme_move(scheme=scheme, target=target, by=by)
        else:
            scheme = steps.scheme_move(scheme=scheme, target=target, by=by)
    return scheme
