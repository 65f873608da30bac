"""Error pages (issue 14): 400/403/404/500 and a stale form's CSRF failure are
pages of the site, in Chinese and in English, with the navigation (500: a layout
that asks nothing of the database) and a way back. Rendered as in production
(DEBUG off)."""

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_production_errors")]


@pytest.fixture
def _production_errors(settings):
    settings.DEBUG = False


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_clerk_opening_the_review_page_gets_a_403_with_navigation_and_a_way_back(city, client):
    client.force_login(city.alice)
    response = client.get(reverse("review"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权操作" in html and "403 Forbidden" not in html
    assert 'class="site-nav"' in html
    assert f'href="{reverse("my_work")}"' in html  # the clerk's own navigation
    assert f'href="{reverse("review")}"' not in html  # 审核 is not theirs
    assert f'<a href="{reverse("home")}">返回总览</a>' in html


def test_the_403_page_in_english(city, client):
    client.force_login(city.alice)
    response = english(client).get(reverse("review"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Not allowed" in html and "无权操作" not in html
    assert "Back to the overview" in html


def test_an_unknown_page_is_a_404_in_the_layout_with_navigation(city, client):
    client.force_login(city.alice)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert 'class="site-nav"' in html and f'href="{reverse("my_work")}"' in html
    assert f'<a href="{reverse("home")}">返回总览</a>' in html


def test_another_bureaus_page_is_a_404_in_english_too(city, client):
    client.force_login(city.alice)
    response = english(client).get(reverse("unit_detail", args=[city.shangwu.pk]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "页面不存在" not in html
    assert "Back to the overview" in html


def test_a_404_signed_out_offers_the_public_page_and_sign_in(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert f'href="{reverse("public_index")}"' in html and f'href="{reverse("login")}"' in html


@override_settings(ROOT_URLCONF="tests.error_urls")
@pytest.mark.parametrize(("language", "title"), [("zh-hans", "服务器出错"), ("en", "Server error")])
def test_the_500_page_renders_in_the_layout_without_a_database_query(
    django_assert_num_queries, language, title
):
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with django_assert_num_queries(0):
        response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert title in html
    assert 'class="site-header"' in html and f'href="{reverse("home")}"' in html
    assert "RuntimeError" not in html and "a bug in a view" not in html


@pytest.mark.parametrize(
    ("language", "title"), [("zh-hans", "页面已过期"), ("en", "This page has expired")]
)
def test_a_stale_form_gets_the_csrf_page_with_navigation(city, language, title):
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(city.alice)
    response = client.post(reverse("milestone_report", args=[city.ms_zhijian.pk]), {})
    assert response.status_code == 403
    html = response.content.decode()
    assert title in html and "CSRF verification failed" not in html
    assert 'class="site-nav"' in html and f'href="{reverse("my_work")}"' in html


def test_a_bad_parameter_is_a_400_with_a_way_back(city, client):
    client.force_login(city.olivia)
    response = client.get(reverse("supervision_new") + "?m=abc")
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "请求有误" in html
        and "应为整数" in html
        and f'<a href="{reverse("home")}">返回总览</a>' in html
    )
