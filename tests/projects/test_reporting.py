"""Bureau staff report progress: the work list, the report form, evidence files."""
# ruff: noqa: F811  (pytest fixtures imported from reporting_support)

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Evidence, IndicatorValue, PlanYear, ProgressReport
from tests import factories
from tests.projects.reporting_support import (  # noqa: F401 (fixtures)
    at_the_same_moment,
    frozen,
    media,
    pdf_bytes,
    png_bytes,
    report_data,
    xlsx_bytes,
    zip_bytes,
)

pytestmark = pytest.mark.django_db


def report_url(milestone):
    return reverse("milestone_report", args=[milestone.pk])


# --- /my/ -------------------------------------------------------------------


def test_anonymous_work_list_redirects_to_login(client):
    response = client.get(reverse("my_work"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_clerk_sees_own_units_milestones_only(client, frozen, city):
    client.force_login(city.alice)
    response = client.get(reverse("my_work"))
    assert response.status_code == 200
    assert list(response.context["milestones"]) == [city.ms_zhijian]
    assert "超市评比" not in response.content.decode()


def test_work_list_puts_overdue_first_then_due_soon(client, frozen, city):
    later = factories.MilestoneFactory(
        project=city.project1,
        subitem=city.sub_shangwu,
        unit=city.shangwu,
        name="年终总结",
        due_date=dt.date(2010, 12, 20),
    )
    overdue = factories.MilestoneFactory(
        project=city.project1,
        subitem=city.sub_shangwu,
        unit=city.shangwu,
        name="季度调度",
        due_date=dt.date(2010, 8, 31),
    )
    client.force_login(city.bob)
    response = client.get(reverse("my_work"))
    names = [m.name for m in response.context["milestones"]]
    # overdue, due within 7 days, then the rest by due date
    assert names == [overdue.name, "超市评比", "服务承诺", later.name]
    body = response.content.decode()
    assert "逾期" in body and "临期" in body and "正常" in body


def test_work_list_says_what_each_milestone_waits_for(client, frozen, city):
    factories.make_report(city.ms_shangwu, city.bob)
    factories.make_report(
        city.ms_project2,
        city.bob,
        review_state=ProgressReport.Review.RETURNED,
        return_reason="缺少照片",
    )
    client.force_login(city.bob)
    body = client.get(reverse("my_work")).content.decode()
    assert "待单位审核" in body
    assert "已退回：缺少照片" in body


def test_work_list_shows_other_years_on_request(client, frozen, city):
    plan = factories.PlanYearFactory(year=2009)
    project = factories.ProjectFactory(plan=plan, number=1)
    old = factories.MilestoneFactory(
        project=project, unit=city.zhijian, name="去年节点", due_date=dt.date(2009, 5, 1)
    )
    client.force_login(city.alice)
    assert list(client.get(reverse("my_work")).context["milestones"]) == [city.ms_zhijian]
    response = client.get(reverse("my_work"), {"year": "2009"})
    assert list(response.context["milestones"]) == [old]
    assert client.get(reverse("my_work"), {"year": "abc"}).status_code == 200


def test_reviewer_is_sent_to_the_review_page(client, city):
    client.force_login(city.olivia)
    response = client.get(reverse("my_work"))
    assert response.status_code == 302 and response.url == reverse("review")


def test_nav_shows_links_by_role(client, city):
    client.force_login(city.alice)
    body = client.get(reverse("my_work")).content.decode()
    assert "我的任务" in body and reverse("review") not in body
    client.force_login(city.olivia)
    body = client.get(reverse("review")).content.decode()
    assert reverse("review") in body and reverse("my_work") not in body


# --- the report form: permissions --------------------------------------------


def test_anonymous_report_post_redirects_to_login(client, city):
    response = client.post(report_url(city.ms_zhijian), report_data())
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not ProgressReport.objects.exists()


def test_clerk_of_another_unit_gets_404(client, frozen, city):
    client.force_login(city.bob)
    assert client.get(report_url(city.ms_zhijian)).status_code == 404
    assert client.post(report_url(city.ms_zhijian), report_data()).status_code == 404
    assert client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk])).status_code == 404
    assert not ProgressReport.objects.exists()


def test_reviewer_may_not_report(client, frozen, city):
    client.force_login(city.olivia)
    assert client.get(report_url(city.ms_zhijian)).status_code == 403
    assert client.post(report_url(city.ms_zhijian), report_data()).status_code == 403
    assert not ProgressReport.objects.exists()


def test_vice_mayor_reads_but_may_not_report(client, frozen, city):
    client.force_login(city.victor)
    assert client.get(reverse("milestone_detail", args=[city.ms_zhijian.pk])).status_code == 200
    assert client.post(report_url(city.ms_zhijian), report_data()).status_code == 403
    assert client.get(reverse("milestone_detail", args=[city.ms_project2.pk])).status_code == 404


def test_report_needs_csrf_token(frozen, city):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(city.alice)
    assert client.post(report_url(city.ms_zhijian), report_data()).status_code == 403
    assert not ProgressReport.objects.exists()


# --- the report form: success -----------------------------------------------


def test_clerk_gets_the_form_with_history(client, frozen, city):
    factories.make_report(city.ms_zhijian, city.alice, narrative="上次填报的内容")
    client.force_login(city.alice)
    response = client.get(report_url(city.ms_zhijian))
    assert response.status_code == 200
    body = response.content.decode()
    assert "上次填报的内容" in body
    assert 'for="id_narrative"' in body and 'for="id_percent"' in body


def test_clerk_submits_a_report_with_indicator_values_and_evidence(client, frozen, city, media):
    indicator = factories.IndicatorFactory(
        project=city.project1, subitem=city.sub_zhijian, name="山东名牌", target=5
    )
    other = factories.IndicatorFactory(project=city.project1, subitem=city.sub_shangwu)
    client.force_login(city.alice)
    form = client.get(report_url(city.ms_zhijian)).context["form"]
    assert [f.name for f in form.indicator_bound_fields()] == [f"indicator_{indicator.pk}"]
    assert f"indicator_{other.pk}" not in form.fields

    data = report_data(**{f"indicator_{indicator.pk}": "3.5"})
    data["evidence"] = [
        SimpleUploadedFile("申报材料.pdf", pdf_bytes(), "application/pdf"),
        SimpleUploadedFile("现场.png", png_bytes(), "image/png"),
        SimpleUploadedFile("统计表.xlsx", xlsx_bytes(), "application/octet-stream"),
    ]
    response = client.post(report_url(city.ms_zhijian), data)
    assert response.status_code == 302
    assert response.url == reverse("milestone_detail", args=[city.ms_zhijian.pk])

    report = ProgressReport.objects.get()
    assert (report.author, report.status, report.percent) == (city.alice, "in_progress", 60)
    assert report.review_state == ProgressReport.Review.SUBMITTED
    assert IndicatorValue.objects.get().value == Decimal("3.5")
    files = list(report.evidence.order_by("pk"))
    assert [f.original_name for f in files] == ["申报材料.pdf", "现场.png", "统计表.xlsx"]
    assert files[0].content_type == "application/pdf"
    assert files[2].content_type.endswith("spreadsheetml.sheet")  # ours, not the browser's
    for f in files:
        assert f.file.name.startswith("evidence/")
        assert "申报" not in f.file.name and "现场" not in f.file.name  # random names
        assert (media / f.file.name).exists()
    # Reporting does not change the milestone: only acceptance does.
    city.ms_zhijian.refresh_from_db()
    assert city.ms_zhijian.status == "not_started"


def test_head_may_report_for_their_unit(client, frozen, city):
    client.force_login(city.helen)
    assert client.post(report_url(city.ms_zhijian), report_data()).status_code == 302
    assert ProgressReport.objects.get().author == city.helen


# --- bad input: a Chinese message next to the field, nothing stored ------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"narrative": ""}, "narrative", "请填写进展情况"),
        ({"narrative": "   "}, "narrative", "请填写进展情况"),
        ({"narrative": "长" * 2001}, "narrative", "最多2000字"),
        ({"percent": "101"}, "percent", "不能大于100"),
        ({"percent": "-1"}, "percent", "不能小于0"),
        ({"percent": "一半"}, "percent", "0到100之间的整数"),
        ({"status": "done", "percent": "100", "done_date": ""}, "done_date", "须填写完成日期"),
        (
            {"status": "done", "percent": "100", "done_date": "2010-10-01"},
            "done_date",
            "不能晚于今天",
        ),
        ({"status": "done", "percent": "100", "done_date": "2009-12-31"}, "done_date", "不能早于"),
        ({"status": "done", "percent": "100", "done_date": "30/06/2010"}, "done_date", "年-月-日"),
        ({"status": "done", "percent": "80", "done_date": "2010-06-20"}, "percent", "应为100"),
        ({"status": "finished"}, "status", "进展状态无效"),
    ],
)
def test_bad_input_is_refused_next_to_the_field(client, frozen, city, overrides, field, message):
    client.force_login(city.alice)
    response = client.post(report_url(city.ms_zhijian), report_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert message in response.content.decode()
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(("value", "message"), [("-3", "不能为负数"), ("三个", "请填写数字")])
def test_bad_indicator_value_is_refused(client, frozen, city, value, message):
    indicator = factories.IndicatorFactory(project=city.project1, subitem=city.sub_zhijian)
    client.force_login(city.alice)
    data = report_data(**{f"indicator_{indicator.pk}": value})
    response = client.post(report_url(city.ms_zhijian), data)
    assert message in " ".join(response.context["form"].errors[f"indicator_{indicator.pk}"])
    assert not ProgressReport.objects.exists() and not IndicatorValue.objects.exists()


def test_input_is_kept_after_an_error(client, frozen, city):
    client.force_login(city.alice)
    response = client.post(report_url(city.ms_zhijian), report_data(percent="150"))
    assert "已组织企业申报山东名牌" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("病毒.exe", b"MZ\x90\x00" + b"\x00" * 100, "文件类型不允许上传"),
        ("假文件.pdf", b"<html><script>alert(1)</script></html>", "内容与扩展名.pdf不符"),
        ("照片.jpg", png_bytes(), "内容与扩展名.jpg不符"),
        ("报表.xlsx", zip_bytes(), "不是有效的.xlsx文档"),
    ],
)
def test_wrong_file_type_is_refused(client, frozen, city, media, name, content, message):
    client.force_login(city.alice)
    data = report_data(evidence=[SimpleUploadedFile(name, content)])
    response = client.post(report_url(city.ms_zhijian), data)
    assert message in " ".join(response.context["form"].errors["evidence"])
    assert not ProgressReport.objects.exists() and not Evidence.objects.exists()
    assert not media.exists() or not any(media.rglob("*.*"))


def test_file_over_the_limit_is_refused(client, frozen, city, media, settings):
    settings.ZHUCHENG_EVIDENCE_MAX_BYTES = 1000
    client.force_login(city.alice)
    data = report_data(evidence=[SimpleUploadedFile("大文件.pdf", pdf_bytes())])
    response = client.post(report_url(city.ms_zhijian), data)
    assert "超过大小限制" in " ".join(response.context["form"].errors["evidence"])
    assert not ProgressReport.objects.exists()


def test_closed_year_refuses_reports(client, frozen, city):
    PlanYear.objects.filter(pk=city.plan.pk).update(is_closed=True)
    client.force_login(city.alice)
    body = client.get(report_url(city.ms_zhijian)).content.decode()
    assert "2010年度已结束，不再接受进展填报" in body
    response = client.post(report_url(city.ms_zhijian), report_data())
    assert response.status_code == 200
    assert "2010年度已结束，不再接受进展填报" in response.content.decode()
    assert not ProgressReport.objects.exists()


# --- a newer report arrived while the form was open ---------------------------


def test_newer_report_meanwhile_asks_for_confirmation_and_keeps_input(client, frozen, city):
    client.force_login(city.alice)
    seen = client.get(report_url(city.ms_zhijian)).context["form"].initial["seen_report"]
    assert seen is None
    # helen reports on the same milestone while alice is typing
    factories.make_report(city.ms_zhijian, city.helen, narrative="负责人先报了")

    data = report_data(narrative="我填写的新内容", seen_report="")
    response = client.post(report_url(city.ms_zhijian), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "已于" in body and "提交了该节点的新填报" in body
    assert "我填写的新内容" in body  # nothing typed is lost
    assert ProgressReport.objects.count() == 1

    form = response.context["form"]
    data["seen_report"] = form["seen_report"].value()
    data["confirm_newer"] = "on"
    assert client.post(report_url(city.ms_zhijian), data).status_code == 302
    assert ProgressReport.objects.count() == 2


# --- evidence downloads -----------------------------------------------------


@pytest.fixture
def evidence_file(client, frozen, city, media):
    client.force_login(city.alice)
    data = report_data(evidence=[SimpleUploadedFile("证明.pdf", pdf_bytes())])
    client.post(report_url(city.ms_zhijian), data)
    client.logout()
    return Evidence.objects.get()


def test_evidence_is_served_as_attachment_to_readers(client, city, evidence_file):
    url = reverse("evidence_download", args=[evidence_file.pk])
    for user in (city.alice, city.helen, city.olivia, city.victor):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_evidence_is_404_for_another_units_clerk(client, city, evidence_file):
    url = reverse("evidence_download", args=[evidence_file.pk])
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(city.bob)
    assert client.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_reports_sent_at_the_same_moment_store_one_and_warn_the_other(city):
    """Two clerks open the form on one milestone and press 提交 at the same moment.
    The "someone reported meanwhile" check runs under the milestone's row lock, so
    the second finds the first one's report and is asked to look; it is not stored.
    (On PostgreSQL both requests read "no report yet" before either writes.)"""
    from django.test import Client

    from responsibility import roles

    carl = factories.make_user("carl", roles.CLERK, city.zhijian)
    clients = []
    for user in (city.alice, carl):
        clients.append(Client())
        clients[-1].force_login(user)

    def submit(client, name):
        return lambda: client.post(
            report_url(city.ms_zhijian), report_data(narrative=f"{name}的填报", seen_report="")
        )

    outcomes = dict(
        zip(
            ["alice", "carl"],
            at_the_same_moment(
                submit(clients[0], "alice"),
                submit(clients[1], "carl"),
                lock_milestone=city.ms_zhijian,
            ),
            strict=True,
        )
    )

    assert ProgressReport.objects.count() == 1
    stored = ProgressReport.objects.get().author.username
    for name, outcome in outcomes.items():
        if name == stored:
            assert outcome.status_code == 302
        else:
            assert outcome.status_code == 200
            body = outcome.content.decode()
            assert "提交了该节点的新填报" in body and f"{name}的填报" in body
