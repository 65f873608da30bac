from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Milestone, Project, SubItem


@pytest.fixture
def admin_client_(client, city):
    client.force_login(city.adam)
    return client


@pytest.mark.parametrize(
    "model", ["planyear", "project", "subitem", "milestone", "indicator", "progressreport"]
)
def test_admin_lists_and_add_pages_open_in_chinese(admin_client_, model):
    response = admin_client_.get(reverse(f"admin:projects_{model}_changelist"))
    assert response.status_code == 200
    assert "管理后台" in response.content.decode()


@pytest.mark.parametrize("model", ["unit", "person", "vicemayor", "membership"])
def test_responsibility_admin_pages_open(admin_client_, model):
    assert admin_client_.get(reverse(f"admin:responsibility_{model}_changelist")).status_code == 200
    assert admin_client_.get(reverse(f"admin:responsibility_{model}_add")).status_code == 200


def test_project_change_page_shows_sub_items_and_milestones_inline(admin_client_, city):
    response = admin_client_.get(reverse("admin:projects_project_change", args=[city.project1.pk]))
    body = response.content.decode()
    assert "名牌培育" in body and "申报名牌" in body and "项目责任单位" in body


def test_admin_search_and_status_filter(admin_client_, city):
    url = reverse("admin:projects_project_changelist")
    body = admin_client_.get(url, {"q": "服务"}).content.decode()
    assert "提高服务质量" in body and "提高产品质量" not in body
    assert admin_client_.get(url, {"colour": "red"}).status_code == 200


def test_clerk_cannot_open_the_admin(client, city):
    client.force_login(city.alice)
    response = client.get(reverse("admin:projects_project_changelist"))
    assert response.status_code == 302


def _changelist_queries(client, year):
    url = reverse("admin:projects_project_changelist")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(
            url,
            {
                "plan__id__exact": Project.objects.filter(plan__year=year)
                .values_list("plan_id", flat=True)
                .first()
            },
        )
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_admin_project_list_query_count_does_not_grow_with_data(admin_client_):
    call_command("seed_scale", factor=1, year=2031, stdout=StringIO())
    small, response = _changelist_queries(admin_client_, 2031)
    assert "测试项目0033" in response.content.decode()
    call_command("seed_scale", factor=5, year=2031, stdout=StringIO())
    large, response = _changelist_queries(admin_client_, 2031)
    assert Project.objects.for_year(2031).count() == 165
    assert large == small


def test_admin_subitem_and_milestone_lists_do_not_grow(admin_client_):
    counts = []
    for factor in (1, 4):
        call_command("seed_scale", factor=factor, year=2031, stdout=StringIO())
        row = []
        for name in ("subitem", "milestone"):
            with CaptureQueriesContext(connection) as ctx:
                assert (
                    admin_client_.get(reverse(f"admin:projects_{name}_changelist")).status_code
                    == 200
                )
            row.append(len(ctx.captured_queries))
        counts.append(row)
    assert SubItem.objects.count() > 100 and Milestone.objects.count() > 400
    assert counts[0] == counts[1]


def test_admin_status_filter_and_milestone_words_know_late(admin_client_, city):
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2010, 9, 28, 4, 0, tzinfo=dt.UTC), tick=False):
        for milestone, done in ((city.ms_zhijian, dt.date(2010, 7, 2)), (city.ms_shangwu, None)):
            milestone.due_date = milestone.due_date if done else dt.date(2010, 12, 1)
            milestone.status = Milestone.Status.DONE if done else milestone.status
            milestone.done_date = done
            milestone.save()
        projects = reverse("admin:projects_project_changelist")
        body = admin_client_.get(projects, {"colour": "late"}).content.decode()
        assert "提高产品质量" in body and "提高服务质量" not in body
        assert "逾期完成" in body  # the filter's choice and the status column
        assert "0%（0/1）" in body  # the on-time rate column: 0 of the 1 due
        milestones = reverse("admin:projects_milestone_changelist")
        body = admin_client_.get(milestones, {"state": "late"}).content.decode()
        assert "申报名牌" in body and "服务承诺" not in body
        assert "逾期完成 2天" in body
        body = admin_client_.get(milestones, {"state": "on_time"}).content.decode()
        assert "申报名牌" not in body
