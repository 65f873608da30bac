from django.core.management.base import BaseCommand, CommandError

from assessment.scale import scale_seed
from common import clock


class Command(BaseCommand):
    help = "生成 N 倍于一个真实年度的合成数据（用于性能测试与查询数测试）。"

    def add_arguments(self, parser):
        parser.add_argument("--factor", type=int, default=1, help="倍数，默认 1")
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="写入的年度，默认当前年度；该年已有的测试数据会被替换",
        )

    def handle(self, *args, factor, year, **options):
        if factor < 1 or factor > 1000:
            raise CommandError("--factor 须为 1 到 1000 之间的整数。")
        year = year or clock.today().year
        try:
            summary = scale_seed(factor=factor, year=year)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {summary.year} 年测试数据（×{factor}）：项目 {summary.projects}，"
                f"小项 {summary.subitems}，进度节点 {summary.milestones}，填报 {summary.reports}，"
                f"单位 {summary.units}。"
            )
        )
