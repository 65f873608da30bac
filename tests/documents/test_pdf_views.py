"""Who may download which PDF, and what bad input gets (404, never 500)."""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import pytest
from django.urls import reverse

from tests.documents.pdf_support import _empty_pdf_cache, demo_day, pdf_text  # noqa: F401

pytestmark = pytest.mark.django_db


def _annual():
    return reverse("pdf_annual", args=[2010])


def _responsibility():
    return reverse("pdf_responsibility", args=[2010])


def _bulletin():
    return reverse("pdf_bulletin") + "?as_of=2010-09-30"


def _card(unit):
    return reverse("pdf_unit", args=[2010, unit.pk])


def test_pdf_urls_are_the_documented_ones(city):
    assert _annual() == "/reports/2010/annual.pdf"
    assert _responsibility() == "/reports/2010/responsibility.pdf"
    assert _card(city.zhijian) == f"/reports/2010/units/{city.zhijian.pk}.pdf"
    assert _bulletin() == "/reports/bulletin.pdf?as_of=2010-09-30"


def test_anonymous_is_sent_to_login_for_every_pdf(client, city):
    for url in (_annual(), _responsibility(), _bulletin(), _card(city.zhijian)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["olivia", "adam"])
def test_office_and_admin_download_every_pdf(client, city, demo_day, who):
    client.force_login(getattr(city, who))
    for url in (
        _annual(),
        _responsibility(),
        _bulletin(),
        _card(city.zhijian),
        _card(city.shangwu),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response.getvalue().startswith(b"%PDF-")
        assert "filename*=utf-8''" in response["Content-Disposition"]


def test_clerk_downloads_own_units_card(client, city, demo_day):
    client.force_login(city.alice)
    response = client.get(_card(city.zhijian))

    assert response.status_code == 200
    text = pdf_text(response.getvalue())
    assert "质监局" in text and "提高产品质量" in text
    assert "提高服务质量" not in text  # project 2 is 商务局's alone


def test_unit_head_downloads_own_units_card(client, city, demo_day):
    client.force_login(city.helen)
    assert client.get(_card(city.zhijian)).status_code == 200


def test_clerk_cannot_download_another_units_card(client, city):
    client.force_login(city.alice)
    assert client.get(_card(city.shangwu)).status_code == 404


@pytest.mark.parametrize("who", ["alice", "bob", "helen"])
def test_unit_staff_cannot_download_city_wide_pdfs(client, city, who):
    client.force_login(getattr(city, who))
    for url in (_annual(), _responsibility(), _bulletin()):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    "url",
    [
        "/reports/1999/annual.pdf",
        "/reports/1999/responsibility.pdf",
        "/reports/1999/units/{unit}.pdf",
        "/reports/2010/units/999999.pdf",
        "/reports/abcd/annual.pdf",
        "/reports/bulletin.pdf?as_of=2010-13-45",
        "/reports/bulletin.pdf?as_of=yesterday",
        "/reports/bulletin.pdf?as_of=1999-09-30",
        "/reports/2010/quarterly.pdf",
    ],
)
def test_unknown_year_unit_kind_or_bad_date_is_404(client, city, url):
    client.force_login(city.olivia)
    assert client.get(url.format(unit=city.zhijian.pk)).status_code == 404


def test_bulletin_without_a_date_is_as_of_today(client, city, demo_day):
    client.force_login(city.olivia)
    response = client.get(reverse("pdf_bulletin"))

    assert response.status_code == 200
    assert "截至2010年9月30日" in pdf_text(response.getvalue())
