from django.core.management.base import BaseCommand, CommandError

from demo.output import format_result
from demo.services import (
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    DEFAULT_VILLAGES,
    DemoDataExists,
    demo_generate,
)


class Command(BaseCommand):
    help = "在空库中生成演示数据：一个街道、片区和工作区、村居、欠款人、欠款、清收记录、合同、演示用户，以及过去各天的战报。"

    def add_arguments(self, parser):
        parser.add_argument("--villages", type=int, default=DEFAULT_VILLAGES, help=f"村居数量（默认 {DEFAULT_VILLAGES}）")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子，相同种子生成相同数据（默认 {DEFAULT_SEED}）")
        parser.add_argument(
            "--password", default=None,
            help=f"所有演示用户的密码（默认 {DEFAULT_PASSWORD}；不指定时，各用户首次登录须先修改密码）",
        )
        parser.add_argument(
            "--no-reports", action="store_false", dest="reports",
            help="不生成过去各天的战报（默认生成；不生成时由定时任务补齐）",
        )

    def handle(self, *args, villages, seed, password, reports, **options):
        try:
            result = demo_generate(
                villages=villages, seed=seed, password=DEFAULT_PASSWORD if password is None else password, reports=reports,
                must_change_password=password is None,
            )
        except DemoDataExists as exc:
            raise CommandError(
                f"{exc}\n如需重新生成：SQLite 删除数据库文件（默认 var/db.sqlite3），PostgreSQL 删库重建；"
                "然后运行 manage.py migrate，再运行 manage.py seed_demo。"
            )
        except ValueError as exc:
            raise CommandError(str(exc))
        self.stdout.write(format_result(result))
