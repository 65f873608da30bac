"""The printable reports as PDF downloads. Who may read which is decided in
``projects.access``; the PDFs themselves come from ``documents.pdfs`` (cached
until the data changes, so a repeat download does not render again)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from common import clock
from documents import pdfs as reports
from projects import access


def _serve(render: Callable[[], reports.RenderedPdf]) -> HttpResponse:
    try:
        rendered = render()
    except reports.ReportNotFound as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(rendered.data, content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(False, rendered.filename) or "inline"
    )
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
@login_required
def annual(request, year: int):
    portion = access.city_report_portion(request.user)
    return _serve(lambda: reports.annual_pdf(year, portion))


@require_safe
@login_required
def unit_card(request, year: int, unit_id: int):
    unit = access.get_report_unit(request.user, unit_id)
    return _serve(lambda: reports.unit_pdf(year, unit))


@require_safe
@login_required
def responsibility(request, year: int):
    portion = access.city_report_portion(request.user)
    return _serve(lambda: reports.responsibility_pdf(year, portion))


@require_safe
@login_required
def bulletin(request):
    """``?as_of=YYYY-MM-DD``, today when left out; anything else is a 404."""
    portion = access.city_report_portion(request.user)
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        as_of = clock.today()
    else:
        try:
            as_of = dt.date.fromisoformat(raw)
        except ValueError as exc:
            raise Http404("as_of must be YYYY-MM-DD") from exc
    return _serve(lambda: reports.bulletin_pdf(as_of, portion))
