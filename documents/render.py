"""HTML → PDF with WeasyPrint, fetching nothing from the network.

Templates under ``templates/pdf/`` are rendered with Django and laid out by
WeasyPrint. Relative URLs resolve against the static directory (``base_url``);
the URL fetcher serves only ``data:`` URLs and files inside the static
directories, so a user-typed name that happens to look like a URL can never
make the server fetch anything.

Big reports in bounded memory: WeasyPrint keeps the layout of every page of a
document in memory (an 800-page report took 3.4 GB). A builder that finds a
list too long for one piece cuts it into groups and the template puts
:data:`CHUNK_MARK` between them (a page break, a table closed and reopened with
its header). Such HTML is laid out one part at a time, each part written to a
temporary file and dropped, and the parts are merged with pypdf. The page
footer ("第 x 页 / 共 y 页") needs the total, known only at the end: the parts
are rendered without it, then one footer-only document of that many pages is
rendered by WeasyPrint (same CSS, so the same footer as a one-piece render)
and laid over the pages as a form XObject, without parsing their content. HTML
without the mark renders in one piece as before.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar, cast

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)
from weasyprint import HTML
from weasyprint.urls import URLFetcher, path2url

# Incremented on every real (uncached) render; tests and the benchmark read it.
_render_lock = threading.Lock()
render_count = 0

# Where a long report may be cut into separately laid-out parts (templates put
# it between groups of rows; see ``builders.CHUNK_ROWS``). An HTML comment, so
# a one-piece render ignores it.
CHUNK_MARK = mark_safe("<!-- zhucheng:pdf-part -->")
# A list longer than this many printed rows (table rows, lines) is cut into
# groups of at most this many, each laid out on its own: about 40 pages.
PART_ROWS = 1500
# Added to the head of each part: the footer is stamped on afterwards.
_NO_FOOTER = "<style>@page { @bottom-center { content: none; } }</style>"
_FOOTER_PAGES = "<style>.zh-footer-page + .zh-footer-page { break-before: page; }</style>"
_FOOTER_NAME = NameObject("/ZhFooter")
T = TypeVar("T")


def parts(rows: Sequence[T], weight: Callable[[T], int] | None = None) -> list[list[T]]:
    """``rows`` cut into consecutive groups of at most :data:`PART_ROWS` printed
    rows (``weight``: how many a row prints, default 1). A list that fits is
    one group, so a report under the threshold renders in one piece, as
    before; a template puts :data:`CHUNK_MARK` between groups."""
    groups: list[list[T]] = [[]]
    filled = 0
    for row in rows:
        rows_printed = weight(row) if weight else 1
        if groups[-1] and filled + rows_printed > PART_ROWS:
            groups.append([])
            filled = 0
        groups[-1].append(row)
        filled += rows_printed
    return groups


@dataclasses.dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    filename: str


def static_root() -> Path:
    """The directory holding ``css/pdf.css``: the PDFs' base URL."""
    found = finders.find("css/pdf.css")
    if found:
        return Path(found).resolve().parent.parent
    return Path(settings.STATIC_ROOT).resolve()


class LocalOnlyFetcher(URLFetcher):
    """Serves ``data:`` URLs and files under the static directories; refuses the rest."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self._roots = [root.resolve() for root in roots]

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(url.split("?", 1)[0].removeprefix("file://")).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise ValueError(f"refused to read {url}: outside the static directory")
        elif not url.startswith("data:"):
            raise ValueError(f"refused to fetch {url}: PDFs fetch nothing from the network")
        return super().fetch(url, headers)


def _html(text: str) -> HTML:
    root = static_root()
    return HTML(
        string=text,
        base_url=path2url(str(root)) + "/",
        url_fetcher=LocalOnlyFetcher([root]),
    )


def _counted() -> None:
    global render_count
    with _render_lock:
        render_count += 1


def _write_one_piece(html: str, target) -> int:
    document = _html(html).render()
    document.write_pdf(target)
    return len(document.pages)


def _split(html: str) -> tuple[str, list[str], str]:
    """(head up to ``<body>``, the body's parts, the closing tags)."""
    match = re.search(r"<body[^>]*>", html)
    if match is None:
        return "", [html], ""
    head, body = html[: match.end()], html[match.end() :]
    body = body.rsplit("</body>", 1)[0]
    parts = [part for part in body.split(CHUNK_MARK) if part.strip()]
    return head, parts, "</body></html>"


def _without_footer(head: str) -> str:
    return head.replace("</head>", _NO_FOOTER + "</head>", 1)


def _footer_html(head: str, sizes: list[tuple[float, float]]) -> str:
    """A document of blank pages carrying only the footer, one per page of the
    report (landscape where the report's page is)."""
    pages = "".join(
        '<div class="zh-footer-page landscape"></div>'
        if width > height
        else '<div class="zh-footer-page"></div>'
        for width, height in sizes
    )
    return head.replace("</head>", _FOOTER_PAGES + "</head>", 1) + pages + "</body></html>"


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _stamp_footers(writer: PdfWriter, footer: PdfReader) -> None:
    """Lay each footer page over the report's page of the same number, as a
    form XObject drawn after the page's own content (isolated in q … Q)."""
    save = writer._add_object(_stream(b"q\n"))
    draw = writer._add_object(_stream(b"\nQ q /ZhFooter Do Q\n"))
    for page, footer_page in zip(writer.pages, footer.pages, strict=True):
        form = _stream(footer_page.get_contents().get_data())  # type: ignore[union-attr]
        form.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(footer_page.mediabox),
                NameObject("/Resources"): footer_page["/Resources"].clone(writer),
            }
        )
        form_ref = writer._add_object(form)
        resources = DictionaryObject(cast(DictionaryObject, page["/Resources"].get_object()))
        xobjects = DictionaryObject(
            cast(DictionaryObject, resources.get("/XObject", DictionaryObject()).get_object())
        )
        xobjects[_FOOTER_NAME] = form_ref
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        contents = page.raw_get("/Contents")
        existing = list(contents) if isinstance(contents, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([save, *existing, draw])


def _write_in_parts(head: str, parts: list[str], closing: str, target) -> int:
    """Lay out and write each part alone, then merge them and stamp the footers."""
    # What exists now (the report's data) outlives every part: keep it out of
    # the collections that free each part's page boxes (they are cycles).
    gc.collect()
    gc.freeze()
    try:
        return _write_parts(head, parts, closing, target)
    finally:
        gc.unfreeze()


def _write_parts(head: str, parts: list[str], closing: str, target) -> int:
    with tempfile.TemporaryDirectory(prefix="zhucheng-pdf-") as tmp:
        paths: list[Path] = []
        sizes: list[tuple[float, float]] = []
        part_head = _without_footer(head)
        for number, part in enumerate(parts):
            path = Path(tmp) / f"part-{number:04d}.pdf"
            document = _html(part_head + part + closing).render()
            sizes.extend((page.width, page.height) for page in document.pages)
            document.write_pdf(path)
            paths.append(path)
            del document
            gc.collect()  # the page boxes hold reference cycles
        footer_path = Path(tmp) / "footer.pdf"
        footer = _html(_footer_html(head, sizes)).render()
        if len(footer.pages) != len(sizes):
            raise RuntimeError(f"footer has {len(footer.pages)} pages for {len(sizes)}")
        footer.write_pdf(footer_path)
        del footer
        writer = PdfWriter()
        for path in paths:
            writer.append(path)
        metadata = PdfReader(paths[0]).metadata
        if metadata:
            writer.add_metadata(dict(metadata))
        _stamp_footers(writer, PdfReader(footer_path))
        writer.write(target)
        return len(sizes)


def html_to_file(html: str, target, *, in_parts: bool = True) -> int:
    """Write the PDF of ``html`` to ``target`` (a path or a binary file); the page count.

    HTML holding :data:`CHUNK_MARK` is laid out part by part (bounded memory)
    unless ``in_parts`` is False.
    """
    head, parts, closing = _split(html) if in_parts and CHUNK_MARK in html else ("", [], "")
    if len(parts) > 1:
        pages = _write_in_parts(head, parts, closing, target)
    else:
        pages = _write_one_piece(html, target)
    _counted()
    return pages


def html_to_pdf(html: str, *, filename: str, in_parts: bool = True) -> RenderedPdf:
    """The PDF of ``html`` in memory (a report in parts goes through a temporary file)."""
    if in_parts and CHUNK_MARK in html:
        with tempfile.NamedTemporaryFile(suffix=".pdf") as out:
            pages = html_to_file(html, out.name)
            return RenderedPdf(data=Path(out.name).read_bytes(), pages=pages, filename=filename)
    document = _html(html).render()
    data = document.write_pdf()
    _counted()
    return RenderedPdf(data=data, pages=len(document.pages), filename=filename)


def template_to_pdf(template: str, context: dict, *, filename: str) -> RenderedPdf:
    return html_to_pdf(render_to_string(template, context), filename=filename)


def template_to_file(template: str, context: dict, target: str | os.PathLike) -> int:
    """Render ``template`` straight to the file ``target``; the page count.
    For workers that keep PDFs as files: a big report never sits in memory whole."""
    return html_to_file(render_to_string(template, context), target)
