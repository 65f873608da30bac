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

The result is a :class:`ReadTable`: a :class:`tablib.Dataset` whose first
column is the Excel row number and whose other headers are the clerk's own
header names, what each column is, and what was not imported (rows with the
reason, unknown columns); the admin's import pages and the ``import_targets``
command both hand it to :func:`projects.services.targets.targets_import_table`.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import zipfile
from collections.abc import Mapping
from typing import Literal

import tablib
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from common.formula_safe import unescape
from common.text import clean_text, decode_excel_escapes, squeeze, strip_invisible
from projects.importing.columns import (
    PROJECT_KEYS,
    ROW_COLUMN,
    UNIT_COLUMN_ORDER,
    column_key,
    normalise_header,
)
from projects.importing.parsing import category_by_meaning
from projects.importing.results import SkippedRow, WorkbookError
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
# Rows read from one sheet: far more than any annex (the benchmark's has 20,000).
MAX_ROWS = 100_000
# Put after the last row read when a sheet has more rows than that.
TRUNCATED = object()

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


@dataclasses.dataclass
class ReadTable:
    """The table read from a workbook and how it was read.

    ``dataset``'s first column is the Excel row number, the others carry the
    clerk's own header labels; ``keys`` says which of our columns each one is
    (None for the row number). ``unknown_columns`` are the headers (label,
    column letter) that were neither known nor mapped: they are not imported.
    ``skipped`` lists the rows read but not imported, with the reason.
    """

    dataset: tablib.Dataset
    keys: list[str | None]
    sheet: str
    unknown_columns: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    skipped: list[SkippedRow] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)


def read_targets_workbook(
    data: bytes, *, mapping: Mapping[str, str | None] | None = None, sheet: str | None = None
) -> ReadTable:
    """Check and normalise a workbook; raise :class:`WorkbookError` with a Chinese
    message for any file that cannot be taken as a whole.

    ``mapping`` gives a meaning to header labels the importer does not know
    (label → one of our keys, or None to leave the column out). The table is
    looked for on every sheet (``sheet`` names the one to read): the sheet whose
    header names most of our columns is read; two sheets that match equally
    well are refused, since the importer cannot tell which one is meant.
    """
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
    mapping = {squeeze(label): key for label, key in (mapping or {}).items()}
    if sheet is not None:
        grids = [grid for grid in grids if grid.name == sheet]
        if not grids:
            raise WorkbookError(_("文件中没有名为“%(sheet)s”的工作表。") % {"sheet": sheet})
    found = []
    for grid in grids:
        header = _find_header(_filled(grid), mapping)
        if header is not None:
            found.append((len({k for k in header.keys if k}), grid, header))
    if not found:
        raise WorkbookError(
            _(
                "没有找到表头行。表头应包含“项目名称”以及“责任单位”“完成时限”等列名，请使用导入模板核对。"
            )
        )
    found.sort(key=lambda f: -f[0])
    best, grid, header = found[0]
    ties = [g.name for score, g, _h in found if score == best]
    if len(ties) > 1:
        raise WorkbookError(
            _(
                "工作表%(sheets)s都像是年度目标表，无法确定导入哪一个。请在“工作表名称”中填写要导入的那一张"
                "（命令行用 --sheet），或删除不需要的工作表后再导入。"
            )
            % {"sheets": "、".join(f"“{name}”" for name in ties)}
        )
    table = normalise(grid, header)
    others = [g.name for _s, g, _h in found[1:]]
    if others:
        table.notes.append(
            _("另有工作表%(sheets)s也有表头，但不如“%(sheet)s”完整，没有读取。")
            % {"sheets": "、".join(f"“{name}”" for name in others), "sheet": grid.name}
        )
    return table


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
    """The rows up to the last data row, at most ``MAX_ROWS`` of them: a sheet
    formatted down to row 1,048,576 stops there instead of filling memory (and
    says so, see :func:`normalise`). Blank rows are kept as empty lists."""
    kept: list[list[object]] = []
    for row in rows:
        if len(kept) >= MAX_ROWS:
            kept.append([TRUNCATED])
            break
        values = [_visible(v) if isinstance(v, str) else v for v in row]
        kept.append([] if all(v is None or v == "" for v in values) else values)
    while kept and not kept[-1]:
        kept.pop()
    return kept


def _visible(text: str) -> str:
    """A text cell without control and zero-width characters (``_x0007_`` too).
    Bidirectional controls are left for the name readers to refuse."""
    return strip_invisible(decode_excel_escapes(text), keep_bidi=True)


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


@dataclasses.dataclass
class Header:
    """Where a sheet's header is and what its columns are."""

    row: int
    labels: list[str]
    keys: list[str | None]
    first_data: int
    unknown: list[int]


def _rows(grid: Grid) -> list[list[object]]:
    rows = grid.rows
    return rows[:-1] if rows and rows[-1] and rows[-1][0] is TRUNCATED else rows


def _filled(grid: Grid) -> list[list[object]]:
    """The grid's rows padded to one width, merged cells filled down their column."""
    rows = _rows(grid)
    width = max((len(r) for r in rows), default=0)
    values = [list(r) + [None] * (width - len(r)) for r in rows]
    for r0, c0, r1, _c1 in grid.merged:
        if r0 >= len(values) or c0 >= width:
            continue
        anchor = values[r0][c0]
        for r in range(r0 + 1, min(r1, len(values) - 1) + 1):
            values[r][c0] = anchor
    return values


def normalise(grid: Grid, header: Header | None = None) -> ReadTable:
    """The table in ``grid`` below ``header`` (found when not given)."""
    rows = _rows(grid)
    width = max((len(r) for r in rows), default=0)
    original = [list(r) + [None] * (width - len(r)) for r in rows]
    values = _filled(grid)
    wide_anchors = {(r0, c0) for r0, c0, _r1, c1 in grid.merged if c1 - c0 >= 2}
    if header is None:
        header = _find_header(values, {})
        if header is None:
            raise WorkbookError(_("没有找到表头行。"))
    labels, keys = header.labels, header.keys
    _check_header(labels, keys)

    # The document's title: the first text above the header that is not "附件1".
    title = ""
    for row in values[: header.row]:
        text = next((_text(v) for v in row if _text(v)), "")
        if text and not re.fullmatch(r"附件\s*[0-9一二三四五六七八九十]*[:：]?", text):
            title = text
            break

    used = [i for i, key in enumerate(keys) if key]
    has_category = "category" in keys
    headers = [ROW_COLUMN] + [labels[i] for i in used] + ([] if has_category else ["类别"])
    dataset_keys: list[str | None] = [None, *(keys[i] for i in used)]
    if not has_category:
        dataset_keys.append("category")
    project_cols = [i for i in used if keys[i] in PROJECT_KEYS]
    number_project = [i for i in used if keys[i] in ("number", "project")]

    out = []
    skipped: list[SkippedRow] = []
    blank_from: int | None = None
    previous: list[object] | None = None
    section: str | None = None
    after_note = False
    for r in range(header.first_data, len(values)):
        if all(_is_blank(v) for v in original[r]):
            if blank_from is None:
                blank_from = r + 1
            continue
        if blank_from is not None:
            skipped.append(SkippedRow(blank_from, _("空行"), r))
            blank_from = None
        row = values[r]
        filled = [v for v in original[r] if not _is_blank(v)]
        first_text = _text(filled[0]) if filled else ""
        if FOOTNOTE.match(first_text):
            skipped.append(
                SkippedRow(r + 1, _("说明文字“%(text)s”") % {"text": _short(first_text)})
            )
            after_note = True
            continue
        if after_note and len(filled) < 2:
            # The note's next lines; a row with more cells filled is the table again.
            skipped.append(
                SkippedRow(r + 1, _("说明文字“%(text)s”") % {"text": _short(first_text)})
            )
            continue
        after_note = False
        if _is_section(original[r], r, wide_anchors):
            section = _section_category(first_text)
            if section:
                reason = _("分类标题“%(text)s”：其下项目的类别为“%(category)s”")
            else:
                reason = _("标题行“%(text)s”：不是项目，其下项目的类别未定")
            skipped.append(
                SkippedRow(r + 1, reason % {"text": _short(first_text), "category": section})
            )
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
    unknown = [(labels[c], get_column_letter(c + 1)) for c in header.unknown]
    notes = []
    if len(rows) < len(grid.rows):
        notes.append(
            _("工作表“%(sheet)s”超过 %(max)d 行，第 %(max)d 行之后没有读取。")
            % {"sheet": grid.name, "max": MAX_ROWS}
        )
    return ReadTable(
        dataset=dataset,
        keys=dataset_keys,
        sheet=grid.name,
        unknown_columns=unknown,
        skipped=skipped,
        notes=notes,
    )


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(" \u3000\xa0\n\r\t"))


def _header_keys(row: list[object], mapping: Mapping[str, str | None]) -> list[str | None]:
    keys: list[str | None] = []
    for value in row:
        label = squeeze(value) if isinstance(value, str) else ""
        keys.append(mapping[label] if label in mapping else column_key(label) if label else None)
    return keys


def _find_header(values: list[list[object]], mapping: Mapping[str, str | None]) -> Header | None:
    for r in range(min(HEADER_SEARCH_ROWS, len(values))):
        keys = _header_keys(values[r], mapping)
        if "project" not in keys or len({k for k in keys if k}) < 3:
            continue
        labels = [squeeze(v) if isinstance(v, str) else "" for v in values[r]]
        first_data = r + 1
        # A two-row header: 责任分工 above 责任单位 | 责任人 | 分管市长.
        if r + 1 < len(values):
            below = _header_keys(values[r + 1], mapping)
            if sum(1 for k in below if k) >= 2:
                for c, key in enumerate(below):
                    label = values[r + 1][c]
                    if key or (isinstance(label, str) and squeeze(label) in mapping):
                        keys[c], labels[c] = key, squeeze(label)
                first_data = r + 2
        unknown = [
            c
            for c, (label, key) in enumerate(zip(labels, keys, strict=True))
            if label and not key and label not in mapping and not _is_number(label)
        ]
        return Header(r, labels, keys, first_data, unknown)
    return None


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9]+", text))


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
    """The category label a section title means (``四、环境质量`` → 生态环境质量)."""
    value = category_by_meaning(text)
    return str(Category(value).label) if value else None
