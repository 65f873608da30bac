"""Helpers for the PDF tests: read a PDF back with poppler (never a fake PDF)."""

import datetime as dt
import re
import subprocess
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_DAY = dt.datetime(2010, 9, 30, 10, 0, tzinfo=SHANGHAI)


def _poppler(tool: str, data: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(data)
        result = subprocess.run(
            [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
            capture_output=True,
            check=True,
            timeout=60,
        )
    return result.stdout.decode("utf-8")


def pdf_text(data: bytes) -> str:
    """The PDF's text with all whitespace removed (pdftotext breaks CJK lines anywhere)."""
    return re.sub(r"\s+", "", _poppler("pdftotext", data, "-enc", "UTF-8"))


def pdf_lines(data: bytes) -> list[str]:
    """The PDF's lines as laid out on the page (``pdftotext -layout``: a table
    row stays on one line), each with its runs of spaces cut to one."""
    text = _poppler("pdftotext", data, "-layout", "-enc", "UTF-8")
    return [re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip()]


def pdf_pages(data: bytes) -> int:
    match = re.search(r"^Pages:\s+(\d+)", _poppler("pdfinfo", data), re.M)
    assert match, "pdfinfo found no page count"
    return int(match.group(1))


def embedded_cjk_fonts(data: bytes) -> list[str]:
    """Names of embedded Noto CJK fonts (``pdffonts``: emb = yes)."""
    names = []
    for line in _poppler("pdffonts", data).splitlines()[2:]:
        columns = line.split()
        if len(columns) < 5:
            continue
        name = columns[0].split("+", 1)[-1].replace("-", "")
        emb = columns[-5]
        if emb == "yes" and ("NotoSerifCJK" in name or "NotoSansCJK" in name):
            names.append(name)
    return names


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(autouse=True)
def _empty_pdf_cache():
    """Each test starts with no cached PDFs (the locmem cache outlives a test's rollback)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo_day():
    with time_machine.travel(DEMO_DAY, tick=True) as traveller:
        yield traveller
