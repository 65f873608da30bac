"""One rule for pages and documents: a vice-mayor, whose pages show their
portfolio, gets the annual report, the responsibility table and the bulletin of
that portfolio, never the city's; no unit report card (a notice to the unit
about all its work); and the office gets the city's."""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import datetime as dt
from urllib.parse import unquote

import pytest
from django.urls import reverse

from projects.models import Milestone
from responsibility import roles
from tests import factories
from tests.documents.pdf_support import _empty_pdf_cache, demo_day, pdf_text  # noqa: F401

pytestmark = pytest.mark.django_db

# Project 1 (提高产品质量) is 王副市长's, project 2 (提高服务质量) 李副市长's.
OWN, OTHER = "提高产品质量", "提高服务质量"


@pytest.fixture
def plan(city):
    # 服务承诺 (project 2) falls due within the week, so the city's bulletin lists it.
    Milestone.objects.filter(pk=city.ms_project2.pk).update(due_date=dt.date(2010, 10, 3))
    li = factories.make_user("li", roles.VICE_MAYOR, city.office)
    city.other_mayor.user = li
    city.other_mayor.save()
    city.li = li
    return city


def documents():
    return {
        "annual": reverse("pdf_annual", args=[2010]),
        "responsibility": reverse("pdf_responsibility", args=[2010]),
        "bulletin": reverse("pdf_bulletin") + "?as_of=2010-09-30",
    }


def download(client, user) -> dict[str, tuple[str, str]]:
    client.force_login(user)
    out = {}
    for kind, url in documents().items():
        response = client.get(url)
        assert response.status_code == 200, (kind, user)
        out[kind] = (pdf_text(response.getvalue()), unquote(response["Content-Disposition"]))
    return out


def test_vice_mayors_documents_show_what_their_pages_show(client, plan, demo_day):
    client.force_login(plan.victor)
    dashboard = client.get(reverse("home"), {"year": 2010}).content.decode()
    assert OWN in dashboard and OTHER not in dashboard
    assert client.get(reverse("project_detail", args=[plan.project2.pk])).status_code == 404

    for kind, (text, disposition) in download(client, plan.victor).items():
        assert "王副市长分管领域" in text, kind
        assert OWN in text or "超市评比" in text, kind
        assert OTHER not in text and "服务承诺" not in text, kind
        assert "王副市长分管" in disposition, kind


def test_the_other_vice_mayor_gets_the_other_portfolio(client, plan, demo_day):
    client.force_login(plan.li)
    assert OTHER in client.get(reverse("home"), {"year": 2010}).content.decode()
    for kind, (text, _disposition) in download(client, plan.li).items():
        assert "李副市长分管领域" in text, kind
        assert OWN not in text and "申报名牌" not in text and "超市评比" not in text, kind
    annual = download(client, plan.li)["annual"][0]
    assert OTHER in annual and "服务承诺" in annual


def test_office_gets_the_whole_city_and_the_cache_keeps_the_two_apart(client, plan, demo_day):
    city_first = download(client, plan.olivia)
    portfolio = download(client, plan.victor)  # after the city's copies were cached
    city_again = download(client, plan.olivia)
    for kind in documents():
        text = city_first[kind][0]
        assert "分管领域" not in text, kind
        assert OTHER in text or "服务承诺" in text, kind
        assert OTHER not in portfolio[kind][0], kind
        assert city_again[kind][0] == text, kind


def test_vice_mayor_gets_no_unit_card_and_sees_no_button(client, plan, demo_day):
    client.force_login(plan.victor)
    for unit in (plan.zhijian, plan.shangwu):
        assert client.get(reverse("pdf_unit", args=[2010, unit.pk])).status_code == 404
        page = client.get(reverse("unit_detail", args=[unit.pk]), {"year": 2010})
        assert page.status_code == 200
        assert reverse("pdf_unit", args=[2010, unit.pk]) not in page.content.decode()


def test_assessment_card_page_shows_the_pdf_button_only_to_who_may_download_it(
    client, plan, demo_day
):
    from assessment import services
    from tests.assessment import builders

    services.assessment_compute(scheme=builders.bureau_scheme())
    card_page = reverse("assessment_unit", kwargs={"year": 2010, "unit_id": plan.zhijian.pk})
    card_pdf = reverse("pdf_unit", args=[2010, plan.zhijian.pk])
    for user, shown in ((plan.victor, False), (plan.olivia, True), (plan.alice, True)):
        client.force_login(user)
        page = client.get(card_page)
        assert page.status_code == 200
        assert (card_pdf in page.content.decode()) is shown, user
        assert (client.get(card_pdf).status_code == 200) is shown, user
