"""A report over the size threshold is laid out in parts and merged
(``documents.render``): the same contents, page numbers continuous and the
total right on every page; a small report still renders in one piece."""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import datetime as dt
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from documents import pdfs as pdf
from documents import render
from tests.documents.pdf_support import (  # noqa: F401
    _empty_pdf_cache,
    demo_day,
    embedded_cjk_fonts,
    pdf_lines,
    pdf_pages,
    pdf_text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_day):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _page_texts(data: bytes) -> list[str]:
    """Each page's text, whitespace removed (pdftotext separates pages with a form feed)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(data)
        out = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode()
    return [re.sub(r"\s+", "", page) for page in out.split("\f")[:-1]]


def _rows(data: bytes) -> list[str]:
    """The report's lines as laid out (``pdftotext -layout``), footers left
    out, each line once, in order of first appearance."""
    lines = [line.replace(" ", "") for line in pdf_lines(data)]
    return list(dict.fromkeys(line for line in lines if not re.search(r"第\d+页/共\d+页", line)))


def _in_parts(monkeypatch, rows: int) -> None:
    """Lower the threshold; PDFs rendered before are not served from the cache."""
    monkeypatch.setattr(render, "PART_ROWS", rows)
    cache.clear()


@pytest.mark.parametrize(
    "report",
    [
        lambda: pdf.annual_pdf(2010),
        lambda: pdf.bulletin_pdf(dt.date(2010, 9, 30)),
        lambda: pdf.responsibility_pdf(2010),
    ],
    ids=["annual", "bulletin", "responsibility"],
)
def test_a_report_in_parts_prints_the_same_with_continuous_page_numbers(demo, monkeypatch, report):
    whole = report()
    _in_parts(monkeypatch, 8)
    parted = report()

    pages = _page_texts(parted.data)
    assert parted.pages == pdf_pages(parted.data) == len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"第{number}页/共{len(pages)}页" in text, f"page {number}"
        assert len(re.findall(r"第\d+页/共\d+页", text)) == 1, f"page {number}"
    # Every line of the one-piece report is there, in the same order (a table
    # header repeats on each page, so on more pages here: compared once each).
    assert _rows(parted.data) == _rows(whole.data)
    # Laid out in parts: each part embeds its own subset of the fonts.
    assert len(embedded_cjk_fonts(parted.data)) > len(embedded_cjk_fonts(whole.data))
    # A part starts a new page: more pages than in one piece.
    assert parted.pages > whole.pages


def test_a_report_in_parts_keeps_its_title_and_author(demo, monkeypatch):
    _in_parts(monkeypatch, 8)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "annual.pdf"
        path.write_bytes(pdf.annual_pdf(2010).data)
        info = subprocess.run(
            ["pdfinfo", str(path)], capture_output=True, check=True, timeout=60
        ).stdout.decode()
    assert "2010年度质量兴市项目化推进工作绩效考核报告" in info
    assert "诸城市人民政府" in info


def test_a_small_report_renders_in_one_piece(demo):
    """Under the threshold no part mark is printed: one WeasyPrint document."""
    from django.template.loader import render_to_string

    from documents import builders

    html = render_to_string("pdf/annual.html", builders.annual_context(2010))
    assert render.CHUNK_MARK not in html
    rendered = pdf.annual_pdf(2010)
    assert len(set(embedded_cjk_fonts(rendered.data))) == len(embedded_cjk_fonts(rendered.data))


def test_a_report_in_parts_can_be_written_to_a_file(demo, monkeypatch, tmp_path):
    """For workers that keep PDFs as files: written straight to the path."""
    from documents import builders

    _in_parts(monkeypatch, 8)
    target = tmp_path / "annual.pdf"

    pages = render.template_to_file("pdf/annual.html", builders.annual_context(2010), target)

    assert pages == pdf_pages(target.read_bytes()) > 1
    assert f"第{pages}页/共{pages}页" in pdf_text(target.read_bytes())
