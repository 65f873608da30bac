"""Files built to cost a worker minutes and gigabytes (issue 15): each is
refused with its message before openpyxl reads it, or read at a bounded cost
(only the first rows of the sheets not chosen). Time and memory are measured
by the benchmark (``python -m bench importing``), not here."""

import io
import zipfile

import pytest
from openpyxl.reader.excel import ExcelReader
from openpyxl.reader.strings import read_string_table

from projects.importing import workbook
from projects.models import PlanYear, Project
from projects.services.targets import targets_import
from responsibility.models import Unit
from tests.projects import inflated_support as inflated

pytestmark = pytest.mark.django_db

BOMB = "文件解压后异常庞大（疑似“压缩炸弹”），已拒绝读取。请检查文件来源。"
TOO_MUCH = (
    "工作簿内容过多，超过了导入的上限。请删除无关的工作表、空白格式和图片，"
    "或把表格拆成几个文件后再导入。"
)
CORRUPT = "文件已损坏，无法读取。请在 Excel 或 WPS 中打开并重新保存后再导入。"


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Fails the test if openpyxl is asked to open the file."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that should have been refused")

    monkeypatch.setattr(ExcelReader, "read", refuse)


def refused(data: bytes) -> str:
    assert len(data) < 10 * 1024 * 1024
    result = targets_import(allow_new=True, file=data, year=2011)
    assert len(result.errors) == 1, result.errors
    assert not PlanYear.objects.exists()
    assert not Unit.objects.exists()
    return str(result.errors[0])


def test_a_large_shared_strings_part_is_refused_unread(no_openpyxl):
    data = inflated.large_shared_strings(150)
    assert len(data) < 6 * 1024 * 1024  # compressed about 30 to 1: the old check let it in
    assert refused(data) == BOMB


def test_more_shared_strings_than_the_budget_are_refused_unread(no_openpyxl):
    assert refused(inflated.many_strings(400_000)) == TOO_MUCH


def test_sheets_that_each_escaped_the_ratio_check_are_refused_unread(no_openpyxl):
    data = inflated.many_sheets(150)
    assert len(data) < 1024 * 1024
    assert refused(data) == BOMB


def test_a_sheet_with_more_rows_than_the_budget_is_refused_unread(no_openpyxl):
    assert refused(inflated.many_rows(300_000)) == TOO_MUCH


def test_a_row_of_a_million_cells_is_refused_unread(no_openpyxl):
    assert refused(inflated.wide_rows(1_000_000)) == TOO_MUCH


def test_a_row_of_more_cells_than_excel_has_columns_is_refused_unread(no_openpyxl):
    assert refused(inflated.wide_rows(16_385)) == TOO_MUCH


def test_a_sheet_stored_outside_the_worksheets_folder_is_checked_as_well(no_openpyxl):
    source = zipfile.ZipFile(io.BytesIO(inflated.wide_rows(16_385)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as moved:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"worksheets/sheet1.xml", b"data.xml")
            name = "xl/data.xml" if info.filename == "xl/worksheets/sheet1.xml" else info.filename
            moved.writestr(name, data)
    assert refused(out.getvalue()) == TOO_MUCH


def test_rows_as_wide_as_excel_allows_are_read():
    table = workbook.read_targets_workbook(inflated.wide_rows(16_384, rows=2))

    assert list(table.dataset) == [
        (2, 1, "实施名牌战略", "质监局", "6月底前", None),
        (3, 0, 1, 2, 3, None),
        (4, 0, 1, 2, 3, None),
    ]


def test_shared_strings_read_as_openpyxl_reads_them():
    xml = (
        f'<sst xmlns="{inflated.MAIN}">'
        "<si><t>实施名牌战略</t></si>"
        "<si><r><rPr><b/></rPr><t>提高</t></r><r><t>服务质量</t></r></si>"
        '<si><t>名牌</t><rPh sb="0" eb="2"><t>ミンパイ</t></rPh></si>'
        '<si><t xml:space="preserve"> 6月底前 </t></si>'
        "<si><t/></si>"
        "<si><t>a_x005F_x000D_b</t></si>"
        "</sst>"
    ).encode()
    expected = read_string_table(io.BytesIO(xml))

    assert workbook.shared_strings(io.BytesIO(xml)) == expected
    assert expected[:4] == ["实施名牌战略", "提高服务质量", "名牌", " 6月底前 "]


def test_more_members_than_a_workbook_has_are_refused_unread(no_openpyxl):
    assert refused(inflated.many_small_sheets(1001, rows=1)) == TOO_MUCH


@pytest.mark.parametrize(
    "fields",
    [{"version": 69}, {"method": 99}],
    ids=["declares zip version 6.9", "compression method 99"],
)
def test_a_zip_that_zipfile_cannot_inflate_is_corrupt(fields):
    data = inflated.patch_directory(inflated.simple_workbook(), "xl/workbook.xml", **fields)
    assert refused(data) == CORRUPT


def test_a_member_lying_about_its_size_is_read_to_its_declared_size_only(monkeypatch):
    read = []
    real_open = workbook.zipfile.ZipFile.open

    def counting_open(self, name, *args, **kwargs):
        part = real_open(self, name, *args, **kwargs)
        real_read = part.read

        def read_and_count(n=-1):
            data = real_read(n)
            read.append(len(data))
            return data

        part.read = read_and_count
        return part

    monkeypatch.setattr(workbook.zipfile.ZipFile, "open", counting_open)
    assert refused(inflated.lying_size()) == CORRUPT
    assert sum(read) <= 2 * 1024 * 1024


def test_overlapping_merged_ranges_are_corrupt():
    assert refused(inflated.tall_merges(rows=20_000, merges=40_000)) == CORRUPT


def test_more_merged_ranges_than_the_budget_are_refused_unread(no_openpyxl):
    assert refused(inflated.tall_merges(rows=1, merges=60_000)) == TOO_MUCH


def test_of_150_sheets_under_the_caps_only_the_table_is_read_in_full(monkeypatch):
    reads = []
    bounded = workbook._bounded_rows

    def spy(rows, limit=None):
        kept = bounded(rows, limit)
        reads.append((limit, len(kept)))
        return kept

    monkeypatch.setattr(workbook, "_bounded_rows", spy)
    result = targets_import(allow_new=True, file=inflated.many_small_sheets(150), year=2011)

    assert result.errors == []
    assert result.sheet == "Sheet1"
    assert list(Project.objects.values_list("number", "name")) == [(1, "实施名牌战略")]
    # Each sheet's first 31 rows to choose, then the chosen one whole.
    assert reads == [(31, 2)] + [(31, 31)] * 149 + [(None, 2)]


def test_a_sheet_formatted_down_to_the_last_row_stops_at_the_row_limit():
    result = targets_import(allow_new=True, file=inflated.formatted_rows(50_000), year=2011)

    assert result.errors == []
    assert list(Project.objects.values_list("number", "name")) == [(1, "实施名牌战略")]
    assert result.notes == ["工作表“Sheet1”超过 30000 行，第 30000 行之后没有读取。"]
