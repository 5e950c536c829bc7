"""manage.py verify_ledger [--township CODE]

核验台账 / Recompute each township's hash chain and balances, store the run, print each
break (table, row, what changed). Exit status 1 when anything is broken.
"""

from django.core.management.base import BaseCommand, CommandError

from integrity.models import ChainHead
from integrity.services import ledger_verify
from villages.models import Township


class Command(BaseCommand):
    help = "核验台账：重新计算每个乡镇的哈希链和余额，逐条列出被改动、删除或绕过系统写入的记录。"

    def add_arguments(self, parser):
        parser.add_argument("--township", metavar="CODE", help="只核验该乡镇（乡镇代码）")

    def handle(self, *args, township=None, **options):
        chosen = None
        if township:
            chosen = Township.objects.filter(code=township).first()
            if chosen is None:
                raise CommandError(f"没有代码为“{township}”的乡镇。")
        run = ledger_verify(township=chosen)
        scope = chosen.name if chosen else "全部乡镇"
        summary = f"核验{scope}：{run.links_checked} 个链环，{run.rows_checked} 条记录。"
        if run.ok:
            self.stdout.write(self.style.SUCCESS(f"{summary}未发现问题。"))
            self._heads(chosen)
            return
        self.stdout.write(self.style.ERROR(f"{summary}发现 {len(run.breaks)} 处问题："))
        for number, broken in enumerate(run.breaks, 1):
            self.stdout.write(f"{number}. [{broken['table']} #{broken['row']}] {broken['message']}")
        raise SystemExit(1)

    def _heads(self, township):
        """Each chain's end, to note down outside the database: a chain rewritten whole by
        someone with the database's keys verifies, but no longer ends with the hash noted."""
        heads = ChainHead.objects.select_related("township").order_by("township__code")
        if township is not None:
            heads = heads.filter(township=township)
        for head in heads:
            self.stdout.write(f"链尾：{head.township.name}（{head.township.code}）第 {head.seq} 环 {head.hash}")
