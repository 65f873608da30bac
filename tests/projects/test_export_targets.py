"""Exporting the year's targets: the layout, formula escaping, the template, and
the round trip export → import."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.models import Milestone, Project
from projects.services.demo import demo_load
from projects.services.targets import targets_export, targets_import, targets_template
from tests.projects.import_support import counts, snapshot
from tests.projects.test_import_targets import clerk_workbook

pytestmark = pytest.mark.django_db


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_export_has_title_header_and_merged_project_cells():
    targets_import(allow_new=True, file=clerk_workbook(), year=2011)
    ws = _sheet(targets_export(year=2011))
    assert ws["A1"].value == "2011年质量兴市项目化推进工作责任制分解表"
    assert [c.value for c in ws[2]][:6] == [
        "序号",
        "项目名称",
        "类别",
        "任务目标",
        "推进措施",
        "保障措施",
    ]
    # Project 16: its own row with both units, then three milestone rows.
    assert [ws.cell(row=r, column=2).value for r in range(3, 8)] == [
        "提高服务质量",
        None,
        None,
        None,
        "提高工程质量",
    ]
    assert "B3:B6" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["I3"].value == "商务局、卫生局" and ws["J3"].value == "陈建民、钟兆湘"
    assert ws["M4"].value.date().isoformat() == "2011-06-30"


def test_round_trip_export_then_import_gives_back_the_same_data():
    targets_import(allow_new=True, file=clerk_workbook(), year=2011)
    before = snapshot(2011)
    exported = targets_export(year=2011)

    # Into an empty year: the same objects come back.
    Milestone.objects.all().delete()
    Project.objects.all().delete()
    result = targets_import(allow_new=True, file=exported, year=2011)
    assert result.errors == []
    assert snapshot(2011) == before

    # And over itself: nothing changes.
    again = targets_import(allow_new=True, file=targets_export(year=2011), year=2011)
    assert again.changes == [] and again.warnings == []


def test_the_demo_year_round_trips_unchanged():
    demo_load()
    before = snapshot(2010)
    result = targets_import(allow_new=True, file=targets_export(year=2010), year=2010)
    assert result.errors == [] and result.changes == [] and result.warnings == []
    assert counts(result)["projects"] == (0, 0, 33)
    assert snapshot(2010) == before


def test_cells_that_would_run_as_formulas_are_escaped_and_read_back():
    targets_import(allow_new=True, file=clerk_workbook(), year=2011)
    Project.objects.filter(number=16).update(name='=HYPERLINK("http://x")', target="+86 电话")
    Project.objects.filter(number=17).update(name="@SUM(A1)", measures="-1 项")
    before = snapshot(2011)

    data = targets_export(year=2011)
    ws = _sheet(data)
    names = [
        ws.cell(row=r, column=2) for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=2).value
    ]
    assert [(c.value, c.data_type) for c in names] == [
        ('\'=HYPERLINK("http://x")', "s"),
        ("'@SUM(A1)", "s"),
    ]
    assert ws["D3"].value == "'+86 电话"

    assert targets_import(allow_new=True, file=data, year=2011).changes == []
    assert snapshot(2011) == before


def test_template_is_a_valid_annex_with_examples():
    data = targets_template(year=2012)
    ws = _sheet(data)
    assert "导入模板" in ws["A1"].value
    assert ws["A2"].value == "序号"
    result = targets_import(allow_new=True, file=data, year=2012, dry_run=True)
    assert result.errors == []
    assert counts(result)["projects"] == (2, 0, 0)
    assert counts(result)["milestones"] == (3, 0, 0)


def test_export_command_writes_the_file(tmp_path, capsys):
    targets_import(allow_new=True, file=clerk_workbook(), year=2011)
    path = tmp_path / "2011.xlsx"
    call_command("export_targets", "--year", "2011", "-o", str(path))
    assert "已导出 2011 年度目标" in capsys.readouterr().out
    assert targets_import(allow_new=True, file=path, year=2011).changes == []


def test_export_command_refuses_a_year_without_targets(tmp_path):
    with pytest.raises(CommandError, match="没有 2030 年度的目标"):
        call_command("export_targets", "--year", "2030", "-o", str(tmp_path / "x.xlsx"))
