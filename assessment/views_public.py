"""The public results pages (考核结果公示): open to anyone, signed in or not.

``/public/`` lists the years whose results are public (公示 or final);
``/public/<year>/`` shows each public scheme of the year: its name, stage,
notice period and ranking (rank, unit, grade, total, titles). They read only
``selectors.public_results``, which holds nothing else: no person, money,
item, raw value or evidence, and they link to no signed-in page. A year with no
public scheme is a 404, whatever else it has.

They show the home jurisdiction's results; ``?j=<id>`` another jurisdiction's
(a county's notice of its townships), public as well.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from assessment import selectors
from common.params import int_param


def _jurisdiction(request) -> int | None:
    """``?j=<id>``: the jurisdiction whose results are shown (None: the home one)."""
    return int_param(request.GET, "j", label=_("辖区")) if request.GET.get("j") else None


def index(request):
    jurisdiction = _jurisdiction(request)
    return render(
        request,
        "public/index.html",
        {"years": selectors.public_years(jurisdiction), "j": jurisdiction},
    )


def year_results(request, year: int):
    jurisdiction = _jurisdiction(request)
    schemes = selectors.public_results(year, jurisdiction=jurisdiction)
    if not schemes:
        raise Http404
    return render(
        request, "public/year.html", {"year": year, "schemes": schemes, "j": jurisdiction}
    )
