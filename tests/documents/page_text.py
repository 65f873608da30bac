"""Read figures back from rendered pages (stdlib ``html.parser``, no markup library)."""

import re
from html.parser import HTMLParser


class _Tables(HTMLParser):
    """The text of every cell of every table row, in document order."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(re.sub(r"\s+", "", "".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def section(html: str, labelled_by: str) -> str:
    """The markup of ``<section aria-labelledby="…">`` (dashboard sections)."""
    start = html.index(f'aria-labelledby="{labelled_by}"')
    return html[start : html.index("</section>", start)]


def table_rows(html: str) -> list[list[str]]:
    """Every non-empty row (header rows included), each a list of cell texts."""
    parser = _Tables()
    parser.feed(html)
    return [row for row in parser.rows if row]


def _text(markup: str) -> str:
    return re.sub(r"<[^>]+>|\s+", "", markup)


def figures(html: str) -> dict[str, tuple[str, str]]:
    """The dashboard's headline figures: label → (value, note), as printed."""
    return {
        _text(label): (_text(value), _text(note))
        for label, value, note in re.findall(
            r"<dt>(.*?)</dt><dd>(.*?)</dd>(?:<dd class=\"dash-note\">(.*?)</dd>)?", html, re.S
        )
    }


def page_as(client, user, url: str) -> str:
    """The HTML of ``url`` as ``user`` sees it (signed in through the test client)."""
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def dashboard_units(html: str) -> list[dict]:
    """The rows of the dashboard's unit ranking, as printed."""
    rows = []
    for cells in table_rows(section(html, "dash-units-title")):
        if not cells[0].isdigit():
            continue  # the header row
        done, total = cells[3].split("/")
        rows.append(
            {
                "rank": int(cells[0]),
                "name": cells[1],
                "projects": int(cells[2]),
                "done": int(done),
                "total": int(total),
                "percent": int(cells[4].rstrip("%")),
                "on_time": cells[5],  # "67%", or "—" with nothing due
                "red": int(cells[6]),
                "amber": int(cells[7]),
                "late": int(cells[8]),
            }
        )
    return rows
