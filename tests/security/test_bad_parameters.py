"""Parameters that views read from the query string or the POST body themselves
(not through a form): a value the view cannot use is a 400 with a message in
Chinese, or the view's documented fallback; never a 500, and nothing changes.
"""

import pytest
from django.urls import reverse

from assessment import services
from assessment.models import AssessmentScheme
from tests.assessment import builders

pytestmark = pytest.mark.django_db

GARBAGE = ["abc", "", "  ", "1.5", "1e5", "-1", "0", "9" * 30, "\x00", "１", "<b>1</b>"]


@pytest.fixture
def scheme(city):
    s = builders.bureau_scheme()
    services.assessment_compute(scheme=s)
    return AssessmentScheme.objects.get(pk=s.pk)


@pytest.mark.parametrize("action", ["assessment_compute", "assessment_stage"])
@pytest.mark.parametrize("value", [*GARBAGE, None], ids=repr)
def test_compute_and_publish_with_a_bad_scheme_are_400_in_chinese(
    client, city, scheme, action, value
):
    client.force_login(city.olivia)
    data = {"target": "self", "confirm": "on"} if action == "assessment_stage" else {}
    if value is not None:
        data["scheme"] = value
    response = client.post(reverse(action, kwargs={"year": 2010}), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "请求有误" in html and "考核办法" in html
    after = AssessmentScheme.objects.get(pk=scheme.pk)
    assert (after.stage, after.computed_at) == ("draft", scheme.computed_at)


def test_bad_scheme_is_a_400_page_even_with_debug_on(client, city, scheme, settings):
    """With DEBUG Django would answer a BadRequest with its technical page."""
    settings.DEBUG = True
    client.force_login(city.olivia)
    response = client.post(reverse("assessment_compute", kwargs={"year": 2010}), {"scheme": "abc"})
    assert response.status_code == 400
    assert "参数“考核办法”应为整数" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_a_scheme_of_another_year_is_still_404(client, city, scheme):
    client.force_login(city.olivia)
    response = client.post(
        reverse("assessment_compute", kwargs={"year": 2011}), {"scheme": scheme.pk}
    )
    assert response.status_code == 404


# Every GET parameter a view reads itself, with the pages that read it.
def _get_pages(city):
    return {
        "year": ["/", "/my/", f"/units/{city.zhijian.pk}/", f"/mayors/{city.mayor.pk}/"],
        "page": ["/projects/", "/review/", "/supervision/", "/milestones/"],
        "tab": ["/supervision/"],
        "m": ["/supervision/new/"],
        "all": ["/supervision/new/"],
        "colour": ["/milestones/", "/supervision/new/?all=1"],
        "format": ["/projects/"],
        "kind": ["/assessment/2010/"],
        "as_of": ["/reports/bulletin.pdf"],
    }


@pytest.mark.parametrize("who", ["olivia", "victor", "alice"])
def test_views_reading_get_parameters_never_answer_500(client, city, scheme, who):
    client.raise_request_exception = False
    client.force_login(getattr(city, who))
    failures = []
    for name, urls in _get_pages(city).items():
        for url in urls:
            for value in GARBAGE:
                status = client.get(url, {name: value}).status_code
                if status >= 500:
                    failures.append((url, name, value, status))
    assert failures == []
