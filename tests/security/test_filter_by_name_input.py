"""The unit and vice-mayor filters typed by name (issue 18) under hostile input:
huge numbers, NUL and other control characters, text far over any length. Each
gives the page (200) with the filter ignored and a Chinese message or no filter
(NUL: the site-wide 400 with its Chinese message), never a 500 (PostgreSQL refuses NUL in text and numbers past bigint), and changes
nothing."""

import pytest

from projects.models import Milestone, Project

pytestmark = pytest.mark.django_db

HOSTILE = [
    "9" * 30,  # past bigint
    "１２３４５６７８９０１２３４５６７８９０１２３",  # full-width digits, past bigint
    "质监\x00局",
    "\x00",
    "\x07\x1b\u200b\u202e",
    "局" * 5000,
    "%_\\'\"<script>",
]


@pytest.mark.parametrize("url", ["/projects/", "/milestones/", "/projects/export.xlsx"])
@pytest.mark.parametrize("field", ["unit", "mayor"])
@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_filter_values_are_ignored_not_a_500(client, city, url, field, value):
    before = (Project.objects.count(), Milestone.objects.count())
    client.force_login(city.olivia)
    response = client.get(url, {field: value, "year": 2010})
    body = response.content
    if "\x00" in value:  # refused for every URL by common.middleware, with a message
        assert response.status_code == 400
        assert "链接中含有不允许的字符（NUL）" in body.decode()
    else:
        assert response.status_code == 200
    assert b"<script>" not in body
    if url.endswith(".xlsx") and response.status_code == 200:
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (Project.objects.count(), Milestone.objects.count()) == before
