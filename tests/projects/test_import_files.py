"""Files the importer refuses whole, each with one clear Chinese message, and the
import_targets command's output and exit codes."""

import io
import re
import zipfile

import msoffcrypto.format.ooxml
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from projects.management.commands.import_targets import Command as ImportCommand
from projects.models import PlanYear, Project
from projects.services.targets import targets_import
from responsibility.models import Unit
from tests.projects.import_support import simple, xlsx

pytestmark = pytest.mark.django_db

GOOD_ROWS = [
    [1, "实施名牌战略", "", "", "争创名牌", "质监局", "王磊", "王世和", "6月底前"],
    [2, "提高服务质量", "", "", "", "商务局、卫生局", "陈建民、钟兆湘", "李强", "年底"],
]


def _refused(data, **kwargs) -> str:
    result = targets_import(allow_new=True, file=data, year=2011, **kwargs)
    assert len(result.errors) == 1
    assert not PlanYear.objects.filter(year=2011).exists()
    assert Unit.objects.count() == 0
    return str(result.errors[0])


def test_a_pdf_renamed_to_xlsx_is_refused_by_its_bytes():
    assert _refused(b"%PDF-1.7 ...") == (
        "文件不是 Excel 工作簿（.xlsx 或 .xls）。请在 Excel 或 WPS 中“另存为”Excel 工作簿后再导入。"
    )


def test_a_word_document_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert _refused(out.getvalue()) == (
        "文件不是 Excel 工作簿（可能是 Word 文档或压缩包）。请上传 .xlsx 或 .xls 文件。"
    )


def test_a_password_protected_workbook_is_refused():
    encrypted = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(simple(GOOD_ROWS))).encrypt("mima", encrypted)
    assert _refused(encrypted.getvalue()) == (
        "文件设置了打开密码，无法读取。请在 Excel 或 WPS 中取消密码后再导入。"
    )


def test_a_truncated_workbook_is_reported_as_corrupt():
    data = simple(GOOD_ROWS)
    assert _refused(data[: len(data) // 2]) == (
        "文件已损坏，无法读取。请在 Excel 或 WPS 中打开并重新保存后再导入。"
    )


def test_a_workbook_with_damaged_xml_is_reported_as_corrupt():
    source = zipfile.ZipFile(io.BytesIO(simple(GOOD_ROWS)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[:200]
            z.writestr(info, data)
    assert _refused(out.getvalue()).startswith("文件已损坏")


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.ZHUCHENG_IMPORT_MAX_BYTES = 2048
    data = simple(GOOD_ROWS)
    assert _refused(data) == (
        f"文件大小为 {round(len(data) / 1024)} KB，超过了 2 KB 的上限，请拆分或删除无关工作表后再导入。"
    )


def test_size_limit_is_checked_before_reading_a_path(settings, tmp_path):
    settings.ZHUCHENG_IMPORT_MAX_BYTES = 1024 * 1024
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024))
    assert _refused(path) == (
        "文件大小为 2 MB，超过了 1 MB 的上限，请拆分或删除无关工作表后再导入。"
    )


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    assert len(out.getvalue()) < 100 * 1024
    assert _refused(out.getvalue()) == (
        "文件解压后异常庞大（疑似“压缩炸弹”），已拒绝读取。请检查文件来源。"
    )


def test_a_sheet_without_a_recognisable_header_is_refused():
    data = xlsx([["姓名", "电话"], ["王磊", "123"]])
    assert _refused(data) == (
        "没有找到表头行。表头应包含“项目名称”以及“责任单位”“完成时限”等列名，请使用导入模板核对。"
    )


def test_two_columns_meaning_the_same_are_refused():
    data = xlsx([["序号", "项目名称", "完成时限", "完成时间", "责任单位"]])
    assert _refused(data) == "表头中“完成时限”和“完成时间”是同一列的意思，请只保留一列。"


def test_an_empty_file_is_refused():
    assert _refused(b"") == "文件是空的。"


def test_the_header_may_be_on_a_later_sheet():
    book = xlsx([["说明：本工作簿第二张表为责任分解表"]])
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(book))
    ws = wb.create_sheet("分解表")
    for row in [
        ["序号", "项目名称", "责任单位", "完成时限"],
        [1, "实施名牌战略", "质监局", "年底"],
    ]:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    assert targets_import(allow_new=True, file=out.getvalue(), year=2011).errors == []
    assert Project.objects.get().name == "实施名牌战略"


# --- the command -------------------------------------------------------------


def test_command_prints_counts_per_kind_and_exits_zero(tmp_path, capsys):
    path = tmp_path / "annex.xlsx"
    path.write_bytes(simple(GOOD_ROWS))
    call_command("import_targets", str(path), "--year", "2011", "--allow-new")
    out = capsys.readouterr().out
    assert "导入完成：2011 年度，读取 2 行。" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["项目", "2", "0", "0"] in lines
    assert ["小项", "1", "0", "0"] in lines
    assert ["进度节点", "2", "0", "0"] in lines
    assert ["责任单位", "3", "0", "0"] in lines
    assert ["责任人", "3", "0", "0"] in lines
    assert ["分管市长", "2", "0", "0"] in lines
    assert Project.objects.count() == 2

    call_command("import_targets", str(path), "--year", "2011", "--allow-new")
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["项目", "0", "0", "2"] in lines and ["进度节点", "0", "0", "2"] in lines


def test_command_dry_run_writes_nothing(tmp_path, capsys):
    path = tmp_path / "annex.xlsx"
    path.write_bytes(simple(GOOD_ROWS))
    call_command("import_targets", str(path), "--year", "2011", "--dry-run", "--allow-new")
    assert "试运行（未写入）" in capsys.readouterr().out
    assert not Project.objects.exists()


@pytest.fixture
def keep_connection(monkeypatch):
    """run_from_argv closes the connections when done, as manage.py would; the
    test still needs its own (and its transaction) afterwards."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        ImportCommand().run_from_argv(["manage.py", "import_targets", *argv])
    return exc.value.code


def test_command_exits_non_zero_with_the_row_errors(tmp_path, capsys, keep_connection):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(simple([[1, "实施名牌战略", "", "", "", "质监局", "", "", "尽快"]]))
    assert _exit_code([str(path), "--year", "2011"]) == 1
    err = capsys.readouterr().err
    assert "第2行「完成时限」：无法识别的日期“尽快”" in err
    assert "导入失败，共 1 处问题，未写入任何数据。" in err
    assert "Traceback" not in err
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a workbook", "文件不是 Excel 工作簿"),
        (None, "找不到文件"),
    ],
)
def test_command_exits_non_zero_on_a_bad_file(tmp_path, capsys, content, message, keep_connection):
    path = tmp_path / "annex.xlsx"
    if content is not None:
        path.write_bytes(content)
    assert _exit_code([str(path), "--year", "2011"]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_command_refuses_an_impossible_year(tmp_path):
    path = tmp_path / "annex.xlsx"
    path.write_bytes(simple(GOOD_ROWS))
    with pytest.raises(CommandError):
        call_command("import_targets", str(path), "--year", "11")


def test_command_run_as_manage_py_exits_zero(tmp_path, capsys, keep_connection):
    path = tmp_path / "annex.xlsx"
    path.write_bytes(simple(GOOD_ROWS))
    ImportCommand().run_from_argv(
        ["manage.py", "import_targets", str(path), "--year", "2011", "--allow-new"]
    )
    assert "完成。" in capsys.readouterr().out


def test_formatting_far_to_the_right_and_below_is_ignored():
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(simple(GOOD_ROWS)))
    ws = wb.active
    ws.cell(row=5000, column=16000).number_format = "0.00"  # a clerk formatted whole rows
    ws.cell(row=5000, column=16000).value = ""
    out = io.BytesIO()
    wb.save(out)
    assert targets_import(allow_new=True, file=out.getvalue(), year=2011).errors == []
    assert Project.objects.count() == 2


def test_an_html_table_saved_as_xls_gets_its_own_message():
    html = "<html><body><table><tr><td>序号</td><td>项目名称</td></tr></table></body></html>"
    assert _refused(html.encode()) == (
        "文件是网页（HTML）格式，只是扩展名像 Excel。请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿再导入。"
    )


def test_wrong_stored_dimension_and_blank_rows_keep_excel_row_numbers():
    rows = [
        ["序号", "项目名称", "责任单位", "完成时限"],
        [1, "实施名牌战略", "质监局", "年底"],
        [],
        [],
        [2, "提高服务质量", "商务局", "尽快"],
    ]
    source = zipfile.ZipFile(io.BytesIO(xlsx(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
                assert b'<dimension ref="A1"/>' in data
            z.writestr(info, data)
    result = targets_import(allow_new=True, file=out.getvalue(), year=2011)
    assert [str(e) for e in result.errors] == ["第5行「完成时限」：无法识别的日期“尽快”"]
