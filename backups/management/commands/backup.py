from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backups.services import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "备份数据库（SQLite 用在线备份，PostgreSQL 用 pg_dump）和全部媒体文件（上传的台账、战报 PDF/Excel、"
        "合同附件），写成一个 tar.gz 存入 BACKUP_DIR（默认 var/backups/），内附清单（各表行数、金额合计、"
        "每个文件的 SHA-256），只保留最新的 BACKUP_KEEP 个。后台定时任务每天凌晨 3:00 自动执行一次。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help=f"备份文件夹（默认 BACKUP_DIR，即 {settings.BACKUP_DIR}）")
        parser.add_argument("--keep", type=int, help=f"保留最新的几个备份（默认 BACKUP_KEEP，即 {settings.BACKUP_KEEP}）")

    def handle(self, *args, **options):
        if options["keep"] is not None and options["keep"] < 1:
            raise CommandError("--keep 必须是正整数。")
        try:
            result = backup_create(backup_dir=options["dir"], keep=options["keep"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        size = result.path.stat().st_size
        self.stdout.write(
            f"已备份到 {result.path}（{size / 1024 / 1024:.1f} MB）：{manifest['vendor']} 数据库 "
            f"{len(manifest['tables'])} 张表、{sum(manifest['tables'].values())} 行，媒体文件 {manifest['media_files']} 个。"
        )
        for path in result.removed:
            self.stdout.write(f"已删除旧备份 {path.name}")
