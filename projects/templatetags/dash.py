"""Small pieces of the dashboard pages, rendered in Python because they repeat
on every row (faster than an ``{% include %}`` per row).

No inline ``style`` attributes (the CSP forbids them): a bar's length is an
SVG attribute.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext

from projects.status import Colour

register = template.Library()

# Bar fills per status colour; the late purple carries white text at 7.4:1.
FILL = {
    Colour.GREEN: "#1e7b34",
    Colour.LATE: "#6b3fa0",
    Colour.AMBER: "#b86a00",
    Colour.RED: "#b3261e",
}


@register.simple_tag
def progress_bar(percent, colour=None):
    """A bar with the percentage printed next to it; the bar itself is hidden from
    screen readers, which read the number."""
    try:
        value = max(0, min(100, int(percent or 0)))
    except (TypeError, ValueError):
        value = 0
    fill = FILL.get(colour, "#2f5f98")
    return format_html(
        '<span class="progress"><svg class="progress-bar" viewBox="0 0 100 10" '
        'preserveAspectRatio="none" aria-hidden="true" focusable="false">'
        '<rect width="100" height="10" fill="#e4e7eb"/>'
        '<rect width="{}" height="10" fill="{}"/></svg>'
        '<span class="progress-text">{}%</span></span>',
        value,
        fill,
        value,
    )


@register.simple_tag
def colour_badge(colour):
    """A group's status word in a badge: 正常 / 逾期完成 / 临期 / 逾期未完成
    (never colour alone)."""
    if not isinstance(colour, Colour):
        return ""
    return format_html('<span class="badge {}">{}</span>', colour.css, colour.label)


@register.simple_tag
def milestone_badge(milestone, today=None):
    """One milestone's status word in a badge, with its days late
    (``Milestone.status_words``: 按期完成, 逾期完成 29天 …); the colour only
    repeats the word."""
    today = today or None  # a missing template variable is ""
    return format_html(
        '<span class="badge {}">{}</span>',
        milestone.colour(today).css,
        milestone.status_words(today),
    )


@register.filter
def rate(percent):
    """A percentage that may be missing (the on-time rate when nothing is due
    yet): ``87%``, or ``—``."""
    if percent is None or percent == "":
        return "—"
    return f"{percent}%"


@register.simple_tag
def review_badge():
    """Marks a milestone whose newest report waits for a decision (待审核): on the
    overdue lists, so that nobody chases a unit that has already reported."""
    return format_html('<span class="badge in-review">{}</span>', gettext("待审核"))


@register.simple_tag
def count_link(count, board, css: str = "", unit=None, mayor=None, **filters):
    """A dashboard count as a link to the milestone list showing exactly what it
    counts ("why is it red" in one click): the board's year and scope (its unit
    or vice-mayor page), narrowed by ``unit``/``mayor`` and ``filters``
    (``colour=red``, ``state=done``, ``project=…``). A zero stays plain text."""
    if not count:
        return count
    query = {"year": getattr(board, "year", None)}
    scope_unit = unit or getattr(getattr(board, "unit", None), "pk", None)
    scope_mayor = mayor or getattr(getattr(board, "mayor", None), "pk", None)
    if scope_unit:
        query["unit"] = scope_unit
    if scope_mayor:
        query["mayor"] = scope_mayor
    query.update(filters)
    href = reverse("milestone_list") + "?" + urlencode({k: v for k, v in query.items() if v})
    return format_html(
        '<a class="count-link{}" href="{}">{}</a>', f" {css}" if css else "", href, count
    )
