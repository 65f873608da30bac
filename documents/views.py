"""The printable reports as PDF downloads. Who may read which is decided in
``projects.access``; the files come from the file store (``documents.files``).

A request answers at once: the PDF when the file for the current data is done,
else a 生成中 page (HTTP 202) that refreshes itself every few seconds until it
is, or the reason it failed with a 重新生成 button (POST). With no broker the
build runs inside the request, so the first answer is already the PDF.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common import clock
from documents import files
from documents import pdfs as reports
from documents.models import GeneratedFile
from projects import access

REFRESH_SECONDS = 3
get_or_retry = require_http_methods(["GET", "HEAD", "POST"])


def _serve(request, kind: str, params: dict, what: str) -> HttpResponseBase:
    try:
        row = files.file_request(kind=kind, params=params)
    except reports.ReportNotFound as exc:
        raise Http404(str(exc)) from exc
    if request.method == "POST":  # 重新生成
        files.file_retry(row=row)
        return HttpResponseRedirect(request.get_full_path())
    if row.status == GeneratedFile.Status.DONE:
        try:
            handle = row.file.open("rb")
        except FileNotFoundError:  # removed from the storage meanwhile: build it again
            files.file_forget(row=row)
            return _serve(request, kind, params, what)
        response = FileResponse(handle, content_type=files.KINDS[kind].content_type)
        response["Content-Disposition"] = (
            content_disposition_header(False, row.filename) or "inline"
        )
        response["Cache-Control"] = "private, no-cache"
        return response
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    page = render(
        request,
        "documents/generating.html",
        {"row": row, "what": what, "refresh": REFRESH_SECONDS, "back": back},
        status=200 if row.status == GeneratedFile.Status.FAILED else 202,
    )
    page["Cache-Control"] = "no-store"
    return page


@get_or_retry
@login_required
def annual(request, year: int):
    portion = access.city_report_portion(request.user)
    what = _("%(year)s年度绩效考核报告") % {"year": year}
    return _serve(request, "annual", reports.annual_params(year, portion), what)


@get_or_retry
@login_required
def unit_card(request, year: int, unit_id: int):
    unit = access.get_report_unit(request.user, unit_id)
    what = _("%(year)s年度%(unit)s考核结果通知") % {"year": year, "unit": unit.name}
    return _serve(request, "unit", reports.unit_params(year, unit), what)


@get_or_retry
@login_required
def responsibility(request, year: int):
    portion = access.city_report_portion(request.user)
    what = _("%(year)s年度责任分解表") % {"year": year}
    return _serve(request, "responsibility", reports.responsibility_params(year, portion), what)


@get_or_retry
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
    what = _("督查通报（截至%(date)s）") % {"date": as_of.isoformat()}
    return _serve(request, "bulletin", reports.bulletin_params(as_of, portion), what)
