"""django-import-export glue for the admin's import page.

The admin page offers one format, :class:`TargetsWorkbookFormat`, whose
``create_dataset`` checks the upload and normalises the clerk's layout
(``projects.importing.workbook``); and one resource, :class:`TargetsResource`,
whose ``import_data`` hands that table to the same service the
``import_targets`` command uses. The library's dry-run preview and confirm
step are kept: the preview is our computed list of changes.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext
from import_export import fields, resources
from import_export.formats.base_formats import Format
from import_export.results import Result

from projects.importing.columns import EXPORT_COLUMNS
from projects.importing.results import ImportResult, RowError
from projects.importing.workbook import read_targets_workbook
from projects.services.targets import targets_import_dataset

logger = logging.getLogger("zhucheng.importing")

INTERNAL_ERROR = "导入时发生内部错误，没有写入任何数据。请把文件发给系统管理员检查。"


class TargetsWorkbookFormat(Format):
    """The red-header document's annex, .xlsx or .xls, as clerks make it."""

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return "Excel 工作簿（.xlsx / .xls）"

    def create_dataset(self, in_stream):
        data = in_stream.read() if hasattr(in_stream, "read") else in_stream
        return read_targets_workbook(bytes(data))

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def get_extension(self):
        return "xlsx"

    def get_content_type(self):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def can_import(self):
        return True


class TargetsResult(Result):
    """The library's result, carrying our :class:`ImportResult` as ``targets``."""

    def __init__(self, targets):
        super().__init__()
        self.targets = targets
        self.total_rows = targets.rows
        for kind_count in targets.counts.values():
            self.totals["new"] += kind_count.created
            self.totals["update"] += kind_count.updated
            self.totals["skip"] += kind_count.unchanged

    def has_validation_errors(self):
        return bool(self.targets.errors)


class TargetsResource(resources.Resource):
    """One row of the annex touches projects, sub-items, milestones, indicators,
    units, persons and vice-mayors; the whole table is imported at once, all or
    nothing, by :func:`projects.services.targets.targets_import_dataset`."""

    class Meta:
        name = "年度目标（红头文件附件）"

    @classmethod
    def get_display_name(cls) -> str:
        return cls.Meta.name

    def get_user_visible_fields(self):
        """The columns the import page lists as understood."""
        return [fields.Field(column_name=label) for _key, label in EXPORT_COLUMNS]

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        year = int(kwargs["year"])
        try:
            targets = targets_import_dataset(
                dataset=dataset, year=year, dry_run=dry_run, user=kwargs.get("user")
            )
        except Exception:  # never an error page: the admin gets a message instead
            logger.exception("targets import failed")
            targets = ImportResult(year=year, dry_run=dry_run)
            targets.errors.append(RowError(None, "", gettext(INTERNAL_ERROR)))
        return TargetsResult(targets)
