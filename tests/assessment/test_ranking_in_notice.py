"""The ranking page once the results are public (公示, final): every signed-in
unit reads it, in its public columns only; before that a unit reads its own
card. And last year's result beside this year's, on the ranking and the cards."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from assessment import access, services
from assessment.models import AssessmentItem, AssessmentResult, AssessmentScheme
from responsibility import roles
from responsibility.models import Unit
from tests import factories
from tests.assessment import builders
from tests.assessment.public_support import make_public
from tests.documents.page_text import table_rows

pytestmark = pytest.mark.django_db


def ranking_url(year=2010, **query):
    url = reverse("assessment_ranking", kwargs={"year": year})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def unit_url(unit, year=2010):
    return reverse("assessment_unit", kwargs={"year": year, "unit_id": unit.pk})


@pytest.fixture
def scheme(city):
    """2010's bureau scheme, computed, with money: 质监局 failed the exam (−600 元)."""
    s = builders.bureau_scheme()
    exam = AssessmentItem.objects.get(category__scheme=s, name="培训考试")
    services.assessment_enter_raw(
        item=exam, unit=city.zhijian, by=city.olivia, state="not_done", reason="考试不合格"
    )
    return s


def forms_of(html: str) -> list[str]:
    """The forms' targets, each once (the header menu is rendered twice: wide and phone)."""
    return list(dict.fromkeys(re.findall(r'<form\b[^>]*action="([^"]*)"', html)))


# --- Who reads the ranking when --------------------------------------------------------


@pytest.mark.parametrize("stage", ["draft", "self", "verify"])
def test_before_notice_a_unit_is_sent_to_its_own_card(client, city, scheme, stage):
    AssessmentScheme.objects.filter(pk=scheme.pk).update(stage=stage)
    client.force_login(city.alice)
    response = client.get(ranking_url())
    assert response.status_code == 302 and response["Location"] == unit_url(city.zhijian)


@pytest.mark.parametrize("stage", ["notice", "final"])
@pytest.mark.parametrize("who", ["alice", "bob", "helen"])
def test_in_notice_and_after_every_unit_reads_the_public_columns(client, city, scheme, stage, who):
    make_public(scheme, stage=stage)
    client.force_login(getattr(city, who))
    response = client.get(ranking_url())
    assert response.status_code == 200
    html = response.content.decode()
    rows = table_rows(html)
    assert rows[0] == ["名次", "被考核单位", "总分", "等次", "上年度（2009年）", "称号"]
    results = AssessmentResult.objects.filter(scheme=scheme).ranked()
    assert [row[:2] for row in rows[1:]] == [[str(r.rank), r.unit.name] for r in results]
    # No money, no category or item figures, no controls.
    for word in ("奖惩", "元", "-600", "项目推进", "综合管理", "加分", "重新计算", "发布考核结果"):
        assert word not in html, word
    # Only the header's forms (search, sign out, language).
    assert forms_of(html) == [reverse("logout"), reverse("set_language"), reverse("search")]
    # Only the reader's own card is linked.
    own = city.zhijian if who in ("alice", "helen") else city.shangwu
    other = city.shangwu if own == city.zhijian else city.zhijian
    assert f'href="{unit_url(own)}"' in html
    assert f'href="{unit_url(other)}"' not in html


def test_in_notice_the_office_still_reads_every_column(client, city, scheme):
    make_public(scheme)
    client.force_login(city.olivia)
    html = client.get(ranking_url()).content.decode()
    assert "奖惩(元)" in html and "-600" in html and "项目推进" in html
    assert f'href="{unit_url(city.shangwu)}"' in html
    assert '<span class="badge amber">公示</span>' in html and "暂定结果，公示期" in html


def test_a_unit_still_cannot_open_another_units_card_in_notice(client, city, scheme):
    make_public(scheme)
    client.force_login(city.alice)
    assert client.get(unit_url(city.shangwu)).status_code == 404


def test_anonymous_is_still_sent_to_login_in_notice(client, city, scheme):
    make_public(scheme)
    response = client.get(ranking_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_own_card_links_back_to_the_ranking_only_when_the_unit_may_read_it(
    client, city, scheme
):
    client.force_login(city.alice)
    back = f'href="{ranking_url()}?kind=bureau"'
    assert back not in client.get(unit_url(city.zhijian)).content.decode()
    make_public(scheme, compute=False)
    assert back in client.get(unit_url(city.zhijian)).content.decode()


def test_a_township_reads_the_townships_ranking_and_not_a_scheme_still_in_verification(
    client, city
):
    county = factories.UnitFactory(name="城区", kind=Unit.Kind.COUNTY)
    town = factories.UnitFactory(name="龙都街道", kind=Unit.Kind.TOWNSHIP, parent=county)
    clerk = factories.make_user("tina", roles.CLERK, town)
    bureaus = builders.bureau_scheme()
    services.assessment_compute(scheme=bureaus)
    townships = builders.scheme(unit_kind=Unit.Kind.TOWNSHIP, name="乡镇考核办法", bonus_cap=D(0))
    builders.item(builders.category(townships, "质量工作", 100), "质量工作开展情况", max_points=100)
    make_public(townships)
    client.force_login(clerk)
    html = client.get(ranking_url()).content.decode()
    assert "乡镇考核办法" in html and "龙都街道" in html
    assert "assess-tabs" not in html  # the bureaus' ranking (in draft) is not offered
    response = client.get(ranking_url(kind="bureau"))
    assert response.status_code == 302 and response["Location"] == unit_url(town)


def test_ranking_access_is_the_one_rule(city, scheme):
    assert access.ranking_access(city.alice, scheme) is None
    assert access.ranking_access(city.olivia, scheme) == access.RankingAccess(full=True)
    make_public(scheme, compute=False)
    assert access.ranking_access(city.alice, scheme) == access.RankingAccess(
        full=False, own_unit_id=city.zhijian.pk
    )
    assert access.ranking_access(city.victor, scheme).full


# --- Last year beside this year -----------------------------------------------------------


@pytest.fixture
def two_years(city, scheme):
    """2009 (final) assessed 质监局 only; 2010 assessed both bureaus."""
    last = builders.bureau_scheme(2009)
    services.assessment_compute(scheme=last)
    AssessmentResult.objects.filter(scheme=last, unit=city.shangwu).delete()
    AssessmentResult.objects.filter(scheme=last, unit=city.zhijian).update(
        total=D("87.5"), rank=2, grade="good"
    )
    make_public(last, stage="final", start=dt.date(2010, 1, 5), compute=False)
    services.assessment_compute(scheme=scheme)
    return last


def _row(html: str, name: str) -> list[str]:
    return next(r for r in table_rows(html) if len(r) > 1 and r[1] == name)


def test_the_ranking_shows_last_years_result_where_the_unit_was_assessed_both_years(
    client, city, two_years
):
    client.force_login(city.olivia)
    html = client.get(ranking_url()).content.decode()
    assert "上年度（2009年）" in html
    assert "87.50分，第2名，良好" in _row(html, "质监局")
    assert "上年度未参加同类考核" in "".join(_row(html, "商务局"))
    assert "87.50" not in "".join(_row(html, "商务局"))


def test_a_units_page_shows_last_years_total_rank_and_grade(client, city, two_years):
    client.force_login(city.alice)
    html = client.get(unit_url(city.zhijian)).content.decode()
    assert "上年（2009年）：87.50" in html
    assert "上年（2009年）：第2名" in html
    assert "上年（2009年）：良好" in html
    client.force_login(city.bob)
    assert "上年（" not in client.get(unit_url(city.shangwu)).content.decode()


def test_a_unit_reading_the_public_ranking_sees_last_year_only_if_it_was_public(
    client, city, scheme, two_years
):
    make_public(scheme, compute=False)
    client.force_login(city.bob)
    assert "87.50分" in "".join(_row(client.get(ranking_url()).content.decode(), "质监局"))
    AssessmentScheme.objects.filter(pk=two_years.pk).update(
        stage="verify", notice_from=None, notice_until=None, published_at=None
    )
    assert "87.50" not in client.get(ranking_url()).content.decode()
    client.force_login(city.olivia)  # the office reads it whatever its stage
    assert "87.50分" in "".join(_row(client.get(ranking_url()).content.decode(), "质监局"))


def test_a_township_scheme_is_not_compared_with_last_years_bureau_scheme(city, scheme, two_years):
    from assessment import selectors

    townships = builders.scheme(unit_kind=Unit.Kind.TOWNSHIP, name="乡镇考核办法", bonus_cap=D(0))
    assert selectors.last_year_results(townships, public_only=False) == {}
    assert set(selectors.last_year_results(scheme, public_only=False)) == {city.zhijian.pk}
