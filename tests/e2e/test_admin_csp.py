"""The Django admin and its import/export pages work under the CSP: no blocked
inline script or style, no JavaScript error (the session's watch fails the test)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_admin_pages_run_under_the_csp(demo_passwords, open_session):
    page = open_session().page
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill("adam")
    page.get_by_label("密码").fill("Zhucheng@2010")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#site-name")).to_be_visible()
    for path in [
        "/admin/projects/project/",
        "/admin/projects/project/add/",
        "/admin/projects/milestone/",
        "/admin/projects/project/import/",
        "/admin/assessment/assessmentscheme/",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    # Admin JavaScript ran: the changelist's select-all checkbox toggles the rows.
    page.goto("/admin/projects/project/")
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
