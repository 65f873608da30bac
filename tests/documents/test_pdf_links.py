"""The pages that have a printed twin link to it, for the people allowed to download it."""

from django.urls import reverse


def test_dashboard_links_the_city_wide_pdfs_for_the_office(client, city):
    client.force_login(city.olivia)
    body = client.get(reverse("home"), {"year": 2010}).content.decode()
    for name in ("pdf_annual", "pdf_responsibility"):
        assert reverse(name, args=[2010]) in body
    assert reverse("pdf_bulletin") in body


def test_vice_mayor_gets_the_pdf_links_of_their_portfolio(client, city):
    """The same URLs; the documents are cut to the portfolio (test_pdf_scope.py)."""
    client.force_login(city.victor)
    body = client.get(reverse("home"), {"year": 2010}).content.decode()
    assert reverse("pdf_annual", args=[2010]) in body


def test_clerk_work_list_links_only_their_own_units_card(client, city):
    client.force_login(city.alice)
    body = client.get(reverse("my_work"), {"year": 2010}).content.decode()
    assert reverse("pdf_unit", args=[2010, city.zhijian.pk]) in body
    assert reverse("pdf_unit", args=[2010, city.shangwu.pk]) not in body
    assert reverse("pdf_annual", args=[2010]) not in body


def test_unit_page_links_that_units_card(client, city):
    client.force_login(city.olivia)
    url = reverse("unit_detail", args=[city.shangwu.pk])
    body = client.get(url, {"year": 2010}).content.decode()
    assert reverse("pdf_unit", args=[2010, city.shangwu.pk]) in body
