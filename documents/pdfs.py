"""Printable reports as PDFs (WeasyPrint): the annual performance report, the
unit report card, the responsibility table and the progress bulletin.

Entry points, shared by the web views and ``manage.py render_report``:

    annual_pdf(year)            年度绩效考核报告
    unit_pdf(year, unit)        单位考核结果通知
    responsibility_pdf(year)    责任分解表
    bulletin_pdf(as_of)         督查通报

Each renders in the calling process and returns a :class:`RenderedPdf` (bytes,
page count, file name), or raises :class:`ReportNotFound` with a Chinese
message for an unknown year. The web does not call them: it asks the file store
(``documents.files``) for the kind registered here with ``*_params(...)``, and
the build task calls the same builders.
Permissions are not checked here: callers ask ``projects.access``, which also
gives the ``portion`` a city-wide document covers for a reader (the whole city,
or a vice-mayor's portfolio) and the jurisdiction whose programme a page shows
(``page_jurisdiction``).

Every file's parameters carry that jurisdiction (``"j"``): the page's for the
annual report, the responsibility table and the bulletin, the unit's own for a
unit card. Two jurisdictions may have a plan for the same year; each prints its
own, and their files are different files.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from common import clock
from documents import builders as reports
from documents import files
from documents.builders import ReportNotFound
from documents.cache import jurisdiction_id
from documents.render import RenderedPdf, template_to_pdf
from projects.access import WHOLE_CITY, Portion
from responsibility.models import Unit

KINDS = ("annual", "unit", "responsibility", "bulletin")

__all__ = [
    "KINDS",
    "RenderedPdf",
    "ReportNotFound",
    "annual_params",
    "annual_pdf",
    "bulletin_pdf",
    "find_jurisdiction",
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


def _portion(params: dict) -> Portion:
    """The portion a city-wide document covers, from the reader who asked for it."""
    reader = params.get("_reader")
    if reader is None:
        return WHOLE_CITY
    user = get_user_model().objects.filter(pk=reader).first()
    if user is None:
        raise ReportNotFound(_("请求该报告的用户已不存在，请重新打开报告。"))
    return Portion(user)


def _unit(params: dict) -> Unit:
    unit = Unit.objects.filter(pk=params["unit"]).first()
    if unit is None:
        raise ReportNotFound(_("该责任单位已不存在。"))
    return unit


def _reader(portion: Portion) -> int | None:
    return portion.user.pk if portion.user is not None else None


def _jurisdiction(params: dict) -> int | None:
    """The jurisdiction whose programme the file prints (files stored before
    jurisdictions have none: the home one)."""
    return jurisdiction_id(params.get("j"))


Jurisdiction = Unit | int | None


# --- parameters: what a file is (JSON values; "_reader" is who asked) --------


def annual_params(
    year: int, portion: Portion = WHOLE_CITY, jurisdiction: Jurisdiction = None
) -> dict:
    return {
        "year": year,
        "j": jurisdiction_id(jurisdiction),
        "window": clock.warning_days(),
        "portion": portion.key,
        "_reader": _reader(portion),
    }


def unit_params(year: int, unit: Unit) -> dict:
    """A unit card prints the programme of the unit's jurisdiction."""
    return {
        "year": year,
        "j": jurisdiction_id(unit.jurisdiction_id),
        "unit": unit.pk,
        "window": clock.warning_days(),
    }


def responsibility_params(
    year: int, portion: Portion = WHOLE_CITY, jurisdiction: Jurisdiction = None
) -> dict:
    return {
        "year": year,
        "j": jurisdiction_id(jurisdiction),
        "portion": portion.key,
        "_reader": _reader(portion),
    }


def bulletin_params(
    as_of: dt.date, portion: Portion = WHOLE_CITY, jurisdiction: Jurisdiction = None
) -> dict:
    return {
        "as_of": as_of.isoformat(),
        "j": jurisdiction_id(jurisdiction),
        "window": clock.warning_days(),
        "portion": portion.key,
        "_reader": _reader(portion),
    }


# --- builders: parameters → PDF (run by the task, or directly) ---------------


def _build_annual(params: dict) -> RenderedPdf:
    year, portion = params["year"], _portion(params)
    return template_to_pdf(
        "pdf/annual.html",
        reports.annual_context(year, portion, _jurisdiction(params)),
        filename=_filename(_("%(year)s年度绩效考核报告.pdf") % {"year": year}, portion),
    )


def _build_unit(params: dict) -> RenderedPdf:
    year, unit = params["year"], _unit(params)
    return template_to_pdf(
        "pdf/unit.html",
        reports.unit_context(year, unit),
        filename=_("%(year)s年度%(unit)s考核结果通知.pdf") % {"year": year, "unit": unit.name},
    )


def _build_responsibility(params: dict) -> RenderedPdf:
    year, portion = params["year"], _portion(params)
    return template_to_pdf(
        "pdf/responsibility.html",
        reports.responsibility_context(year, portion, _jurisdiction(params)),
        filename=_filename(_("%(year)s年度责任分解表.pdf") % {"year": year}, portion),
    )


def _build_bulletin(params: dict) -> RenderedPdf:
    as_of, portion = dt.date.fromisoformat(params["as_of"]), _portion(params)
    return template_to_pdf(
        "pdf/bulletin.html",
        reports.bulletin_context(as_of, portion, _jurisdiction(params)),
        filename=_filename(
            _("督查通报（截至%(date)s）.pdf") % {"date": as_of.isoformat()}, portion
        ),
    )


def _year(params: dict) -> int:
    return params["year"]


def _as_of_year(params: dict) -> int:
    return dt.date.fromisoformat(params["as_of"]).year


files.register(files.Kind("annual", _build_annual, _year))
files.register(files.Kind("unit", _build_unit, _year))
files.register(files.Kind("responsibility", _build_responsibility, _year))
files.register(files.Kind("bulletin", _build_bulletin, _as_of_year))


# --- rendered now, in this process (render_report, the benchmark) -----------


def annual_pdf(
    year: int, portion: Portion = WHOLE_CITY, jurisdiction: Jurisdiction = None
) -> RenderedPdf:
    return files.build_now("annual", annual_params(year, portion, jurisdiction))


def unit_pdf(year: int, unit: Unit) -> RenderedPdf:
    return files.build_now("unit", unit_params(year, unit))


def responsibility_pdf(
    year: int, portion: Portion = WHOLE_CITY, jurisdiction: Jurisdiction = None
) -> RenderedPdf:
    return files.build_now("responsibility", responsibility_params(year, portion, jurisdiction))


def bulletin_pdf(
    as_of: dt.date, portion: Portion = WHOLE_CITY, jurisdiction: Jurisdiction = None
) -> RenderedPdf:
    return files.build_now("bulletin", bulletin_params(as_of, portion, jurisdiction))


def find_jurisdiction(text: str) -> Unit:
    """A jurisdiction by name, full name or id, as typed on the command line."""
    text = (text or "").strip()
    found = Unit.objects.jurisdictions()
    unit = found.filter(name=text).order_by("pk").first()
    unit = unit or found.filter(full_name=text).order_by("pk").first()
    if unit is None and text.isdigit():
        unit = found.filter(pk=int(text)).first()
    if unit is None:
        raise ReportNotFound(_("没有名为“%(name)s”的辖区。") % {"name": text})
    return unit


def find_unit(text: str, jurisdiction: Unit | None = None) -> Unit:
    """A unit by short name, full name or id, as typed on the command line; by
    name, one of ``jurisdiction`` first (names are unique within a jurisdiction)."""
    text = (text or "").strip()
    units = Unit.objects.order_by("pk")
    unit = None
    if jurisdiction is not None:
        own = units.filter(jurisdiction=jurisdiction)
        unit = own.filter(name=text).first() or own.filter(full_name=text).first()
    unit = unit or units.filter(name=text).first() or units.filter(full_name=text).first()
    if unit is None and text.isdigit():
        unit = Unit.objects.filter(pk=int(text)).first()
    if unit is None:
        raise ReportNotFound(_("没有名为“%(name)s”的责任单位。") % {"name": text})
    return unit
