"""Read the workbook a clerk made and lay it out as one clean table.

The red-header document's annex arrives as ``.xlsx`` (Excel, WPS, LibreOffice)
or legacy ``.xls``. Before anything is parsed the file is checked: size, type
by its first bytes (not its name), password protection, and for ``.xlsx`` what
it inflates to (declared sizes, compression ratios and the number of XML tags,
found by one streaming pass), so that no file holds a worker for long: a file
over a limit is refused before openpyxl opens it. Of the sheets only the first
rows are read to find the table; then the chosen sheet is read whole.

Then the sheet is normalised: merged cells are forward-filled down their
column, the header row is found by its names (title rows above it are
skipped), section rows such as ``一、产品质量`` become the category of the
projects under them, notes (``注：…``) are skipped, and the project
columns are forward-filled over the rows of the project's sub-items.

The result is a :class:`ReadTable`: a :class:`tablib.Dataset` whose first
column is the Excel row number and whose other headers are the clerk's own
header names, what each column is, and what was not imported (rows with the
reason, unknown columns); the admin's import pages and the ``import_targets``
command both hand it to :func:`projects.services.targets.targets_import_table`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Literal
from xml.parsers import expat

import tablib
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

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

# Limits on what an .xlsx may hold, checked on the zip directory and by one
# streaming pass over its XML before openpyxl reads anything: a real annex
# inflates to a few tens of MB at most, and XML compresses about 10–20 to 1.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
# Every part above RATIO_FLOOR bytes inflated, shared strings included.
MAX_COMPRESSION_RATIO = 100
RATIO_FLOOR = 64 * 1024
MAX_ZIP_MEMBERS = 1000
# All worksheets together, and any other XML part (shared strings, styles).
MAX_SHEETS_BYTES = 64 * 1024 * 1024
MAX_PART_BYTES = 32 * 1024 * 1024
# openpyxl's time goes by XML tag (5–12 µs each on a busy 2-core machine):
# the tags of all XML parts together bound the parse time. The benchmark's
# 20,000-row annex has 0.9 million.
MAX_XML_TAGS = 1_200_000
# Cells in one row: openpyxl holds a whole row in memory before it gives any
# of it. Excel's own limit.
MAX_ROW_CELLS = 16_384
# Merged ranges of one sheet (the benchmark's annex has 6,000).
MAX_MERGED_RANGES = 50_000
SCAN_CHUNK = 1024 * 1024

# Wider sheets are formatting debris, not columns of the annex.
MAX_COLUMNS = 100
# Rows read from one sheet: far more than any annex (the benchmark's has 20,000);
# what a row costs to check does not depend on the file's size.
MAX_ROWS = 30_000
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
        opened = _open_xlsx(data)
    elif data.startswith(OLE2_MAGIC):
        opened = _open_ole2(data)
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
    with opened as sheets:
        return _read_table(sheets, mapping, sheet)


def _read_table(
    sheets: list[Sheet], mapping: Mapping[str, str | None] | None, name: str | None
) -> ReadTable:
    """Choose the sheet by the header in its first rows, then read it whole:
    the other sheets cost no more than their first rows."""
    mapping = {squeeze(label): key for label, key in (mapping or {}).items()}
    if name is not None:
        sheets = [sheet for sheet in sheets if sheet.name == name]
        if not sheets:
            raise WorkbookError(_("文件中没有名为“%(sheet)s”的工作表。") % {"sheet": name})
    found = []
    for sheet in sheets:
        # One row more than searched: the header may have a second row.
        header = _find_header(_filled(sheet.grid(HEADER_SEARCH_ROWS + 1)), mapping)
        if header is not None:
            found.append((len({k for k in header.keys if k}), sheet, header))
    if not found:
        raise WorkbookError(
            _(
                "没有找到表头行。表头应包含“项目名称”以及“责任单位”“完成时限”等列名，请使用导入模板核对。"
            )
        )
    found.sort(key=lambda f: -f[0])
    best, chosen, header = found[0]
    ties = [s.name for score, s, _h in found if score == best]
    if len(ties) > 1:
        raise WorkbookError(
            _(
                "工作表%(sheets)s都像是年度目标表，无法确定导入哪一个。请在“工作表名称”中填写要导入的那一张"
                "（命令行用 --sheet），或删除不需要的工作表后再导入。"
            )
            % {"sheets": "、".join(f"“{name}”" for name in ties)}
        )
    table = normalise(chosen.grid(), header)
    others = [s.name for _s, s, _h in found[1:]]
    if others:
        table.notes.append(
            _("另有工作表%(sheets)s也有表头，但不如“%(sheet)s”完整，没有读取。")
            % {"sheets": "、".join(f"“{name}”" for name in others), "sheet": chosen.name}
        )
    return table


# --- reading ---------------------------------------------------------------


@dataclasses.dataclass
class Sheet:
    """A sheet not read yet: ``read(limit)`` gives its first ``limit`` rows
    (all of them, at most ``MAX_ROWS``, when None), ``merged`` its merged ranges."""

    name: str
    read: Callable[[int | None], list[list[object]]]
    merged: list[tuple[int, int, int, int]]

    def grid(self, limit: int | None = None) -> Grid:
        return Grid(self.name, self.read(limit), self.merged)


def _corrupt() -> WorkbookError:
    return WorkbookError(_("文件已损坏，无法读取。请在 Excel 或 WPS 中打开并重新保存后再导入。"))


def _bomb() -> WorkbookError:
    return WorkbookError(_("文件解压后异常庞大（疑似“压缩炸弹”），已拒绝读取。请检查文件来源。"))


def _too_much() -> WorkbookError:
    return WorkbookError(
        _(
            "工作簿内容过多，超过了导入的上限。请删除无关的工作表、空白格式和图片，"
            "或把表格拆成几个文件后再导入。"
        )
    )


# What zipfile raises on a damaged or unsupported archive: a version or
# compression method it does not know is NotImplementedError.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,  # an encrypted member
    OSError,
    EOFError,
    ValueError,
    zlib.error,
)


def _check_zip(data: bytes) -> dict[str, list[tuple[int, int, int, int]]]:
    """Refuse an archive that would cost too much to read, before openpyxl
    opens it; return each worksheet's merged ranges (by member name).

    The directory is checked first (members, declared sizes, ratio of every
    part above ``RATIO_FLOOR``, methods zipfile can inflate); then every XML
    part is inflated once, in chunks, counting its tags. A member cannot lie
    about its size: zipfile stops at the declared size, and the CRC then fails.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except _ZIP_ERRORS as exc:
        raise _corrupt() from exc
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise WorkbookError(
            _("文件不是 Excel 工作簿（可能是 Word 文档或压缩包）。请上传 .xlsx 或 .xls 文件。")
        )
    if any(m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for m in members):
        raise _corrupt()
    if len(members) > MAX_ZIP_MEMBERS:
        raise _too_much()
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES or any(
        m.file_size > RATIO_FLOOR and m.file_size / max(m.compress_size, 1) > MAX_COMPRESSION_RATIO
        for m in members
    ):
        raise _bomb()
    sheets = [m for m in members if m.filename.startswith("xl/worksheets/")]
    if sum(m.file_size for m in sheets) > MAX_SHEETS_BYTES or any(
        m.file_size > MAX_PART_BYTES for m in members if m not in sheets
    ):
        raise _too_much()
    merged: dict[str, list[tuple[int, int, int, int]]] = {}
    tags = 0
    try:
        for member in members:
            if member.is_dir():
                continue
            # Every XML part is scanned as a sheet: the workbook may say a
            # sheet is anywhere in the archive.
            ranges: list[tuple[int, int, int, int]] = []
            tags += _scan_part(archive, member, ranges, MAX_XML_TAGS - tags)
            merged[member.filename] = ranges
    except WorkbookError:
        raise
    except _ZIP_ERRORS as exc:
        raise _corrupt() from exc
    return merged


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


_ROW_START = re.compile(rb"<(?:\w+:)?row[\s/>]")
_CELL_START = re.compile(rb"<(?:\w+:)?c[\s/>]")


def _scan_part(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    ranges: list[tuple[int, int, int, int]],
    budget: int,
) -> int:
    """The number of tags of an XML part (0 for another kind of part, which
    openpyxl does not parse); its merged ranges into ``ranges``. Raises when
    the tags exceed ``budget`` or a row has more than ``MAX_ROW_CELLS`` cells."""
    tags = 0
    row_cells = 0
    carry = b""
    with archive.open(member) as part:
        chunk = part.read(SCAN_CHUNK)
        if chunk.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"<":
            return 0
        while True:
            tags += chunk.count(b"<")
            if tags > budget:
                raise _too_much()
            # Only complete elements: what follows the last "<" waits for the
            # next chunk (its start is enough to know what it is).
            following = part.read(SCAN_CHUNK)
            text = carry + chunk
            cut = text.rfind(b"<") if following else -1
            cut = len(text) if cut < 0 else cut
            whole, carry = text[:cut], text[cut : cut + 256]
            for m in _MERGE_CELL.finditer(whole):
                c0, r0 = _column_number(m[1]), int(m[2])
                c1, r1 = (_column_number(m[3]), int(m[4])) if m[3] else (c0, r0)
                ranges.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
            if len(ranges) > MAX_MERGED_RANGES:
                raise _too_much()
            # The first piece goes on with the row open at the end of the last chunk.
            for i, piece in enumerate(_ROW_START.split(whole)):
                row_cells = (row_cells if i == 0 else 0) + len(_CELL_START.findall(piece))
                if row_cells > MAX_ROW_CELLS:
                    raise _too_much()
            if not following:
                return tags
            chunk = following


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


@contextlib.contextmanager
def _open_xlsx(data: bytes) -> Iterator[list[Sheet]]:
    """The workbook's sheets, the active one first, read lazily by openpyxl's
    read-only mode. (Its normal mode spends half of a large annex's load time
    re-drawing borders of merged cells; the merged ranges come from the scan.)"""
    merged = _check_zip(data)

    def reader(ws) -> Callable[[int | None], list[list[object]]]:
        def read(limit: int | None) -> list[list[object]]:
            try:
                rows = ws.iter_rows(values_only=True, max_row=limit)
                return _bounded_rows((row[:MAX_COLUMNS] for row in rows), limit)
            except Exception as exc:  # openpyxl raises many kinds on a damaged file
                logger.info("unreadable xlsx sheet: %r", exc)
                raise _corrupt() from exc

        return read

    try:
        excel = _ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        excel.read()
        book = excel.wb
        active: object = book.active
        others: list[object] = [ws for ws in book.worksheets if ws is not active]
        sheets: list[Sheet] = []
        for ws in [active, *others]:
            if not isinstance(ws, _LazySheet):
                continue
            path = ws._worksheet_path.lstrip("/")
            sheets.append(Sheet(ws.title, reader(ws), merged.get(path, [])))
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        logger.info("unreadable xlsx: %r", exc)
        raise _corrupt() from exc
    try:
        yield sheets
    finally:
        book.close()


class _LazySheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet without its stored dimension: that is often
    wrong (or A1:XFD1048576), and when it is missing openpyxl parses the whole
    sheet to look for it, for every sheet of the workbook, when it is opened."""

    _worksheet_path: str

    def _get_size(self) -> None:
        self.reset_dimensions()


class _ExcelReader(ExcelReader):
    """``openpyxl.load_workbook(read_only=True)`` with :class:`_LazySheet`
    sheets (chart sheets left out) and a quicker reading of shared strings."""

    def read_strings(self) -> None:
        found = self.package.find(SHARED_STRINGS)
        if found is not None:
            with self.archive.open(found.PartName[1:]) as source:
                self.shared_strings = shared_strings(source)

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            ws = _LazySheet(self.wb, sheet.name, rel.target, self.shared_strings)
            self.wb._sheets.append(ws)  # type: ignore[attr-defined]  # as openpyxl does


def shared_strings(source: IO[bytes]) -> list[str]:
    """The shared-strings part's strings, as openpyxl's ``read_string_table``
    reads them (the text, then the rich-text runs' text; no phonetic runs),
    at a fraction of its cost: it builds an object per run of every string."""
    si, t, rph = (f"{SHEET_MAIN_NS}}}{name}" for name in ("si", "t", "rPh"))
    strings: list[str] = []
    text: list[str] = []
    state = {"t": 0, "rPh": 0}

    def start(name: str, _attrs: object) -> None:
        if name == t:
            state["t"] += 1
        elif name == rph:
            state["rPh"] += 1

    def end(name: str) -> None:
        if name == t:
            state["t"] -= 1
        elif name == rph:
            state["rPh"] -= 1
        elif name == si:
            strings.append("".join(text).replace("x005F_", ""))
            text.clear()

    def data(chunk: str) -> None:
        if state["t"] and not state["rPh"]:
            text.append(chunk)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.ParseFile(source)
    return strings


def _bounded_rows(rows: Iterable[Sequence[object]], limit: int | None = None) -> list[list[object]]:
    """The first ``limit`` rows up to the last data row; without a limit, at
    most ``MAX_ROWS`` of them: a sheet formatted down to row 1,048,576 stops
    there instead of filling memory (and says so, see :func:`normalise`).
    Blank rows are kept as empty lists."""
    kept: list[list[object]] = []
    for row in rows:
        if limit is not None and len(kept) >= limit:
            break
        if limit is None and len(kept) >= MAX_ROWS:
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


@contextlib.contextmanager
def _open_ole2(data: bytes) -> Iterator[list[Sheet]]:
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

    def reader(sheet) -> Callable[[int | None], list[list[object]]]:
        def read(limit: int | None) -> list[list[object]]:
            count = sheet.nrows if limit is None else min(limit, sheet.nrows)
            return _bounded_rows(
                (
                    [
                        _xls_value(cell, book.datemode)
                        for cell in sheet.row_slice(rowx, 0, MAX_COLUMNS)
                    ]
                    for rowx in range(count)
                ),
                limit,
            )

        return read

    yield [
        Sheet(
            sheet.name,
            reader(sheet),
            [(rlo, clo, rhi - 1, chi - 1) for rlo, rhi, clo, chi in sheet.merged_cells],
        )
        for sheet in book.sheets()
    ]


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
    # Ranges that do not overlap fill at most every cell once; overlapping
    # ones (Excel never writes them) could make this loop endless.
    work = sum(
        max(0, min(r1, len(values) - 1) - r0)
        for r0, c0, r1, _c1 in grid.merged
        if r0 < len(values) and c0 < width
    )
    if work > len(values) * width:
        raise _corrupt()
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
        if after_note and len(filled) < 2 and not _is_section(original[r], r, wide_anchors):
            # The note's next lines; a section title or a row with more cells
            # filled is the table again.
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
