"""What is changed underneath (SQL, triggers disabled) is found and named: the issue's
"Done when" — a repayment's amount raised and an arrear deleted — and the other breaks a
chain can show. Runs on SQLite and on PostgreSQL."""

import io
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from integrity.choices import FactKind
from integrity.models import ChainLink, VerificationRun
from integrity.services import ledger_verify
from tests.underneath import triggers_off

from .ledger import ledger_write

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(village_a, campaign, staff_user):
    return ledger_write(village=village_a, campaign=campaign, user=staff_user)


def underneath(*statements):
    with triggers_off() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def verify_command(*args):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_ledger", *args, stdout=out)
    return exited.value.code, out.getvalue()


def test_it_names_a_raised_repayment_and_a_deleted_arrear(ledger, township):
    assert ledger_verify().ok
    repayment, deleted = ledger["repayments"][0], ledger["arrears"][1]
    underneath(
        ("UPDATE recovery_repayment SET amount = %s WHERE id = %s", ["1300.00", repayment.pk]),
        ("DELETE FROM recovery_arrear WHERE id = %s", [deleted.pk]),
    )

    status, printed = verify_command("--township", township.code)

    assert status == 1
    assert f"清收记录 #{repayment.pk} 与登记时不符：金额：原 300.00 元，现 1,300.00 元" in printed
    assert f"欠款 #{deleted.pk} 已被删除" in printed and "欠款金额 15,930.00 元" in printed
    owed = ledger["arrears"][0]
    assert f"欠款 #{owed.pk} 的尚欠金额" in printed  # its balance no longer adds up either
    run = VerificationRun.objects.latest("pk")
    assert not run.ok
    rows = {(b["table"], b["row"], b["problem"]) for b in run.breaks}
    assert {("recovery_repayment", repayment.pk, "changed"), ("recovery_arrear", deleted.pk, "deleted"),
            ("recovery_arrear", owed.pk, "balance")} <= rows
    [changed] = [b for b in run.breaks if b["problem"] == "changed"]
    assert changed["changes"] == [{"field": "金额", "was": "300.00", "now": "1300.00"}]


def test_an_untouched_ledger_verifies_clean_and_exits_zero(ledger):
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "未发现问题" in out.getvalue()
    assert VerificationRun.objects.latest("pk").ok
    head = ChainLink.objects.latest("seq")
    assert f"链尾：兰山街道（{head.township.code}）第 {head.seq} 环 {head.hash}" in out.getvalue()


def test_it_finds_a_row_written_around_the_services(ledger, staff_user, township):
    owed = ledger["arrears"][0]
    underneath((
        "INSERT INTO recovery_repayment (arrear_id, amount, kind, received_on, receipt_number, note, recorded_by_id,"
        " recorded_at, submission_token) VALUES (%s, %s, %s, %s, '', '', %s, %s, %s)",
        [owed.pk, "10.00", "bitcoin", timezone.localdate(), staff_user.pk, timezone.now(), uuid.uuid4().hex],
    ))
    problems = {b["problem"] for b in ledger_verify(township=township).breaks}
    assert {"unchained", "invalid", "balance"} <= problems


def test_it_finds_a_changed_link_and_a_deleted_one(ledger, township):
    links = list(ChainLink.objects.filter(township=township).order_by("seq"))
    underneath(
        ("UPDATE integrity_chainlink SET content = %s WHERE id = %s", ['{"id": 1}', links[1].pk]),
        ("DELETE FROM integrity_chainlink WHERE id = %s", [links[3].pk]),
    )
    problems = [(b["problem"], b["row"]) for b in ledger_verify(township=township).breaks]
    assert ("link_hash", links[1].pk) in problems
    assert ("seq_gap", links[4].pk) in problems and ("prev_hash", links[4].pk) in problems
    # The fact whose link was deleted is now outside the chain.
    assert any(p == "unchained" for p, _row in problems) or links[3].kind == FactKind.STATUS_STEP


def test_it_finds_a_debtors_identity_changed(ledger, township):
    zhang = ledger["debtors"][0]
    underneath(("UPDATE recovery_debtor SET national_id = %s WHERE id = %s", ["110105194912310029", zhang.pk]))
    [broken] = ledger_verify(township=township).breaks
    assert broken["row"] == zhang.pk and broken["changes"] == [{"field": "身份证号", "was": "（已更改）", "now": "（已更改）"}]
    assert "欠款人 #" in broken["message"] and "身份证号已更改" in broken["message"]


def test_it_refuses_an_unknown_township():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有代码为“NOPE”的乡镇"):
        call_command("verify_ledger", "--township", "NOPE")
