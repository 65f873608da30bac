"""Every change is on record (django-simple-history), shown as the milestone's
timeline; concurrent edits cannot silently overwrite each other."""
# ruff: noqa: F811  (pytest fixtures imported from reporting_support)

import datetime as dt

import pytest
from django.urls import reverse

from projects.models import Milestone, PlanYear, ProgressReport
from projects.timeline import milestone_timeline
from tests import factories
from tests.projects.reporting_support import frozen, report_data  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def _full_loop(client, city):
    client.force_login(city.alice)
    client.post(
        reverse("milestone_report", args=[city.ms_zhijian.pk]),
        report_data(status="done", percent="100", done_date="2010-09-20"),
    )
    report = ProgressReport.objects.get()
    client.force_login(city.helen)
    client.post(reverse("report_review", args=[report.pk]), {"action": "approve"})
    client.force_login(city.olivia)
    client.post(reverse("report_review", args=[report.pk]), {"action": "accept"})
    return report


def test_report_and_review_steps_are_recorded_with_their_users(client, frozen, city):
    report = _full_loop(client, city)
    records = list(report.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.review_state, r.history_user) for r in records] == [
        ("+", "submitted", city.alice),
        ("~", "head_approved", city.helen),
        ("~", "accepted", city.olivia),
    ]


def test_milestone_change_is_recorded_old_to_new(client, frozen, city):
    _full_loop(client, city)
    latest = city.ms_zhijian.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == city.olivia
    delta = latest.diff_against(latest.prev_record)
    changes = {c.field: (c.old, c.new) for c in delta.changes}
    assert changes["status"] == ("not_started", "done")
    assert changes["percent"] == (0, 100)
    assert changes["done_date"] == (None, dt.date(2010, 9, 20))


def test_milestone_page_shows_the_timeline(client, frozen, city):
    client.force_login(city.olivia)
    client.post(
        reverse("supervision_new"),
        {"m": [city.ms_zhijian.pk], "level": factories.ladder()[0].pk, "text": "请补充照片"},
    )
    _full_loop(client, city)
    client.force_login(city.victor)  # the vice-mayor of project 1 reads it too
    body = client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk])).content.decode()
    for text in [
        "创建进度节点",
        "提交进展填报",
        "单位负责人审核通过",
        "市政府办公室审核通过",
        "修改进度节点",
        "状态：未开始 → 已完成",
        "完成日期：— → 2010年9月20日",
        "交办催办单",
        "请补充照片",
        "olivia",
        "helen",
    ]:
        assert text in body, text


def test_timeline_survives_history_without_its_creation_row(client, frozen, city):
    # django-simple-history's clean_old_history prunes old rows, the "+" one included.
    _full_loop(client, city)
    city.ms_zhijian.history.filter(history_type="+").delete()
    client.force_login(city.olivia)
    response = client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk]))
    assert response.status_code == 200
    assert "提交进展填报" in response.content.decode()


def test_timeline_shows_returns_with_reason(frozen, city, client):
    client.force_login(city.alice)
    client.post(reverse("milestone_report", args=[city.ms_zhijian.pk]), report_data())
    report = ProgressReport.objects.get()
    client.force_login(city.helen)
    client.post(
        reverse("report_review", args=[report.pk]), {"action": "return", "reason": "数据不实"}
    )
    events = milestone_timeline(Milestone.objects.get(pk=city.ms_zhijian.pk))
    assert events[0].title == "单位负责人退回"
    assert events[0].details == ["退回原因：数据不实"]
    assert events[0].who == "helen"


def test_admin_edit_is_recorded_with_the_admin(client, city):
    client.force_login(city.adam)
    url = reverse("admin:projects_milestone_change", args=[city.ms_zhijian.pk])
    data = _admin_data(client, url)
    data["name"] = "申报山东名牌"
    assert client.post(url, data).status_code == 302
    latest = city.ms_zhijian.history.order_by("-history_id").first()
    assert latest.history_user == city.adam
    change = latest.diff_against(latest.prev_record).changes[0]
    assert (change.field, change.old, change.new) == ("name", "申报名牌", "申报山东名牌")


# --- optimistic check in the admin ---------------------------------------------


def _admin_data(client, url) -> dict:
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    data["_save"] = "保存"
    return data


def test_admin_refuses_to_overwrite_a_change_made_meanwhile(client, city):
    client.force_login(city.adam)
    url = reverse("admin:projects_milestone_change", args=[city.ms_zhijian.pk])
    data = _admin_data(client, url)
    assert data["seen_updated_at"]

    # someone else saves the milestone while adam's form is open
    other = Milestone.objects.get(pk=city.ms_zhijian.pk)
    other.name = "别人改的名称"
    other.save()

    data["name"] = "我改的名称"
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "该记录已被他人修改，请刷新后重试；您填写的内容未丢失" in body
    assert "我改的名称" in body  # the input is still in the form
    assert Milestone.objects.get(pk=city.ms_zhijian.pk).name == "别人改的名称"

    # after reloading the page the save goes through
    data = _admin_data(client, url)
    data["name"] = "我改的名称"
    assert client.post(url, data).status_code == 302
    assert Milestone.objects.get(pk=city.ms_zhijian.pk).name == "我改的名称"


def test_admin_optimistic_check_on_plan_year_and_project_forms(client, city):
    client.force_login(city.adam)
    url = reverse("admin:projects_planyear_change", args=[city.plan.pk])
    data = _admin_data(client, url)
    PlanYear.objects.filter(pk=city.plan.pk).update(
        updated_at=city.plan.updated_at + dt.timedelta(seconds=5)
    )
    data["title"] = "改过的标题"
    response = client.post(url, data)
    assert "该记录已被他人修改" in response.content.decode()
    assert PlanYear.objects.get(pk=city.plan.pk).title != "改过的标题"

    # the project form declares its own fieldsets; the hidden field is there too
    body = client.get(
        reverse("admin:projects_project_change", args=[city.project1.pk])
    ).content.decode()
    assert 'name="seen_updated_at"' in body
