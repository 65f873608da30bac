"""The ranking page lists one page of units at a time (issue 18: 3,000 units at
province size); its caption and money total still count every unit."""

import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import services, views
from assessment.models import AssessmentItem, AssessmentResult
from tests.assessment import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(city):
    """2010's bureau scheme for 质监局 and 商务局; 质监局 failed the exam (−600 元)."""
    s = builders.bureau_scheme()
    exam = AssessmentItem.objects.get(category__scheme=s, name="培训考试")
    services.assessment_enter_raw(
        item=exam, unit=city.zhijian, by=city.olivia, state="not_done", reason="考试不合格"
    )
    return s


def rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)', body)


def test_the_ranking_is_paged_and_totals_every_unit(client, city, scheme, monkeypatch):
    monkeypatch.setattr(views, "RANKING_PAGE_SIZE", 1)
    results = list(AssessmentResult.objects.filter(scheme=scheme).ranked())
    assert len(results) == 2
    money = sum((r.money for r in results), D(0))
    assert money == D(-600)
    client.force_login(city.olivia)
    url = reverse("assessment_ranking", kwargs={"year": 2010})
    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()
    assert rows(first) == [results[0].unit.name]
    assert rows(second) == [results[1].unit.name]
    for html in (first, second):
        assert "共 2 个被考核单位" in html
        assert re.search(r"奖惩合计</th><td class=\"num\">-600<", html)
    assert "page=2" in first and "第 1 / 2 页" in first
    # Past the end: the last page.
    assert rows(client.get(url + "?page=99").content.decode()) == [results[1].unit.name]


def test_the_ranking_fetches_the_scores_of_the_page_only(client, city, scheme, monkeypatch):
    monkeypatch.setattr(views, "RANKING_PAGE_SIZE", 1)
    client.force_login(city.olivia)
    url = reverse("assessment_ranking", kwargs={"year": 2010})
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    results = [
        q["sql"]
        for q in captured.captured_queries
        if "responsibility_assessmentresult" in q["sql"] and "LIMIT 1" in q["sql"]
    ]
    assert results, "the page's results are fetched with a LIMIT"
    scores = [
        q["sql"] for q in captured.captured_queries if 'FROM "responsibility_itemscore"' in q["sql"]
    ]
    assert scores and all(" IN (" in sql for sql in scores)
