"""The report builders read a fixed number of queries whatever the size of the year."""

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from assessment.scale import scale_seed
from documents import builders as reports
from responsibility.models import Unit

pytestmark = pytest.mark.django_db


def _queries(build, template: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        render_to_string(template, build())
    return len(captured)


def _count_all(year: int) -> dict[str, int]:
    unit = Unit.objects.filter(subitems__project__plan__year=year).first()
    return {
        "annual": _queries(lambda: reports.annual_context(year), "pdf/annual.html"),
        "unit": _queries(lambda: reports.unit_context(year, unit), "pdf/unit.html"),
        "responsibility": _queries(
            lambda: reports.responsibility_context(year), "pdf/responsibility.html"
        ),
        "bulletin": _queries(
            lambda: reports.bulletin_context(dt.date(year, 6, 30)), "pdf/bulletin.html"
        ),
    }


def test_report_queries_do_not_grow_with_the_data(settings):
    settings.ZHUCHENG_TODAY = "2031-06-30"
    # Factor 2 rather than 1: at factor 1 a list of the annual report is empty, and
    # an empty list is not fetched at all (one query fewer, not one more).
    scale_seed(factor=2, year=2031)
    small = _count_all(2031)
    scale_seed(factor=5, year=2031)
    large = _count_all(2031)

    assert small == large, (small, large)
    assert max(large.values()) <= 20
