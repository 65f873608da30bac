"""CSRF: every URL refuses a POST without the token, even from a user allowed to act."""

import pytest
from django.test import Client
from django.urls import reverse

from projects.models import ProgressReport
from tests.security.test_idor import app_urls

ADMIN_POSTS = ["/admin/projects/project/add/", "/admin/login/"]


@pytest.mark.parametrize("who", ["adam", "alice"])
def test_every_url_refuses_a_post_without_csrf_token(city, who):
    client = Client(enforce_csrf_checks=True)
    client.force_login(getattr(city, who))
    ids = {
        "pk": city.ms_zhijian.pk,
        "unit_id": city.zhijian.pk,
        "item_id": 1,
        "run_id": 1,
        "year": 2010,
    }
    failures = []
    urls = [
        reverse(name, kwargs={key: ids.get(key, "x") for key in conv})
        for _route, name, conv in app_urls()
    ] + ADMIN_POSTS
    for url in urls:
        response = client.post(url, {"status": "done", "percent": "100", "narrative": "x"})
        # refused by the CSRF check (its page, common.errors.csrf_failure), not by a permission
        if response.status_code != 403 or b"csrf-failure" not in response.content:
            failures.append(f"POST {url} → {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_report_without_token_changes_nothing_and_with_token_goes_through(city):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city.alice)
    url = reverse("milestone_report", kwargs={"pk": city.ms_zhijian.pk})
    data = {"status": "in_progress", "percent": "40", "narrative": "推进中"}
    assert client.post(url, data).status_code == 403
    assert not ProgressReport.objects.exists()

    form = client.get(url)
    data["csrfmiddlewaretoken"] = form.context["csrf_token"]
    assert client.post(url, data).status_code == 302
    assert ProgressReport.objects.count() == 1
