"""Charts drawn on the server as SVG markup, for the pages and the PDFs alike.

Every function returns a ``SafeString`` holding one ``<svg>`` element that can
be embedded inline in a template or a WeasyPrint document:

- no JavaScript and nothing fetched: fonts are named (``Noto Sans CJK SC``,
  then the generic ``sans-serif``), never loaded;
- sized by ``viewBox`` so the chart scales with its container (CSS
  ``width: 100%``), with ``role="img"``, an ``aria-label`` and a ``<title>``;
- values are printed as text next to every bar and point, and the status
  colours also differ by hatching, so a chart reads in black-and-white print
  and for colour-blind readers;
- every label is XML-escaped: names of projects and units are user data.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections.abc import Mapping, Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from projects.status import COLOUR_LABELS, Colour

FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif"
TEXT = "#1f2329"
MUTED = "#5c6370"
GRID = "#d9dce1"
BAR = "#2f5f98"
BAR_LIGHT = "#dfe8f3"
GREEN = "#1e7b34"
AMBER = "#b86a00"
RED = "#b3261e"
LATE = "#6b3fa0"  # 逾期完成: white text on it has a contrast of 7.4:1
# Line series differ by dash pattern and marker shape as well as colour.
SERIES_STYLES = (
    (BAR, "", "circle"),
    (RED, "6 4", "square"),
    (GREEN, "2 3", "triangle"),
    (AMBER, "10 3 2 3", "diamond"),
)

_ids = itertools.count(1)


def _e(text: object) -> str:
    """XML-escape text for element content and attribute values."""
    return escape(str(text), quote=True)


def _text_width(text: str, size: float) -> float:
    """Rough rendered width: CJK characters are square, Latin about half."""
    width = 0.0
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        width += 1.0 if wide else 0.58
    return width * size


def _truncate(text: str, size: float, max_width: float) -> str:
    if _text_width(text, size) <= max_width:
        return text
    out = ""
    for ch in text:
        if _text_width(out + ch + "…", size) > max_width:
            break
        out += ch
    return out + "…"


def _number(value: float | None) -> str:
    """12, 12.5, 1234.57 — no trailing zeros."""
    if value is None:
        return ""
    value = float(value)
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, title: str, body: str, *, defs: str = "") -> SafeString:
    label = _e(title) if title else ""
    aria = f' aria-label="{label}"' if label else ""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"{aria} '
        f'viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" '
        f'preserveAspectRatio="xMinYMin meet" font-family="{_e(FONT)}" font-size="13" '
        f'fill="{TEXT}">'
    )
    parts = [head]
    if label:
        parts.append(f"<title>{label}</title>")
    if defs:
        parts.append(f"<defs>{defs}</defs>")
    parts.append(body)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every label above is escaped


def _hatch_defs(uid: int) -> tuple[str, dict[str, str]]:
    """Fills for the four status colours: solid green, late striped across,
    amber hatched diagonally, red cross-hatched."""
    late_id, amber_id, red_id = f"zc-late-{uid}", f"zc-amber-{uid}", f"zc-red-{uid}"
    defs = (
        f'<pattern id="{late_id}" patternUnits="userSpaceOnUse" width="8" height="7">'
        f'<rect width="8" height="7" fill="#ece4f5"/>'
        f'<rect width="8" height="4" fill="{LATE}"/></pattern>'
        f'<pattern id="{amber_id}" patternUnits="userSpaceOnUse" width="8" height="8" '
        f'patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="#fff1d6"/>'
        f'<rect width="3.5" height="8" fill="{AMBER}"/></pattern>'
        f'<pattern id="{red_id}" patternUnits="userSpaceOnUse" width="7" height="7">'
        f'<rect width="7" height="7" fill="{RED}"/>'
        f'<path d="M0 0L7 7M7 0L0 7" stroke="#fff" stroke-width="1.2"/></pattern>'
    )
    return defs, {
        "green": GREEN,
        "late": f"url(#{late_id})",
        "amber": f"url(#{amber_id})",
        "red": f"url(#{red_id})",
    }


# --- Horizontal bars -----------------------------------------------------------


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    max_value: float | None = None,
    unit: str = "%",
    title: str = "",
    width: int = 640,
) -> SafeString:
    """One horizontal bar per row, value printed at the end of each bar.

    ``max_value`` is the full-scale value; by default 100 for percentages and
    the largest value otherwise.
    """
    rows = [(str(label), float(value or 0)) for label, value in rows]
    size, bar_h, gap, pad = 13, 18, 8, 6
    top = 24 if title else 6
    if max_value is None:
        max_value = 100.0 if unit == "%" else max((v for _l, v in rows), default=0.0)
    max_value = max(float(max_value), 1e-9)
    label_w = min(
        max((_text_width(label, size) for label, _v in rows), default=0) + 8, width * 0.38
    )
    value_w = max(
        (_text_width(_number(v) + unit, size) for _l, v in rows), default=_text_width("0", size)
    )
    x0 = label_w + pad
    bar_max = max(width - x0 - value_w - 2 * pad, 20)
    height = top + max(len(rows), 1) * (bar_h + gap) + pad
    body = []
    if title:
        body.append(f'<text x="0" y="16" font-size="14" font-weight="bold">{_e(title)}</text>')
    if not rows:
        body.append(f'<text x="0" y="{top + bar_h - 4}" fill="{MUTED}">{_e(_("暂无数据"))}</text>')
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        length = bar_max * min(max(value, 0.0), max_value) / max_value
        shown = _truncate(label, size, label_w - 8)
        text = f"{_number(value)}{unit}"
        body.append(
            f"<g><title>{_e(label)}：{_e(text)}</title>"
            f'<text x="{label_w:.1f}" y="{y + bar_h - 4}" text-anchor="end">{_e(shown)}</text>'
            f'<rect x="{x0:.1f}" y="{y}" width="{bar_max:.1f}" height="{bar_h}" '
            f'fill="{BAR_LIGHT}"/>'
            f'<rect x="{x0:.1f}" y="{y}" width="{length:.1f}" height="{bar_h}" fill="{BAR}"/>'
            f'<text x="{x0 + length + pad:.1f}" y="{y + bar_h - 4}">{_e(text)}</text></g>'
        )
    return _svg(width, height, title, "".join(body))


# --- One bar of status counts ----------------------------------------------------


def stacked_status_bar(counts: Mapping[str, int], *, title: str = "") -> SafeString:
    """A single bar split into one segment per status colour (正常 / 逾期完成 /
    临期 / 逾期未完成), each labelled with its count.

    ``counts`` maps a colour's ``css`` name (``green``, ``late``, ``amber``,
    ``red``) to a count, as the dashboard's ``Headline.colour_counts`` does.
    Green is solid, late striped across, amber hatched diagonally, red
    cross-hatched; a legend under the bar repeats each word with its count
    and share.
    """
    width, bar_h, size = 640, 28, 13
    top = 24 if title else 4
    segments = [
        (colour.css, str(COLOUR_LABELS[colour]), max(int(counts.get(colour.css) or 0), 0))
        for colour in Colour
    ]
    total = sum(c for _k, _l, c in segments)
    uid = next(_ids)
    defs, fills = _hatch_defs(uid)
    body = []
    if title:
        body.append(f'<text x="0" y="16" font-size="14" font-weight="bold">{_e(title)}</text>')
    body.append(
        f'<rect x="0" y="{top}" width="{width}" height="{bar_h}" fill="#f5f6f8" stroke="{GRID}"/>'
    )
    x = 0.0
    for key, label, count in segments:
        if not total or not count:
            continue
        seg = width * count / total
        body.append(
            f"<g><title>{_e(label)}：{count}</title>"
            f'<rect x="{x:.1f}" y="{top}" width="{seg:.1f}" height="{bar_h}" '
            f'fill="{fills[key]}" stroke="#fff" stroke-width="1"/>'
        )
        inner = str(count)
        if seg >= _text_width(inner, size) + 12:
            # White box behind the number keeps it legible over any hatching.
            tw = _text_width(inner, size) + 8
            cx = x + seg / 2
            body.append(
                f'<rect x="{cx - tw / 2:.1f}" y="{top + 5}" width="{tw:.1f}" '
                f'height="{bar_h - 10}" rx="3" fill="#fff"/>'
                f'<text x="{cx:.1f}" y="{top + bar_h / 2 + 4.5:.1f}" text-anchor="middle" '
                f'font-weight="bold">{inner}</text>'
            )
        body.append("</g>")
        x += seg
    if not total:
        body.append(
            f'<text x="{width / 2}" y="{top + bar_h / 2 + 4.5}" text-anchor="middle" '
            f'fill="{MUTED}">{_e(_("暂无进度节点"))}</text>'
        )
    # Legend: swatch, word, count and share — readable without any colour. It
    # wraps onto a second line when the words do not fit in one.
    ly = top + bar_h + 10
    lx = 0.0
    for key, label, count in segments:
        share = f"（{round(100 * count / total)}%）" if total else ""
        text = f"{label} {count}{share}"
        item_w = 20 + _text_width(text, size)
        if lx and lx + item_w > width:
            lx, ly = 0.0, ly + 22
        body.append(
            f'<rect x="{lx:.1f}" y="{ly}" width="14" height="14" fill="{fills[key]}" '
            f'stroke="{TEXT}" stroke-width=".5"/>'
            f'<text x="{lx + 20:.1f}" y="{ly + 12}">{_e(text)}</text>'
        )
        lx += item_w + 24
    height = ly + 20
    return _svg(width, height, title, "".join(body), defs=defs)


# --- Trend lines -------------------------------------------------------------------


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if shape == "triangle":
        return (
            f'<path d="M{x:.1f} {y - 4.5:.1f}L{x + 4.5:.1f} {y + 3.5:.1f}'
            f'L{x - 4.5:.1f} {y + 3.5:.1f}Z" fill="{colour}"/>'
        )
    if shape == "diamond":
        return (
            f'<path d="M{x:.1f} {y - 5:.1f}L{x + 5:.1f} {y:.1f}L{x:.1f} {y + 5:.1f}'
            f'L{x - 5:.1f} {y:.1f}Z" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[str, float | None]]]],
    *,
    unit: str = "%",
    title: str = "",
    width: int = 640,
) -> SafeString:
    """Lines over shared x labels (months), every point labelled with its value.

    Series differ by colour, dash pattern and marker shape; a legend names them.
    Points with a value of ``None`` are left out (the line breaks there).
    """
    series = [(str(name), list(points)) for name, points in series]
    labels: list[str] = []
    for _name, points in series:
        for label, _v in points:
            if str(label) not in labels:
                labels.append(str(label))
    values = [float(v) for _n, pts in series for _l, v in pts if v is not None]
    top_value = 100.0 if unit == "%" else max(values, default=0.0)
    top_value = _nice_ceiling(max(top_value, max(values, default=0.0), 1e-9))
    size = 12
    title_h = 24 if title else 4
    legend_h = 22 if len(series) > 1 else 0
    left = _text_width(_number(top_value) + unit, size) + 10
    right, bottom = 16, 26
    height = 240
    plot_top = title_h + legend_h + 14
    plot_h = height - plot_top - bottom
    plot_w = width - left - right
    n = max(len(labels), 1)
    step = plot_w / n

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + step * (i + 0.5), plot_top + plot_h * (1 - v / top_value)

    body = []
    if title:
        body.append(f'<text x="0" y="16" font-size="14" font-weight="bold">{_e(title)}</text>')
    for k in range(5):
        v = top_value * k / 4
        y = plot_top + plot_h * (1 - k / 4)
        body.append(
            f'<line x1="{left:.1f}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}"/>'
            f'<text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" font-size="{size}" '
            f'fill="{MUTED}">{_e(_number(v) + unit)}</text>'
        )
    for i, label in enumerate(labels):
        x = left + step * (i + 0.5)
        body.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="{size}">'
            f"{_e(_truncate(label, size, step - 2))}</text>"
        )
    lx = left
    for s, (name, points) in enumerate(series):
        colour, dash, shape = SERIES_STYLES[s % len(SERIES_STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        index = {str(label): v for label, v in points}
        runs: list[list[tuple[int, float]]] = []
        run: list[tuple[int, float]] = []
        for i, label in enumerate(labels):
            value = index.get(label)
            if value is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((i, float(value)))
        if run:
            runs.append(run)
        body.append(f"<g><title>{_e(name)}</title>")
        for r in runs:
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in r))
            body.append(
                f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"'
                f"{dash_attr}/>"
            )
        for r in runs:
            for i, v in r:
                x, y = xy(i, v)
                # Labels of a second series go under its points to avoid overlap.
                dy = -8 if s % 2 == 0 else 16
                if y + dy > plot_top + plot_h - 4:
                    dy = -8
                body.append(
                    _marker(shape, x, y, colour)
                    + f'<text x="{x:.1f}" y="{y + dy:.1f}" text-anchor="middle" '
                    f'font-size="11">{_e(_number(v))}</text>'
                )
        body.append("</g>")
        if legend_h:
            ly = title_h + 12
            body.append(
                f'<line x1="{lx:.1f}" x2="{lx + 26:.1f}" y1="{ly}" y2="{ly}" stroke="{colour}" '
                f'stroke-width="2"{dash_attr}/>'
                + _marker(shape, lx + 13, ly, colour)
                + f'<text x="{lx + 32:.1f}" y="{ly + 4}" font-size="{size}">{_e(name)}</text>'
            )
            lx += 32 + _text_width(name, size) + 20
    if not labels:
        body.append(
            f'<text x="{left + 8:.1f}" y="{plot_top + plot_h / 2:.1f}" fill="{MUTED}">'
            f"{_e(_('暂无数据'))}</text>"
        )
    return _svg(width, height, title, "".join(body))


def _nice_ceiling(value: float) -> float:
    """The next 1, 2, 2.5 or 5 × 10ⁿ at or above ``value``."""
    if value <= 0:
        return 1.0
    exp = math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        candidate = m * 10**exp
        if candidate >= value - 1e-9:
            return float(candidate)
    return float(10 ** (exp + 1))


# --- Target against actual -----------------------------------------------------------


def target_vs_actual(
    rows: Sequence[tuple[str, float | None, float | None]],
    *,
    unit: str = "",
    title: str = "",
) -> SafeString:
    """Per indicator, a hatched target bar and a solid actual bar, both labelled.

    Indicators have different measures, so each row is scaled to its own
    larger value; the printed numbers carry the comparison. A missing value
    prints as 未设定 / 未填报.
    """
    width, size, bar_h, pad = 640, 12, 13, 6
    top = 24 if title else 6
    rows = [(str(label), t, a) for label, t, a in rows]
    label_w = min(max((_text_width(r[0], 13) for r in rows), default=0) + 8, width * 0.36)
    x0 = label_w + pad
    tag_w = _text_width(_("目标"), size) + 6
    value_w = max(
        [_text_width(_number(v) + unit, size) for _l, t, a in rows for v in (t, a) if v is not None]
        + [_text_width(_("未填报"), size)]
    )
    bar_max = max(width - x0 - tag_w - value_w - 3 * pad, 20)
    row_h = 2 * bar_h + 2 + 14
    uid = next(_ids)
    target_id = f"zc-target-{uid}"
    defs = (
        f'<pattern id="{target_id}" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        f'<rect width="2" height="6" fill="{MUTED}"/></pattern>'
    )
    body = []
    if title:
        body.append(f'<text x="0" y="16" font-size="14" font-weight="bold">{_e(title)}</text>')
    if not rows:
        body.append(f'<text x="0" y="{top + 14}" fill="{MUTED}">{_e(_("暂无指标"))}</text>')
    for i, (label, target, actual) in enumerate(rows):
        y = top + i * row_h
        scale = max(float(target or 0), float(actual or 0), 1e-9)
        shown = _truncate(label, 13, label_w - 8)
        summary = (
            f"{label}：{_('目标')} {_number(target) + unit if target is not None else _('未设定')}，"
            f"{_('实际')} {_number(actual) + unit if actual is not None else _('未填报')}"
        )
        body.append(
            f"<g><title>{_e(summary)}</title>"
            f'<text x="{label_w:.1f}" y="{y + bar_h + 5}" text-anchor="end" font-size="13">'
            f"{_e(shown)}</text>"
        )
        for j, (tag, value, fill) in enumerate(
            ((_("目标"), target, f"url(#{target_id})"), (_("实际"), actual, BAR))
        ):
            by = y + j * (bar_h + 2)
            body.append(
                f'<text x="{x0:.1f}" y="{by + bar_h - 2}" font-size="{size}" '
                f'fill="{MUTED}">{_e(tag)}</text>'
            )
            bx = x0 + tag_w
            if value is None:
                missing = _("未设定") if j == 0 else _("未填报")
                body.append(
                    f'<text x="{bx:.1f}" y="{by + bar_h - 2}" font-size="{size}" '
                    f'fill="{MUTED}">{_e(missing)}</text>'
                )
                continue
            length = bar_max * max(float(value), 0.0) / scale
            body.append(
                f'<rect x="{bx:.1f}" y="{by}" width="{length:.1f}" height="{bar_h}" '
                f'fill="{fill}" stroke="{MUTED if j == 0 else BAR}" stroke-width=".8"/>'
                f'<text x="{bx + length + pad:.1f}" y="{by + bar_h - 2}" font-size="{size}">'
                f"{_e(_number(value) + unit)}</text>"
            )
        body.append("</g>")
    height = top + max(len(rows), 1) * row_h
    return _svg(width, height, title, "".join(body), defs=defs)
