"""The public results pages (考核结果公示): open to anyone, signed in or not.

``/public/`` lists the years whose results are public (公示 or final);
``/public/<year>/`` shows each public scheme of the year: its name, stage,
notice period and ranking (rank, unit, grade, total, titles). They read only
``selectors.public_results``, which holds nothing else: no person, money,
item, raw value or evidence, and they link to no signed-in page. A year with no
public scheme is a 404, whatever else it has.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from assessment import selectors


def index(request):
    return render(request, "public/index.html", {"years": selectors.public_years()})


def year_results(request, year: int):
    schemes = selectors.public_results(year)
    if not schemes:
        raise Http404
    return render(request, "public/year.html", {"year": year, "schemes": schemes})
