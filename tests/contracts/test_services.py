"""Contracts cleanup (清合同) as the services enforce it for every caller: registering a
contract, the one-step-at-a-time review with its history, findings, attachments checked by
content, and annual fee payments."""

import struct
import zlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from contracts.choices import AttachmentKind, ContractCategory, ContractForm, ContractStatus, FindingKind
from contracts.models import Contract, ContractAttachment, ContractFeePayment, ContractFinding, ContractStatusChange
from contracts.services import (
    attachment_add,
    contract_advance,
    contract_create,
    contract_update,
    fee_payment_create,
    finding_add,
    finding_resolve,
)
from recovery.choices import ArrearCategory, DebtorKind
from recovery.services import arrear_create
from tests.factories import DebtorFactory, VillageFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 30, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()

S = ContractStatus


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def errors_of(excinfo):
    return excinfo.value.message_dict


def contract_fields(**overrides):
    fields = {
        "number": "DL-2020-001",
        "counterparty_name": "王建国",
        "counterparty_kind": DebtorKind.PERSON,
        "category": ContractCategory.RESERVE_LAND,
        "subject": "南洼机动地 3.5 亩",
        "area_mu": Decimal("3.50"),
        "annual_fee": Decimal("1750.00"),
        "start_date": date(2020, 1, 1),
        "end_date": date(2029, 12, 31),
        "fee_due_month": 12,
        "fee_due_day": 31,
        "form": ContractForm.WRITTEN,
        "democratic_procedure": True,
    }
    fields.update(overrides)
    return fields


def new_contract(village, user, **overrides):
    return contract_create(village=village, created_by=user, **contract_fields(**overrides))


RENEWAL = {
    "number": "DL-2025-001",
    "annual_fee": Decimal("2950.00"),
    "start_date": date(2025, 7, 1),
    "end_date": date(2030, 6, 30),
    "form": ContractForm.WRITTEN,
    "democratic_procedure": True,
}

# What each move needs besides the status (by hand, from the issue).
MOVE_KWARGS = {
    S.FOUND: {},
    S.AREA_VERIFIED: {"verified_area_mu": "3.40"},
    S.INVESTIGATED: {"note": "已形成调查报告"},
    S.STANDARDISED: {"note": "合同要素齐全，继续履行"},
    S.RESIGNED: {"note": "价格明显偏低，经四议两公开重新签订", "renewal": RENEWAL},
    S.TERMINATED: {"note": "合同到期，收回机动地", "recovered_area_mu": "3.40"},
}
PATH = [S.TO_FIND, S.FOUND, S.AREA_VERIFIED, S.INVESTIGATED]


def advance(contract, to_status, user, **overrides):
    kwargs = {**MOVE_KWARGS[S(to_status)], **overrides}
    return contract_advance(contract=contract, to_status=to_status, changed_by=user, **kwargs)


def contract_at(status, village, user, **overrides):
    """A new contract walked, through the services, to ``status`` (for 重签, the old one)."""
    contract = new_contract(village, user, **overrides)
    status = S(status)
    steps = PATH[1:PATH.index(status) + 1] if status in PATH else PATH[1:] + [status]
    for step in steps:
        result = advance(contract, step, user)
        if step != S.RESIGNED:
            contract = result
    contract.refresh_from_db()
    assert contract.status == status
    return contract


def history(contract):
    return list(contract.status_changes.order_by("pk").values_list("from_status", "to_status", "note", "changed_by__username"))


# ---- registering a contract ----------------------------------------------------------


def test_it_registers_a_contract_to_be_found_with_a_first_history_entry(village_a, staff_user):
    contract = new_contract(village_a, staff_user, number="  DL-2020-001 ", counterparty_name=" 王建国 ")

    contract.refresh_from_db()
    assert (contract.number, contract.counterparty_name, contract.status) == ("DL-2020-001", "王建国", S.TO_FIND)
    assert contract.village == village_a
    assert contract.area_mu == Decimal("3.50") and contract.annual_fee == Decimal("1750.00")
    assert contract.debtor is None
    assert history(contract) == [("", S.TO_FIND, "登记合同", "staff")]
    changed = contract.status_changes.get()
    assert changed.changed_at == NOW


def test_it_ignores_a_status_passed_at_registration(village_a, staff_user):
    contract = new_contract(village_a, staff_user, status=S.TERMINATED, recovered_area_mu="3.00")

    contract.refresh_from_db()
    assert contract.status == S.TO_FIND
    assert contract.recovered_area_mu is None


def test_it_takes_the_counterparty_name_from_the_debtor_of_the_same_village(village_a, staff_user):
    firm = DebtorFactory(village=village_a, organisation=True, name="临沂鑫源建材有限公司")

    contract = new_contract(village_a, staff_user, debtor=firm, counterparty_name="", counterparty_kind=DebtorKind.PERSON)

    assert contract.debtor == firm
    assert (contract.counterparty_name, contract.counterparty_kind) == ("临沂鑫源建材有限公司", DebtorKind.ORGANISATION)


def test_it_refuses_a_debtor_of_another_village(village_a, village_b, staff_user):
    stranger = DebtorFactory(village=village_b)

    with pytest.raises(ValidationError) as excinfo:
        new_contract(village_a, staff_user, debtor=stranger)

    assert errors_of(excinfo) == {"debtor": ["承包方须是本村台账中的欠款人。"]}
    assert not Contract.objects.exists()


def test_it_refuses_a_contract_without_a_counterparty(village_a, staff_user):
    with pytest.raises(ValidationError) as excinfo:
        new_contract(village_a, staff_user, counterparty_name="   ")

    assert errors_of(excinfo)["counterparty_name"] == ["请填写承包方名称，或选择台账中的欠款人。"]
    assert not Contract.objects.exists()


def test_it_refuses_an_end_date_before_the_start_date(village_a, staff_user):
    with pytest.raises(ValidationError) as excinfo:
        new_contract(village_a, staff_user, start_date=date(2025, 1, 1), end_date=date(2024, 12, 31))

    messages = [m for ms in errors_of(excinfo).values() for m in ms]
    assert messages == ["终止日期不能早于起始日期。"]
    assert not Contract.objects.exists()


def test_an_end_date_before_the_start_date_is_reported_on_the_end_date(village_a, staff_user):
    with pytest.raises(ValidationError) as excinfo:
        new_contract(village_a, staff_user, start_date=date(2025, 1, 1), end_date=date(2024, 12, 31))

    assert errors_of(excinfo) == {"end_date": ["终止日期不能早于起始日期。"]}


def test_a_contract_may_start_and_end_on_the_same_day(village_a, staff_user):
    contract = new_contract(village_a, staff_user, start_date=date(2025, 1, 1), end_date=date(2025, 1, 1))

    assert contract.pk


@pytest.mark.parametrize("field", ["start_date", "end_date"])
def test_it_refuses_a_missing_or_impossible_date_on_the_field(village_a, staff_user, field):
    for bad in (None, "2025-02-30"):
        with pytest.raises(ValidationError) as excinfo:
            new_contract(village_a, staff_user, **{field: bad})

        errors = errors_of(excinfo)
        assert list(errors) == [field]
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in errors[field]), errors  # Chinese
    assert not Contract.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("area_mu", "-0.01", "面积必须不小于 0。"),
        ("area_mu", "3.555", "面积最多保留 2 位小数。"),
        ("area_mu", "三亩", "面积不是有效数字。"),
        ("area_mu", "NaN", "面积不是有效数字。"),
        ("annual_fee", "-100", "年承包费必须不小于 0。"),
        ("annual_fee", "100.001", "年承包费最多保留 2 位小数。"),
        ("annual_fee", None, "年承包费不是有效数字。"),
    ],
)
def test_it_refuses_a_bad_area_or_fee_on_the_field(village_a, staff_user, field, value, message):
    with pytest.raises(ValidationError) as excinfo:
        new_contract(village_a, staff_user, **{field: value})

    assert errors_of(excinfo) == {field: [message]}
    assert not Contract.objects.exists()


def test_a_zero_area_and_fee_are_allowed_for_an_asset(village_a, staff_user):
    contract = new_contract(
        village_a, staff_user, category=ContractCategory.OPERATING_ASSET, subject="村东砖厂厂房",
        area_mu="0", annual_fee="0.00",
    )

    assert (contract.area_mu, contract.annual_fee) == (Decimal("0"), Decimal("0.00"))


@pytest.mark.parametrize(("month", "day"), [(2, 30), (2, 31), (4, 31), (13, 1), (0, 10), (12, 0), (None, 1)])
def test_it_refuses_an_impossible_fee_due_date(village_a, staff_user, month, day):
    with pytest.raises(ValidationError) as excinfo:
        new_contract(village_a, staff_user, fee_due_month=month, fee_due_day=day)

    assert errors_of(excinfo) == {"fee_due_day": ["每年缴费日期无效（例如 12 月 31 日）。"]}


def test_it_accepts_the_last_day_of_each_month_as_the_fee_due_date(village_a, staff_user):
    for month, day in [(1, 31), (2, 28), (4, 30), (6, 30), (12, 31)]:
        contract = new_contract(village_a, staff_user, number=f"DL-{month}", fee_due_month=month, fee_due_day=day)
        assert (contract.fee_due_month, contract.fee_due_day) == (month, day)


def test_it_accepts_february_29_as_the_fee_due_date(village_a, staff_user):
    contract = new_contract(village_a, staff_user, fee_due_month=2, fee_due_day=29)

    assert (contract.fee_due_month, contract.fee_due_day) == (2, 29)


@pytest.mark.parametrize(
    ("field", "value"),
    [("category", "farmland"), ("form", "email"), ("counterparty_kind", "alien"), ("number", "")],
)
def test_it_refuses_values_outside_the_lists_on_the_field(village_a, staff_user, field, value):
    with pytest.raises(ValidationError) as excinfo:
        new_contract(village_a, staff_user, **{field: value})

    assert list(errors_of(excinfo)) == [field]


def test_the_number_is_unique_within_a_village_only(village_a, village_b, staff_user):
    new_contract(village_a, staff_user, number="HT-001")

    with pytest.raises(ValidationError) as excinfo:
        new_contract(village_a, staff_user, number=" HT-001 ", subject="北岭四荒地")

    messages = [m for ms in errors_of(excinfo).values() for m in ms]
    assert messages == ["本村已有该编号的合同。"]
    assert Contract.objects.filter(village=village_a).count() == 1
    assert new_contract(village_b, staff_user, number="HT-001").village == village_b


def test_a_duplicate_number_is_reported_on_the_number(village_a, staff_user):
    new_contract(village_a, staff_user, number="HT-001")

    with pytest.raises(ValidationError) as excinfo:
        new_contract(village_a, staff_user, number="HT-001")

    assert errors_of(excinfo) == {"number": ["本村已有该编号的合同。"]}


def test_update_changes_descriptive_fields_but_never_the_status(village_a, staff_user):
    contract = new_contract(village_a, staff_user)

    contract_update(
        contract=contract, updated_by=staff_user, subject="南洼机动地 3.6 亩", area_mu="3.60",
        status=S.STANDARDISED, village=VillageFactory(),
    )

    contract.refresh_from_db()
    assert (contract.subject, contract.area_mu, contract.status, contract.village) == (
        "南洼机动地 3.6 亩", Decimal("3.60"), S.TO_FIND, village_a,
    )
    with pytest.raises(ValidationError) as excinfo:
        contract_update(contract=contract, updated_by=staff_user, annual_fee="-1")
    assert errors_of(excinfo) == {"annual_fee": ["年承包费必须不小于 0。"]}
    contract.refresh_from_db()
    assert contract.annual_fee == Decimal("1750.00")


# ---- who may write ---------------------------------------------------------------------


WRITES = {
    "create": lambda c, u: contract_create(village=c.village, created_by=u, **contract_fields(number="X-9")),
    "update": lambda c, u: contract_update(contract=c, updated_by=u, subject="改"),
    "advance": lambda c, u: contract_advance(contract=c, to_status=S.FOUND, changed_by=u),
    "finding": lambda c, u: finding_add(contract=c, kind=FindingKind.PRICE_TOO_LOW, text="", recorded_by=u),
    "resolve": lambda c, u: finding_resolve(finding=c.findings.get(), resolved_by=u),
    "attachment": lambda c, u: attachment_add(
        contract=c, kind=AttachmentKind.CONTRACT_SCAN, uploaded_file=SimpleUploadedFile("a.pdf", PDF), uploaded_by=u,
    ),
    "fee": lambda c, u: fee_payment_create(contract=c, year=2024, amount="100", received_on=TODAY, recorded_by=u),
}


@pytest.mark.parametrize("who", ["cadre_user", "leader_user", "other_staff_user"])
@pytest.mark.parametrize("write", list(WRITES))
def test_only_staff_of_the_township_may_write(request, village_a, staff_user, who, write):
    contract = new_contract(village_a, staff_user)
    finding_add(contract=contract, kind=FindingKind.NO_WRITTEN_CONTRACT, text="", recorded_by=staff_user)
    user = request.getfixturevalue(who)
    before = (Contract.objects.count(), ContractStatusChange.objects.count(), ContractFinding.objects.filter(is_open=True).count(),
              ContractAttachment.objects.count(), ContractFeePayment.objects.count())

    with pytest.raises(PermissionDenied):
        WRITES[write](contract, user)

    after = (Contract.objects.count(), ContractStatusChange.objects.count(), ContractFinding.objects.filter(is_open=True).count(),
             ContractAttachment.objects.count(), ContractFeePayment.objects.count())
    assert after == before
    contract.refresh_from_db()
    assert (contract.status, contract.subject) == (S.TO_FIND, "南洼机动地 3.5 亩")


def test_a_superuser_may_write(village_a, staff_user, superadmin):
    contract = new_contract(village_a, superadmin)

    assert advance(contract, S.FOUND, superadmin).status == S.FOUND


# ---- the review workflow -----------------------------------------------------------------

# By hand, from the issue: one step at a time, then one of three outcomes, then nothing.
ALLOWED = {
    S.TO_FIND: [S.FOUND],
    S.FOUND: [S.AREA_VERIFIED],
    S.AREA_VERIFIED: [S.INVESTIGATED],
    S.INVESTIGATED: [S.STANDARDISED, S.RESIGNED, S.TERMINATED],
    S.STANDARDISED: [],
    S.RESIGNED: [],
    S.TERMINATED: [],
}
NEXT_NAMES = {
    S.TO_FIND: "已查找",
    S.FOUND: "面积已核实",
    S.AREA_VERIFIED: "已调查",
    S.INVESTIGATED: "规范、重签、终止收回",
    S.STANDARDISED: "无（清理已完成）",
    S.RESIGNED: "无（清理已完成）",
    S.TERMINATED: "无（清理已完成）",
}
LABELS = {
    S.TO_FIND: "待查找", S.FOUND: "已查找", S.AREA_VERIFIED: "面积已核实", S.INVESTIGATED: "已调查",
    S.STANDARDISED: "规范", S.RESIGNED: "重签", S.TERMINATED: "终止收回",
}


def test_the_status_labels_are_the_issues():
    assert {s: s.label for s in S} == LABELS


@pytest.mark.parametrize("start", list(S))
@pytest.mark.parametrize("target", [s for s in S if s != S.TO_FIND])
def test_a_contract_moves_only_to_an_allowed_next_status(village_a, staff_user, start, target):
    contract = contract_at(start, village_a, staff_user)
    before = history(contract)
    contracts_before = Contract.objects.count()

    if target in ALLOWED[start]:
        result = advance(contract, target, staff_user)
        contract.refresh_from_db()
        assert contract.status == target
        assert history(contract)[:-1] == before
        assert history(contract)[-1] == (start, target, MOVE_KWARGS[target].get("note", ""), "staff")
        assert Contract.objects.count() == contracts_before + (1 if target == S.RESIGNED else 0)
        assert result.status == (S.STANDARDISED if target == S.RESIGNED else target)
    else:
        with pytest.raises(ValidationError) as excinfo:
            advance(contract, target, staff_user, renewal={**RENEWAL, "number": "NEVER"})
        assert errors_of(excinfo) == {"to_status": [f"当前状态“{LABELS[start]}”下一步只能是：{NEXT_NAMES[start]}。"]}
        contract.refresh_from_db()
        assert contract.status == start
        assert history(contract) == before
        assert Contract.objects.count() == contracts_before
        assert not Contract.objects.filter(number="NEVER").exists()


def test_an_unknown_status_is_refused(village_a, staff_user):
    contract = new_contract(village_a, staff_user)

    with pytest.raises(ValidationError) as excinfo:
        contract_advance(contract=contract, to_status="lost", changed_by=staff_user)

    assert errors_of(excinfo) == {"to_status": ["当前状态“待查找”下一步只能是：已查找。"]}


def test_the_full_walk_to_standardised_is_recorded_step_by_step(village_a, staff_user):
    contract = new_contract(village_a, staff_user)
    for step, kwargs in [
        (S.FOUND, {"note": "在村档案室找到原件"}),
        (S.AREA_VERIFIED, {"verified_area_mu": Decimal("3.42"), "note": "实地丈量"}),
        (S.INVESTIGATED, {"note": "调查报告已完成"}),
        (S.STANDARDISED, {"note": "  合同要素齐全，继续履行  "}),
    ]:
        contract = contract_advance(contract=contract, to_status=step, changed_by=staff_user, **kwargs)

    contract.refresh_from_db()
    assert contract.status == S.STANDARDISED
    assert contract.verified_area_mu == Decimal("3.42")
    assert contract.area_mu == Decimal("3.50")  # the contract's own area stays as registered
    assert contract.recovered_area_mu is None
    assert history(contract) == [
        ("", S.TO_FIND, "登记合同", "staff"),
        (S.TO_FIND, S.FOUND, "在村档案室找到原件", "staff"),
        (S.FOUND, S.AREA_VERIFIED, "实地丈量", "staff"),
        (S.AREA_VERIFIED, S.INVESTIGATED, "调查报告已完成", "staff"),
        (S.INVESTIGATED, S.STANDARDISED, "合同要素齐全，继续履行", "staff"),
    ]
    assert all(c.changed_at == NOW for c in contract.status_changes.all())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "请填写核实面积（亩）。"),
        ("", "请填写核实面积（亩）。"),
        ("-1", "核实面积必须不小于 0。"),
        ("3.333", "核实面积最多保留 2 位小数。"),
        ("约三亩", "核实面积不是有效数字。"),
    ],
)
def test_area_verified_requires_the_verified_area(village_a, staff_user, value, message):
    contract = contract_at(S.FOUND, village_a, staff_user)

    with pytest.raises(ValidationError) as excinfo:
        contract_advance(contract=contract, to_status=S.AREA_VERIFIED, changed_by=staff_user, verified_area_mu=value)

    assert errors_of(excinfo) == {"verified_area_mu": [message]}
    contract.refresh_from_db()
    assert (contract.status, contract.verified_area_mu) == (S.FOUND, None)
    assert len(history(contract)) == 2


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"note": "合同到期收回"}, {"recovered_area_mu": ["请填写收回面积（亩），收回资产的填 0。"]}),
        ({"note": "合同到期收回", "recovered_area_mu": "-2"}, {"recovered_area_mu": ["收回面积必须不小于 0。"]}),
        ({"recovered_area_mu": "3.40"}, {"note": ["请填写处理结果说明。"]}),
        ({"recovered_area_mu": "3.40", "note": "   "}, {"note": ["请填写处理结果说明。"]}),
    ],
)
def test_terminating_requires_the_recovered_area_and_a_note(village_a, staff_user, kwargs, errors):
    contract = contract_at(S.INVESTIGATED, village_a, staff_user)

    with pytest.raises(ValidationError) as excinfo:
        contract_advance(contract=contract, to_status=S.TERMINATED, changed_by=staff_user, **kwargs)

    assert errors_of(excinfo) == errors
    contract.refresh_from_db()
    assert (contract.status, contract.recovered_area_mu) == (S.INVESTIGATED, None)


def test_terminating_records_the_recovered_area(village_a, staff_user):
    contract = contract_at(S.INVESTIGATED, village_a, staff_user)

    result = contract_advance(
        contract=contract, to_status=S.TERMINATED, changed_by=staff_user, recovered_area_mu="12.50", note="承包方长期撂荒，依法收回",
    )

    assert result == contract
    contract.refresh_from_db()
    assert (contract.status, contract.recovered_area_mu) == (S.TERMINATED, Decimal("12.50"))
    assert history(contract)[-1] == (S.INVESTIGATED, S.TERMINATED, "承包方长期撂荒，依法收回", "staff")


def test_an_asset_is_terminated_with_zero_area(village_a, staff_user):
    contract = contract_at(S.INVESTIGATED, village_a, staff_user, category=ContractCategory.OPERATING_ASSET, subject="村东砖厂厂房", area_mu="0")

    contract_advance(contract=contract, to_status=S.TERMINATED, changed_by=staff_user, recovered_area_mu="0", note="厂房收回")

    contract.refresh_from_db()
    assert (contract.status, contract.recovered_area_mu) == (S.TERMINATED, Decimal("0.00"))


def test_standardising_requires_a_note(village_a, staff_user):
    contract = contract_at(S.INVESTIGATED, village_a, staff_user)

    with pytest.raises(ValidationError) as excinfo:
        contract_advance(contract=contract, to_status=S.STANDARDISED, changed_by=staff_user)

    assert errors_of(excinfo) == {"note": ["请填写处理结果说明。"]}
    contract.refresh_from_db()
    assert contract.status == S.INVESTIGATED


def test_resigning_creates_a_new_standardised_contract_linked_to_the_old_one(village_a, staff_user):
    debtor = DebtorFactory(village=village_a, name="王建国")
    old = contract_at(S.INVESTIGATED, village_a, staff_user, debtor=debtor, counterparty_name="")

    new = contract_advance(
        contract=old, to_status=S.RESIGNED, changed_by=staff_user, note="价格明显偏低，重新签订",
        renewal={"number": "DL-2025-001", "annual_fee": "2950.00", "start_date": date(2025, 7, 1), "end_date": date(2030, 6, 30),
                 "form": ContractForm.WRITTEN, "democratic_procedure": True, "status": S.TERMINATED},
    )

    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == S.RESIGNED
    assert new.pk != old.pk
    assert new.renewed_from == old and old.renewal == new
    assert new.status == S.STANDARDISED
    assert (new.village, new.debtor, new.counterparty_name, new.category, new.subject) == (
        village_a, debtor, "王建国", ContractCategory.RESERVE_LAND, "南洼机动地 3.5 亩",
    )
    assert new.area_mu == Decimal("3.40")  # the verified area, not the registered 3.50
    assert new.annual_fee == Decimal("2950.00")
    assert history(old)[-1] == (S.INVESTIGATED, S.RESIGNED, "价格明显偏低，重新签订", "staff")
    assert history(new) == [("", S.STANDARDISED, "由合同 DL-2020-001 重签，年承包费变化 1,200.00 元", "staff")]


def test_resigning_at_a_lower_fee_records_the_decrease(village_a, staff_user):
    old = contract_at(S.INVESTIGATED, village_a, staff_user)

    new = advance(old, S.RESIGNED, staff_user, renewal={**RENEWAL, "annual_fee": Decimal("1450.00"), "area_mu": "2.90"})

    assert new.area_mu == Decimal("2.90")
    assert history(new)[0][2] == "由合同 DL-2020-001 重签，年承包费变化 -300.00 元"


@pytest.mark.parametrize(
    ("renewal", "field"),
    [
        (None, "to_status"),
        ({}, "to_status"),
        ({**RENEWAL, "number": "DL-2020-001"}, None),  # the old contract's number
        ({**RENEWAL, "end_date": date(2025, 1, 1)}, None),
        ({**RENEWAL, "annual_fee": "-1"}, "annual_fee"),
        ({**RENEWAL, "number": ""}, "number"),
    ],
)
def test_a_bad_renewal_changes_nothing(village_a, staff_user, renewal, field):
    old = contract_at(S.INVESTIGATED, village_a, staff_user)
    before = history(old)

    with pytest.raises(ValidationError) as excinfo:
        contract_advance(contract=old, to_status=S.RESIGNED, changed_by=staff_user, note="重签", renewal=renewal)

    errors = errors_of(excinfo)
    if field:
        assert field in errors
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for ms in errors.values() for m in ms), errors
    old.refresh_from_db()
    assert old.status == S.INVESTIGATED
    assert history(old) == before
    assert Contract.objects.count() == 1


def test_a_renewal_cannot_be_resigned_again(village_a, staff_user):
    old = contract_at(S.INVESTIGATED, village_a, staff_user)
    new = advance(old, S.RESIGNED, staff_user)

    with pytest.raises(ValidationError) as excinfo:
        advance(new, S.RESIGNED, staff_user, renewal={**RENEWAL, "number": "DL-2030-001"})

    assert errors_of(excinfo) == {"to_status": ["当前状态“规范”下一步只能是：无（清理已完成）。"]}


def test_the_history_records_the_status_the_contract_really_had(village_a, staff_user):
    contract = new_contract(village_a, staff_user)
    first_page = Contract.objects.get(pk=contract.pk)
    second_page = Contract.objects.get(pk=contract.pk)

    advance(first_page, S.FOUND, staff_user)
    advance(second_page, S.AREA_VERIFIED, staff_user)  # allowed: the row is 已查找 now

    assert history(contract)[-1][:2] == (S.FOUND, S.AREA_VERIFIED)


# ---- findings --------------------------------------------------------------------------


def test_the_findings_are_the_issues_fixed_list():
    assert [k.label for k in FindingKind] == ["无书面合同", "未履行民主程序", "价格明显偏低", "期限超长", "面积不符", "欠缴承包费", "其他"]


@pytest.mark.parametrize("kind", [k for k in FindingKind if k != FindingKind.OTHER])
def test_a_finding_from_the_list_needs_no_text(village_a, staff_user, kind):
    contract = new_contract(village_a, staff_user)

    finding = finding_add(contract=contract, kind=kind, text="  ", recorded_by=staff_user)

    finding.refresh_from_db()
    assert (finding.kind, finding.text, finding.is_open, finding.resolved_at) == (kind, "", True, None)
    assert (finding.recorded_by, finding.recorded_at) == (staff_user, NOW)


def test_other_requires_text(village_a, staff_user):
    contract = new_contract(village_a, staff_user)

    for text in ("", "   ", None):
        with pytest.raises(ValidationError) as excinfo:
            finding_add(contract=contract, kind=FindingKind.OTHER, text=text, recorded_by=staff_user)
        assert errors_of(excinfo) == {"text": ["选择“其他”须填写说明。"]}
    assert not ContractFinding.objects.exists()

    finding = finding_add(contract=contract, kind=FindingKind.OTHER, text=" 地块被他人转包 ", recorded_by=staff_user)
    assert finding.text == "地块被他人转包"


def test_an_unknown_finding_is_refused(village_a, staff_user):
    contract = new_contract(village_a, staff_user)

    with pytest.raises(ValidationError) as excinfo:
        finding_add(contract=contract, kind="too_pretty", text="", recorded_by=staff_user)

    assert errors_of(excinfo) == {"kind": ["问题类型无效。"]}


def test_resolving_sets_the_time_once(village_a, staff_user):
    contract = new_contract(village_a, staff_user)
    finding = finding_add(contract=contract, kind=FindingKind.NO_DEMOCRATIC_PROCEDURE, text="", recorded_by=staff_user)
    other = finding_add(contract=contract, kind=FindingKind.PRICE_TOO_LOW, text="", recorded_by=staff_user)

    later = datetime(2025, 7, 2, 15, 30, tzinfo=SHANGHAI)
    with time_machine.travel(later, tick=False):
        finding_resolve(finding=finding, resolved_by=staff_user)
    with time_machine.travel(datetime(2025, 7, 9, 9, 0, tzinfo=SHANGHAI), tick=False):
        finding_resolve(finding=ContractFinding.objects.get(pk=finding.pk), resolved_by=staff_user)

    finding.refresh_from_db()
    other.refresh_from_db()
    assert (finding.is_open, finding.resolved_at) == (False, later)
    assert (other.is_open, other.resolved_at) == (True, None)
    assert list(contract.findings.filter(is_open=True)) == [other]


# ---- attachments -------------------------------------------------------------------


def tiny_png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")


PNG = tiny_png()
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("合同扫描件.pdf", PDF, "application/pdf"),
        ("认定书.PDF", PDF, "application/pdf"),
        ("现场照片.jpg", JPG, "image/jpeg"),
        ("现场照片.jpeg", JPG, "image/jpeg"),
        ("地块图.png", PNG, "image/png"),
    ],
)
def test_it_accepts_pdf_jpg_and_png_recognised_by_content(village_a, staff_user, name, content, content_type):
    contract = new_contract(village_a, staff_user)

    attachment = attachment_add(
        contract=contract, kind=AttachmentKind.DETERMINATION, uploaded_file=SimpleUploadedFile(name, content), uploaded_by=staff_user,
    )

    attachment.refresh_from_db()
    assert (attachment.original_name, attachment.content_type, attachment.size) == (name, content_type, len(content))
    assert (attachment.uploaded_by, attachment.uploaded_at, attachment.kind) == (staff_user, NOW, AttachmentKind.DETERMINATION)
    assert attachment.file.name.startswith(f"contracts/{village_a.pk}/{contract.pk}/")
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("合同.pdf", "这是一份合同，村东砖厂厂房。".encode(), "文件内容不是 PDF（可能改了扩展名），请上传原始扫描件。"),
        ("合同.pdf", PNG, "文件内容不是 PDF（可能改了扩展名），请上传原始扫描件。"),
        ("照片.jpg", PNG, "文件内容不是 JPG（可能改了扩展名），请上传原始扫描件。"),
        ("地块图.png", b"GIF89a\x01\x00\x01\x00", "文件内容不是 PNG（可能改了扩展名），请上传原始扫描件。"),
        ("合同.pdf", b"", "文件内容不是 PDF（可能改了扩展名），请上传原始扫描件。"),
        ("合同.txt", b"%PDF-1.4 text", "只能上传 PDF、JPG 或 PNG 文件。"),
        ("合同.docx", b"PK\x03\x04", "只能上传 PDF、JPG 或 PNG 文件。"),
        ("合同", PDF, "只能上传 PDF、JPG 或 PNG 文件。"),
        ("合同.pdf.exe", PDF, "只能上传 PDF、JPG 或 PNG 文件。"),
    ],
)
def test_it_refuses_other_files_whatever_their_name(village_a, staff_user, name, content, message):
    contract = new_contract(village_a, staff_user)

    with pytest.raises(ValidationError) as excinfo:
        attachment_add(contract=contract, kind=AttachmentKind.CONTRACT_SCAN, uploaded_file=SimpleUploadedFile(name, content), uploaded_by=staff_user)

    assert errors_of(excinfo) == {"file": [message]}
    assert not ContractAttachment.objects.exists()


@override_settings(CONTRACT_ATTACHMENT_MAX_BYTES=2048)
def test_it_refuses_a_file_over_the_size_limit(village_a, staff_user):
    contract = new_contract(village_a, staff_user)
    exactly = PDF + b"0" * (2048 - len(PDF))

    attachment_add(contract=contract, kind=AttachmentKind.CONTRACT_SCAN, uploaded_file=SimpleUploadedFile("a.pdf", exactly), uploaded_by=staff_user)
    with pytest.raises(ValidationError) as excinfo:
        attachment_add(
            contract=contract, kind=AttachmentKind.CONTRACT_SCAN, uploaded_file=SimpleUploadedFile("b.pdf", exactly + b"0"), uploaded_by=staff_user,
        )

    [message] = errors_of(excinfo)["file"]
    assert message.startswith("文件过大")
    assert ContractAttachment.objects.count() == 1


def test_the_default_limit_is_ten_megabytes(village_a, staff_user):
    contract = new_contract(village_a, staff_user)
    big = PDF + b"0" * (10 * 1024 * 1024 + 1 - len(PDF))

    with pytest.raises(ValidationError) as excinfo:
        attachment_add(contract=contract, kind=AttachmentKind.CONTRACT_SCAN, uploaded_file=SimpleUploadedFile("big.pdf", big), uploaded_by=staff_user)

    assert errors_of(excinfo) == {"file": ["文件过大：10.0 MB，上限 10 MB。"]}


def test_an_unknown_attachment_kind_is_refused(village_a, staff_user):
    contract = new_contract(village_a, staff_user)

    with pytest.raises(ValidationError) as excinfo:
        attachment_add(contract=contract, kind="selfie", uploaded_file=SimpleUploadedFile("a.png", PNG), uploaded_by=staff_user)

    assert errors_of(excinfo) == {"kind": ["附件类型无效。"]}


# ---- fee payments ------------------------------------------------------------------


def pay_fee(contract, user, amount, year=2024, received_on=TODAY, **kwargs):
    return fee_payment_create(contract=contract, year=year, amount=amount, received_on=received_on, recorded_by=user, **kwargs)


def test_a_year_may_be_paid_in_parts_up_to_its_fee(village_a, staff_user):
    contract = new_contract(village_a, staff_user)

    first = pay_fee(contract, staff_user, "1000.00", received_on=date(2024, 12, 20), receipt_number=" DL-241220-01 ")
    pay_fee(contract, staff_user, "750.00", received_on=date(2025, 1, 5))
    with pytest.raises(ValidationError) as excinfo:
        pay_fee(contract, staff_user, "0.01")

    assert errors_of(excinfo) == {"amount": ["2024 年度应缴 1,750.00 元，已缴 1,750.00 元，本次最多 0.00 元。"]}
    assert (first.receipt_number, first.recorded_by, first.recorded_at, first.year) == ("DL-241220-01", staff_user, NOW, 2024)
    assert sorted(contract.fee_payments.values_list("amount", flat=True)) == [Decimal("750.00"), Decimal("1000.00")]
    assert pay_fee(contract, staff_user, "1750.00", year=2025).amount == Decimal("1750.00")  # another year


def test_a_payment_over_the_years_fee_is_refused(village_a, staff_user):
    contract = new_contract(village_a, staff_user)
    pay_fee(contract, staff_user, "500.00")

    with pytest.raises(ValidationError) as excinfo:
        pay_fee(contract, staff_user, "1250.01")

    assert errors_of(excinfo) == {"amount": ["2024 年度应缴 1,750.00 元，已缴 500.00 元，本次最多 1,250.00 元。"]}
    assert contract.fee_payments.count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "金额必须大于 0。"), ("-10", "金额必须大于 0。"), ("10.001", "金额最多保留 2 位小数。"), ("一千", "金额不是有效数字。")],
)
def test_a_bad_amount_is_refused(village_a, staff_user, amount, message):
    contract = new_contract(village_a, staff_user)

    with pytest.raises(ValidationError) as excinfo:
        pay_fee(contract, staff_user, amount)

    assert errors_of(excinfo) == {"amount": [message]}


@pytest.mark.parametrize("year", [2019, 2030])
def test_a_year_outside_the_contract_term_is_refused(village_a, staff_user, year):
    contract = new_contract(village_a, staff_user)  # 2020-01-01 .. 2029-12-31

    with pytest.raises(ValidationError) as excinfo:
        pay_fee(contract, staff_user, "100.00", year=year)

    assert errors_of(excinfo) == {"year": ["年度应在合同期内（2020—2029）。"]}
    assert pay_fee(contract, staff_user, "100.00", year=2029).year == 2029


@pytest.mark.parametrize("received_on", [None, date(2025, 7, 1)])
def test_a_missing_or_future_receipt_date_is_refused(village_a, staff_user, received_on):
    contract = new_contract(village_a, staff_user)

    with pytest.raises(ValidationError) as excinfo:
        pay_fee(contract, staff_user, "100.00", received_on=received_on)

    assert errors_of(excinfo) == {"received_on": ["收款日期不能为空，也不能晚于今天。"]}


def test_a_year_that_became_an_arrear_takes_no_more_fee_payments(village_a, staff_user, campaign):
    debtor = DebtorFactory(village=village_a, name="王建国")
    contract = new_contract(village_a, staff_user, debtor=debtor)
    pay_fee(contract, staff_user, "750.00", year=2023)
    arrear_create(
        debtor=debtor, campaign=campaign, category=ArrearCategory.CONTRACT_FEE, principal="1000.00",
        incurred_on=date(2023, 12, 31), created_by=staff_user, contract=contract, contract_year=2023,
    )

    with pytest.raises(ValidationError) as excinfo:
        pay_fee(contract, staff_user, "100.00", year=2023)

    assert errors_of(excinfo) == {"year": ["2023 年度的承包费已转为欠款，请在“录入清收”中录入这笔收款。"]}
    assert contract.fee_payments.filter(year=2023).count() == 1
    assert pay_fee(contract, staff_user, "100.00", year=2024).year == 2024
