from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from recovery.models import Campaign
from reports.services import report_build


class Command(BaseCommand):
    help = "生成（或补生成）某日的清收清欠战报，并打印 PDF 和 Excel 文件路径。"

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="战报日期，格式 YYYY-MM-DD")
        parser.add_argument("--campaign", type=int, help="清收行动 ID（默认：所有进行中的行动）")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(f"日期格式不正确：{options['date']}，应为 YYYY-MM-DD。")
        campaigns = Campaign.objects.select_related("township")
        if options["campaign"]:
            campaigns = campaigns.filter(pk=options["campaign"])
            if not campaigns.exists():
                raise CommandError(f"没有 ID 为 {options['campaign']} 的清收行动。")
        else:
            active = campaigns.filter(is_active=True)
            for other in active.exclude(start_date__lte=day, end_date__gte=day):
                self.stdout.write(f"跳过 {other}：{day:%Y-%m-%d} 不在行动期内（{other.start_date:%Y-%m-%d} 至 {other.end_date:%Y-%m-%d}）")
            campaigns = active.filter(start_date__lte=day, end_date__gte=day)
            if not campaigns.exists():
                raise CommandError(f"{day:%Y-%m-%d} 没有进行中的清收行动（可用 --campaign 指定）。")
        for campaign in campaigns:
            try:
                report, created = report_build(campaign=campaign, day=day)
            except ValidationError as error:
                raise CommandError(f"{campaign}：{'；'.join(error.messages)}")
            state = "已生成" if created else "已存在（已发布的战报不会被改动）"
            self.stdout.write(f"{campaign} 第{report.issue_number}期 {day:%Y-%m-%d}：{state}")
            self.stdout.write(f"  PDF:   {report.pdf.path}")
            self.stdout.write(f"  Excel: {report.xlsx.path}")
