"""The printable reports as PDF downloads. Who may read which is decided in
``projects.access``; the files come from the file store (``documents.files``).
The annual report, the responsibility table and the bulletin print the programme
of the page's jurisdiction (``?j=``, checked by ``access.page_jurisdiction``: an
id the reader may not read gives their own); a unit card that of the unit's.

A request answers at once: the PDF when the file for the current data is done,
else a 生成中 page (HTTP 202) that refreshes itself every few seconds until it
is, or the reason it failed with a 重新生成 button (POST). With no broker the
build runs inside the request, so the first answer is already the PDF.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common import clock
from documents import exports, files
from documents import pdfs as reports
from documents.models import GeneratedFile
from projects import access
from projects.exports import ExportFile, build_milestone_export, build_project_export

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
        spec = files.KINDS[kind]
        response: HttpResponseBase
        if spec.attachment:  # a workbook download (a few MB): sent whole, as before
            with handle:
                response = HttpResponse(handle.read(), content_type=spec.content_type)
        else:
            response = FileResponse(handle, content_type=spec.content_type)
        response["Content-Disposition"] = (
            content_disposition_header(spec.attachment, row.filename) or "inline"
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


def _jurisdiction(request):
    """The jurisdiction whose programme the page showed (``?j=``, validated)."""
    jurisdiction = access.page_jurisdiction(request.user, request.GET.get("j"))
    if jurisdiction is None:
        raise Http404(_("尚未设置辖区。"))
    return jurisdiction


@get_or_retry
@login_required
def annual(request, year: int):
    portion = access.city_report_portion(request.user)
    jurisdiction = _jurisdiction(request)
    what = _("%(year)s年度绩效考核报告") % {"year": year}
    return _serve(request, "annual", reports.annual_params(year, portion, jurisdiction), what)


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
    params = reports.responsibility_params(year, portion, _jurisdiction(request))
    what = _("%(year)s年度责任分解表") % {"year": year}
    return _serve(request, "responsibility", params, what)


@get_or_retry
@login_required
def bulletin(request):
    """``?as_of=YYYY-MM-DD``, today when left out; anything else is a 404."""
    portion = access.city_report_portion(request.user)
    jurisdiction = _jurisdiction(request)
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        as_of = clock.today()
    else:
        try:
            as_of = dt.date.fromisoformat(raw)
        except ValueError as exc:
            raise Http404("as_of must be YYYY-MM-DD") from exc
    what = _("督查通报（截至%(date)s）") % {"date": as_of.isoformat()}
    return _serve(request, "bulletin", reports.bulletin_params(as_of, portion, jurisdiction), what)


# --- the list exports (XLSX) ---------------------------------------------------


def _export(request, kind: str, build, what: str) -> HttpResponseBase:
    params = exports.export_params(request.user, request.GET)
    if params is None:  # no plan at all: an empty workbook, built here
        export: ExportFile = build(request.user, request.GET)
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = (
            content_disposition_header(True, export.filename) or "attachment"
        )
        return response
    return _serve(request, kind, params, what)


@get_or_retry
@login_required
def project_export(request):
    """``/projects/export.xlsx``: the filtered project list as a workbook."""
    return _export(request, "project_export", build_project_export, _("项目进展一览（Excel）"))


@get_or_retry
@login_required
def milestone_export(request):
    """``/milestones/export.xlsx``: the milestone list, filtered as on its page, as
    a workbook (what the reader may read only)."""
    return _export(request, "milestone_export", build_milestone_export, _("进度节点一览（Excel）"))
