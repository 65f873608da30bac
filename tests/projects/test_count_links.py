"""Every count on the dashboards links to the list it counts (issue 14): the
number on the page is the number of rows of the linked list. Checked on the demo
for the office's and a vice-mayor's dashboard and a unit's and a vice-mayor's
page (the office)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from responsibility.models import Unit, ViceMayor
from tests.conftest import DEMO_DAY


class _CountLinks(HTMLParser):
    """(href, text) of every ``a.count-link``."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "count-link" in (attrs.get("class") or "").split():
            self._href, self._text = attrs["href"], ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, self._text.strip()))
            self._href = None


def count_links(html: str) -> list[tuple[str, str]]:
    parser = _CountLinks()
    parser.feed(html)
    return parser.links


LISTED = re.compile(r"共 (\d+) 个(进度节点|项目)")


def listed(client: Client, href: str) -> int:
    response = client.get(href)
    assert response.status_code == 200, href
    html = response.content.decode()
    assert 'class="errorlist"' not in html, f"{href}: a filter was refused"
    match = LISTED.search(html)
    assert match, href
    return int(match.group(1))


def check_counts(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    links = count_links(response.content.decode())
    assert links, f"{url} has no count links"
    wrong = []
    for href, text in dict.fromkeys(links):
        if int(text) != listed(client, href):
            wrong.append((text, href))
    assert wrong == [], f"{url}: counts that differ from their lists: {wrong}"
    return len(links)


def login(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.mark.django_db
def test_every_count_on_the_offices_dashboard_lists_what_it_counts(demo_loaded):
    with time_machine.travel(DEMO_DAY, tick=False):
        client = login("dubanshi")
        links = count_links(client.get(reverse("home")).content.decode())
        hrefs = {urlsplit(h).path for h, _t in links}
        # the headline, the unit ranking and the vice-mayors' cards all link
        assert hrefs == {reverse("milestone_list"), reverse("project_list")}
        queries = [parse_qs(urlsplit(h).query) for h, _t in links]
        assert any(q.get("colour") == ["red"] and "unit" in q for q in queries)
        assert any(q.get("colour") == ["red"] and "mayor" in q for q in queries)
        assert check_counts(client, reverse("home")) > 20


@pytest.mark.django_db
def test_a_vice_mayors_dashboard_counts_link_to_their_lists(demo_loaded):
    with time_machine.travel(DEMO_DAY, tick=False):
        assert check_counts(login("fushizhang"), reverse("home")) > 5


@pytest.mark.django_db
def test_a_units_and_a_vice_mayors_page_count_their_own_part(demo_loaded):
    with time_machine.travel(DEMO_DAY, tick=False):
        client = login("dubanshi")
        unit = Unit.objects.get(name="质监局", jurisdiction__name="诸城市")
        mayor = ViceMayor.objects.get(user__username="fushizhang")
        check_counts(client, reverse("unit_detail", args=[unit.pk]))
        check_counts(client, reverse("mayor_detail", args=[mayor.pk]))
        # a unit's own head reads its page the same way
        check_counts(login("zhijian_head"), reverse("unit_detail", args=[unit.pk]))


@pytest.mark.django_db
def test_the_red_count_leads_to_the_overdue_milestones(demo_loaded):
    with time_machine.travel(DEMO_DAY, tick=False):
        client = login("dubanshi")
        html = client.get(reverse("home")).content.decode()
        red = [(h, t) for h, t in count_links(html) if "colour=red" in h and "unit=" not in h]
        href, text = red[0]
        listing = client.get(href).content.decode()
        assert listing.count('class="badge red"') == int(text)
