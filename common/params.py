"""Reading request parameters that views parse themselves (not through a form).

A parameter that cannot be what the view needs is the client's mistake: the
answer is 400 with a message in Chinese, never a 500. Views call
:func:`int_param`; :class:`BadParameterMiddleware` turns the
:class:`BadParameter` it raises into the 400 page, in every mode (with
``DEBUG`` on Django would show its technical page for a ``BadRequest``).
"""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

# Largest primary key the databases store (bigint).
MAX_ID = 2**63 - 1


class BadParameter(BadRequest):
    """A request parameter the view cannot use; ``message`` says which, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def int_param(data, name: str, *, label: str, minimum: int = 1, maximum: int = MAX_ID) -> int:
    """``data[name]`` as an integer in [minimum, maximum], else :class:`BadParameter`.

    ``data`` is ``request.GET`` or ``request.POST``; ``label`` names the parameter
    in the message (e.g. 考核办法).
    """
    raw = data.get(name)
    if raw is None or not str(raw).strip():
        raise BadParameter(_("缺少参数：%(label)s。") % {"label": label})
    text = str(raw).strip()
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        raise BadParameter(_("参数“%(label)s”应为整数。") % {"label": label})
    value = int(text)
    if not minimum <= value <= maximum:
        raise BadParameter(
            _("参数“%(label)s”应在 %(min)s 至 %(max)s 之间。")
            % {"label": label, "min": minimum, "max": maximum}
        )
    return value


class BadParameterMiddleware:
    """Answers a :class:`BadParameter` raised by a view with the 400 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, BadParameter):
            return render(request, "400.html", {"message": exception.message}, status=400)
        return None
