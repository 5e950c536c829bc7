from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from imports.services import import_batches_sweep
from reports.services import report_rebuilds_sweep


def _listed(ids, noun):
    return f"（{'、'.join(f'第 {pk} {noun}' for pk in ids)}）" if ids else ""


class Command(BaseCommand):
    help = (
        "找出后台任务已中断的台账导入（正在校验、正在导入）和战报重新生成：重新排队，"
        "或在多次中断后标为中断，以便用户再次确认、放弃或重新上传。后台定时任务每 5 分钟自动执行一次。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-minutes", type=int, default=None,
            help=f"多少分钟没有进展即视为中断（默认 {settings.JOB_HEARTBEAT_TIMEOUT // 60}，即 JOB_HEARTBEAT_TIMEOUT）",
        )

    def handle(self, *args, **options):
        minutes = options["stale_minutes"]
        stale_after = None if minutes is None else timedelta(minutes=max(minutes, 0))
        imports = import_batches_sweep(stale_after=stale_after)
        rebuilds = report_rebuilds_sweep(stale_after=stale_after)
        self.stdout.write(
            f"台账导入：重新排队 {len(imports.requeued)} 批{_listed(imports.requeued, '批')}，"
            f"标为中断 {len(imports.interrupted)} 批{_listed(imports.interrupted, '批')}。"
        )
        self.stdout.write(
            f"战报重新生成：重新排队 {len(rebuilds['requeued'])} 次{_listed(rebuilds['requeued'], '次')}，"
            f"标为未完成 {len(rebuilds['failed'])} 次{_listed(rebuilds['failed'], '次')}。"
        )
