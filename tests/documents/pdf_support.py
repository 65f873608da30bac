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

from projects.models import ProjectUnit, SubItem
from responsibility.models import home_jurisdiction

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


def units_of_year(year: int) -> set[str]:
    """Every unit the year's projects and sub-items name."""
    return set(
        ProjectUnit.objects.filter(
            project__plan__year=year, project__plan__jurisdiction=home_jurisdiction()
        ).values_list("unit__name", flat=True)
    ) | set(
        SubItem.objects.filter(
            project__plan__year=year, project__plan__jurisdiction=home_jurisdiction()
        ).values_list("unit__name", flat=True)
    )


def assert_official_pdf(data: bytes, *, min_pages: int, max_pages: int) -> str:
    """A numbered PDF in an embedded CJK font, of a plausible length; its text."""
    assert data.startswith(b"%PDF-")
    assert embedded_cjk_fonts(data), "no embedded Noto CJK font"
    pages = pdf_pages(data)
    assert min_pages <= pages <= max_pages
    text = pdf_text(data)
    assert "第1页/共" in text
    assert f"第{pages}页/共{pages}页" in text
    return text


def home_plan(year: int = 2010):
    """The demo city's own plan of ``year`` (the demo also holds its sample county's)."""
    from projects.models import PlanYear
    from responsibility.models import home_jurisdiction

    return PlanYear.objects.get(year=year, jurisdiction=home_jurisdiction())
