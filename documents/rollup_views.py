"""The roll-up pages of a jurisdiction with programmes below it (issue 17):
``/jurisdictions/<id>/`` and its workbook. Only readers of the whole programme
(the office and administrators) of that jurisdiction or one above it get them;
anyone else gets 404, as for any object out of reach."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from common import clock
from documents.render import template_to_pdf
from documents.rollup import rollup, rollup_xlsx
from projects import access, charts
from projects.dashboard import pick_year
from responsibility.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _parent(request, pk) -> Unit:
    if not access.can_read_rollup(request.user, pk):
        raise Http404
    parent = Unit.objects.jurisdictions().filter(pk=pk).first()
    if parent is None:
        raise Http404
    return parent


def _data(request, pk):
    from documents.rollup import rollup_years

    parent = _parent(request, pk)
    today = clock.today()
    year = pick_year(request.GET.get("year"), rollup_years(parent), today)
    return rollup(parent, year, today=today)


@login_required
def jurisdiction_rollup(request, pk: int):
    """``/jurisdictions/<id>/``: one row per child jurisdiction and the sum; each
    row drills down into that jurisdiction's own dashboard."""
    data = _data(request, pk)
    chart = charts.bar_chart(
        [(row.jurisdiction.name, row.percent) for row in data.rows if row.plan is not None],
        title=_("各辖区进度节点完成率"),
    )
    return render(
        request,
        "documents/rollup.html",
        {"data": data, "chart": chart, "board": data, "years": data.years},
    )


@login_required
def jurisdiction_rollup_pdf(request, pk: int):
    """The roll-up as a one-page summary (one row per child jurisdiction: small
    whatever the province, so rendered in the request)."""
    data = _data(request, pk)
    name = _("%(parent)s%(year)s年度下级辖区汇总.pdf") % {
        "parent": data.parent.name,
        "year": data.year or "",
    }
    pdf = template_to_pdf("pdf/rollup.html", {"data": data}, filename=name)
    response = HttpResponse(pdf.data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, name) or "inline"
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
def jurisdiction_rollup_xlsx(request, pk: int):
    data = _data(request, pk)
    response = HttpResponse(rollup_xlsx(data), content_type=XLSX)
    name = _("%(parent)s%(year)s年度下级辖区汇总.xlsx") % {
        "parent": data.parent.name,
        "year": data.year or "",
    }
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["Cache-Control"] = "private, no-cache"
    return response
