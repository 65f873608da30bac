from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from projects.services.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库（JSON，可在 SQLite 与 PostgreSQL 间恢复）和上传文件到一个目录。"

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            default=None,
            help="备份目录（须为空或不存在），默认 backups/zhucheng-<日期时间>",
        )
        parser.add_argument(
            "--no-pg-dump",
            action="store_true",
            help="PostgreSQL 上不另存 pg_dump 格式副本",
        )

    def handle(self, *args, output, no_pg_dump, **options):
        directory = Path(
            output or f"backups/zhucheng-{timezone.localtime():%Y%m%d-%H%M%S}"
        ).resolve()
        try:
            manifest = backup_create(directory=directory, pg_dump=not no_pg_dump)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        extra = f"，另有 pg_dump 副本 {manifest.pg_dump}" if manifest.pg_dump else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到 {directory}：{manifest.total_rows} 条记录，"
                f"{manifest.media_files} 个上传文件{extra}。"
            )
        )
