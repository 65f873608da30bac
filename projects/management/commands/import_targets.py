"""python manage.py import_targets PATH.xlsx --year 2011 [--dry-run]"""

import logging
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from projects.resources import INTERNAL_ERROR
from projects.services.targets import targets_import

logger = logging.getLogger("zhucheng.importing")


def _pad(text: str, width: int = 10) -> str:
    """Left-align ``text`` in ``width`` terminal columns (a Chinese character takes two)."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 1)


class Command(BaseCommand):
    help = "从红头文件附件的 Excel 表（.xlsx/.xls）导入年度目标；有任何错误则整表不导入。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="Excel 文件路径（.xlsx 或 .xls）")
        parser.add_argument("--year", type=int, required=True, help="导入到的年度，如 2011")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出改动，不写入")

    def handle(self, *args, path, year, dry_run, **options):
        try:
            result = targets_import(file=path, year=year, dry_run=dry_run, user=None)
        except Exception as exc:  # a clear message, not a traceback
            logger.error("import_targets failed: %r", exc)
            raise CommandError(INTERNAL_ERROR) from exc
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"导入失败，共 {len(result.errors)} 处问题，未写入任何数据。")
        head = "试运行（未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{head}：{result.year} 年度，读取 {result.rows} 行。")
        if result.plan_created:
            self.stdout.write(f"新建年度：{result.year}")
        self.stdout.write(f"{_pad('类别')}{_pad('新增', 8)}{_pad('修改', 8)}{_pad('未变', 8)}")
        for label, count in result.count_rows():
            numbers = "".join(f"{n:<8}" for n in (count.created, count.updated, count.unchanged))
            self.stdout.write(f"{_pad(label)}{numbers}")
        if options["verbosity"] >= 2:
            for change in result.changes:
                self.stdout.write(f"  {change}")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
        self.stdout.write(self.style.SUCCESS("完成。"))
