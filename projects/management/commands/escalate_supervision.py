"""Daily escalation of 督办单 by rule; run once a day from cron, beside
``send_reminders`` (see README). Idempotent: a second run the same day escalates
nothing new."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from projects.services.supervision import supervision_escalate_due


class Command(BaseCommand):
    help = (
        "Escalate 督办单 not acknowledged or not answered by their deadline to the next "
        "level of the ladder, and send again the e-mails that failed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="escalate as of this day (YYYY-MM-DD) instead of today", default=""
        )

    def handle(self, *args, date: str = "", **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from exc
        run = supervision_escalate_due(today=today)
        for old, new in run.escalated:
            self.stdout.write(
                f"{old.unit.name}: {old.level.name}单 #{old.pk} → {new.level.name}单 #{new.pk}"
                f"（{old.close_note}）"
            )
        for item in run.at_top:
            self.stdout.write(
                self.style.WARNING(
                    f"{item.unit.name}: {item.level.name}单 #{item.pk} 已逾期，"
                    "但该级别不自动升级，请市政府办公室处理"
                )
            )
        for item in run.resent:
            self.stdout.write(f"{item.unit.name}: {item.level.name}单 #{item.pk} 邮件已重发")
        for item in run.failed:
            self.stdout.write(
                self.style.ERROR(
                    f"{item.unit.name}: {item.level.name}单 #{item.pk} 邮件未发出："
                    f"{item.delivery_error}（已记录，再次运行时重发）"
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.today:%Y-%m-%d}: 升级 {len(run.escalated)} 份督办单；"
                f"{len(run.at_top)} 份逾期但不自动升级；重发邮件 {len(run.resent)} 份，"
                f"{len(run.failed)} 份发送失败。"
            )
        )
        if run.failed:
            raise CommandError(
                f"{len(run.failed)} supervision e-mail(s) not sent; run again once the mail "
                "server works"
            )
