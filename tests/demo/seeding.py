"""Seeding the demo in a test, once per module, and what the demo made, by natural keys.

Seeding takes seconds (12 villages: about 5 s on SQLite, more on PostgreSQL), so a module
whose tests only read the seeded township seeds it once, in a transaction that is rolled
back when the module is done (``seeded_once``); each test still runs in a savepoint of its
own inside it (pytest-django's ``db``), so what a test writes is undone before the next.
Tests that need an empty database or another seed call ``seed`` themselves, in a module
without a seeded fixture.
"""

import hashlib
import io
import json
import uuid
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.management import call_command

from contracts.models import (
    Contract,
    ContractFeePayment,
    ContractFinding,
    ContractStatusChange,
)
from recovery.models import Arrear, Debtor, Repayment, Reversal, WriteOff
from tests.module_db import module_transaction
from villages.models import Assignment, Village

PASSWORD = "demo-test-pw-2026"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def seed(villages=5, seed=1, password=PASSWORD, reports=False):
    """``manage.py seed_demo`` with these arguments; returns what it printed.

    ``--no-reports`` unless ``reports``: the tests of the ledger need no battle report, and
    building one per day of the campaign so far renders 30 PDFs (tests/demo/test_seed_demo.py
    covers the reports)."""
    out = io.StringIO()
    flags = [] if reports else ["--no-reports"]
    call_command("seed_demo", *flags, villages=villages, seed=seed, password=password, stdout=out)
    return out.getvalue()


@contextmanager
def seeded_once(django_db_blocker, **arguments):
    """For a module-scoped fixture: seed with ``arguments`` in the module's transaction
    (tests/module_db.py), yield what ``seed_demo`` printed; rolled back when the module is done."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            output = seed(**arguments)
        yield output


def fingerprint():
    """Everything the demo makes, by natural keys (never primary keys, which differ per run)."""
    User = get_user_model()
    return {
        "villages": list(Village.objects.order_by("code").values_list("code", "name", "work_area__name", "work_area__zone__name")),
        "assignments": list(Assignment.objects.order_by("pk").values_list("role", "person_name", "title", "phone")),
        "debtors": list(Debtor.objects.order_by("pk").values_list(
            "village__code", "kind", "name", "national_id", "credit_code", "phone", "address",
            "is_blacklisted", "blacklist_reason", "blacklisted_on", "litigation_status", "case_number",
        )),
        "arrears": list(Arrear.objects.order_by("pk").values_list(
            "debtor__name", "category", "description", "incurred_on", "principal", "outstanding",
        )),
        "repayments": list(Repayment.objects.order_by("pk").values_list(
            "arrear__debtor__name", "amount", "kind", "received_on", "receipt_number", "note", "recorded_at", "submission_token",
        )),
        "reversals": list(Reversal.objects.order_by("pk").values_list("repayment__submission_token", "reason", "recorded_at")),
        "write_offs": list(WriteOff.objects.order_by("pk").values_list("arrear__debtor__name", "amount", "approval_reference", "reason", "recorded_at")),
        "users": list(User.objects.order_by("username").values_list("username", "display_name", "village__code", "township__code", "is_superuser")),
        "contracts": list(Contract.objects.order_by("pk").values_list(
            "village__code", "number", "debtor__name", "counterparty_name", "category", "subject", "area_mu", "annual_fee",
            "start_date", "end_date", "fee_due_month", "fee_due_day", "form", "democratic_procedure", "status",
            "verified_area_mu", "recovered_area_mu", "renewed_from__number",
        )),
        "contract_history": list(ContractStatusChange.objects.order_by("pk").values_list("contract__number", "from_status", "to_status", "note")),
        "findings": list(ContractFinding.objects.order_by("pk").values_list("contract__number", "kind", "text", "is_open")),
        "fee_payments": list(ContractFeePayment.objects.order_by("pk").values_list("contract__number", "year", "amount", "received_on", "receipt_number")),
    }


def _canonical(value):
    """JSON-ready and the same on every database: Decimals as strings, dates in ISO,
    moments in Asia/Shanghai ISO, UUIDs as strings."""
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def digest(data):
    """SHA-256 of the canonical JSON of a ``fingerprint()``."""
    text = json.dumps(_canonical(data), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
