"""Nothing a user can click leads nowhere (issue 14): for each demo role, start at
the home page and follow the internal links; none may answer 403 or 404.

Bounded so that it stays fast: links are grouped by URL pattern (the route and the
names of the query parameters); the first few of each pattern are opened (their
status checked; at most ``CHECK_PER_VIEW`` per view) and the first couple of those
are also read for more links. At most ``MAX_PAGES`` requests per role.

Not followed: sign-out, the admin site, static and media files, and downloads
(PDF, XLSX, evidence files: their own tests cover them). The allow-list is empty:
no page deliberately links to something its reader may not open.
"""

from __future__ import annotations

import collections
import time
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve

from tests.conftest import DEMO_DAY

MAX_PAGES = 200
CHECK_PER_PATTERN = 4  # pages of one pattern whose status is checked
READ_PER_PATTERN = 2  # ... of which this many are read for more links
CHECK_PER_VIEW = 12  # pages of one view, whatever their query (the lists' filters)
# A guard against a crawl that runs away (the machine may be busy: generous).
MAX_SECONDS = 90

SKIP_PREFIXES = ("/admin/", "/static/", "/media/", "/accounts/logout/", "/i18n/")
SKIP_URL_NAMES = {
    "evidence_download",
    "supervision_file",
    "assessment_evidence",
    "assessment_self_evidence",
    "assessment_objection_evidence",
    "project_export",
    "pdf_annual",
    "pdf_unit",
    "pdf_responsibility",
    "pdf_bulletin",
}
# (url, status) pairs deliberately linked although they refuse: none.
ALLOWED: set[tuple[str, int]] = set()

ROLES = ["zhijian", "shangwu", "zhijian_head", "dubanshi", "fushizhang", "admin"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def internal_links(page_path: str, html: str) -> list[str]:
    """The same-site links of a page, as path?query (relative ones resolved)."""
    parser = _Links()
    parser.feed(html)
    out = []
    for href in parser.hrefs:
        parts = urlsplit(href)
        if (parts.scheme or parts.netloc) and parts.netloc not in ("testserver",):
            continue
        if href.startswith("#") or parts.scheme in ("mailto", "tel", "javascript"):
            continue
        path = parts.path or page_path
        if not path.startswith("/"):
            path = page_path.rsplit("/", 1)[0] + "/" + path
        out.append(path + (f"?{parts.query}" if parts.query else ""))
    return out


def pattern_of(url: str) -> tuple[str, tuple[str, ...]] | None:
    """The URL's route name and the names of its query parameters; None to skip."""
    parts = urlsplit(url)
    if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith((".pdf", ".xlsx")):
        return None
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(k == "format" for k, _v in query):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return ("<unresolved>", ())  # opened: it must not be a 404 either
    if match.url_name in SKIP_URL_NAMES:
        return None
    return (match.url_name or "", tuple(sorted({k for k, _v in query})))


def crawl(client: Client, start: str = "/") -> tuple[list[tuple[str, int, str]], int]:
    """Open the site from ``start``; returns the refusals (url, status, referrer)
    and the number of requests made."""
    checked: collections.Counter = collections.Counter()
    per_view: collections.Counter = collections.Counter()
    read: collections.Counter = collections.Counter()
    seen: set[str] = set()
    queue: collections.deque = collections.deque([(start, "")])
    bad = []
    requests = 0
    while queue and requests < MAX_PAGES:
        url, referrer = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        pattern = pattern_of(url)
        if pattern is None or checked[pattern] >= CHECK_PER_PATTERN:
            continue
        if per_view[pattern[0]] >= CHECK_PER_VIEW:
            continue
        checked[pattern] += 1
        per_view[pattern[0]] += 1
        response = client.get(url)
        requests += 1
        status = response.status_code
        if status in (403, 404) or status >= 500:
            if (url, status) not in ALLOWED:
                bad.append((url, status, referrer))
            continue
        if status in (301, 302):
            queue.append((response["Location"], url))
            continue
        if read[pattern] >= READ_PER_PATTERN:
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        read[pattern] += 1
        for link in internal_links(urlsplit(url).path, response.content.decode()):
            if link not in seen:
                queue.append((link, url))
    return bad, requests


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_every_link_a_demo_user_sees_opens(demo_loaded, username):
    with time_machine.travel(DEMO_DAY, tick=False):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        started = time.monotonic()
        bad, requests = crawl(client)
        elapsed = time.monotonic() - started
    assert requests > 10, "the crawl found too few pages to mean anything"
    assert not bad, "\n".join(f"{status} {url}  (linked from {ref})" for url, status, ref in bad)
    assert elapsed < MAX_SECONDS, f"{requests} requests took {elapsed:.1f}s"


def test_the_crawler_reads_links_and_patterns():
    html = '<a href="/units/3/">x</a><a href="https://other.example/">y</a><a href="?page=2">p</a>'
    assert internal_links("/projects/", html) == ["/units/3/", "/projects/?page=2"]
    assert pattern_of("/admin/") is None
    assert pattern_of("/reports/2010/annual.pdf") is None
    assert pattern_of("/milestones/?unit=3&colour=red") == ("milestone_list", ("colour", "unit"))
