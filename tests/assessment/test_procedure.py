"""The assessment procedure through the pages: draft → 自评 → 核查 → 公示 → final,
each stage change three ways, the units' self-assessment and its verification,
objections and their answers, and the bad input each step refuses."""
# ruff: noqa: F811  (pytest fixtures imported from reporting_support)

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment import services
from assessment.models import (
    AssessmentEntry,
    AssessmentItem,
    AssessmentScheme,
    ItemScore,
    Objection,
    SelfEntry,
)
from assessment.procedure import Stage
from assessment.services import steps
from tests.assessment import builders
from tests.projects.reporting_support import SHANGHAI, media, pdf_bytes  # noqa: F401

pytestmark = pytest.mark.django_db


def on(month: int, day: int, hour: int = 10):
    return time_machine.travel(dt.datetime(2010, month, day, hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def scheme(city):
    s = builders.bureau_scheme()
    services.assessment_compute(scheme=s)
    return AssessmentScheme.objects.get(pk=s.pk)


def item(scheme, name: str) -> AssessmentItem:
    return AssessmentItem.objects.get(category__scheme=scheme, name=name)


def item_url(unit, it) -> str:
    return reverse("assessment_item", kwargs={"year": 2010, "unit_id": unit.pk, "item_id": it.pk})


def move(client, scheme, target, **extra):
    return client.post(
        reverse("assessment_stage", kwargs={"year": 2010}),
        {"scheme": scheme.pk, "target": target, "confirm": "on", **extra},
    )


def stage_of(scheme) -> str:
    return AssessmentScheme.objects.get(pk=scheme.pk).stage


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_a_year_walks_through_every_stage(client, city, scheme, media):
    exam, records = item(scheme, "培训考试"), item(scheme, "服务企业记录、检定记录")
    milestones = item(scheme, "进度节点按期完成率")
    with on(12, 20):
        client.force_login(city.olivia)
        assert move(client, scheme, "self").status_code == 302
        assert stage_of(scheme) == Stage.SELF

        # 自评: the clerk enters the unit's own values, with a note and evidence.
        client.force_login(city.alice)
        assert "自评进行中：本单位已自评 0 /" in page(
            client, reverse("assessment_unit", args=[2010, city.zhijian.pk])
        )
        upload = SimpleUploadedFile("培训签到表.pdf", pdf_bytes(), content_type="application/pdf")
        response = client.post(
            item_url(city.zhijian, exam),
            {
                "form": "self",
                "state": "done",
                "reason": "全员参加培训并通过考试。",
                "evidence": upload,
            },
        )
        assert response.status_code == 302
        client.post(
            item_url(city.zhijian, records),
            {"form": "self", "value": "0", "reason": "服务记录和检定记录齐全。"},
        )
        own = SelfEntry.objects.get(item=exam, unit=city.zhijian)
        assert (own.state, own.verdict, own.entered_by) == ("done", "pending", city.alice)
        assert (
            client.get(
                reverse("assessment_self_evidence", args=[2010, city.zhijian.pk, exam.pk])
            ).status_code
            == 200
        )
        # An item the system computes shows where its value comes from, not a form.
        html = page(client, item_url(city.zhijian, milestones))
        assert "各单位无需自评" in html and 'name="form" value="self"' not in html

    with on(12, 21):
        client.force_login(city.olivia)
        move(client, scheme, "verify")
        assert stage_of(scheme) == Stage.VERIFY
        # The unit's entries are closed now.
        client.force_login(city.alice)
        response = client.post(
            item_url(city.zhijian, exam), {"form": "self", "state": "partly", "reason": "改"}
        )
        assert response.status_code == 403
        assert "当前为“核查”阶段，不能填报自评" in response.content.decode()
        # 核查: one accepted, one set by the office with a reason.
        client.force_login(city.olivia)
        client.post(item_url(city.zhijian, exam), {"form": "verify", "decision": "accept"})
        response = client.post(
            item_url(city.zhijian, records),
            {"form": "verify", "decision": "adjust", "value": "2", "reason": "抽查缺2份记录。"},
        )
        assert response.status_code == 302
        assert AssessmentEntry.objects.get(item=records, unit=city.zhijian).value == D(2)
        html = page(client, item_url(city.zhijian, records))
        assert "核查调整" in html and "自评 0 → 核查 2" in html

    with on(12, 22):
        client.force_login(city.olivia)  # sessions last two hours
        move(client, scheme, "notice")
        scheme.refresh_from_db()
        assert (scheme.stage, scheme.notice_from, scheme.notice_until) == (
            Stage.NOTICE,
            dt.date(2010, 12, 22),
            dt.date(2010, 12, 28),
        )
        before = ItemScore.objects.get(item=records, result__unit=city.zhijian).points
        assert before == D("16.00")  # 20 − 2 × 2

        # 复核: the head objects; a clerk may not.
        client.force_login(city.alice)
        response = client.post(
            item_url(city.zhijian, records), {"form": "objection", "reason": "记录已补齐。"}
        )
        assert response.status_code == 403
        assert "复核申请须由本单位负责人提出" in response.content.decode()
        client.force_login(city.helen)
        for it, reason in (
            (records, "缺的2份记录在档案室，已调阅。"),
            (exam, "考试成绩单已提交。"),
        ):
            response = client.post(
                item_url(city.zhijian, it), {"form": "objection", "reason": reason}
            )
            assert response.status_code == 302
        assert Objection.objects.filter(state="open").count() == 2

        # Final is refused with open objections and before the notice period ends.
        client.force_login(city.olivia)
        response = move(client, scheme, "final")
        refused = " ".join(messages_of(client.get(response.url)))
        assert "公示期满后才能确认最终结果" in refused and "2项复核申请未答复" in refused
        assert stage_of(scheme) == Stage.NOTICE

    with on(12, 24):
        client.force_login(city.olivia)
        response = client.post(
            item_url(city.zhijian, records),
            {"form": "answer", "decision": "uphold", "value": "0", "reason": "经调阅，记录齐全。"},
        )
        assert response.status_code == 302
        upheld = Objection.objects.get(item=records)
        assert (upheld.state, upheld.points_before, upheld.points_after) == (
            "upheld",
            D("16.00"),
            D("20.00"),
        )
        assert ItemScore.objects.get(item=records, result__unit=city.zhijian).points == D("20.00")
        client.post(
            item_url(city.zhijian, exam),
            {"form": "answer", "decision": "reject", "reason": "考试合格，得分无误。"},
        )
        assert Objection.objects.get(item=exam).state == "rejected"
        # Both answers stay on the unit's page.
        html = page(client, reverse("assessment_unit", args=[2010, city.zhijian.pk]))
        assert "经调阅，记录齐全。" in html and "考试合格，得分无误。" in html

    with on(12, 29):
        client.force_login(city.olivia)
        assert move(client, scheme, "final").status_code == 302
        scheme.refresh_from_db()
        assert scheme.stage == Stage.FINAL and scheme.published_by == city.olivia
        # Locked: the office changes nothing now.
        response = client.post(
            item_url(city.zhijian, exam), {"entry": "1", "state": "partly", "reason": "改"}
        )
        assert response.status_code == 403
        moves = list(scheme.stage_changes.values_list("from_stage", "to_stage", "by__username"))
        assert moves == [
            ("draft", "self", "olivia"),
            ("self", "verify", "olivia"),
            ("verify", "notice", "olivia"),
            ("notice", "final", "olivia"),
        ]


@pytest.mark.parametrize(
    "start, target", [("draft", "self"), ("self", "verify"), ("verify", "notice")]
)
def test_each_stage_change_three_ways(client, city, scheme, start, target):
    AssessmentScheme.objects.filter(pk=scheme.pk).update(stage=start)
    url = reverse("assessment_stage", kwargs={"year": 2010})
    data = {"scheme": scheme.pk, "target": target, "confirm": "on"}
    response = client.post(url, data)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (city.alice, city.helen, city.victor):
        client.force_login(user)
        response = client.post(url, data)
        assert response.status_code == 403
        assert "只有市政府办公室可以推进考核阶段" in response.content.decode()
    assert stage_of(scheme) == start
    client.force_login(city.olivia)
    assert client.post(url, data).status_code == 302
    assert stage_of(scheme) == target


def test_going_back_needs_an_administrator_and_a_reason(client, city, scheme):
    builders.advance(scheme, Stage.VERIFY, city.olivia)
    client.force_login(city.olivia)
    response = move(client, scheme, "self", reason="单位要求补报")
    assert response.status_code == 403 and "须由系统管理员操作" in response.content.decode()
    client.force_login(city.adam)
    response = move(client, scheme, "self")
    assert "请填写退回理由" in " ".join(messages_of(client.get(response.url)))
    assert stage_of(scheme) == Stage.VERIFY
    move(client, scheme, "self", reason="质监局自评材料漏报，退回补报。")
    assert stage_of(scheme) == Stage.SELF
    last = AssessmentScheme.objects.get(pk=scheme.pk).stage_changes.last()
    assert (last.by, last.reason, last.is_back) == (
        city.adam,
        "质监局自评材料漏报，退回补报。",
        True,
    )
    # Skipping a stage is no move at all.
    response = move(client, scheme, "notice")
    assert response.status_code == 403 and "逐级推进" in response.content.decode()


def test_a_move_without_confirming_changes_nothing(client, city, scheme):
    client.force_login(city.olivia)
    response = client.post(
        reverse("assessment_stage", kwargs={"year": 2010}), {"scheme": scheme.pk, "target": "self"}
    )
    assert "请勾选确认后再操作" in " ".join(messages_of(client.get(response.url)))
    assert stage_of(scheme) == Stage.DRAFT and not scheme.stage_changes.exists()


def test_the_notice_move_warns_when_the_year_is_not_over(client, city, scheme):
    builders.advance(scheme, Stage.VERIFY, city.olivia)
    client.force_login(city.olivia)
    with on(9, 30):
        html = page(client, reverse("assessment_ranking", kwargs={"year": 2010}))
    assert "本年度尚未结束" in html and "计算并公示考核结果" in html


def test_objections_only_during_the_notice_period_and_only_on_ones_own_unit(client, city, scheme):
    records = item(scheme, "服务企业记录、检定记录")
    client.force_login(city.helen)
    response = client.post(item_url(city.zhijian, records), {"form": "objection", "reason": "x"})
    assert response.status_code == 403
    assert "只能在考核结果公示期间申请复核" in response.content.decode()
    with on(12, 22):
        builders.advance(scheme, Stage.NOTICE, city.olivia)
        # Another unit's item: not even there.
        response = client.post(
            item_url(city.shangwu, records), {"form": "objection", "reason": "x"}
        )
        assert response.status_code == 404
    with on(12, 29):  # the notice period (12-22 to 12-28) is over
        client.force_login(city.helen)
        response = client.post(
            item_url(city.zhijian, records), {"form": "objection", "reason": "x"}
        )
        assert response.status_code == 403
    assert not Objection.objects.exists()


def test_an_answer_is_given_once(client, city, scheme):
    records = item(scheme, "服务企业记录、检定记录")
    with on(12, 22):
        builders.advance(scheme, Stage.NOTICE, city.olivia)
        client.force_login(city.helen)
        client.post(item_url(city.zhijian, records), {"form": "objection", "reason": "请复核"})
        client.force_login(city.olivia)
        data = {"form": "answer", "decision": "reject", "reason": "无误。"}
        assert client.post(item_url(city.zhijian, records), data).status_code == 302
        response = client.post(item_url(city.zhijian, records), data)
        assert response.status_code == 403
        assert "没有待答复的复核申请" in response.content.decode()
    assert Objection.objects.get().answer == "无误。"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"value": "3", "reason": "x"}, "请选择完成情况"),
        ({"state": "done", "reason": ""}, "请填写自评说明"),
        ({"state": "done", "reason": "说" * 2001}, "自评说明最多2000字"),
        ({"state": "maybe", "reason": "x"}, "选择一个有效的选项"),
    ],
)
def test_self_values_of_the_wrong_kind_are_refused_in_chinese(
    client, city, scheme, fields, message
):
    builders.advance(scheme, Stage.SELF, city.olivia)
    client.force_login(city.alice)
    response = client.post(
        item_url(city.zhijian, item(scheme, "培训考试")), {"form": "self", **fields}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SelfEntry.objects.exists()


def test_a_negative_count_is_refused(client, city, scheme):
    builders.advance(scheme, Stage.SELF, city.olivia)
    client.force_login(city.alice)
    response = client.post(
        item_url(city.zhijian, item(scheme, "服务企业记录、检定记录")),
        {"form": "self", "value": "-1", "reason": "x"},
    )
    assert response.status_code == 200 and "不能为负数" in response.content.decode()
    assert not SelfEntry.objects.exists()


def test_units_read_the_ranking_of_a_public_year_without_money(client, city, scheme):
    """In 公示 every signed-in unit reads the provisional ranking."""
    with on(12, 22):
        builders.advance(scheme, Stage.NOTICE, city.olivia)
        client.force_login(city.bob)
        response = client.get(reverse("assessment_ranking", kwargs={"year": 2010}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "质监局" in html and "商务局" in html
    assert "奖惩" not in html


def test_published_results_stand_while_the_plan_moves_on(client, city, scheme):
    """After 公示 starts, a milestone done meanwhile does not move the computed
    values: an upheld objection and finalising change only what they change."""
    from projects.models import Milestone

    milestones = item(scheme, "进度节点按期完成率")
    records = item(scheme, "服务企业记录、检定记录")
    with on(12, 22):
        scheme = builders.advance(scheme, Stage.NOTICE, city.olivia)
    published = ItemScore.objects.get(item=milestones, result__unit=city.shangwu)
    result = published.result
    with on(12, 23):
        # 商务局 finishes a milestone after the results were published.
        Milestone.objects.filter(pk=city.ms_shangwu.pk).update(
            status="done", done_date=dt.date(2010, 9, 29), percent=100
        )
        objection = steps.objection_lodge(
            scheme=scheme, unit=city.zhijian, item=records, by=city.helen, reason="请复核"
        )
        steps.objection_answer(
            objection=objection,
            by=city.olivia,
            uphold=True,
            answer="采纳",
            change=steps.Change(value=D(0)),
        )
    after = ItemScore.objects.get(item=milestones, result__unit=city.shangwu)
    assert (after.raw_value, after.raw_target, after.points) == (
        published.raw_value,
        published.raw_target,
        published.points,
    )
    result.refresh_from_db()
    assert result.milestone_figures == published.result.milestone_figures
    scheme = builders.advance(scheme, Stage.FINAL, city.olivia)
    assert ItemScore.objects.get(item=milestones, result__unit=city.shangwu).points == (
        published.points
    )
