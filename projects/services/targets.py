"""Import the year's targets from the annex workbook, and export them back.

One path for every caller: the admin's import page (through
``projects.resources``) and the ``import_targets`` command both end in
:func:`targets_import_dataset`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import tablib
from django.utils.translation import gettext as _

from projects.importing.apply import apply_plan
from projects.importing.export import export_year, template_workbook
from projects.importing.plan import plan_targets
from projects.importing.results import ImportResult, RowError, WorkbookError
from projects.importing.workbook import max_bytes, read_targets_workbook, size_label

YEAR_RANGE = range(2000, 2101)


def _year_error(year: int, dry_run: bool) -> ImportResult | None:
    if year not in YEAR_RANGE:
        result = ImportResult(year=year, dry_run=dry_run)
        result.errors.append(
            RowError(None, "", _("年度 %(year)s 不正确，应在 2000–2100 之间。") % {"year": year})
        )
        return result
    return None


def _read_bytes(file: str | os.PathLike | bytes | BinaryIO) -> bytes:
    limit = max_bytes()
    if isinstance(file, bytes):
        return file
    if isinstance(file, str | os.PathLike):
        path = Path(file)
        if not path.is_file():
            raise WorkbookError(_("找不到文件“%(path)s”。") % {"path": path})
        size = path.stat().st_size
        if size > limit:
            raise WorkbookError(
                _("文件大小为 %(size)s，超过了 %(limit)s 的上限，请拆分或删除无关工作表后再导入。")
                % {"size": size_label(size), "limit": size_label(limit)}
            )
        return path.read_bytes()
    return file.read(limit + 1)  # one byte more than allowed is enough to refuse


def targets_import(
    *, file: str | os.PathLike | bytes | BinaryIO, year: int, dry_run: bool = False, user=None
) -> ImportResult:
    """Import the annex workbook ``file`` (path, bytes or binary file) into ``year``.

    All or nothing: with any problem nothing is written and ``result.errors``
    lists them (file-level problems as one message, cell problems by Excel row
    and column). With ``dry_run`` the result says what would change.
    """
    if failed := _year_error(year, dry_run):
        return failed
    try:
        dataset = read_targets_workbook(_read_bytes(file))
    except WorkbookError as exc:
        result = ImportResult(year=year, dry_run=dry_run)
        result.errors.append(RowError(None, "", str(exc)))
        return result
    return targets_import_dataset(dataset=dataset, year=year, dry_run=dry_run, user=user)


def targets_import_dataset(
    *, dataset: tablib.Dataset, year: int, dry_run: bool = False, user=None
) -> ImportResult:
    """Import a table already normalised by ``read_targets_workbook``."""
    if failed := _year_error(year, dry_run):
        return failed
    return apply_plan(plan_targets(dataset, year), dry_run=dry_run, user=user)


def targets_export(*, year: int) -> bytes:
    """The year's targets as an .xlsx annex that imports back to the same data."""
    return export_year(year)


def targets_template(*, year: int) -> bytes:
    """A blank annex workbook with a title row and example rows."""
    return template_workbook(year)
