"""python manage.py export_targets --year 2011 [--jurisdiction 诸城市] -o PATH.xlsx"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.importing.jurisdiction import (
    JurisdictionNotFound,
    find_jurisdiction,
    jurisdiction_name,
)
from projects.models import PlanYear
from projects.services.targets import targets_export


class Command(BaseCommand):
    help = "把一个辖区一个年度的目标导出为 Excel 责任分解表（格式与导入相同，可改后再导入）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="年度，如 2011")
        parser.add_argument(
            "--jurisdiction",
            default=None,
            metavar="辖区",
            help="导出哪个辖区的目标（简称或全称，如 诸城市）；默认本系统所在辖区",
        )
        parser.add_argument("-o", "--output", required=True, help="输出文件路径（.xlsx）")

    def handle(self, *args, year, output, **options):
        try:
            jurisdiction = find_jurisdiction(options["jurisdiction"])
        except JurisdictionNotFound as exc:
            raise CommandError(str(exc)) from exc
        name = jurisdiction_name(jurisdiction)
        if not PlanYear.objects.filter(jurisdiction=jurisdiction, year=year).exists():
            raise CommandError(f"{name}没有 {year} 年度的目标。")
        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("输出文件须以 .xlsx 结尾。")
        try:
            path.write_bytes(targets_export(year=year, jurisdiction=jurisdiction))
        except OSError as exc:
            raise CommandError(f"无法写入“{path}”：{exc.strerror or exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已导出 {year} 年度目标（{name}）到 {path}"))
