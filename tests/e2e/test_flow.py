"""The year's main path, as people click through it in Chromium.

A clerk of 质监局 reports a milestone done with an evidence file; the unit head
approves it; the mayor's office accepts it; the dashboard shows the milestone done;
the annual PDF downloads.
"""

import re

import pytest
from playwright.sync_api import expect

from projects.models import Milestone, ProgressReport

pytestmark = pytest.mark.browser

EVIDENCE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def mid_2010(settings):
    settings.ZHUCHENG_TODAY = "2010-06-25"
    settings.ZHUCHENG_HEAD_APPROVAL = True


def test_clerk_reports_head_approves_office_accepts_dashboard_and_pdf(
    demo_passwords, mid_2010, open_session, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    city = demo_passwords

    # 1. The clerk signs in, finds the milestone on /my/ and reports it done.
    clerk = open_session("alice").page
    clerk.goto("/my/")
    row = clerk.get_by_role("row").filter(has_text="申报名牌")
    expect(row).to_be_visible()
    row.get_by_role("link", name=re.compile("填报")).click()
    clerk.get_by_label("进展状态").select_option("done")
    clerk.get_by_label("完成进度(%)").fill("100")
    clerk.get_by_label("完成日期").fill("2010-06-20")
    clerk.get_by_label("进展情况").fill("已完成名牌申报材料的报送。")
    clerk.get_by_label("佐证材料").set_input_files(
        files=[{"name": "申报回执.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE}]
    )
    clerk.get_by_role("button", name="提交").click()
    expect(clerk.get_by_role("status")).to_contain_text("进展已提交")
    expect(clerk.get_by_text("申报回执.pdf").first).to_be_visible()

    report = ProgressReport.objects.get(milestone=city.ms_zhijian)
    assert report.evidence.get().original_name == "申报回执.pdf"

    # 2. The unit head approves it on /review/.
    head = open_session("helen").page
    head.goto("/review/")
    head.get_by_role("row").filter(has_text="申报名牌").get_by_role(
        "link", name=re.compile("审核")
    ).click()
    head.get_by_role("button", name="审核通过，报送市政府办公室").click()
    expect(head.get_by_role("status")).to_contain_text("已审核通过")

    # 3. The mayor's office accepts it.
    office = open_session("olivia").page
    office.goto("/review/")
    office.get_by_role("row").filter(has_text="申报名牌").get_by_role(
        "link", name=re.compile("审核")
    ).click()
    office.get_by_role("button", name="审核通过", exact=True).click()
    expect(office.get_by_role("status")).to_contain_text("已审核通过")
    city.ms_zhijian.refresh_from_db()
    assert city.ms_zhijian.status == Milestone.Status.DONE

    # 4. The dashboard shows project 1 half done (1 of its 2 milestones), and the
    #    project page shows the milestone done.
    office.goto("/")
    project_row = office.get_by_role("row").filter(has_text="提高产品质量")
    expect(project_row.first).to_contain_text("50%")
    office.goto(f"/projects/{city.project1.pk}/")
    expect(office.get_by_role("row").filter(has_text="申报名牌").first).to_contain_text("已完成")

    # 5. The annual report downloads as a PDF.
    response = office.request.get("/reports/2010/annual.pdf")
    assert response.status == 200, response.text()[:500]
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.body()[:5] == b"%PDF-"
