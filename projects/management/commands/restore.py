from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.services.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "从 backup 命令生成的目录恢复数据库和上传文件（先执行 migrate）。"

    def add_arguments(self, parser):
        parser.add_argument("directory", help="备份目录")
        parser.add_argument(
            "--force",
            action="store_true",
            help="数据库中已有数据时，清空后再恢复",
        )

    def handle(self, *args, directory, force, **options):
        try:
            manifest = backup_restore(directory=Path(directory), force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已恢复 {manifest.created_at} 的备份：{manifest.total_rows} 条记录，"
                f"{manifest.media_files} 个上传文件。"
            )
        )
