"""HTML → PDF with WeasyPrint, fetching nothing from the network.

Templates under ``templates/pdf/`` are rendered with Django and laid out by
WeasyPrint. Relative URLs resolve against the static directory (``base_url``);
the URL fetcher serves only ``data:`` URLs and files inside the static
directories, so a user-typed name that happens to look like a URL can never
make the server fetch anything.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, path2url

# Incremented on every real (uncached) render; tests and the benchmark read it.
_render_lock = threading.Lock()
render_count = 0


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


def html_to_pdf(html: str, *, filename: str) -> RenderedPdf:
    global render_count
    root = static_root()
    document = HTML(
        string=html,
        base_url=path2url(str(root)) + "/",
        url_fetcher=LocalOnlyFetcher([root]),
    ).render()
    data = document.write_pdf()
    with _render_lock:
        render_count += 1
    return RenderedPdf(data=data, pages=len(document.pages), filename=filename)


def template_to_pdf(template: str, context: dict, *, filename: str) -> RenderedPdf:
    return html_to_pdf(render_to_string(template, context), filename=filename)
