"""The kinds of ledger: each app registers its own in ``AppConfig.ready()``; the imports
app names none of them."""

from pathlib import Path

import pytest

from contracts.imports import ContractsLedger
from imports import ledgers
from imports.ledgers import LedgerKind, is_kind, kind_choices, ledger_kind, register
from recovery.imports import ArrearsLedger, RepaymentsLedger
from villages.imports import StructureLedger

IMPORTS_APP = Path(ledgers.__file__).parent


def test_it_lists_the_kinds_the_apps_registered_in_their_order():
    assert kind_choices() == [
        ("structure", "组织架构（片区、工作区、村居及责任人）"),
        ("arrears", "欠款人及欠款"), ("repayments", "清收记录"), ("contracts", "合同"),
    ]
    assert type(ledger_kind("structure")) is StructureLedger
    assert type(ledger_kind("arrears")) is ArrearsLedger
    assert type(ledger_kind("repayments")) is RepaymentsLedger
    assert type(ledger_kind("contracts")) is ContractsLedger
    assert not is_kind("nothing")
    with pytest.raises(KeyError):
        ledger_kind("nothing")


def test_it_gives_a_fresh_kind_each_time():
    # LedgerKind.today is cached on the instance: a kind kept across days would refuse
    # today's dates as "after today".
    assert ledger_kind("arrears") is not ledger_kind("arrears")


@pytest.mark.parametrize("kind", [StructureLedger, ArrearsLedger, RepaymentsLedger, ContractsLedger])
def test_every_kind_has_a_template_column_for_each_required_header(kind):
    headers = [column.header for column in kind.columns]
    assert set(kind.required) <= set(headers)
    assert set(kind.vocabulary.money) <= set(kind.required) | set(kind.optional)


def test_it_refuses_two_kinds_with_one_key():
    class Another(LedgerKind):
        key, label = "arrears", "另一种欠款台账"

    with pytest.raises(ValueError, match="arrears"):
        register(Another)
    assert type(ledger_kind("arrears")) is ArrearsLedger


def test_it_refuses_a_kind_without_a_key():
    class Nameless(LedgerKind):
        label = "无名台账"

    with pytest.raises(ValueError):
        register(Nameless)


def test_registering_the_same_kind_again_changes_nothing():
    register(ArrearsLedger)
    assert [key for key, _ in kind_choices()] == ["structure", "arrears", "repayments", "contracts"]


def test_the_imports_app_names_no_other_apps_ledger():
    words = ("ArrearsLedger", "RepaymentsLedger", "ContractsLedger", "StructureLedger", "recovery.imports", "contracts.imports", "villages.imports",
             "import_string", "HEADER_SYNONYMS", "合同编号", "还款方式")
    for path in IMPORTS_APP.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert [word for word in words if word in text] == [], path
