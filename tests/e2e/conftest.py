"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

- The browser is /usr/bin/chromium (installed by `make sysdeps`); Playwright's own
  browser download is never used. A missing browser is a failure, never a skip.
- Every page a test opens is watched for Content-Security-Policy violations and
  JavaScript errors; a test fails if any happened (``page_errors``).
- On failure a full-page screenshot of each open page goes to test-artifacts/.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would then refuse
# the ORM calls the test makes to set up data.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "Zhucheng@2010"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: browser tests need Debian's chromium "
            "(make sysdeps, or apt-get install --no-install-recommends chromium)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Session:
    """One signed-in (or anonymous) browser context with its problems recorded."""

    def __init__(self, browser, base_url: str, problems: list[str]):
        self.context = browser.new_context(base_url=base_url, locale="zh-CN")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.problems = problems
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: problems.append(f"JS error: {exc}"))

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.problems.append(f"CSP: {text} ({self.page.url})")

    def login(self, username: str, password: str = PASSWORD):
        page = self.page
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"login of {username} failed"
        return page


@pytest.fixture
def open_session(browser, live_server, request):
    """Factory: ``open_session("alice")`` gives a signed-in page; None for anonymous."""
    sessions: list[Session] = []
    problems: list[str] = []

    def open_(username: str | None = None) -> Session:
        session = Session(browser, live_server.url, problems)
        sessions.append(session)
        if username:
            session.login(username)
        return session

    yield open_

    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for i, session in enumerate(sessions):
            with contextlib.suppress(Exception):  # a crashed page: nothing to save
                session.page.screenshot(path=str(ARTIFACTS / f"{name}-{i}.png"), full_page=True)
    for session in sessions:
        session.context.close()
    if report is not None and report.passed:
        assert not problems, "\n".join(problems)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def demo_passwords(city):
    """The city's people with the demo password, so they can sign in by the form."""
    for user in (city.alice, city.bob, city.helen, city.olivia, city.victor, city.adam):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return city
