from django.core.management.base import BaseCommand, CommandError

from assessment.scale import assessment_rows_delete, scale_seed
from common import clock
from projects.services import province


class Command(BaseCommand):
    help = (
        "生成 N 倍于一个真实年度的合成数据（用于性能测试与查询数测试）。"
        "加 --province 则生成一个合成省份（S省）：16 个市、约 136 个县，"
        "每个市、县各有本级年度责任制文件、20 个部门、政府办公室、副市（县）长和账号。"
        "账号名：省政府办公室审核员 sheng_ban；第 01 市 sheng_c01_ban（政府办公室审核员）、"
        "sheng_c01_zhijian（质监局填报员）、sheng_c01_zhijian_head（质监局负责人）、"
        "sheng_c01_fushizhang（副市长）；第 01 市第 03 县 sheng_c01_k03_ban 等。"
        "账号不可登录，除非用 --password 指定密码。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--factor", type=int, default=1, help="倍数，默认 1")
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="写入的年度，默认当前年度；该年已有的测试数据会被替换",
        )
        parser.add_argument(
            "--province",
            action="store_true",
            help="生成合成省份（先删除上次生成的 S省），不影响诸城市等其他数据",
        )
        parser.add_argument(
            "--cities", type=int, default=province.CITIES, help="合成省份的市数，默认 16"
        )
        parser.add_argument(
            "--counties",
            type=int,
            default=None,
            help="每个市的县数，默认 9 个与 8 个交替（共约 136 个）",
        )
        parser.add_argument("--password", default=None, help="合成省份账号的密码，默认不可登录")

    def handle(self, *args, factor, year, **options):
        year = year or clock.today().year
        if options["province"]:
            return self._province(year, options)
        if factor < 1 or factor > 1000:
            raise CommandError("--factor 须为 1 到 1000 之间的整数。")
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

    def _province(self, year, options):
        cities, counties = options["cities"], options["counties"]
        if not 1 <= cities <= 100 or (counties is not None and not 0 <= counties <= 100):
            raise CommandError("--cities 须为 1 到 100，--counties 须为 0 到 100 之间的整数。")
        summary = province.province_seed(
            year=year,
            cities=cities,
            counties=counties,
            password=options["password"],
            before_units_deleted=assessment_rows_delete,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成合成省份 {province.PROVINCE_NAME} 的 {summary.year} 年数据："
                f"市 {summary.cities}，县 {summary.counties}，年度文件 {summary.plans}，"
                f"项目 {summary.projects}，小项 {summary.subitems}，进度节点 {summary.milestones}，"
                f"填报 {summary.reports}，单位 {summary.units}，账号 {summary.users}。"
            )
        )
