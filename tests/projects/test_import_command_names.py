"""The import_targets command: names the database does not know are refused
unless confirmed (--allow-new) or mapped (--same); unknown columns are named and
can be mapped (--map); a sheet can be chosen (--sheet)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.models import Milestone, PlanYear, Project
from responsibility.models import Person, Unit, ViceMayor
from tests import factories
from tests.projects.import_support import HEADER, simple

pytestmark = pytest.mark.django_db

TYPO_ROWS = [[1, "实施名牌战略", "", "", "争创名牌", "质检局", "王磊", "王市长", "6月底前"]]


@pytest.fixture
def known():
    unit = factories.UnitFactory(name="质监局", full_name="质量技术监督局")
    factories.PersonFactory(name="王磊", unit=unit)
    factories.ViceMayorFactory(name="王副市长")
    return unit


def _run(tmp_path, data: bytes, *args: str):
    path = tmp_path / "annex.xlsx"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_targets", str(path), "--year", "2011", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _counts():
    return (Unit.objects.count(), Person.objects.count(), ViceMayor.objects.count())


def test_a_typo_of_a_known_unit_is_refused_with_the_nearest_names(tmp_path, known):
    before = _counts()
    path = tmp_path / "annex.xlsx"
    path.write_bytes(simple(TYPO_ROWS))
    err = io.StringIO()
    with pytest.raises(CommandError, match="导入失败"):
        call_command("import_targets", str(path), "--year", "2011", stderr=err)
    text = err.getvalue()
    assert (
        "第2行：“质检局”不是已有的责任单位：请确认为新增，或对应到已有的责任单位（相近：质监局（质量技术监督局））"
        in text
    )
    assert "“王市长”不是已有的分管市长" in text and "相近：王副市长" in text
    assert "--allow-new" in text and "--same" in text
    assert _counts() == before
    assert not PlanYear.objects.filter(year=2011).exists()


def test_same_maps_typos_to_the_known_unit_and_vice_mayor(tmp_path, known):
    before = _counts()
    out, _err = _run(
        tmp_path, simple(TYPO_ROWS), "--same", "质检局=质监局", "--same", "王市长=王副市长"
    )
    assert "完成。" in out
    assert _counts() == before  # nothing new: the typos are the known ones
    milestone = Milestone.objects.get(project__plan__year=2011)
    assert milestone.unit == known
    assert Project.objects.get(plan__year=2011).mayor.name == "王副市长"


def test_allow_new_creates_the_unknown_names(tmp_path, known):
    out, _err = _run(tmp_path, simple(TYPO_ROWS), "--allow-new")
    assert "责任单位“质检局”：新增" in out
    assert set(Unit.objects.responsible().values_list("name", flat=True)) == {"质监局", "质检局"}
    assert set(ViceMayor.objects.values_list("name", flat=True)) == {"王副市长", "王市长"}


def test_same_naming_nothing_known_stops_before_reading(tmp_path, known):
    with pytest.raises(CommandError, match="系统中没有名为“质量局”的责任单位、责任人或分管市长"):
        _run(tmp_path, simple(TYPO_ROWS), "--same", "质检局=质量局")
    assert not PlanYear.objects.filter(year=2011).exists()


def test_an_unknown_column_is_named_and_can_be_mapped(tmp_path, known):
    header = [*HEADER[:8], "节点安排要求"]
    rows = [[1, "实施名牌战略", "", "", "争创名牌", "质监局", "王磊", "王副市长", "6月底前"]]
    out, _err = _run(tmp_path, simple(rows, header))
    assert (
        "I 列“节点安排要求”不是可导入的列名，这一列没有导入（如需导入请加 --map 节点安排要求=对应列名）。"
        in out
    )
    assert not Milestone.objects.filter(project__plan__year=2011).exists()

    out, _err = _run(tmp_path, simple(rows, header), "--map", "节点安排要求=完成时限")
    assert "不是可导入的列名" not in out
    assert list(
        Milestone.objects.filter(project__plan__year=2011).values_list("due_date", flat=True)
    ) == [dt.date(2011, 6, 30)]


def test_map_to_something_that_is_no_column_is_refused(tmp_path, known):
    with pytest.raises(CommandError, match="“截止”不是可导入的列名"):
        _run(tmp_path, simple(TYPO_ROWS), "--map", "节点安排要求=截止")


def _two_sheets() -> bytes:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "2011年"
    first.append(HEADER)
    first.append([1, "实施名牌战略", "", "", "", "质监局", "王磊", "王副市长", "6月底前"])
    second = book.create_sheet("2012年")
    second.append(HEADER)
    second.append([1, "提高服务质量", "", "", "", "质监局", "王磊", "王副市长", "9月底前"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_two_equal_sheets_are_refused_and_sheet_chooses_one(tmp_path, known):
    path = tmp_path / "annex.xlsx"
    path.write_bytes(_two_sheets())
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_targets", str(path), "--year", "2011", stderr=err)
    assert "工作表“2011年”、“2012年”都像是年度目标表，无法确定导入哪一个。" in err.getvalue()
    assert not Project.objects.exists()

    out, _err = _run(tmp_path, _two_sheets(), "--sheet", "2012年")
    assert "读取工作表“2012年”。" in out
    assert list(Project.objects.values_list("name", flat=True)) == ["提高服务质量"]


def test_an_unknown_sheet_is_refused_naming_it(tmp_path, known):
    path = tmp_path / "annex.xlsx"
    path.write_bytes(_two_sheets())
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_targets", str(path), "--year", "2011", "--sheet", "2013年", stderr=err)
    assert "文件中没有名为“2013年”的工作表。" in err.getvalue()
    assert not Project.objects.exists()
