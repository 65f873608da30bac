"""Assessment pages: who sees what, entry and override forms, publish, query counts."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import services
from assessment.models import AssessmentEntry, AssessmentItem, ItemScore
from responsibility.models import Unit
from tests import factories
from tests.assessment import builders


@pytest.fixture
def scheme(city):
    s = builders.bureau_scheme()
    services.assessment_compute(scheme=s)
    return s


def ranking_url(year=2010):
    return reverse("assessment_ranking", kwargs={"year": year})


def unit_url(unit, year=2010):
    return reverse("assessment_unit", kwargs={"year": year, "unit_id": unit.pk})


def item_url(unit, item, year=2010):
    return reverse("assessment_item", kwargs={"year": year, "unit_id": unit.pk, "item_id": item.pk})


def exam(scheme):
    return AssessmentItem.objects.get(category__scheme=scheme, name="培训考试")


# --- Ranking ------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, scheme):
    response = client.get(ranking_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["olivia", "adam", "victor"])
def test_office_admin_and_vice_mayor_read_the_ranking(client, city, scheme, who):
    client.force_login(getattr(city, who))
    response = client.get(ranking_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "质监局" in html and "商务局" in html and "<caption>" in html
    assert ("开始自评" in html) == (who != "victor")


def test_clerk_is_sent_to_their_own_card(client, city, scheme):
    client.force_login(city.alice)
    response = client.get(ranking_url())
    assert response.status_code == 302 and response["Location"] == unit_url(city.zhijian)


def test_ranking_of_a_year_without_scheme_says_so(client, city):
    client.force_login(city.olivia)
    response = client.get(ranking_url(2011))
    assert response.status_code == 200
    assert "尚未制定考核办法" in response.content.decode()


# --- Unit card ----------------------------------------------------------------------


def test_clerk_reads_own_units_card(client, city, scheme):
    client.force_login(city.alice)
    response = client.get(unit_url(city.zhijian))
    assert response.status_code == 200
    assert "服务企业记录、检定记录" in response.content.decode()


def test_clerk_cannot_see_another_bureaus_card(client, city, scheme):
    client.force_login(city.alice)
    assert client.get(unit_url(city.shangwu)).status_code == 404
    assert client.get(item_url(city.shangwu, exam(scheme))).status_code == 404


def test_vice_mayor_reads_any_card(client, city, scheme):
    client.force_login(city.victor)
    assert client.get(unit_url(city.shangwu)).status_code == 200


# --- Item page: entry and override ----------------------------------------------------


def test_reviewer_enters_a_raw_value_and_the_ranking_moves(client, city, scheme):
    client.force_login(city.olivia)
    response = client.post(
        item_url(city.zhijian, exam(scheme)),
        {
            "entry": "1",
            "state": "not_done",
            "reason": "考试成绩58分",
            "evidence_ref": "培训考试成绩单",
        },
    )
    assert response.status_code == 302
    score = ItemScore.objects.get(result__unit=city.zhijian, item=exam(scheme))
    assert (score.raw_source, score.computed_money) == ("entered", D("-600.00"))
    entry = AssessmentEntry.objects.get(unit=city.zhijian, item=exam(scheme))
    assert entry.entered_by == city.olivia


def test_wrong_kind_of_raw_value_shows_chinese_errors_next_to_fields(client, city, scheme):
    client.force_login(city.olivia)
    records = AssessmentItem.objects.get(category__scheme=scheme, name="服务企业记录、检定记录")
    response = client.post(
        item_url(city.zhijian, records), {"entry": "1", "value": "1.5", "reason": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "请填写整数" in html
    assert "请填写依据说明" in html
    response = client.post(
        item_url(city.zhijian, records), {"entry": "1", "value": "三", "reason": "x"}
    )
    assert "请输入数字" in response.content.decode()
    assert not AssessmentEntry.objects.exists()


def test_override_needs_a_reason(client, city, scheme):
    client.force_login(city.olivia)
    url = item_url(city.zhijian, exam(scheme))
    response = client.post(url, {"override": "1", "points": "15", "reason": ""})
    assert "调整得分须填写理由" in response.content.decode()
    response = client.post(url, {"override": "1", "points": "15", "reason": "补考合格"})
    assert response.status_code == 302
    score = ItemScore.objects.get(result__unit=city.zhijian, item=exam(scheme))
    assert (score.points, score.overridden_by) == (D("15.00"), city.olivia)


@pytest.mark.parametrize("who", ["alice", "victor", "helen"])
def test_readers_cannot_enter_values(client, city, scheme, who):
    client.force_login(getattr(city, who))
    response = client.post(
        item_url(city.zhijian, exam(scheme)), {"entry": "1", "state": "done", "reason": "x"}
    )
    assert response.status_code == 403
    assert not AssessmentEntry.objects.exists()


def test_readers_see_no_forms(client, city, scheme):
    client.force_login(city.alice)
    response = client.get(item_url(city.zhijian, exam(scheme)))
    assert response.status_code == 200
    assert "录入原始数据" not in response.content.decode()


def test_recompute_button(client, city, scheme):
    client.force_login(city.olivia)
    response = client.post(
        reverse("assessment_compute", kwargs={"year": 2010}), {"scheme": scheme.pk}, follow=True
    )
    assert "已重新计算 2 个单位" in response.content.decode()  # 质监局 and 商务局


# --- Query count ----------------------------------------------------------------------


def _ranking_queries(client, n_units, year):
    for i in range(n_units):
        factories.UnitFactory(name=f"测试局{year}-{i:03d}", kind=Unit.Kind.BUREAU)
    scheme = builders.bureau_scheme(year=year)
    services.assessment_compute(scheme=scheme)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(ranking_url(year))
    assert response.status_code == 200
    return len(ctx), response.content.decode().count('scope="row"')


def test_ranking_queries_do_not_grow_with_units(client, city):
    client.force_login(city.olivia)
    small, rows_small = _ranking_queries(client, 5, 2012)
    large, rows_large = _ranking_queries(client, 40, 2013)
    assert rows_large > rows_small
    assert large == small, (small, large)


# --- Evidence -------------------------------------------------------------------------


def test_evidence_is_checked_on_upload_and_served_only_to_readers_of_the_unit(
    client, city, scheme, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client.force_login(city.olivia)
    url = item_url(city.zhijian, exam(scheme))
    fake = SimpleUploadedFile("成绩单.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, {"entry": "1", "state": "done", "reason": "合格", "evidence": fake})
    assert "内容与扩展名.pdf不符" in response.content.decode()
    assert not AssessmentEntry.objects.exists()
    pdf = SimpleUploadedFile("成绩单.pdf", b"%PDF-1.4 exam sheet", content_type="application/pdf")
    response = client.post(url, {"entry": "1", "state": "done", "reason": "合格", "evidence": pdf})
    assert response.status_code == 302
    download = reverse(
        "assessment_evidence",
        kwargs={"year": 2010, "unit_id": city.zhijian.pk, "item_id": exam(scheme).pk},
    )
    client.force_login(city.alice)
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.force_login(city.bob)
    assert client.get(download).status_code == 404
