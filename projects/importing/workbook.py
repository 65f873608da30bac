"""Read the workbook a clerk made and lay it out as one clean table.

The red-header document's annex arrives as ``.xlsx`` (Excel, WPS, LibreOffice)
or legacy ``.xls``. Before anything is parsed the file is checked: size, type
by its first bytes (not its name), password protection, and for ``.xlsx`` the
zip directory (a "zip bomb" is refused before openpyxl inflates it).

Then the sheet is normalised: merged cells are forward-filled down their
column, the header row is found by its names (title rows above it are
skipped), section rows such as ``一、产品质量`` become the category of the
projects under them, footnotes (``注：…``) end the table, and the project
columns are forward-filled over the rows of the project's sub-items.

The result is a :class:`tablib.Dataset` whose first column is the Excel row
number and whose other headers are the clerk's own header names; that is what
django-import-export's admin page and the ``import_targets`` command both hand
to :func:`projects.services.targets.targets_import_dataset`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re
import zipfile
from typing import Literal

import tablib
from django.conf import settings
from django.utils.translation import gettext as _

from common.formula_safe import unescape
from common.text import clean_text, squeeze
from projects.importing.columns import (
    PROJECT_KEYS,
    ROW_COLUMN,
    UNIT_COLUMN_ORDER,
    column_key,
    normalise_header,
)
from projects.importing.results import WorkbookError
from projects.models import Category

logger = logging.getLogger("zhucheng.importing")

XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Zip-bomb limits for .xlsx: a real annex inflates to a few tens of MB at most,
# and XML compresses about 10–20 to 1.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 2000

# Wider sheets are formatting debris, not columns of the annex.
MAX_COLUMNS = 100
MAX_BLANK_ROWS = 1000

# The header is looked for in the first rows only.
HEADER_SEARCH_ROWS = 30

FOOTNOTE = re.compile(r"^(注|说明|备注|填表说明)[0-9一二三四五六七八九十]*[:：、.．]")
SECTION = re.compile(r"^[一二三四五六七八九十]+[、.．]")


@dataclasses.dataclass
class Grid:
    """A sheet as read: values by (row, column), 0-based, and its merged ranges
    as (first_row, first_col, last_row, last_col), 0-based inclusive."""

    name: str
    rows: list[list[object]]
    merged: list[tuple[int, int, int, int]]


def max_bytes() -> int:
    return int(getattr(settings, "ZHUCHENG_IMPORT_MAX_BYTES", 10 * 1024 * 1024))


def size_label(size: int) -> str:
    """``2 MB``, ``1.5 MB``, ``5 KB``."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def read_targets_workbook(data: bytes) -> tablib.Dataset:
    """Check and normalise a workbook; raise :class:`WorkbookError` with a Chinese
    message for any file that cannot be taken as a whole."""
    limit = max_bytes()
    if len(data) > limit:
        raise WorkbookError(
            _("文件大小为 %(size)s，超过了 %(limit)s 的上限，请拆分或删除无关工作表后再导入。")
            % {"size": size_label(len(data)), "limit": size_label(limit)}
        )
    if not data:
        raise WorkbookError(_("文件是空的。"))
    if data.startswith(XLSX_MAGIC):
        grids = _read_xlsx(data)
    elif data.startswith(OLE2_MAGIC):
        grids = _read_ole2(data)
    elif data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        # Many office systems "export to Excel" as an HTML table named .xls.
        raise WorkbookError(
            _(
                "文件是网页（HTML）格式，只是扩展名像 Excel。请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿再导入。"
            )
        )
    else:
        raise WorkbookError(
            _(
                "文件不是 Excel 工作簿（.xlsx 或 .xls）。请在 Excel 或 WPS 中“另存为”Excel 工作簿后再导入。"
            )
        )
    for grid in grids:
        dataset = normalise(grid)
        if dataset is not None:
            return dataset
    raise WorkbookError(
        _(
            "没有找到表头行。表头应包含“项目名称”以及“责任单位”“完成时限”等列名，请使用导入模板核对。"
        )
    )


# --- reading ---------------------------------------------------------------


def _corrupt() -> WorkbookError:
    return WorkbookError(_("文件已损坏，无法读取。请在 Excel 或 WPS 中打开并重新保存后再导入。"))


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise _corrupt() from exc
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise WorkbookError(
            _("文件不是 Excel 工作簿（可能是 Word 文档或压缩包）。请上传 .xlsx 或 .xls 文件。")
        )
    total = sum(m.file_size for m in members)
    ratios = (m.file_size / max(m.compress_size, 1) for m in members if m.file_size > 1024 * 1024)
    if (
        len(members) > MAX_ZIP_MEMBERS
        or total > MAX_UNCOMPRESSED_BYTES
        or any(r > MAX_COMPRESSION_RATIO for r in ratios)
    ):
        raise WorkbookError(_("文件解压后异常庞大（疑似“压缩炸弹”），已拒绝读取。请检查文件来源。"))


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges, read from its XML.

    openpyxl's read-only mode does not report them, and its normal mode spends
    half of a large annex's load time re-drawing borders of merged cells.
    """
    xml = archive.read(path.lstrip("/"))
    ranges = []
    for m in _MERGE_CELL.finditer(xml):
        c0, r0 = _column_number(m[1]), int(m[2])
        c1, r1 = (_column_number(m[3]), int(m[4])) if m[3] else (c0, r0)
        ranges.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
    return ranges


def _read_xlsx(data: bytes) -> list[Grid]:
    _check_zip(data)
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
        archive = zipfile.ZipFile(io.BytesIO(data))
        sheets = [book.active] + [ws for ws in book.worksheets if ws is not book.active]
        grids = []
        for ws in sheets:
            if ws is None or not hasattr(ws, "_worksheet_path"):
                continue  # a chart sheet
            # The stored dimension is often wrong (or A1:XFD1048576); read what is there.
            ws.reset_dimensions()
            rows = _bounded_rows(row[:MAX_COLUMNS] for row in ws.iter_rows(values_only=True))
            grids.append(Grid(ws.title, rows, _merged_ranges(archive, ws._worksheet_path)))
        book.close()
    except WorkbookError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        logger.info("unreadable xlsx: %r", exc)
        raise _corrupt() from exc
    return grids


def _bounded_rows(rows) -> list[list[object]]:
    """The rows up to the last data row. A sheet formatted down to row 1,048,576
    stops after a long run of empty rows instead of filling memory."""
    kept: list[list[object]] = []
    blank = 0
    for row in rows:
        if all(v is None or v == "" for v in row):
            blank += 1
            if blank > MAX_BLANK_ROWS:
                break
        else:
            blank = 0
        kept.append(list(row))
    while kept and all(v is None or v == "" for v in kept[-1]):
        kept.pop()
    return kept


def _read_ole2(data: bytes) -> list[Grid]:
    import xlrd
    from xlrd.biffh import XLRDError
    from xlrd.compdoc import CompDoc

    try:
        streams = {d.name for d in CompDoc(data, logfile=io.StringIO()).dirlist}
    except Exception as exc:
        raise _corrupt() from exc
    if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
        raise WorkbookError(
            _("文件设置了打开密码，无法读取。请在 Excel 或 WPS 中取消密码后再导入。")
        )
    if not streams & {"Workbook", "Book"}:
        raise WorkbookError(
            _("文件不是 Excel 工作簿（可能是 Word 文档）。请上传 .xlsx 或 .xls 文件。")
        )
    try:
        try:
            book = xlrd.open_workbook(
                file_contents=data, formatting_info=True, logfile=io.StringIO()
            )
        except NotImplementedError:  # very old BIFF: no merged-cell information
            book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO())
    except XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise WorkbookError(
                _("文件设置了打开密码，无法读取。请在 Excel 或 WPS 中取消密码后再导入。")
            ) from exc
        raise _corrupt() from exc
    except Exception as exc:
        logger.info("unreadable xls: %r", exc)
        raise _corrupt() from exc
    grids = []
    for sheet in book.sheets():
        rows = _bounded_rows(
            [_xls_value(cell, book.datemode) for cell in sheet.row_slice(rowx, 0, MAX_COLUMNS)]
            for rowx in range(sheet.nrows)
        )
        merged = [(rlo, clo, rhi - 1, chi - 1) for rlo, rhi, clo, chi in sheet.merged_cells]
        grids.append(Grid(sheet.name, rows, merged))
    return grids


def _xls_value(cell, datemode: Literal[0, 1]) -> object:
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_NUMBER and float(cell.value).is_integer():
        return int(cell.value)
    return cell.value


# --- normalising ----------------------------------------------------------


def _text(value: object) -> str:
    return clean_text(value) if isinstance(value, str) else ""


def normalise(grid: Grid) -> tablib.Dataset | None:
    """The table in ``grid`` as a Dataset, or None when the sheet has no header."""
    width = max((len(r) for r in grid.rows), default=0)
    original = [list(r) + [None] * (width - len(r)) for r in grid.rows]
    values = [list(r) for r in original]
    wide_anchors: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in grid.merged:
        if r0 >= len(values) or c0 >= width:
            continue
        anchor = values[r0][c0]
        for r in range(r0 + 1, min(r1, len(values) - 1) + 1):
            values[r][c0] = anchor
        if c1 - c0 >= 2:
            wide_anchors.add((r0, c0))

    found = _find_header(values)
    if found is None:
        return None
    header_row, labels, keys, first_data = found
    _check_header(labels, keys)

    # The document's title: the first text above the header that is not "附件1".
    title = ""
    for row in values[:header_row]:
        text = next((_text(v) for v in row if _text(v)), "")
        if text and not re.fullmatch(r"附件\s*[0-9一二三四五六七八九十]*[:：]?", text):
            title = text
            break

    used = [i for i, key in enumerate(keys) if key]
    has_category = "category" in keys
    headers = [ROW_COLUMN] + [labels[i] for i in used] + ([] if has_category else ["类别"])
    project_cols = [i for i in used if keys[i] in PROJECT_KEYS]
    number_project = [i for i in used if keys[i] in ("number", "project")]

    out = []
    previous: list[object] | None = None
    section: str | None = None
    for r in range(first_data, len(values)):
        row = values[r]
        if all(_is_blank(v) for v in original[r]):
            continue
        first_text = _text(next((v for v in row if not _is_blank(v)), ""))
        if FOOTNOTE.match(first_text):
            break
        if _is_section(original[r], r, wide_anchors):
            section = _section_category(first_text)
            previous = None
            continue
        row = [unescape(v) if isinstance(v, str) else v for v in row]
        starts_project = any(not _is_blank(row[i]) for i in number_project)
        if not starts_project and previous is not None:
            for i in project_cols:
                if _is_blank(row[i]):
                    row[i] = previous[i]
        previous = row
        record = [r + 1] + [row[i] for i in used]
        if not has_category:
            record.append(section)
        out.append(record)
    dataset = tablib.Dataset(*out, headers=headers)
    dataset.title = title[:200]
    return dataset


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(" \u3000\xa0\n\r\t"))


def _find_header(values: list[list[object]]):
    for r in range(min(HEADER_SEARCH_ROWS, len(values))):
        keys = [column_key(v) if isinstance(v, str) else None for v in values[r]]
        if "project" not in keys or len({k for k in keys if k}) < 3:
            continue
        labels = [squeeze(v) if isinstance(v, str) else "" for v in values[r]]
        first_data = r + 1
        # A two-row header: 责任分工 above 责任单位 | 责任人 | 分管市长.
        if r + 1 < len(values):
            below = [column_key(v) if isinstance(v, str) else None for v in values[r + 1]]
            if sum(1 for k in below if k) >= 2:
                for c, key in enumerate(below):
                    if key:
                        keys[c], labels[c] = key, squeeze(values[r + 1][c])
                first_data = r + 2
        return r, labels, keys, first_data
    return None


def _check_header(labels: list[str], keys: list[str | None]) -> None:
    seen: dict[str, str] = {}
    for label, key in zip(labels, keys, strict=True):
        if not key or key == "units":
            continue
        if key in seen:
            raise WorkbookError(
                _("表头中“%(a)s”和“%(b)s”是同一列的意思，请只保留一列。")
                % {"a": seen[key], "b": label}
            )
        seen[key] = label
    unit_labels = [
        normalise_header(label) for label, key in zip(labels, keys, strict=True) if key == "units"
    ]
    if len(unit_labels) != len(set(unit_labels)):
        raise WorkbookError(_("表头中“责任单位”列出现了两次，请只保留一列。"))


def unit_column_order(label: str) -> int:
    return UNIT_COLUMN_ORDER.get(normalise_header(label), len(UNIT_COLUMN_ORDER))


def _is_section(row: list[object], r: int, wide_anchors: set[tuple[int, int]]) -> bool:
    """``一、产品质量（8项）`` on a row of its own, merged across the table."""
    filled = [(c, v) for c, v in enumerate(row) if not _is_blank(v)]
    if len(filled) != 1:
        return False
    c, value = filled[0]
    if (r, c) in wide_anchors:
        return True
    text = _text(value)
    return bool(SECTION.match(text)) and _section_category(text) is not None


def _section_category(text: str) -> str | None:
    for category in Category:
        if category != Category.OTHER and str(category.label) in text:
            return str(category.label)
    return None


def cell_date(value: object) -> dt.date | None:
    """A date cell's value as a date (openpyxl and xlrd give datetimes)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None
