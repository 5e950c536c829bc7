"""Recomputing the ledger's hash chains and balances (``manage.py verify_ledger``, nightly).

For each township: the chain itself (seq 1, 2, 3... without gaps, each link's prev hash the
hash before it, each hash recomputed); each chained row against its latest link (a row
whose content no longer matches, a link whose row is gone, a ledger row with no link);
each arrear's outstanding against principal − repayments not reversed − write-offs; each
published report's PDF and Excel against the SHA-256 chained when it was published. Each
break names the table, the row and what changed, in Chinese.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.money import fmt_yuan

from .choices import FactKind
from .facts import FACTS, canonical_json, fact_content, link_hash, sha256
from .models import ChainHead, ChainLink, VerificationRun

CONTENT_LABELS = {
    "id": "编号", "data_sha256": "战报数据（SHA-256）", "pdf_sha256": "PDF 文件（SHA-256）",
    "xlsx_sha256": "Excel 文件（SHA-256）",
}
CHANGED = "（已更改）"
MISSING = "（文件缺失）"
FILE_KEYS = {"pdf_sha256", "xlsx_sha256"}


@dataclass
class Findings:
    breaks: list[dict] = field(default_factory=list)
    links: int = 0
    rows: int = 0

    def add(self, *, township, table, row, problem, message, changes=()):
        self.breaks.append({
            "township": township.code, "table": table, "row": row, "problem": problem,
            "message": f"{township.name}：{message}", "changes": list(changes),
        })


def _model(kind):
    return apps.get_model(FACTS[kind].model)


def _table_label(kind):
    return str(_model(kind)._meta.verbose_name)


def _field_label(kind, key):
    if key in CONTENT_LABELS:
        return CONTENT_LABELS[key]
    try:
        return str(_model(kind)._meta.get_field(key).verbose_name)
    except Exception:
        return key


def _changes(kind, was, now):
    spec = FACTS[kind]
    changes = []
    for key in sorted(set(was) | set(now)):
        if was.get(key) == now.get(key):
            continue
        hidden = key in spec.secret or key.endswith("_sha256")
        gone = key in FILE_KEYS and now.get(key) in ("missing", "")
        changes.append({
            "field": _field_label(kind, key),
            "was": CHANGED if hidden else was.get(key),
            "now": MISSING if gone else CHANGED if hidden else now.get(key),
        })
    return changes


def _shown(kind, key, value):
    """A content value as the message shows it: money in yuan with thousands separators."""
    if key in FACTS[kind].money and value not in (None, CHANGED, MISSING):
        return f"{fmt_yuan(Decimal(value))} 元"
    return value


def _describe(kind, was, now, changes):
    def one(key, change):
        if change["now"] == MISSING:
            return f"{change['field']}缺失"
        if change["was"] == CHANGED:
            return f"{change['field']}已更改"
        return f"{change['field']}：原 {_shown(kind, key, change['was'])}，现 {_shown(kind, key, change['now'])}"

    keys = [key for key in sorted(set(was) | set(now)) if was.get(key) != now.get(key)]
    return "；".join(one(key, change) for key, change in zip(keys, changes, strict=True))


def _verify_chain(township, found):
    """The links in seq order -> {(kind, object_id): latest link}."""
    latest = {}
    expected, prev = 1, ""
    links = ChainLink.objects.filter(township=township).order_by("seq").values(
        "id", "seq", "kind", "object_id", "content", "content_hash", "prev_hash", "hash",
    )
    for link in links.iterator(chunk_size=2000):
        found.links += 1
        where = f"哈希链第 {link['seq']} 环（{FactKind(link['kind']).label} #{link['object_id']}）"
        if link["seq"] != expected:
            found.add(
                township=township, table=ChainLink._meta.db_table, row=link["id"], problem="seq_gap",
                message=f"哈希链缺少第 {expected}—{link['seq'] - 1} 环（被删除）。",
            )
        if link["prev_hash"] != prev:
            found.add(
                township=township, table=ChainLink._meta.db_table, row=link["id"], problem="prev_hash",
                message=f"{where}与上一环接不上（链被改动或有环被删除）。",
            )
        if sha256(canonical_json(link["content"])) != link["content_hash"] or link["hash"] != link_hash(
            prev_hash=link["prev_hash"], content_hash=link["content_hash"], township_id=township.pk,
            seq=link["seq"], kind=link["kind"], object_id=link["object_id"],
        ):
            found.add(
                township=township, table=ChainLink._meta.db_table, row=link["id"], problem="link_hash",
                message=f"{where}的哈希与内容不符（链环被改动）。",
            )
        expected, prev = link["seq"] + 1, link["hash"]
        latest[(link["kind"], link["object_id"])] = link
    head = ChainHead.objects.filter(township=township).values("seq", "hash").first()
    if head is not None and (head["seq"], head["hash"]) != (expected - 1, prev):
        found.add(
            township=township, table=ChainHead._meta.db_table, row=None, problem="head",
            message=f"哈希链应有 {head['seq']} 环，现存 {expected - 1} 环，链尾与记录不符（末尾的环被删除或改动）。",
        )
    return latest


def _verify_rows(township, latest, found):
    for kind, spec in FACTS.items():
        model = _model(kind)
        label = _table_label(kind)
        table = model._meta.db_table
        seen = set()
        rows = model.objects.filter(**{spec.township_path: township.pk}).order_by("pk").values("id", *spec.fields)
        for row in rows.iterator(chunk_size=2000):
            found.rows += 1
            seen.add(row["id"])
            now = fact_content(kind, row)
            if kind == FactKind.REPAYMENT:
                _check_repayment(township, row, found)
            link = latest.get((kind, row["id"]))
            if link is None:
                found.add(
                    township=township, table=table, row=row["id"], problem="unchained",
                    message=f"{label} #{row['id']} 不在哈希链中（绕过系统写入）。",
                )
                continue
            if sha256(canonical_json(now)) != link["content_hash"]:
                changes = _changes(kind, link["content"], now)
                found.add(
                    township=township, table=table, row=row["id"], problem="changed", changes=changes,
                    message=f"{label} #{row['id']} 与登记时不符：{_describe(kind, link['content'], now, changes) or '内容已更改'}。",
                )
        for (link_kind, object_id), link in latest.items():
            if link_kind == kind and object_id not in seen:
                content = link["content"]
                facts = "，".join(
                    f"{_field_label(kind, key)} {_shown(kind, key, value)}" for key, value in content.items()
                    if key in spec.money and value is not None
                )
                found.add(
                    township=township, table=table, row=object_id, problem="deleted",
                    message=f"{label} #{object_id} 已被删除（哈希链第 {link['seq']} 环登记过它{'：' + facts if facts else ''}）。",
                    changes=[{"field": "整条记录", "was": content, "now": None}],
                )


def _check_repayment(township, row, found):
    from recovery.choices import RepaymentKind

    if row["kind"] not in RepaymentKind.values:
        found.add(
            township=township, table="recovery_repayment", row=row["id"], problem="invalid",
            message=f"清收记录 #{row['id']} 的方式“{row['kind']}”不是现金、转账、以物抵债或抵顶债务。",
        )


def _verify_balances(township, found):
    from recovery.models import Arrear, Repayment, WriteOff

    money = DecimalField(max_digits=16, decimal_places=2)

    def total(queryset):
        sums = queryset.filter(arrear=OuterRef("pk")).order_by().values("arrear").annotate(t=Sum("amount")).values("t")
        return Coalesce(Subquery(sums, output_field=money), Value(Decimal("0")), output_field=money)

    arrears = Arrear.objects.filter(village__work_area__zone__township_id=township.pk).order_by("pk").annotate(
        repaid=total(Repayment.objects.filter(reversal__isnull=True)), written_off=total(WriteOff.objects.all()),
    ).values_list("pk", "principal", "outstanding", "repaid", "written_off")
    for pk, principal, outstanding, repaid, written_off in arrears.iterator(chunk_size=2000):
        expected = principal - repaid - written_off
        if expected != outstanding:
            found.add(
                township=township, table="recovery_arrear", row=pk, problem="balance",
                message=(
                    f"欠款 #{pk} 的尚欠金额 {fmt_yuan(outstanding)} 元与账目不符：欠款金额 {fmt_yuan(principal)}"
                    f" − 未冲正的清收 {fmt_yuan(repaid)} − 核销 {fmt_yuan(written_off)} = {fmt_yuan(expected)} 元。"
                ),
                changes=[{"field": "尚欠金额", "was": str(expected), "now": str(outstanding)}],
            )


def ledger_verify(*, township=None) -> VerificationRun:
    """Verify one township's chain and balances, or every township's -> the stored run."""
    from villages.models import Township

    started = timezone.now()
    found = Findings()
    townships = [township] if township is not None else list(Township.objects.order_by("pk"))
    for each in townships:
        latest = _verify_chain(each, found)
        _verify_rows(each, latest, found)
        _verify_balances(each, found)
    return VerificationRun.objects.create(
        started_at=started, finished_at=timezone.now(), township=township, ok=not found.breaks,
        links_checked=found.links, rows_checked=found.rows, breaks=found.breaks,
    )
