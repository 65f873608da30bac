"""Request checks that belong before any view."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _


class RejectNulInQueryMiddleware:
    """Answer 400 to a query string holding a NUL character.

    PostgreSQL text cannot contain NUL, so a NUL that reaches a query is an HTTP 500
    there (and silently works on SQLite). Forms refuse it next to the field (Django's
    ProhibitNullCharactersValidator); query parameters that no form reads, such as
    the admin's list filters (``?kind__exact=%00``), reached the database unchecked.
    No link the application makes holds one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                _("链接中含有不允许的字符（NUL），请检查链接后重试。"),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
