"""The public results pages (考核结果公示): open signed out, a public year shows
rank, unit, grade, total, titles and the notice period and nothing else; a year
without a public scheme is a 404."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import floatformat
from django.urls import reverse

from assessment import services
from assessment.models import (
    AssessmentItem,
    AssessmentResult,
    AssessmentScheme,
    ItemScore,
    TitleAward,
)
from responsibility.models import Unit
from tests import factories
from tests.assessment import builders
from tests.assessment.public_support import make_public
from tests.documents.page_text import table_rows

pytestmark = pytest.mark.django_db


def year_url(year=2010):
    return reverse("public_year", kwargs={"year": year})


@pytest.fixture
def rich_year(city, settings, tmp_path):
    """2010's bureau scheme in 公示 over data full of what must stay private: the
    people's names, money, a raw value with its reason and evidence file, an
    override with its reason; and a title."""
    settings.MEDIA_ROOT = tmp_path
    settings.ZHUCHENG_TODAY = "2010-12-03"
    city.zhijian.full_name = "诸城市质量技术监督局"
    city.zhijian.save()
    for user, name in ((city.alice, "艾丽丝"), (city.olivia, "欧阳丽薇"), (city.helen, "贺海伦")):
        user.first_name = name
        user.save()
    factories.PersonFactory(name="陈建民", unit=city.shangwu, phone="0536-6212345")
    scheme = builders.bureau_scheme()
    services.assessment_compute(scheme=scheme)
    exam = AssessmentItem.objects.get(category__scheme=scheme, name="培训考试")
    services.assessment_enter_raw(
        item=exam,
        unit=city.zhijian,
        by=city.olivia,
        state="not_done",
        reason="考试成绩五十八分",
        evidence_ref="成绩单第三页",
        evidence=SimpleUploadedFile("成绩单.pdf", b"%PDF-1.4 exam", content_type="application/pdf"),
    )
    score = ItemScore.objects.get(result__unit=city.shangwu, item=exam)
    services.assessment_override(
        score=score, by=city.olivia, reason="补考合格另行认定", points=D(15)
    )
    TitleAward.objects.create(year=2010, unit=city.zhijian, name="质量工作先进单位")
    return make_public(scheme, start=dt.date(2010, 12, 1))


def test_a_public_year_shows_rank_unit_grade_total_titles_and_the_notice_period(
    client, city, rich_year
):
    response = client.get(year_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert rich_year.name in html
    assert '<span class="badge amber">公示中</span>' in html
    assert '<span class="badge green">最终结果</span>' not in html
    assert "公示期：2010年12月1日至2010年12月7日" in html
    shown = table_rows(html)
    assert shown[0] == ["名次", "被考核单位", "总分", "等次", "称号"]
    expected = [
        [
            str(r.rank),
            r.unit.display_name,
            floatformat(r.total, "-2"),
            r.get_grade_display(),
            "质量工作先进单位" if r.unit == city.zhijian else "",
        ]
        for r in AssessmentResult.objects.filter(scheme=rich_year).ranked()
    ]
    assert shown[1:] == expected
    assert "诸城市质量技术监督局" in html  # the display name (全称)


def test_the_public_page_shows_no_person_money_evidence_raw_value_or_form(client, city, rich_year):
    html = client.get(year_url()).content.decode()
    # Forms: only the language switch of the page header, which posts to Django's
    # set_language; no form of the application.
    forms = re.findall(r"<form\b[^>]*>", html)
    assert forms == [
        f'<form method="post" action="{reverse("set_language")}" class="inline lang-switch">'
    ]
    switch = html[html.index("<form") : html.index("</form>") + len("</form>")]
    rest = html.replace(switch, "")
    assert not re.search(r"<(input|textarea|select|button)\b", rest)
    people = ["艾丽丝", "欧阳丽薇", "贺海伦", "陈建民", "0536", "alice", "olivia", "王副市长"]
    money = ["元", "奖惩", "-600", "600.00"]
    evidence = ["成绩单", "evidence", "佐证", ".pdf"]
    raw = ["考试成绩五十八分", "补考合格", "培训考试", "名牌产品", "项目推进", "原始", "未完成"]
    leaks = [word for word in people + money + evidence + raw if word in rest]
    assert leaks == []
    # Links: only pages a visitor opens (and the stylesheet).
    links = set(re.findall(r'href="([^"]*)"', html))
    assert links == {
        "#main",
        "/static/css/app.css",
        "/static/css/phone.css",
        "/public/",
        "/accounts/login/",
    }


@pytest.mark.parametrize("stage", ["draft", "self", "verify"])
def test_a_year_whose_scheme_is_not_public_is_404(client, city, stage):
    scheme = builders.bureau_scheme()
    services.assessment_compute(scheme=scheme)
    AssessmentScheme.objects.filter(pk=scheme.pk).update(stage=stage)
    assert client.get(year_url()).status_code == 404
    assert "2010" not in client.get(reverse("public_index")).content.decode()


@pytest.mark.parametrize("year", [2011, 1999, 0, 99999999999999999999])
def test_a_year_without_any_scheme_is_404(client, city, year):
    make_public(builders.bureau_scheme())
    assert client.get(f"/public/{year}/").status_code == 404


def test_final_results_say_so(client, city):
    make_public(builders.bureau_scheme(), stage="final")
    html = client.get(year_url()).content.decode()
    assert '<span class="badge green">最终结果</span>' in html
    assert "公示中" not in html and "暂定结果" not in html
    assert "公示期：2010年12月1日至2010年12月7日" in html


def test_a_notice_period_that_has_ended_says_it_waits_for_the_final_results(client, city, settings):
    settings.ZHUCHENG_TODAY = "2010-12-08"
    make_public(builders.bureau_scheme())
    html = client.get(year_url()).content.decode()
    assert "公示中" in html and "公示期已满，待确认最终结果" in html
    settings.ZHUCHENG_TODAY = "2010-12-07"
    html = client.get(year_url()).content.decode()
    assert "公示期已满" not in html and "暂定结果" in html


def test_only_the_public_schemes_of_a_year_are_shown(client, city):
    """A year with a bureau scheme in 公示 and a township scheme still in 核查."""
    county = factories.UnitFactory(name="城区", kind=Unit.Kind.COUNTY)
    factories.UnitFactory(name="龙都街道", kind=Unit.Kind.TOWNSHIP, parent=county)
    bureaus = make_public(builders.bureau_scheme())
    townships = builders.scheme(unit_kind=Unit.Kind.TOWNSHIP, name="乡镇考核办法", bonus_cap=D(0))
    work = builders.category(townships, "质量工作", 100)
    builders.item(work, "质量工作开展情况", max_points=100)
    services.assessment_compute(scheme=townships)
    AssessmentScheme.objects.filter(pk=townships.pk).update(stage="verify")
    html = client.get(year_url()).content.decode()
    assert bureaus.name in html and "质监局" in html
    assert "乡镇考核办法" not in html and "龙都街道" not in html
    # Both in 公示: both shown, bureaus first.
    make_public(townships, compute=False)
    html = client.get(year_url()).content.decode()
    assert html.index(bureaus.name) < html.index("乡镇考核办法") < html.index("龙都街道")


def test_the_index_lists_only_public_years_newest_first(client, city):
    make_public(builders.bureau_scheme(2008), stage="final", start=dt.date(2009, 1, 5))
    builders.bureau_scheme(2009)  # draft: not public
    make_public(builders.bureau_scheme(2010))
    html = client.get(reverse("public_index")).content.decode()
    listed = re.findall(r'href="/public/(\d+)/"', html)
    assert listed == ["2010", "2008"]
    assert client.get(year_url(2009)).status_code == 404
    assert client.get(year_url(2008)).status_code == 200


def test_the_index_without_public_years_says_so(client, city):
    builders.bureau_scheme()
    response = client.get(reverse("public_index"))
    assert response.status_code == 200
    assert "尚无公示的考核结果" in response.content.decode()


def test_signed_in_users_read_the_same_public_page(client, city, rich_year):
    client.force_login(city.alice)
    html = client.get(year_url()).content.decode()
    assert "公示中" in html and "商务局" in html and "-600" not in html


def test_the_login_page_links_the_public_results_and_nothing_signed_in(client, city):
    html = client.get(reverse("login")).content.decode()
    links = set(re.findall(r'href="([^"]*)"', html))
    assert links == {
        "#main",
        "/static/css/app.css",
        "/static/css/phone.css",
        "/public/",
        "/accounts/login/",
    }
    assert "考核结果公示" in html
