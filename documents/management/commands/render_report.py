"""``manage.py render_report annual|unit|responsibility|bulletin ... -o out.pdf``.

``--jurisdiction NAME`` says whose programme to print (default the home
jurisdiction); a unit card prints that of the unit's jurisdiction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common import clock
from documents import pdfs as reports
from responsibility.models import existing_home_jurisdiction

KIND_LABELS = {
    "annual": "年度绩效考核报告",
    "unit": "单位考核结果通知",
    "responsibility": "责任分解表",
    "bulletin": "督查通报",
}


class Command(BaseCommand):
    help = (
        "生成PDF报告：annual（年度绩效考核报告）、unit（单位考核结果通知）、"
        "responsibility（责任分解表）、bulletin（督查通报）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help="报告类型：annual、unit、responsibility 或 bulletin")
        parser.add_argument("--year", help="年度，如 2010（annual、unit、responsibility 必填）")
        parser.add_argument("--unit", help="责任单位简称、全称或编号（unit 必填）")
        parser.add_argument("--as-of", dest="as_of", help="通报截至日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--jurisdiction", help="辖区名称（打印该辖区的年度计划），默认本级辖区")
        parser.add_argument("-o", "--output", help="输出文件，默认按报告名称保存在当前目录")

    def handle(self, *args, kind, year, unit, as_of, output, jurisdiction=None, **options):
        if kind not in reports.KINDS:
            raise CommandError(
                f"未知的报告类型“{kind}”，可选："
                + "、".join(f"{k}（{v}）" for k, v in KIND_LABELS.items())
            )
        try:
            where = (
                reports.find_jurisdiction(jurisdiction)
                if jurisdiction
                else existing_home_jurisdiction()
            )
            rendered = self._render(kind, year=year, unit=unit, as_of=as_of, where=where)
        except reports.ReportNotFound as exc:
            raise CommandError(str(exc)) from exc
        path = Path(output or rendered.filename)
        try:
            path.write_bytes(rendered.data)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc.strerror or exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"已生成{KIND_LABELS[kind]}：{path}（{rendered.pages} 页）")
        )

    def _render(self, kind: str, *, year, unit, as_of, where) -> reports.RenderedPdf:
        if kind == "bulletin":
            as_of = _date(as_of) if as_of else clock.today()
            return reports.bulletin_pdf(as_of, jurisdiction=where)
        if year is None:
            raise CommandError("请用 --year 指定年度，如 --year 2010。")
        year = _year(year)
        if kind == "annual":
            return reports.annual_pdf(year, jurisdiction=where)
        if kind == "responsibility":
            return reports.responsibility_pdf(year, jurisdiction=where)
        if not unit:
            raise CommandError("请用 --unit 指定责任单位，如 --unit 质监局。")
        return reports.unit_pdf(year, reports.find_unit(unit, where))


def _year(text: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError as exc:
        raise CommandError(f"年度“{text}”不是有效的年份，请写成 2010 这样的四位数字。") from exc


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise CommandError(f"日期“{text}”无效，请写成 YYYY-MM-DD，如 2010-09-30。") from exc
