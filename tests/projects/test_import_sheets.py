"""Finding the table as a clerk laid it out (issue 15): on any sheet, under the
header names clerks use, with one- or two-row headers; every column not
imported and every row not imported is named, none is dropped without a word."""

import datetime as dt
import io

import openpyxl
import pytest

from projects.importing.results import SkippedRow
from projects.importing.workbook import read_targets_workbook
from projects.models import Category, PlanYear, Project
from projects.services.targets import targets_import
from responsibility.models import Unit
from tests.projects.import_support import snapshot, xlsx

pytestmark = pytest.mark.django_db

D = dt.date


def book(sheets: dict[str, list[list]], merges: dict[str, tuple[str, ...]] | None = None) -> bytes:
    """A workbook with one sheet per entry, in order, each holding its rows from row 1."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for ref in (merges or {}).get(name, ()):
            ws.merge_cells(ref)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def imported(data: bytes, **kwargs):
    result = targets_import(allow_new=True, file=data, year=2011, **kwargs)
    assert [str(e) for e in result.errors] == []
    return result


def refused(data: bytes) -> list[str]:
    result = targets_import(allow_new=True, file=data, year=2011)
    assert not PlanYear.objects.filter(year=2011).exists()
    assert not Unit.objects.exists()
    return [str(e) for e in result.errors]


TABLE = [
    ["序号", "项目名称", "任务目标", "责任单位", "分管市长", "完成时限"],
    [16, "提高服务质量", "15个服务行业开展质量承诺。", "商务局", "王世和", "6月底前"],
    [17, "提高工程质量", "工程质量合格率100%。", "住建局", "李强", "年底"],
]

TABLE_OBJECTS = {
    "projects": {
        16: ("提高服务质量", Category.OTHER, "15个服务行业开展质量承诺。", "", "", "王世和"),
        17: ("提高工程质量", Category.OTHER, "工程质量合格率100%。", "", "", "李强"),
    },
    "units": [(16, "商务局", None, True, 0), (17, "住建局", None, True, 0)],
    "subitems": [],
    "milestones": [
        (16, 0, "提高服务质量", D(2011, 6, 30), "商务局"),
        (17, 0, "提高工程质量", D(2011, 12, 31), "住建局"),
    ],
    "indicators": [],
}


# --- which sheet ---------------------------------------------------------------


def test_the_table_after_a_filling_instructions_sheet_is_read_and_the_sheet_named():
    instructions = [
        ["填表说明"],
        ["1. 序号按项目顺序填写；项目名称写全称。"],
        ["2. 完成时限写到月，如“6月底前”。"],
    ]
    result = imported(book({"填表说明": instructions, "责任分解表": TABLE}))

    assert result.sheet == "责任分解表"
    assert result.notes == []
    assert snapshot(2011) == TABLE_OBJECTS


def test_two_sheets_that_look_equally_like_the_table_are_refused():
    data = book({"2011年": TABLE, "2012年": TABLE})

    assert refused(data) == [
        "工作表“2011年”、“2012年”都像是年度目标表，无法确定导入哪一个。"
        "请在“工作表名称”中填写要导入的那一张（命令行用 --sheet），或删除不需要的工作表后再导入。"
    ]
    assert read_targets_workbook(data, sheet="2012年").sheet == "2012年"


def test_the_sheet_with_the_fuller_header_is_read_and_the_other_named():
    partial = [["序号", "项目名称", "责任单位"], [1, "旧项目", "旧单位"]]
    result = imported(book({"去年": partial, "今年": TABLE}))

    assert result.sheet == "今年"
    assert result.notes == ["另有工作表“去年”也有表头，但不如“今年”完整，没有读取。"]
    assert snapshot(2011) == TABLE_OBJECTS


# --- header names ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("canonical", "alias"),
    [
        ("项目名称", "重点任务"),
        ("项目名称", "工作任务"),
        ("项目名称", "重点工作"),
        ("任务目标", "目标要求"),
        ("分管市长", "责任领导"),
        ("分管市长", "市级领导"),
        ("分管市长", "牵头领导"),
    ],
)
def test_header_names_clerks_use_are_known(canonical, alias):
    header = [alias if label == canonical else label for label in TABLE[0]]
    result = imported(xlsx([header, *TABLE[1:]]))

    assert result.unknown_columns == []
    assert snapshot(2011) == TABLE_OBJECTS


def test_completion_time_node_is_the_deadline_and_makes_milestones():
    rows = [
        ["序号", "项目名称", "小项", "责任单位", "完成时间节点"],
        [1, "实施名牌战略", "争创名牌", "质监局", "6月底前"],
        [None, None, "培育名牌企业", "经信委", "9月底前"],
    ]
    result = imported(xlsx(rows))

    assert result.unknown_columns == []
    assert snapshot(2011)["milestones"] == [
        (1, 1, "争创名牌", D(2011, 6, 30), "质监局"),
        (1, 2, "培育名牌企业", D(2011, 9, 30), "经信委"),
    ]


def test_item_number_column_keeps_the_documents_numbers():
    header = ["项次", *TABLE[0][1:]]
    imported(xlsx([header, *TABLE[1:]]))

    assert sorted(snapshot(2011)["projects"]) == [16, 17]
    assert snapshot(2011) == TABLE_OBJECTS


def test_an_unknown_column_is_named_with_its_letter_and_changes_nothing_else():
    rows = [
        [*TABLE[0][:3], "备注说明", *TABLE[0][3:]],
        [*TABLE[1][:3], "已列入省重点", *TABLE[1][3:]],
        [*TABLE[2][:3], "", *TABLE[2][3:]],
    ]
    result = imported(xlsx(rows))

    assert result.unknown_columns == [("备注说明", "D")]
    assert result.skipped == []
    assert snapshot(2011) == TABLE_OBJECTS


def test_a_mapping_names_what_an_unknown_column_means():
    rows = [
        ["序号", "项目名称", "小项", "责任单位", "节点安排要求"],
        [1, "实施名牌战略", "争创名牌", "质监局", "6月底前"],
    ]
    without = targets_import(allow_new=True, file=xlsx(rows), year=2011, dry_run=True)
    assert without.unknown_columns == [("节点安排要求", "E")]
    assert without.counts["milestones"].created == 0

    result = imported(xlsx(rows), mapping={"节点安排要求": "deadline"})

    assert result.unknown_columns == []
    assert snapshot(2011)["milestones"] == [(1, 1, "争创名牌", D(2011, 6, 30), "质监局")]


def test_a_two_row_header_with_a_group_cell_over_lead_and_partner_units():
    rows = [
        ["2011年责任分解表"],
        ["序号", "项目名称", "责任单位", None, "完成时限"],
        [None, None, "牵头单位", "配合单位", None],
        [1, "实施名牌战略", "质监局", "工商局", "6月底前"],
    ]
    merges = ("A1:E1", "A2:A3", "B2:B3", "C2:D2", "E2:E3")
    result = imported(xlsx(rows, merges))

    assert result.unknown_columns == []
    assert result.skipped == []
    objects = snapshot(2011)
    assert objects["projects"] == {1: ("实施名牌战略", Category.OTHER, "", "", "", None)}
    assert objects["units"] == [(1, "工商局", None, False, 1), (1, "质监局", None, True, 0)]
    assert objects["milestones"] == [(1, 0, "实施名牌战略", D(2011, 6, 30), "质监局")]


# --- rows not imported -------------------------------------------------------------


def test_a_note_in_the_middle_does_not_end_the_table():
    rows = [
        TABLE[0],
        TABLE[1],
        ["注：以下两项为年中新增项目。"],
        TABLE[2],
        [18, "提高环境质量", "空气优良天数达标。", "环保局", "李强", "年底"],
        ["注：完成时限均为2011年。"],
        ["2. 本表由市政府办公室负责解释。"],
    ]
    result = imported(xlsx(rows))

    assert sorted(snapshot(2011)["projects"]) == [16, 17, 18]
    assert result.skipped == [
        SkippedRow(3, "说明文字“注：以下两项为年中新增项目。”"),
        SkippedRow(6, "说明文字“注：完成时限均为2011年。”"),
        SkippedRow(7, "说明文字“2. 本表由市政府办公室负责解释。”"),
    ]


def test_a_section_title_after_a_note_starts_the_table_again():
    rows = [
        TABLE[0],
        TABLE[1],
        ["注：以下为生态环境质量项目。"],
        ["四、环境质量"],
        [18, "提高环境质量", "空气优良天数达标。", "环保局", "李强", "年底"],
    ]
    result = imported(xlsx(rows))

    assert sorted(snapshot(2011)["projects"]) == [16, 18]
    assert Project.objects.get(number=18).category == Category.ENVIRONMENT
    assert [str(s) for s in result.skipped] == [
        "第3行：说明文字“注：以下为生态环境质量项目。”",
        "第4行：分类标题“四、环境质量”：其下项目的类别为“生态环境质量”",
    ]


def test_projects_after_a_long_blank_run_are_imported_and_the_run_listed():
    rows = [TABLE[0], TABLE[1], *([[]] * 1200), TABLE[2]]
    result = imported(xlsx(rows))

    assert snapshot(2011) == TABLE_OBJECTS
    assert result.skipped == [SkippedRow(3, "空行", 1202)]
    assert str(result.skipped[0]) == "第3–1202行：空行"


def test_section_titles_are_listed_with_their_reason():
    rows = [
        TABLE[0],
        ["一、服务质量"],
        TABLE[1],
        ["二、重点攻坚任务"],
        TABLE[2],
    ]
    result = imported(xlsx(rows, ("A2:F2", "A4:F4")))

    assert result.skipped == [
        SkippedRow(2, "分类标题“一、服务质量”：其下项目的类别为“服务质量”"),
        SkippedRow(4, "标题行“二、重点攻坚任务”：不是项目，其下项目的类别未定"),
    ]
    projects = snapshot(2011)["projects"]
    assert projects[16][1] == Category.SERVICE
    assert projects[17][1] == Category.OTHER
