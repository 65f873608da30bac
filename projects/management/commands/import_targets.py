"""python manage.py import_targets PATH.xlsx --year 2011 [--dry-run]"""

import logging

from django.core.management.base import BaseCommand, CommandError

from projects.resources import INTERNAL_ERROR
from projects.services.targets import targets_import

logger = logging.getLogger("zhucheng.importing")


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
        self.stdout.write(f"{'类别':<8}{'新增':>6}{'修改':>6}{'未变':>6}")
        for label, count in result.count_rows():
            self.stdout.write(f"{label:<8}{count.created:>8}{count.updated:>8}{count.unchanged:>8}")
        if options["verbosity"] >= 2:
            for change in result.changes:
                self.stdout.write(f"  {change}")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
        self.stdout.write(self.style.SUCCESS("完成。"))
