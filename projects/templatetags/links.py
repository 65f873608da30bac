"""Links to what the reader may open, and plain text for what they may not
(issue 14). The decision is ``projects.access``'s (:func:`access.openable`,
computed once per request); templates only say what they would link.

    {% load links %}
    {% open_link "unit" u.pk u.name %}
    {% open_link "milestone" m.pk m.name css="button small" query="tab=x" %}
    {% can_open "supervision" s.pk as readable %}{% if readable %}<a ...>{% endif %}
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html

from projects import access

register = template.Library()

# kind -> (URL name of its page, the predicate of projects.access)
KINDS = {
    "unit": ("unit_detail", access.can_open_unit),
    "mayor": ("mayor_detail", access.can_open_mayor),
    "project": ("project_detail", access.can_open_project),
    "milestone": ("milestone_detail", access.can_open_milestone),
    "supervision": ("supervision_detail", access.can_open_supervision),
    "extension": ("extension_detail", access.can_open_extension),
}


def _user(context):
    user = context.get("user")
    if user is None and context.get("request") is not None:
        user = context["request"].user
    return user


def _may_open(context, kind: str, pk) -> bool:
    user = _user(context)
    if user is None or kind not in KINDS:
        return False
    return KINDS[kind][1](user, pk)


@register.simple_tag(takes_context=True)
def can_open(context, kind: str, pk) -> bool:
    """Whether the reader may open the page of the ``kind`` object ``pk``."""
    return _may_open(context, kind, pk)


@register.simple_tag(takes_context=True)
def open_link(context, kind: str, pk, label, css: str = "", query: str = ""):
    """``<a href>`` to the object's page when the reader may open it, else the
    label as plain text."""
    if not _may_open(context, kind, pk):
        return conditional_escape(label)
    url = reverse(KINDS[kind][0], args=[pk])
    if query:
        url = f"{url}?{query}"
    if css:
        return format_html('<a class="{}" href="{}">{}</a>', css, url, label)
    return format_html('<a href="{}">{}</a>', url, label)
