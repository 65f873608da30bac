from django.core.management.base import BaseCommand

from assessment.demo import assessment_demo_load
from projects.services.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "载入2010年诸城市质量兴市项目化推进演示数据（可重复运行）。"

    def handle(self, *args, **options):
        summary = demo_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"已载入 {summary.year} 年演示数据：项目 {summary.projects} 个，小项 {summary.subitems} 个，"
                f"进度节点 {summary.milestones} 个，责任单位 {summary.units} 个，"
                f"责任人 {summary.persons} 名，分管市长 {summary.mayors} 名。"
            )
        )
        assessment = assessment_demo_load()
        if assessment is not None:
            self.stdout.write(
                f"年度考核：{assessment.scheme}，考核项目 {assessment.items} 个，"
                f"{assessment.units} 个单位的原始数据 {assessment.entries} 条，"
                f"当前阶段：{assessment.scheme.get_stage_display()}，排名见 /assessment/2010/，"
                "公示结果见 /public/2010/。"
            )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, unit in summary.users:
            self.stdout.write(f"  {username:<14} {role:<8} {unit}")
