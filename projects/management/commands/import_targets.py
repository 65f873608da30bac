"""python manage.py import_targets PATH.xlsx --year 2011 [--jurisdiction 诸城市] [--dry-run]
[--sheet 表1] [--map 列名=完成时限] [--allow-new | --same 质检局=质监局]"""

import logging
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from projects.importing.columns import ALIASES, column_key
from projects.importing.jurisdiction import (
    JurisdictionNotFound,
    find_jurisdiction,
    jurisdiction_name,
)
from projects.importing.results import INTERNAL_ERROR
from projects.services.targets import NameNotFound, targets_import, targets_name_choices

logger = logging.getLogger("zhucheng.importing")

IGNORE = ("", "-", "忽略", "不导入")


def _pad(text: str, width: int = 10) -> str:
    """Left-align ``text`` in ``width`` terminal columns (a Chinese character takes two)."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 1)


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        left, sep, right = value.partition("=")
        if not sep or not left.strip():
            raise CommandError(f"{option} 的格式应为 “表中的名称=…”，不是“{value}”。")
        pairs[left.strip()] = right.strip()
    return pairs


def _mapping(values: list[str]) -> dict[str, str | None]:
    """``--map 完成时间节点=完成时限``: a header and what it is (our column name,
    one of its other names, or a key such as ``deadline``; ``-`` to leave it out)."""
    mapping: dict[str, str | None] = {}
    for label, target in _pairs(values, "--map").items():
        if target in IGNORE:
            mapping[label] = None
            continue
        key = target if target in ALIASES else column_key(target)
        if key is None:
            raise CommandError(f"--map：“{target}”不是可导入的列名。")
        mapping[label] = key
    return mapping


class Command(BaseCommand):
    help = (
        "从红头文件附件的 Excel 表（.xlsx/.xls）导入年度目标；有任何错误则整表不导入。"
        "系统中没有的责任单位、责任人、分管市长须用 --allow-new 确认为新增，或用 --same 对应到已有名称。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Excel 文件路径（.xlsx 或 .xls）")
        parser.add_argument("--year", type=int, required=True, help="导入到的年度，如 2011")
        parser.add_argument(
            "--jurisdiction",
            default=None,
            metavar="辖区",
            help="导入到哪个辖区的年度目标（简称或全称，如 诸城市）；默认本系统所在辖区。"
            "名称只在该辖区内对应",
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出改动，不写入")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="列名=对应列",
            help="不认识的表头对应哪一列，如 --map 完成时间节点=完成时限；=- 表示不导入这一列",
        )
        parser.add_argument(
            "--sheet", default=None, metavar="工作表", help="要导入的工作表名称（默认自动查找）"
        )
        parser.add_argument(
            "--allow-new",
            action="store_true",
            help="系统中没有的责任单位、责任人、分管市长全部作为新增",
        )
        parser.add_argument(
            "--same",
            action="append",
            default=[],
            metavar="表中名称=已有名称",
            help="表中的名称是已有的哪一个，如 --same 质检局=质监局（可多次使用）",
        )

    def handle(self, *args, path, year, dry_run, **options):
        mapping = _mapping(options["map"])
        try:
            jurisdiction = find_jurisdiction(options["jurisdiction"])
        except JurisdictionNotFound as exc:
            raise CommandError(str(exc)) from exc
        try:
            names = targets_name_choices(
                allow_new=options["allow_new"],
                same=_pairs(options["same"], "--same"),
                jurisdiction=jurisdiction,
            )
        except NameNotFound as exc:
            raise CommandError(str(exc)) from exc
        try:
            result = targets_import(
                file=path,
                year=year,
                dry_run=dry_run,
                user=None,
                mapping=mapping,
                sheet=options["sheet"],
                names=names,
                jurisdiction=jurisdiction,
            )
        except Exception as exc:  # a clear message, not a traceback
            logger.error("import_targets failed: %r", exc)
            raise CommandError(INTERNAL_ERROR) from exc
        if result.sheet:
            self.stdout.write(f"读取工作表“{result.sheet}”。")
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))
        for label, letter in result.unknown_columns:
            self.stdout.write(
                self.style.WARNING(
                    f"{letter} 列“{label}”不是可导入的列名，这一列没有导入"
                    f"（如需导入请加 --map {label}=对应列名）。"
                )
            )
        for skipped in result.skipped:
            self.stdout.write(f"未导入 {skipped}")
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            if any(error.name_key for error in result.errors):
                self.stderr.write(
                    "系统中没有的名称：确认是新增请加 --allow-new；"
                    "是已有名称的另一种写法请加 --same 表中名称=已有名称。"
                )
            raise CommandError(f"导入失败，共 {len(result.errors)} 处问题，未写入任何数据。")
        head = "试运行（未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{head}：{result.year} 年度，读取 {result.rows} 行。")
        self.stdout.write(f"辖区：{jurisdiction_name(jurisdiction)}")
        if result.plan_created:
            self.stdout.write(f"新建年度：{result.year}")
        self.stdout.write(f"{_pad('类别')}{_pad('新增', 8)}{_pad('修改', 8)}{_pad('未变', 8)}")
        for label, count in result.count_rows():
            numbers = "".join(f"{n:<8}" for n in (count.created, count.updated, count.unchanged))
            self.stdout.write(f"{_pad(label)}{numbers}")
        for unknown in result.unknown_names:
            shown = "新增" if unknown.decision == "new" else "对应到已有"
            self.stdout.write(f"{unknown.kind_label}“{unknown.label}”：{shown}")
        if options["verbosity"] >= 2:
            for change in result.changes:
                self.stdout.write(f"  {change}")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
        self.stdout.write(self.style.SUCCESS("完成。"))
