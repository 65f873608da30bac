"""The phone layout (issue 14) at 390×844 in Chromium: the pages clerks and heads
use on the road fit the screen without sideways scrolling, pass axe (WCAG 2.1
AA), fold the menu into 菜单, and a clerk sends a complete report with evidence
(a file and a camera photo) with the upload bar; a head passes reports in bulk."""
# ruff: noqa: F811  (fixtures imported from test_accessibility)

import re

import pytest
from playwright.sync_api import expect

from projects.models import ProgressReport
from tests import factories
from tests.e2e.test_accessibility import (  # noqa: F401 (fixtures)
    blocking_violations,
    public_2010,
    year_2010,
)
from tests.projects.reporting_support import png_bytes

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
EVIDENCE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
Review = ProgressReport.Review

PAGES = {
    "my_work": "/my/",
    "milestone": "/milestones/{ms}/",
    "report_form": "/milestones/{ms}/report/",
    "supervision_inbox": "/supervision/",
    "review": "/review/",
    "assessment_unit": "/assessment/2010/units/{unit}/",
    "projects": "/projects/",
}
# (user, page): the clerk has no review page (403), the head has them all.
CASES = [("alice", name) for name in PAGES if name != "review"] + [
    ("helen", name) for name in PAGES
]


def phone(session):
    session.page.set_viewport_size(PHONE)
    return session.page


def overflow(page) -> int:
    """How far the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


@pytest.fixture
def busy_city(demo_passwords, public_2010, year_2010):
    """The city with a 督办单 to 质监局 and two clerk reports waiting for the head."""
    from projects.services import supervision

    city = demo_passwords
    supervision.supervision_send(
        milestones=[city.ms_zhijian], level=factories.ladder()[0], sender=city.olivia
    )
    for text in ("已组织企业申报山东名牌，材料已报省局。", "已补充申报材料。"):
        factories.make_report(city.ms_zhijian, city.alice, narrative=text)
    return city


@pytest.mark.parametrize(("user", "name"), CASES)
def test_page_fits_a_phone_and_passes_axe(user, name, busy_city, open_session):
    page = phone(open_session(user))
    path = PAGES[name].format(ms=busy_city.ms_zhijian.pk, unit=busy_city.zhijian.pk)
    response = page.goto(path)
    assert response.status == 200, f"{path}: HTTP {response.status}"
    assert page.evaluate("() => window.innerWidth") == PHONE["width"]
    assert overflow(page) == 0, f"{path} is {overflow(page)} px wider than the phone"
    # the inline menu is folded away; 菜单 opens it, with large targets
    expect(page.locator(".menu-wide .site-nav")).to_be_hidden()
    page.get_by_text("菜单", exact=True).click()
    menu = page.get_by_role("navigation", name="主导航")
    expect(menu.get_by_role("link", name="年度考核")).to_be_visible()
    assert menu.get_by_role("link", name="项目", exact=True).bounding_box()["height"] >= 44
    assert overflow(page) == 0, f"{path}: the open menu is wider than the phone"
    violations = blocking_violations(page)
    assert not violations, f"{path}:\n" + "\n".join(violations)


def test_work_list_rows_are_cards_on_a_phone(busy_city, open_session):
    """Each milestone is one card, its cells side by side with their labels, and
    the one action a large button — not seven squeezed columns."""
    page = phone(open_session("alice"))
    page.goto("/my/")
    card = page.get_by_role("row").filter(has_text="申报名牌")
    box = card.bounding_box()
    assert box["width"] > 300 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # the cell carries its column's label (CSS from data-label), on the card's full width
    due = card.get_by_role("cell", name=re.compile("^完成时限"))
    expect(due).to_be_visible()
    assert due.bounding_box()["width"] > 250
    action = card.get_by_role("link", name=re.compile("填报"))
    assert action.bounding_box()["height"] >= 44
    assert action.bounding_box()["width"] > 250


def test_clerk_sends_a_complete_report_with_evidence_on_a_phone(
    busy_city, open_session, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    city = busy_city
    page = phone(open_session("alice"))
    page.goto("/my/")
    page.get_by_role("row").filter(has_text="申报名牌").get_by_role(
        "link", name=re.compile("填报")
    ).click()
    expect(page).to_have_url(re.compile(rf"/milestones/{city.ms_zhijian.pk}/report/$"))
    assert overflow(page) == 0

    files = page.get_by_label("佐证材料")
    assert "image/*" in files.get_attribute("accept")
    assert ".pdf" in files.get_attribute("accept")
    camera = page.get_by_label("拍照上传")
    expect(camera).to_be_visible()
    assert camera.get_attribute("capture") == "environment"
    for label in ("进展状态", "完成进度(%)", "完成日期", "进展情况"):
        assert page.get_by_label(label).bounding_box()["height"] >= 44, label

    page.get_by_label("进展状态").select_option("done")
    page.get_by_label("完成进度(%)").fill("100")
    page.get_by_label("完成日期").fill("2010-06-20")
    page.get_by_label("进展情况").fill("已完成名牌申报材料的报送。")
    files.set_input_files(
        files=[{"name": "申报回执.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE}]
    )
    camera.set_input_files(
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    submit = page.get_by_role("button", name="提交")
    assert submit.bounding_box()["height"] >= 44
    # upload.js sends it by XHR and shows the bar; the answer replaces the page
    with page.expect_request(lambda r: r.method == "POST" and r.resource_type == "xhr"):
        submit.click()
    expect(page.get_by_role("status").filter(has_text="进展已提交")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/milestones/{city.ms_zhijian.pk}/$"))
    expect(page.get_by_text("申报回执.pdf").first).to_be_visible()
    assert overflow(page) == 0

    report = ProgressReport.objects.filter(milestone=city.ms_zhijian).latest("pk")
    assert (report.status, report.percent, report.author) == ("done", 100, city.alice)
    assert sorted(e.original_name for e in report.evidence.all()) == [
        "现场照片.png",
        "申报回执.pdf",
    ]


def test_a_refused_upload_comes_back_with_the_error_on_a_phone(busy_city, open_session):
    """The XHR answer with a field error replaces the page like a normal submit."""
    page = phone(open_session("alice"))
    page.goto(f"/milestones/{busy_city.ms_zhijian.pk}/report/")
    page.get_by_label("进展情况").fill("推进中。")
    page.get_by_label("佐证材料").set_input_files(
        files=[{"name": "说明.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf"}]
    )
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#id_evidence_error")).to_be_visible()
    assert overflow(page) == 0
    # the page that came back is bound again: the next try also goes by XHR
    page.get_by_label("佐证材料").set_input_files(
        files=[{"name": "说明.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE}]
    )
    with page.expect_request(lambda r: r.method == "POST" and r.resource_type == "xhr"):
        page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status").filter(has_text="进展已提交")).to_be_visible()


def test_head_passes_two_reports_in_bulk_on_a_phone(busy_city, open_session):
    page = phone(open_session("helen"))
    page.goto("/review/")
    boxes = page.get_by_role("checkbox", name=re.compile("选择"))
    expect(boxes).to_have_count(2)
    for i in range(2):
        boxes.nth(i).check()
    page.get_by_role("button", name="批量通过").click()
    expect(page.get_by_role("status").filter(has_text="已通过 2 份填报")).to_be_visible()
    states = set(
        ProgressReport.objects.filter(milestone=busy_city.ms_zhijian).values_list(
            "review_state", flat=True
        )
    )
    assert states == {Review.HEAD_APPROVED}
    assert overflow(page) == 0
