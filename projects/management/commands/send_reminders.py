"""Daily reminders (督办催办) by e-mail; run once a day from cron (see README)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from projects.services.reminders import reminders_send_due


class Command(BaseCommand):
    help = "E-mail each unit's clerks their milestones due soon or overdue (once per day)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="remind as of this day (YYYY-MM-DD) instead of today", default=""
        )

    def handle(self, *args, date: str = "", **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from exc
        run = reminders_send_due(today=today)
        for item in run.sent:
            self.stdout.write(
                f"{item.unit.name}: {len(item.milestones)} 个节点 → {', '.join(item.recipients)}"
            )
        for item in run.no_recipient:
            self.stdout.write(
                self.style.WARNING(
                    f"{item.unit.name}: {len(item.milestones)} 个节点，但该单位没有填写邮箱的填报员"
                )
            )
        for item in run.failed:
            self.stdout.write(
                self.style.ERROR(
                    f"{item.unit.name}: {len(item.milestones)} 个节点，邮件未发出：{item.error}"
                    "（已记录，再次运行时重发）"
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.today:%Y-%m-%d}: 已向 {len(run.sent)} 个单位发送催办邮件，"
                f"涉及 {run.milestones_sent} 个节点；"
                f"{len(run.no_recipient)} 个单位无收件人，{len(run.failed)} 个单位发送失败。"
            )
        )
        if run.failed:
            raise CommandError(
                f"{len(run.failed)} reminder e-mail(s) not sent; run again once the mail server works"
            )
