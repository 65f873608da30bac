"""Import the year's targets from the annex workbook, and export them back.

One path for every caller: the admin's import pages and the ``import_targets``
command both end in :func:`targets_import_table`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from django.db.models import Q
from django.utils.translation import gettext as _

from projects.importing.apply import apply_plan
from projects.importing.export import export_year, template_workbook
from projects.importing.plan import plan_targets
from projects.importing.results import (
    ImportResult,
    NameChoices,
    RowError,
    WorkbookError,
    name_key,
)
from projects.importing.workbook import ReadTable, max_bytes, read_targets_workbook, size_label
from responsibility.models import Person, Unit, ViceMayor, existing_home_jurisdiction

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
    *,
    file: str | os.PathLike | bytes | BinaryIO,
    year: int,
    dry_run: bool = False,
    user=None,
    mapping: Mapping[str, str | None] | None = None,
    sheet: str | None = None,
    names: NameChoices | None = None,
    allow_new: bool = False,
    jurisdiction: Unit | None = None,
) -> ImportResult:
    """Import the annex workbook ``file`` (path, bytes or binary file) into ``year``.

    All or nothing: with any problem nothing is written and ``result.errors``
    lists them (file-level problems as one message, cell problems by Excel row
    and column). With ``dry_run`` the result says what would change. ``mapping``
    says what header labels the importer does not know mean (see
    :func:`~projects.importing.workbook.read_targets_workbook`), ``sheet`` which
    sheet to read (by default the one that looks most like the table); the result
    names the sheet read, the rows skipped and the columns not imported. A unit,
    person or vice-mayor the database does not know is refused (listed in
    ``result.unknown_names`` with the nearest known names) unless ``names`` says
    what it is, or ``allow_new`` takes every unknown name as new. The plan is
    ``jurisdiction``'s (the home jurisdiction's when not given), and names are
    known within it.
    """
    names = names or NameChoices(allow_new=allow_new)
    if failed := _year_error(year, dry_run):
        return failed
    try:
        table = read_targets_workbook(_read_bytes(file), mapping=mapping, sheet=sheet)
    except WorkbookError as exc:
        result = ImportResult(year=year, dry_run=dry_run)
        result.errors.append(RowError(None, "", str(exc)))
        return result
    return targets_import_table(
        table=table,
        year=year,
        dry_run=dry_run,
        user=user,
        names=names,
        jurisdiction=jurisdiction,
    )


def targets_import_table(
    *,
    table: ReadTable,
    year: int,
    dry_run: bool = False,
    user=None,
    names: NameChoices | None = None,
    jurisdiction: Unit | None = None,
) -> ImportResult:
    """Import a workbook already read by ``read_targets_workbook``; the result
    carries how it was read (sheet, notes, skipped rows, unknown columns)."""
    if failed := _year_error(year, dry_run):
        return failed
    result = apply_plan(
        plan_targets(table.dataset, year, table.keys),
        dry_run=dry_run,
        user=user,
        names=names,
        jurisdiction=jurisdiction,
    )
    result.sheet = table.sheet
    result.notes = list(table.notes)
    result.unknown_columns = list(table.unknown_columns)
    result.skipped = list(table.skipped)
    return result


class NameNotFound(ValueError):
    """A name given as "the same as a known one" that is not known."""


def targets_name_choices(
    *, allow_new: bool = False, same: Mapping[str, str], jurisdiction: Unit | None = None
) -> NameChoices:
    """Decisions from the command line: ``same`` maps a name in the workbook to
    a known unit (short or full name), person or vice-mayor by name, within
    ``jurisdiction`` (the home one by default); raises :class:`NameNotFound`
    naming a known name that does not exist there."""
    jurisdiction = jurisdiction or existing_home_jurisdiction()
    same_as: dict[str, int] = {}
    for name, known in same.items():
        found = False
        units = Unit.objects.filter(jurisdiction=jurisdiction)
        for unit in units.filter(Q(name=known) | Q(full_name=known)):
            same_as[name_key("units", name)] = unit.pk
            found = True
        persons = Person.objects.filter(unit__jurisdiction=jurisdiction, name=known)
        for person in persons.select_related("unit"):
            same_as[name_key("persons", name, person.unit.name)] = person.pk
            found = True
        for mayor in ViceMayor.objects.filter(jurisdiction=jurisdiction, name=known):
            same_as[name_key("mayors", name)] = mayor.pk
            found = True
        if not found:
            raise NameNotFound(
                _("系统中没有名为“%(known)s”的责任单位、责任人或分管市长。") % {"known": known}
            )
    return NameChoices(allow_new=allow_new, same_as=same_as)


def targets_export(*, year: int, jurisdiction: Unit | None = None) -> bytes:
    """The year's targets of ``jurisdiction`` (the home one by default) as an
    .xlsx annex that imports back to the same data."""
    return export_year(year, jurisdiction)


def targets_template(*, year: int) -> bytes:
    """A blank annex workbook with a title row and example rows."""
    return template_workbook(year)
