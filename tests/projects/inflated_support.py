"""Small .xlsx files that inflate to far more than they weigh, built part by
part, for the importer's tests and its benchmark (issue 15).

Each builder writes its big parts in chunks, so building one costs little
memory; ``package`` makes a minimal workbook openpyxl reads."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable, Iterator

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

HEADER = ["序号", "项目名称", "责任单位", "完成时限"]


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell(value: object) -> str:
    if isinstance(value, int):
        return f"<c><v>{value}</v></c>"
    return f'<c t="inlineStr"><is><t>{_xml(str(value))}</t></is></c>'


def row(values: Iterable[object]) -> str:
    return "<row>" + "".join(cell(v) for v in values) + "</row>"


def header_rows() -> str:
    """The header and one project: a sheet the importer takes as the table."""
    return row(HEADER) + row([1, "实施名牌战略", "质监局", "6月底前"])


def sheet_xml(rows: Iterable[str], tail: str = "") -> Iterator[bytes]:
    yield f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
    for text in rows:
        yield text.encode()
    yield f"</sheetData>{tail}</worksheet>".encode()


def package(
    sheets: list[tuple[str, Iterable[bytes]]],
    shared_strings: Iterable[bytes] | None = None,
    *,
    level: int = 6,
) -> bytes:
    """A workbook of the given sheets (name, XML in chunks) and shared strings."""
    out = io.BytesIO()
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>']
    rels = []
    entries = []
    for i, (name, _chunks) in enumerate(sheets, start=1):
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT}.worksheet+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        )
        entries.append(f'<sheet name="{_xml(name)}" sheetId="{i}" r:id="rId{i}"/>')
    if shared_strings is not None:
        overrides.append(
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            + "".join(overrides)
            + "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            + "".join(entries)
            + "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG_REL}">' + "".join(rels) + "</Relationships>",
        )
        for i, (_name, chunks) in enumerate(sheets, start=1):
            _write(z, f"xl/worksheets/sheet{i}.xml", chunks)
        if shared_strings is not None:
            _write(z, "xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


def _write(z: zipfile.ZipFile, name: str, chunks: Iterable[bytes]) -> None:
    with z.open(name, "w", force_zip64=True) as part:
        buffer = bytearray()
        for chunk in chunks:
            buffer += chunk
            if len(buffer) >= 1 << 20:
                part.write(buffer)
                buffer.clear()
        part.write(buffer)


def _strings(count: int, text: str) -> Iterator[bytes]:
    yield f'<sst xmlns="{MAIN}" count="{count}" uniqueCount="{count}">'.encode()
    for start in range(0, count, 1000):
        yield "".join(
            f"<si><t>{i}{text}</t></si>" for i in range(start, min(count, start + 1000))
        ).encode()
    yield b"</sst>"


# --- the hostile files ---------------------------------------------------------------


def large_shared_strings(megabytes: int = 150) -> bytes:
    """Issue 15's worst file: a shared-strings part of ``megabytes`` (numbered
    strings, compressing about 30 to 1) behind a one-project sheet."""
    text = "工作任务分解说明（重复）" * 3
    count = megabytes * 1024 * 1024 // (len(f"<si><t>0{text}</t></si>".encode()) + 5)
    return package([("Sheet1", sheet_xml([header_rows()]))], _strings(count, text), level=1)


def many_strings(count: int) -> bytes:
    """A shared-strings part of ``count`` short distinct strings: under the
    size caps, its cost is in the number of strings."""
    return package([("Sheet1", sheet_xml([header_rows()]))], _strings(count, ""))


def many_sheets(count: int = 150, rows: int = 4000) -> bytes:
    """``count`` sheets of ``rows`` identical rows each: every sheet is under
    1 MB inflated (so the old ratio check, from 1 MB, never looked at it)
    but compresses far more than 100 to 1. The first sheet holds the table."""
    filler = row(["填表说明", "无", "无", "无"])
    sheets = [("Sheet1", sheet_xml([header_rows()]))]
    sheets += [(f"说明{i}", sheet_xml([filler] * rows)) for i in range(2, count + 1)]
    return package(sheets, level=9)


def many_small_sheets(count: int = 150, rows: int = 200) -> bytes:
    """``count`` sheets under every cap, each with a header a little worse
    than the table's: all are looked at, one is read."""
    sheets = [("Sheet1", sheet_xml([header_rows()]))]
    partial = row(["序号", "项目名称", "责任单位"])
    for i in range(2, count + 1):
        body = [row([r, f"第{i}表第{r}项", "某单位"]) for r in range(rows)]
        sheets.append((f"表{i}", sheet_xml([partial, *body])))
    return package(sheets)


def many_rows(count: int) -> bytes:
    """A header and ``count`` numbered rows of one cell each."""

    def rows() -> Iterator[str]:
        yield header_rows()
        for start in range(0, count, 1000):
            yield "".join(row([i]) for i in range(start, min(count, start + 1000)))

    return package([("Sheet1", sheet_xml(rows()))])


def formatted_rows(count: int = 1_048_576) -> bytes:
    """A header and ``count`` formatted empty rows, as when a whole column is formatted."""

    def rows() -> Iterator[str]:
        yield header_rows()
        for start in range(3, count + 1, 10_000):
            yield "".join(
                f'<row r="{r}" s="1" customFormat="1"/>'
                for r in range(start, min(count + 1, start + 10_000))
            )

    return package([("Sheet1", sheet_xml(rows()))])


def wide_rows(cells: int, rows: int = 1) -> bytes:
    """A header, then ``rows`` rows of ``cells`` numbered cells each: openpyxl
    holds a whole row in memory before it gives any of it."""
    wide = row(range(cells))
    return package([("Sheet1", sheet_xml([header_rows(), *([wide] * rows)]))])


def tall_merges(rows: int, merges: int) -> bytes:
    """A header, ``rows`` numbered rows, and ``merges`` merged ranges each over
    the whole first column (overlapping, which Excel never writes)."""

    def body() -> Iterator[str]:
        yield header_rows()
        for start in range(0, rows, 1000):
            yield "".join(row([i]) for i in range(start, min(rows, start + 1000)))

    ranges = "".join(f'<mergeCell ref="A3:A{rows + 2 + i}"/>' for i in range(merges))
    tail = f'<mergeCells count="{merges}">{ranges}</mergeCells>'
    return package([("Sheet1", sheet_xml(body(), tail))])


def simple_workbook() -> bytes:
    return package([("Sheet1", sheet_xml([header_rows()]))])


def patch_directory(data: bytes, member: str, **fields: int) -> bytes:
    """``data`` with the central directory entry of ``member`` changed:
    ``version`` (needed to extract, ×10), ``method`` (compression), ``size``
    (declared inflated size)."""
    out = bytearray(data)
    offsets = {"version": (6, "<H"), "method": (10, "<H"), "size": (24, "<I")}
    start = 0
    while (start := out.find(b"PK\x01\x02", start)) >= 0:
        name_length = struct.unpack_from("<H", out, start + 28)[0]
        if out[start + 46 : start + 46 + name_length].decode() == member:
            for field, value in fields.items():
                offset, fmt = offsets[field]
                struct.pack_into(fmt, out, start + offset, value)
            return bytes(out)
        start += 4
    raise LookupError(member)


def lying_size() -> bytes:
    """A sheet that inflates to 200 MB of spaces but declares 1 MB: the
    directory passes every check; what is read must stop at 1 MB."""
    blank = b" " * (1 << 20)
    sheet = sheet_xml([header_rows()])
    head = next(sheet)
    data = package([("Sheet1", [head, *(blank for _ in range(200)), *sheet])], level=9)
    return patch_directory(data, "xl/worksheets/sheet1.xml", size=1 << 20)
