"""延期申请 in the browser: the clerk asks through the form, the head and the office
approve, the milestone shows its new date; every page on the way passes axe
(WCAG 2.1 A/AA, no serious or critical violation) without CSP violations."""

import os
import re
from pathlib import Path

import pytest

from projects.models import DeadlineExtension
from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.browser

# ZHUCHENG_E2E_SHOTS=/some/dir keeps a screenshot of each page (for a review of the layout).
SHOTS = os.environ.get("ZHUCHENG_E2E_SHOTS")


def check(page, name: str) -> None:
    violations = blocking_violations(page)
    assert not violations, f"{name}:\n" + "\n".join(violations)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_clerk_asks_head_and_office_approve_in_the_browser(demo_passwords, settings, open_session):
    settings.ZHUCHENG_TODAY = "2010-06-20"
    city = demo_passwords
    milestone_path = f"/milestones/{city.ms_zhijian.pk}/"

    page = open_session("alice").page
    page.goto(milestone_path)
    page.get_by_role("link", name="申请延期").click()
    check(page, "extension_form_empty")
    page.get_by_role("button", name="提交申请").click()  # everything empty
    assert page.get_by_text("请填写申请延期至的日期。").is_visible()
    assert page.get_by_text("请填写延期理由。").is_visible()
    check(page, "extension_form_errors")
    page.get_by_label("申请延期至").fill("2010-07-31")
    page.get_by_label("延期理由").fill("省局名牌申报推迟至七月受理。")
    page.get_by_label("目前进展").fill("申报材料已准备完毕。")
    page.get_by_role("button", name="提交申请").click()
    assert page.get_by_text("延期申请已提交，等待单位负责人审核。").is_visible()
    check(page, "extension_detail_clerk")
    extension = DeadlineExtension.objects.get()

    page = open_session("helen").page
    page.goto("/review/")
    check(page, "review_list_head")
    page.get_by_role("link", name=re.compile(f"审批.*{city.ms_zhijian.name}")).click()
    check(page, "extension_detail_head")
    page.get_by_role("button", name="同意延期，报送市政府办公室").click()
    assert page.get_by_text("已同意延期").is_visible()

    page = open_session("olivia").page
    page.goto(f"/extensions/{extension.pk}/")
    page.get_by_role("button", name="批准延期至 2010年7月31日").click()
    assert page.get_by_text("已批准延期，节点完成时限已调整。").is_visible()
    page.goto(milestone_path)
    assert page.get_by_text("（原定 2010年6月30日，已批准延期）").is_visible()
    check(page, "milestone_extended")
