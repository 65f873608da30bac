"""Security headers on every page, in every mode; no route serves MEDIA_ROOT directly."""

import pytest
from django.urls import Resolver404, resolve

CSP_EXPECTED = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


@pytest.mark.parametrize("path", ["/accounts/login/", "/my/", "/admin/"])
def test_pages_carry_csp_without_inline_script(city, client, path):
    client.force_login(city.adam)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    for directive in CSP_EXPECTED:
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/accounts/login/", "/my/", "/", "/accounts/password_change/"])
def test_our_pages_have_no_inline_script_or_style(city, client, path):
    """What the CSP would block in a browser, caught in the HTML already."""
    client.force_login(city.olivia)
    html = client.get(path, follow=True).content.decode()
    assert "<script>" not in html and '<script type="text/javascript">' not in html
    assert " onclick=" not in html and " onload=" not in html and " onchange=" not in html
    assert "<style" not in html and ' style="' not in html


def test_no_url_serves_the_media_folder(city, client):
    with pytest.raises(Resolver404):
        resolve("/media/evidence/2010/06/abc.pdf")
    client.force_login(city.adam)
    assert client.get("/media/evidence/2010/06/abc.pdf").status_code == 404
