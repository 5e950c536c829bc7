from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.services import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "把 manage.py backup 生成的备份恢复到一个空数据库（DATABASE_URL）和空的媒体文件夹（MEDIA_ROOT），"
        "再按备份清单核对各表行数、金额合计和文件 SHA-256，逐项报告不一致之处（有不一致时退出码非零）。"
        "目标数据库已有数据表时拒绝恢复。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（qingshou-backup-….tar.gz）")

    def handle(self, *args, **options):
        try:
            result = backup_restore(archive=Path(options["file"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            f"已恢复 {manifest['created_at']} 的备份：{len(manifest['tables'])} 张表、"
            f"{sum(manifest['tables'].values())} 行，媒体文件 {manifest['media_files']} 个。"
        )
        if result.differences:
            for difference in result.differences:
                self.stderr.write(f"不一致：{difference}")
            raise CommandError(f"恢复后的核对发现 {len(result.differences)} 处与备份清单不一致（见上）。")
        self.stdout.write("核对通过：各表行数、金额合计和文件 SHA-256 与备份清单一致。")
