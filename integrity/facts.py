"""What of each ledger fact is chained, and its canonical form.

A fact's content is a JSON object of its fact fields (ids, amounts as strings to the cent,
dates ISO, moments ISO in UTC); identity numbers and phones are chained as their SHA-256 so
that the chain holds no personal data. The content hash is the SHA-256 of that object
written canonically (sorted keys, no spaces, UTF-8).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from .choices import FactKind

CENT = Decimal("0.01")


@dataclass(frozen=True)
class FactSpec:
    kind: str
    model: str  # "app_label.Model"
    township_path: str  # from the model to its township's id
    fields: tuple[str, ...]  # attnames, besides "id"
    secret: frozenset[str] = frozenset()  # chained as their SHA-256
    money: frozenset[str] = frozenset()  # chained to the cent


FACTS = {
    spec.kind: spec
    for spec in (
        FactSpec(
            FactKind.DEBTOR, "recovery.Debtor", "village__work_area__zone__township_id",
            ("village_id", "kind", "name", "national_id", "credit_code"),
            secret=frozenset({"national_id", "credit_code"}),
        ),
        FactSpec(
            FactKind.ARREAR, "recovery.Arrear", "village__work_area__zone__township_id",
            ("village_id", "debtor_id", "campaign_id", "category", "description", "incurred_on", "principal",
             "ledger_amount", "contract_id", "contract_year", "created_at"),
            money=frozenset({"principal", "ledger_amount"}),
        ),
        FactSpec(
            FactKind.REPAYMENT, "recovery.Repayment", "arrear__village__work_area__zone__township_id",
            ("arrear_id", "amount", "kind", "received_on", "receipt_number", "note", "recorded_by_id", "recorded_at"),
            money=frozenset({"amount"}),
        ),
        FactSpec(
            FactKind.REVERSAL, "recovery.Reversal", "repayment__arrear__village__work_area__zone__township_id",
            ("repayment_id", "reason", "recorded_by_id", "recorded_at"),
        ),
        FactSpec(
            FactKind.WRITE_OFF, "recovery.WriteOff", "arrear__village__work_area__zone__township_id",
            ("arrear_id", "amount", "approval_reference", "reason", "recorded_by_id", "recorded_at"),
            money=frozenset({"amount"}),
        ),
        FactSpec(
            FactKind.FEE_PAYMENT, "contracts.ContractFeePayment", "contract__village__work_area__zone__township_id",
            ("contract_id", "year", "amount", "received_on", "receipt_number", "recorded_by_id", "recorded_at"),
            money=frozenset({"amount"}),
        ),
        FactSpec(
            FactKind.STATUS_STEP, "contracts.ContractStatusChange", "contract__village__work_area__zone__township_id",
            ("contract_id", "from_status", "to_status", "note", "changed_by_id", "changed_at"),
        ),
        FactSpec(
            FactKind.REPORT, "reports.Report", "campaign__township_id",
            ("campaign_id", "day", "version", "issue_number", "cutoff_at", "data", "pdf", "xlsx"),
        ),
    )
}

REPORT_FILES = ("pdf", "xlsx")


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _plain(value, *, money=False):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value.quantize(CENT)) if money else str(value.normalize())
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot chain a {type(value).__name__}")


def _money(value):
    return None if value is None else str(value.quantize(CENT))


def _secret(value):
    return sha256(value) if value else ""


def _report_data(value):
    return sha256(canonical_json(value))


PLANS = {}
"""kind -> :func:`_plan`, made on first use."""


def _plan(spec):
    """(attname, content key, conversion) for each fact field of ``spec``."""
    plan = []
    for name in spec.fields:
        if spec.kind == FactKind.REPORT and name == "data":
            plan.append((name, "data_sha256", _report_data))
        elif spec.kind == FactKind.REPORT and name in REPORT_FILES:
            plan.append((name, f"{name}_sha256", file_sha256))
        elif name in spec.secret:
            plan.append((name, name, _secret))
        elif name in spec.money:
            plan.append((name, name, _money))
        else:
            plan.append((name, name, _plain))
    return tuple(plan)




def fact_content(kind: str, row) -> dict:
    """``row``: a model instance or a mapping of attnames (with "id") -> its content."""
    if not PLANS:
        PLANS.update({each: _plan(spec) for each, spec in FACTS.items()})
    if isinstance(row, dict):
        content = {"id": row["id"]}
        for name, key, convert in PLANS[kind]:
            content[key] = convert(row[name])
    else:
        content = {"id": row.id}
        for name, key, convert in PLANS[kind]:
            content[key] = convert(getattr(row, name))
    return content


def file_sha256(field_file) -> str:
    """A stored file's SHA-256 (a FieldFile, or its name in the default storage); "" when it
    is missing."""
    from django.core.files.storage import default_storage

    name = getattr(field_file, "name", field_file)
    if not name:
        return ""
    digest = hashlib.sha256()
    try:
        with default_storage.open(name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return "missing"
    return digest.hexdigest()


def link_hash(*, prev_hash: str, content_hash: str, township_id: int, seq: int, kind: str, object_id: int) -> str:
    return sha256(f"{prev_hash}|{content_hash}|{township_id}|{seq}|{kind}|{object_id}")
