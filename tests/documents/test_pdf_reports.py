"""Printed reports of small cities and edge cases, read back with poppler (the demo
year's four reports: test_pdf_demo_reports.py)."""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from assessment.models import AssessmentScheme
from documents import pdfs as pdf
from projects.models import Milestone, PlanYear
from tests.documents.pdf_support import (  # noqa: F401 — fixtures
    _empty_pdf_cache,
    assert_official_pdf,
    demo_day,
    embedded_cjk_fonts,
    pdf_pages,
    pdf_text,
    squash,
)

pytestmark = pytest.mark.django_db


def test_bulletin_as_of_a_past_date_counts_what_was_late_then(city):
    city.ms_zhijian.done_date = dt.date(2010, 7, 20)
    city.ms_zhijian.status = Milestone.Status.DONE
    city.ms_zhijian.save()

    then = pdf_text(pdf.bulletin_pdf(dt.date(2010, 7, 10)).data)
    later = pdf_text(pdf.bulletin_pdf(dt.date(2010, 7, 25)).data)

    assert "申报名牌" in then and "逾期未完成10天" in then
    assert "截至通报日，没有逾期完成的进度节点" in then  # nothing finished late yet
    # Done on 07-20, twenty days after its due date: no longer overdue, finished late.
    overdue = later[later.index("二、逾期未完成及临期节点") : later.index("三、逾期完成的节点")]
    assert "申报名牌" not in overdue
    late = later[later.index("三、逾期完成的节点") :]
    assert "申报名牌" in late and "逾期完成20天" in late


def test_a_year_without_projects_renders_pdfs_that_say_so(db, demo_day):
    PlanYear.objects.create(year=2012, title="2012年质量兴市项目化推进工作责任制")

    annual = pdf_text(pdf.annual_pdf(2012).data)
    table = pdf_text(pdf.responsibility_pdf(2012).data)
    bulletin = pdf_text(pdf.bulletin_pdf(dt.date(2012, 3, 1)).data)

    assert "暂无项目数据" in annual and "本报告为空" in annual
    assert "责任分解表为空" in table
    assert "本期通报为空" in bulletin


def test_without_an_assessment_scheme_the_reports_fall_back_to_completion(city, demo_day):
    annual = pdf_text(pdf.annual_pdf(2010).data)
    card = pdf_text(pdf.unit_pdf(2010, city.zhijian).data)

    assert "考核结果尚未发布（未建立考核方案或尚未计算）" in annual
    assert "完成率相同的，逾期未完成节点少者在前，再相同的，逾期完成节点少者在前" in annual
    assert "考核结果尚未发布（未建立考核方案或尚未计算）" in card
    assert "完成率排序" in card


def test_a_scheme_without_results_says_the_card_is_not_computed_yet(city, demo_day):
    AssessmentScheme.objects.create(year=2010, name="2010年度市直部门考核办法")

    card = pdf_text(pdf.unit_pdf(2010, city.zhijian).data)

    assert "已建立《2010年度市直部门考核办法》，你单位的考核结果尚未计算" in card


def test_unknown_year_or_unit_is_a_chinese_error(db):
    with pytest.raises(pdf.ReportNotFound, match="没有 1999 年度的责任制文件"):
        pdf.annual_pdf(1999)
    with pytest.raises(pdf.ReportNotFound, match="没有名为“无此局”的责任单位"):
        pdf.find_unit("无此局")


# --- manage.py render_report -------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["annual", "--year", "2010"],
        ["unit", "--year", "2010", "--unit", "质监局"],
        ["responsibility", "--year", "2010"],
        ["bulletin", "--as-of", "2010-09-30"],
    ],
)
def test_render_report_command_writes_each_report(city, demo_day, tmp_path, args):
    out = tmp_path / "out.pdf"
    call_command("render_report", *args, "-o", str(out), stdout=open("/dev/null", "w"))  # noqa: SIM115

    data = out.read_bytes()
    assert embedded_cjk_fonts(data)
    assert pdf_pages(data) >= 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["yearly", "--year", "2010"], "未知的报告类型“yearly”"),
        (["annual", "--year", "1999"], "没有 1999 年度的责任制文件"),
        (["annual", "--year", "二〇一〇"], "不是有效的年份"),
        (["annual"], "请用 --year 指定年度"),
        (["unit", "--year", "2010", "--unit", "无此局"], "没有名为“无此局”的责任单位"),
        (["unit", "--year", "2010"], "请用 --unit 指定责任单位"),
        (["bulletin", "--as-of", "2010-02-30"], "日期“2010-02-30”无效"),
        (["bulletin", "--as-of", "1999-09-30"], "没有 1999 年度的责任制文件"),
    ],
)
def test_render_report_command_refuses_bad_input_in_chinese(city, tmp_path, args, message):
    out = tmp_path / "out.pdf"
    with pytest.raises(CommandError, match=message):
        call_command("render_report", *args, "-o", str(out))
    assert not out.exists()


# --- Nothing is fetched from the network -------------------------------------------


def test_the_url_fetcher_serves_static_files_only():
    from weasyprint.urls import path2url

    from documents.render import LocalOnlyFetcher, static_root

    root = static_root()
    fetcher = LocalOnlyFetcher([root])

    response = fetcher.fetch(path2url(str(root / "css" / "pdf.css")))
    assert b"@page" in response.read()
    response.close()
    for url in (
        "http://127.0.0.1:9/logo.png",
        "https://example.com/font.woff",
        "file:///etc/passwd",
        path2url(str(root / ".." / "manage.py")),
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


def test_a_name_that_looks_like_markup_or_a_url_is_printed_as_text(city, demo_day):
    city.project1.name = '<img src="http://127.0.0.1:9/x.png">提高产品质量'
    city.project1.save()

    text = pdf_text(pdf.responsibility_pdf(2010).data)

    assert '<imgsrc="http://127.0.0.1:9/x.png">提高产品质量' in text
