"""Spreadsheet exports that a spreadsheet program cannot run as formulas.

A cell whose text starts with = + - @ (or a tab / carriage return) is read by Excel,
WPS and LibreOffice as a formula, which can fetch URLs or run commands (CSV/formula
injection). Such text gets a leading apostrophe; plain numbers such as ``-5`` stay as
they are. ``settings.EXPORT_FORMATS`` points django-import-export's admin exports
here (its own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading ``=``).
Kept free of model imports: settings import it.
"""

from __future__ import annotations

import re

from import_export.formats import base_formats

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def formula_safe(value):
    """``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``; numbers and other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _NUMBER.match(value):
        return "'" + value
    return value


def escape_dataset(dataset) -> None:
    """Escape every cell of a tablib Dataset in place (headers are ours)."""
    for _ in range(len(dataset)):
        row = dataset.lpop()
        dataset.append([formula_safe(cell) for cell in row])


class FormulaSafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        escape_dataset(dataset)
        return super().export_data(dataset, **kwargs)


class FormulaSafeCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        escape_dataset(dataset)
        return super().export_data(dataset, **kwargs)
