"""``{{ text|highlight:terms }}``: the search words marked in a text, safely."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def highlight(text, terms) -> SafeString:
    """``text`` HTML-escaped, each case-insensitive occurrence of a word of
    ``terms`` (a sequence of words) wrapped in ``<mark>``. The text is cut at the
    matches first and every piece escaped on its own, so neither the text nor
    the words can inject markup, and a word like ``amp`` never matches inside
    an escaped ``&amp;``."""
    text = "" if text is None else str(text)
    words = sorted({str(t) for t in terms or () if str(t)}, key=len, reverse=True)
    if not words or not text:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # every piece escaped above
