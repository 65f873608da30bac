"""The header search in Chromium: typed into the box on any page, it lands on the
results; the page has no serious axe violation; at 390 px the header (box
included) fits without sideways scrolling."""

import pytest

from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.browser


def test_header_box_finds_and_the_page_is_accessible(demo_passwords, open_session):
    page = open_session("olivia").page
    page.goto("/projects/")
    box = page.get_by_role("searchbox", name="搜索项目、小项、进度节点、单位、责任人、分管市长")
    box.fill("申报")
    box.press("Enter")
    page.wait_for_load_state()
    assert "/search/?q=" in page.url
    link = page.get_by_role("link", name="申报名牌")
    assert link.count() == 1
    assert page.locator("mark", has_text="申报").count() >= 1
    assert blocking_violations(page) == []


@pytest.mark.parametrize("path", ["/my/", "/search/?q=名牌"])
def test_header_fits_a_390px_screen(demo_passwords, open_session, path):
    session = open_session("alice")
    page = session.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    box = page.locator("#site-search-q")
    assert box.is_visible()
    left, right = page.evaluate(
        "() => { const r = document.querySelector('.site-search').getBoundingClientRect();"
        " return [r.left, r.right]; }"
    )
    assert left >= 0 and right <= 390, (left, right)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert box.bounding_box()["width"] >= 150  # room to type
