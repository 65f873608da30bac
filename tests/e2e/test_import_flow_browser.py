"""The admin's targets import as an administrator clicks through it: upload, say
what an unknown column is, decide each unknown name (a typo of a known unit, a
new one), preview, confirm."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from projects.models import Milestone, Project
from responsibility.models import Unit
from tests.projects.import_support import HEADER, simple

pytestmark = pytest.mark.browser

ROWS = [
    [1, "实施名牌战略", "", "", "争创名牌", "质检局", "", "王副市长", "6月底前"],
    [2, "质量基础建设", "", "", "", "科技局", "", "王副市长", "9月底前"],
]


def test_upload_map_decide_preview_confirm(demo_passwords, open_session):
    page = open_session("adam").page
    page.goto("/admin/projects/project/")
    page.get_by_role("link", name="导入年度目标").click()

    page.get_by_label("导入到年度").fill("2011")
    workbook = simple(ROWS, [*HEADER[:8], "节点安排要求"])
    page.get_by_label("Excel 文件").set_input_files(
        {"name": "附件1.xlsx", "mimeType": "application/octet-stream", "buffer": workbook}
    )
    page.get_by_role("button", name="上传并核对").click()

    # The review: nothing can be confirmed before the names are decided.
    expect(page.get_by_text("读取了工作表")).to_be_visible()
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    page.get_by_label("I 列“节点安排要求”").select_option(label="作为“完成时限”")
    typo = page.get_by_label("质检局")
    expect(typo.locator("option", has_text="即已有的：质监局")).to_have_count(1)
    typo.select_option(label="即已有的：质监局")
    page.get_by_label("科技局").select_option(label="确认为新增")
    page.get_by_role("button", name="按以上选择重新预览").click()

    expect(page.locator("table.import-preview").first).to_be_visible()
    expect(page.get_by_text("新增责任单位").or_(page.get_by_text("科技局")).first).to_be_visible()
    assert not Project.objects.filter(plan__year=2011).exists()  # a preview writes nothing
    page.get_by_role("button", name="确认导入").click()

    expect(page.get_by_text("2011 年度目标导入完成")).to_be_visible()
    assert set(Unit.objects.values_list("name", flat=True)) >= {"质监局", "科技局"}
    assert not Unit.objects.filter(name="质检局").exists()
    milestones = Milestone.objects.filter(project__plan__year=2011).select_related("unit")
    assert sorted((m.unit.name, m.due_date) for m in milestones) == [
        ("科技局", dt.date(2011, 9, 30)),
        ("质监局", dt.date(2011, 6, 30)),
    ]
