"""Printable reports as PDFs (WeasyPrint): the annual performance report, the
unit report card, the responsibility table and the progress bulletin.

Entry points, shared by the web views and ``manage.py render_report``:

    annual_pdf(year)            年度绩效考核报告
    unit_pdf(year, unit)        单位考核结果通知
    responsibility_pdf(year)    责任分解表
    bulletin_pdf(as_of)         督查通报

Each returns a :class:`RenderedPdf` (bytes, page count, file name), served
from the cache while the data behind it is unchanged (see ``cache.py``), and
raises :class:`ReportNotFound` with a Chinese message for an unknown year.
Permissions are not checked here: callers ask ``projects.access``, which also
gives the ``portion`` a city-wide document covers for a reader (the whole city,
or a vice-mayor's portfolio).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from common import clock
from documents import builders as reports
from documents.builders import ReportNotFound
from documents.cache import cached_pdf
from documents.render import RenderedPdf, template_to_pdf
from projects.access import WHOLE_CITY, Portion
from responsibility.models import Unit

KINDS = ("annual", "unit", "responsibility", "bulletin")

__all__ = [
    "KINDS",
    "RenderedPdf",
    "ReportNotFound",
    "annual_pdf",
    "bulletin_pdf",
    "find_unit",
    "responsibility_pdf",
    "unit_pdf",
]


def _filename(filename: str, portion: Portion) -> str:
    """``filename`` (….pdf), with the vice-mayor's name for a portfolio's document."""
    if portion.mayor is None:
        return filename
    stem = filename.removesuffix(".pdf")
    return _("%(name)s（%(mayor)s分管）") % {"name": stem, "mayor": portion.mayor.name} + ".pdf"


def annual_pdf(year: int, portion: Portion = WHOLE_CITY) -> RenderedPdf:
    params = {
        "year": year,
        "today": clock.today(),
        "window": clock.warning_days(),
        "portion": portion.key,
    }
    return cached_pdf(
        "annual",
        params,
        year=year,
        render=lambda: template_to_pdf(
            "pdf/annual.html",
            reports.annual_context(year, portion),
            filename=_filename(_("%(year)s年度绩效考核报告.pdf") % {"year": year}, portion),
        ),
    )[0]


def unit_pdf(year: int, unit: Unit) -> RenderedPdf:
    params = {
        "year": year,
        "unit": unit.pk,
        "today": clock.today(),
        "window": clock.warning_days(),
    }
    return cached_pdf(
        "unit",
        params,
        year=year,
        render=lambda: template_to_pdf(
            "pdf/unit.html",
            reports.unit_context(year, unit),
            filename=_("%(year)s年度%(unit)s考核结果通知.pdf") % {"year": year, "unit": unit.name},
        ),
    )[0]


def responsibility_pdf(year: int, portion: Portion = WHOLE_CITY) -> RenderedPdf:
    return cached_pdf(
        "responsibility",
        {"year": year, "portion": portion.key},
        year=year,
        render=lambda: template_to_pdf(
            "pdf/responsibility.html",
            reports.responsibility_context(year, portion),
            filename=_filename(_("%(year)s年度责任分解表.pdf") % {"year": year}, portion),
        ),
    )[0]


def bulletin_pdf(as_of: dt.date, portion: Portion = WHOLE_CITY) -> RenderedPdf:
    params = {"as_of": as_of, "window": clock.warning_days(), "portion": portion.key}
    return cached_pdf(
        "bulletin",
        params,
        year=as_of.year,
        render=lambda: template_to_pdf(
            "pdf/bulletin.html",
            reports.bulletin_context(as_of, portion),
            filename=_filename(
                _("督查通报（截至%(date)s）.pdf") % {"date": as_of.isoformat()}, portion
            ),
        ),
    )[0]


def find_unit(text: str) -> Unit:
    """A unit by short name, full name or id, as typed on the command line."""
    text = (text or "").strip()
    unit = Unit.objects.filter(name=text).first() or Unit.objects.filter(full_name=text).first()
    if unit is None and text.isdigit():
        unit = Unit.objects.filter(pk=int(text)).first()
    if unit is None:
        raise ReportNotFound(_("没有名为“%(name)s”的责任单位。") % {"name": text})
    return unit
