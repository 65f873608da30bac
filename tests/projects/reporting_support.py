"""Shared pieces of the reporting, review, reminder and history tests."""

import datetime as dt
import io
import struct
import zipfile
import zlib
from zoneinfo import ZoneInfo

import pytest
import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2010, 9, 28)


@pytest.fixture
def frozen():
    """2010-09-28 10:00 in Zhucheng: 申报名牌 (due 6-30) is overdue, 超市评比 (9-30)
    due soon, 服务承诺 (10-31) not yet due."""
    with time_machine.travel(dt.datetime(2010, 9, 28, 10, 0, tzinfo=SHANGHAI)) as traveller:
        yield traveller


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_bytes() -> bytes:
    """A real one-page PDF."""
    import weasyprint

    return weasyprint.HTML(string="<p>Evidence</p>").write_pdf()


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def xlsx_bytes() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "名牌产品"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("readme.txt", "not an office file")
    return out.getvalue()


def report_data(**overrides) -> dict:
    data = {
        "status": "in_progress",
        "percent": "60",
        "narrative": "已组织企业申报山东名牌，材料已报省局。",
        "done_date": "",
    }
    data.update(overrides)
    return data
