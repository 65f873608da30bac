"""Spreadsheet exports that a spreadsheet program cannot run as formulas.

The one rule, used by every export (the project list, the annex of targets, the
admin's exports of any resource):

- **text** whose first character is ``=`` ``+`` ``-`` ``@``, a tab or a carriage
  return is read by Excel, WPS and LibreOffice as a formula, which can fetch URLs
  or run commands (CSV/formula injection, OWASP); it gets a leading apostrophe
  (``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``), in CSV and XLSX alike;
- **numbers stay numbers**: int, float and Decimal values are not touched, and
  neither is text that is nothing but a number (``-5``, ``+3.5``, ``1e3``),
  because django-import-export renders numbers as text for CSV and a negative
  score must not come back as ``'-5``; a plain number cannot run anything;
- **control characters** (BEL, NUL, other C0 and C1 controls) are dropped from
  text: XML cannot hold them, so openpyxl would refuse the whole workbook (data
  imported before the importer dropped them may still carry some);
- everything else (``' =1'`` with a leading space, Chinese text, dates, None) is
  unchanged.

Escaping is idempotent (an escaped text starts with ``'``), so two layers may
apply it. :func:`unescape` is its exact inverse, for reading our own workbooks
back. ``settings.EXPORT_FORMATS`` points django-import-export's admin exports
here (its own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading
``=``). Kept free of model imports: settings import it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from import_export.formats import base_formats

from common.text import strip_controls

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def needs_escape(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula."""
    return text.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(text)


def formula_safe(value):
    """``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``, control characters dropped;
    numbers and other values unchanged."""
    if isinstance(value, str):
        value = strip_controls(value)
        if needs_escape(value):
            return "'" + value
    return value


def unescape(text: str) -> str:
    """Undo :func:`formula_safe` on a cell read back from one of our exports."""
    if text.startswith("'") and needs_escape(text[1:]):
        return text[1:]
    return text


def escape_dataset(dataset) -> None:
    """Escape every cell of a tablib Dataset in place (headers are ours)."""
    for _ in range(len(dataset)):
        row = dataset.lpop()
        dataset.append([formula_safe(cell) for cell in row])


def unescape_dataset(dataset) -> None:
    """Undo :func:`escape_dataset` in place on an uploaded tablib Dataset."""
    for _ in range(len(dataset)):
        row = dataset.lpop()
        dataset.append([unescape(cell) if isinstance(cell, str) else cell for cell in row])


class FormulaSafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        escape_dataset(dataset)
        return super().export_data(dataset, **kwargs)


class FormulaSafeCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        escape_dataset(dataset)
        return super().export_data(dataset, **kwargs)


if TYPE_CHECKING:  # the mixins' bases, for the type checker only
    from import_export.admin import ExportMixin as _ExportBase
    from import_export.resources import Resource as _ResourceBase
else:
    _ExportBase = _ResourceBase = object


class FormulaSafeResourceMixin(_ResourceBase):
    """For a django-import-export ``Resource``: every exported value goes through
    :func:`formula_safe` (so a dataset taken from the resource is safe in any
    format), and an imported dataset is unescaped first (so an exported workbook
    imports back unchanged)."""

    def export_field(self, field, instance, **kwargs):
        return formula_safe(super().export_field(field, instance, **kwargs))

    def before_import(self, dataset, **kwargs):
        unescape_dataset(dataset)
        return super().before_import(dataset, **kwargs)


class NativeTypesExportMixin(_ExportBase):
    """For an admin with django-import-export's ``ExportMixin``.

    The library exports numbers and dates as native values (number cells) only
    when ``type(format)`` is exactly one of its own binary formats, which our
    :class:`FormulaSafeXLSX` subclass is not: without this, an admin XLSX export
    writes every number as text. Same steps as the library's method otherwise.
    """

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request, queryset, force_native_type=file_format.is_binary(), **kwargs
        )
        export_data = file_format.export_data(data)
        encoding = kwargs.get("encoding")
        if not file_format.is_binary() and encoding:
            export_data = export_data.encode(encoding)
        return export_data
