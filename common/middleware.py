"""Request checks that belong before any view."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _


class RejectNulInQueryMiddleware:
    """Answer 400 to a request whose path or query string holds a NUL character,
    or whose admin bulk action names a row by anything but a number.

    PostgreSQL text cannot contain NUL, so a NUL that reaches a query is an HTTP 500
    there (and silently works on SQLite). Forms refuse it next to the field (Django's
    ProhibitNullCharactersValidator); query parameters that no form reads, such as
    the admin's list filters (``?kind__exact=%00``), and path parameters such as
    an admin object id (``/admin/…/1%00/history/``) reached the database unchecked.
    The admin's bulk actions filter on ``_selected_action`` unchecked too (a 500 for
    ``abc``); every table here has integer ids. No link or form the application
    makes holds any of these.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                _("链接中含有不允许的字符（NUL），请检查链接后重试。"),
                content_type="text/plain; charset=utf-8",
            )
        if (
            request.method == "POST"
            and request.path.startswith("/admin/")
            and "_selected_action" in request.POST
        ):
            selected = request.POST.getlist("_selected_action")
            if not all(value.isascii() and value.isdigit() for value in selected):
                return HttpResponseBadRequest(
                    _("所选记录的编号无效，请返回列表重新选择。"),
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)
