"""The ledger rules, as the services enforce them for every caller."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from integrity.models import ChainHead
from recovery.choices import ArrearCategory, ArrearStatus, DebtorKind, LitigationStatus, RepaymentKind
from recovery.models import Arrear, Debtor, Repayment, Reversal, WriteOff
from recovery.services import (
    arrear_create,
    debtor_create,
    debtor_update,
    repayment_create,
    repayment_reverse,
    writeoff_create,
)
from reports.selectors import live_figures
from tests.factories import (
    ArrearFactory,
    CampaignFactory,
    DebtorFactory,
    UserFactory,
    admin_of,
    pay,
    reverse,
    staff_of,
    valid_credit_code,
    valid_national_id,
    write_off,
)
from villages.models import Village

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2025, 6, 30)


def errors_of(excinfo):
    """{field: [messages]} of a raised ValidationError."""
    return excinfo.value.message_dict


def outstanding(arrear):
    return Arrear.objects.values_list("outstanding", flat=True).get(pk=arrear.pk)


def create_repayment(arrear, user, amount="100.00", **kwargs):
    kwargs.setdefault("kind", RepaymentKind.CASH)
    kwargs.setdefault("received_on", TODAY)
    return repayment_create(arrear=arrear, amount=amount, recorded_by=user, **kwargs)


@pytest.fixture(autouse=True)
def _today():
    """Entries are dated 2025-06-30; ``received_on`` may not be later than today."""
    with time_machine.travel(datetime(2025, 6, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


# ---- repayments: amounts ------------------------------------------------------------


def test_it_records_a_repayment_and_lowers_outstanding(arrear, staff_user):
    repayment, created = create_repayment(
        arrear, staff_user, "300.50", kind=RepaymentKind.TRANSFER, receipt_number=" NO.0012 ", note="银行转账"
    )

    assert created is True
    assert repayment.amount == Decimal("300.50")
    assert (repayment.kind, repayment.received_on, repayment.receipt_number) == (RepaymentKind.TRANSFER, TODAY, "NO.0012")
    assert repayment.recorded_by == staff_user
    assert outstanding(arrear) == Decimal("699.50")
    assert arrear.outstanding == Decimal("699.50")  # the caller's instance follows
    arrear.refresh_from_db()
    assert arrear.status == ArrearStatus.PARTLY_REPAID


@pytest.mark.parametrize("instalments", [["999.99", "0.01"], ["70.68", "929.32"], ["333.33", "333.33", "333.34"]])
def test_it_clears_an_arrear_paid_to_the_cent_in_instalments(arrear, staff_user, instalments):
    for amount in instalments:
        pay(arrear, amount, staff_user, received_on=TODAY)

    arrear.refresh_from_db()
    assert arrear.outstanding == Decimal("0.00")
    assert arrear.status == ArrearStatus.CLEARED


@pytest.mark.parametrize("amount", ["0", "0.00", "-0.01", "-100"])
def test_it_refuses_an_amount_that_is_not_positive(arrear, staff_user, amount):
    with pytest.raises(ValidationError) as info:
        create_repayment(arrear, staff_user, amount)

    assert "必须大于 0" in errors_of(info)["amount"][0]
    assert not Repayment.objects.exists()
    assert outstanding(arrear) == Decimal("1000.00")


@pytest.mark.parametrize("amount", ["0.001", "10.005", Decimal("99.999")])
def test_it_refuses_fractions_of_a_cent(arrear, staff_user, amount):
    with pytest.raises(ValidationError) as info:
        create_repayment(arrear, staff_user, amount)

    assert "两位小数" in errors_of(info)["amount"][0]
    assert not Repayment.objects.exists()


@pytest.mark.parametrize("amount", ["abc", "", None, "NaN", "Infinity", "1,000"])
def test_it_refuses_an_amount_that_is_not_a_number(arrear, staff_user, amount):
    with pytest.raises(ValidationError) as info:
        create_repayment(arrear, staff_user, amount)

    assert "不是有效数字" in errors_of(info)["amount"][0]
    assert not Repayment.objects.exists()


def test_it_refuses_an_overpayment_and_changes_nothing(arrear, staff_user):
    pay(arrear, "600", staff_user, received_on=TODAY)

    with pytest.raises(ValidationError) as info:
        create_repayment(arrear, staff_user, "400.01")

    assert errors_of(info) == {"amount": ["金额 400.01 元超过尚欠金额 400.00 元。"]}
    assert Repayment.objects.count() == 1
    assert outstanding(arrear) == Decimal("400.00")


@pytest.mark.parametrize("kind", ["wechat", ""])
def test_it_refuses_an_unknown_repayment_kind(arrear, staff_user, kind):
    """The kind decides whether an entry counts as cash or as an offset in the battle report;
    an entry of no known kind would be counted as neither."""
    with pytest.raises(ValidationError) as info:
        create_repayment(arrear, staff_user, kind=kind)

    assert "kind" in errors_of(info)
    assert not Repayment.objects.exists()
    assert outstanding(arrear) == Decimal("1000.00")


# ---- repayments: dates --------------------------------------------------------------


def test_it_refuses_a_receipt_dated_in_the_future(arrear, staff_user):
    with pytest.raises(ValidationError) as info:
        create_repayment(arrear, staff_user, received_on=date(2025, 7, 1))

    assert "不能晚于今天" in errors_of(info)["received_on"][0]
    assert not Repayment.objects.exists()


def test_it_takes_today_in_shanghai_not_in_utc(arrear, staff_user):
    # 00:30 on 1 July in Shanghai is still 30 June in UTC.
    with time_machine.travel(datetime(2025, 7, 1, 0, 30, tzinfo=SHANGHAI), tick=False):
        _repayment, created = create_repayment(arrear, staff_user, received_on=date(2025, 7, 1))

    assert created is True


def test_it_refuses_a_receipt_dated_before_the_debt_arose(arrear, staff_user):
    with pytest.raises(ValidationError) as info:
        create_repayment(arrear, staff_user, received_on=date(2020, 2, 29))

    assert "received_on" in errors_of(info)
    assert not Repayment.objects.exists()


def test_it_requires_a_receipt_date(arrear, staff_user):
    with pytest.raises(ValidationError) as info:
        create_repayment(arrear, staff_user, received_on=None)

    assert "received_on" in errors_of(info)


# ---- repayments: one entry per submission -------------------------------------------


def test_it_records_the_same_submission_once(arrear, staff_user):
    token = uuid.uuid4()
    first, first_created = create_repayment(arrear, staff_user, "250.00", submission_token=token)
    second, second_created = create_repayment(arrear, staff_user, "250.00", submission_token=token)

    assert (first_created, second_created) == (True, False)
    assert second.pk == first.pk
    assert Repayment.objects.count() == 1
    assert outstanding(arrear) == Decimal("750.00")


def test_it_records_different_submissions_separately(arrear, staff_user):
    create_repayment(arrear, staff_user, "250.00", submission_token=uuid.uuid4())
    create_repayment(arrear, staff_user, "250.00", submission_token=uuid.uuid4())

    assert Repayment.objects.count() == 2
    assert outstanding(arrear) == Decimal("500.00")


# ---- reversals ----------------------------------------------------------------------


def test_it_reverses_a_repayment_and_restores_outstanding(arrear, staff_user):
    repayment = pay(arrear, "300", staff_user, received_on=TODAY)

    reversal = repayment_reverse(repayment=repayment, reason=" 金额录错 ", recorded_by=staff_user)

    assert reversal.repayment == repayment
    assert reversal.reason == "金额录错"
    assert outstanding(arrear) == Decimal("1000.00")
    # both stay visible
    assert Repayment.objects.filter(pk=repayment.pk).exists()
    assert Reversal.objects.get().repayment_id == repayment.pk


def test_it_reverses_a_repayment_only_once(arrear, staff_user):
    repayment = pay(arrear, "300", staff_user, received_on=TODAY)
    reverse(repayment, staff_user)

    with pytest.raises(ValidationError) as info:
        repayment_reverse(repayment=repayment, reason="再次冲正", recorded_by=staff_user)

    assert "已冲正" in errors_of(info)["reason"][0]
    assert Reversal.objects.count() == 1
    assert outstanding(arrear) == Decimal("1000.00")


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_it_requires_a_reason_to_reverse(arrear, staff_user, reason):
    repayment = pay(arrear, "300", staff_user, received_on=TODAY)

    with pytest.raises(ValidationError) as info:
        repayment_reverse(repayment=repayment, reason=reason, recorded_by=staff_user)

    assert "reason" in errors_of(info)
    assert not Reversal.objects.exists()
    assert outstanding(arrear) == Decimal("700.00")


# ---- write-offs ---------------------------------------------------------------------


def test_it_writes_off_with_an_approval_reference_apart_from_repayments(arrear, staff_user):
    entry, created = writeoff_create(
        arrear=arrear, amount="400.00", approval_reference=" 兰政经〔2025〕12号 ",
        reason="债务人死亡且无遗产", recorded_by=staff_user,
    )

    assert created is True
    assert entry.approval_reference == "兰政经〔2025〕12号"
    assert outstanding(arrear) == Decimal("600.00")
    # a write-off is not a recovery: no repayment is recorded for it
    assert not Repayment.objects.exists()
    assert list(arrear.write_offs.values_list("amount", flat=True)) == [Decimal("400.00")]


@pytest.mark.parametrize("reference", ["", "  ", None])
def test_it_refuses_a_write_off_without_approval_reference(arrear, staff_user, reference):
    with pytest.raises(ValidationError) as info:
        writeoff_create(
            arrear=arrear, amount="400.00", approval_reference=reference,
            reason="债务人死亡且无遗产", recorded_by=staff_user,
        )

    assert "批准文号" in errors_of(info)["approval_reference"][0]
    assert not WriteOff.objects.exists()
    assert outstanding(arrear) == Decimal("1000.00")


def test_it_refuses_a_write_off_without_reason(arrear, staff_user):
    with pytest.raises(ValidationError) as info:
        writeoff_create(arrear=arrear, amount="400.00", approval_reference="兰政经〔2025〕12号", reason=" ", recorded_by=staff_user)

    assert "reason" in errors_of(info)
    assert not WriteOff.objects.exists()


def test_it_refuses_to_write_off_more_than_is_outstanding(arrear, staff_user):
    pay(arrear, "900", staff_user, received_on=TODAY)

    with pytest.raises(ValidationError) as info:
        write_off(arrear, "100.01", staff_user)

    assert "超过尚欠金额" in errors_of(info)["amount"][0]
    assert not WriteOff.objects.exists()
    assert outstanding(arrear) == Decimal("100.00")


@pytest.mark.parametrize("amount", ["0", "-5", "0.001"])
def test_it_refuses_a_write_off_amount_that_is_not_positive_cents(arrear, staff_user, amount):
    with pytest.raises(ValidationError) as info:
        write_off(arrear, amount, staff_user)

    assert "amount" in errors_of(info)
    assert not WriteOff.objects.exists()


def test_it_writes_off_what_is_left_after_repayments(arrear, staff_user):
    pay(arrear, "999.99", staff_user, received_on=TODAY)

    write_off(arrear, "0.01", staff_user)

    assert outstanding(arrear) == Decimal("0.00")


def test_it_records_the_same_write_off_submission_once(arrear, staff_user):
    token = uuid.uuid4()
    first = write_off(arrear, "100", staff_user, submission_token=token)
    second, created = writeoff_create(
        arrear=arrear, amount="100", approval_reference="兰政经〔2025〕12号", reason="无力偿还",
        recorded_by=staff_user, submission_token=token,
    )

    assert created is False
    assert second.pk == first.pk
    assert outstanding(arrear) == Decimal("900.00")


def test_it_keeps_outstanding_equal_to_principal_less_entries(arrear, staff_user):
    kept = pay(arrear, "200", staff_user, received_on=TODAY)
    wrong = pay(arrear, "500", staff_user, received_on=TODAY, kind=RepaymentKind.IN_KIND)
    reverse(wrong, staff_user)
    write_off(arrear, "300", staff_user)
    pay(arrear, "450", staff_user, received_on=TODAY, kind=RepaymentKind.DEBT_OFFSET)

    # 1000 - 200 - 500 + 500 - 300 - 450
    assert outstanding(arrear) == Decimal("50.00")
    assert kept.pk in Repayment.objects.filter(reversal__isnull=True).values_list("pk", flat=True)


# ---- who may write ------------------------------------------------------------------

NOT_WRITERS = ["cadre_user", "other_cadre_user", "leader_user", "other_staff_user"]


@pytest.fixture
def no_role_user(township):
    return UserFactory(username="nobody", township=township)


@pytest.fixture
def staff_without_township(db):
    return staff_of(None, username="staff_nowhere")


@pytest.mark.parametrize("user_fixture", [*NOT_WRITERS, "no_role_user", "staff_without_township"])
def test_it_lets_only_writers_of_the_township_post_a_repayment(request, arrear, user_fixture):
    user = request.getfixturevalue(user_fixture)

    with pytest.raises(PermissionDenied):
        create_repayment(arrear, user)

    assert not Repayment.objects.exists()
    assert outstanding(arrear) == Decimal("1000.00")


def test_it_refuses_entries_from_nobody(arrear):
    with pytest.raises(PermissionDenied):
        create_repayment(arrear, None)


@pytest.mark.parametrize("user_fixture", NOT_WRITERS)
def test_it_lets_only_writers_of_the_township_reverse(request, arrear, staff_user, user_fixture):
    repayment = pay(arrear, "300", staff_user, received_on=TODAY)
    user = request.getfixturevalue(user_fixture)

    with pytest.raises(PermissionDenied):
        repayment_reverse(repayment=repayment, reason="录错", recorded_by=user)

    assert not Reversal.objects.exists()


@pytest.mark.parametrize("user_fixture", NOT_WRITERS)
def test_it_lets_only_writers_of_the_township_write_off(request, arrear, user_fixture):
    user = request.getfixturevalue(user_fixture)

    with pytest.raises(PermissionDenied):
        write_off(arrear, "100", user)

    assert not WriteOff.objects.exists()


@pytest.mark.parametrize("user_fixture", NOT_WRITERS)
def test_it_lets_only_writers_of_the_township_register_debtors_and_arrears(request, village_a, debtor, campaign, user_fixture):
    user = request.getfixturevalue(user_fixture)

    with pytest.raises(PermissionDenied):
        debtor_create(village=village_a, created_by=user, name="李四")
    with pytest.raises(PermissionDenied):
        arrear_create(
            debtor=debtor, campaign=campaign, category=ArrearCategory.LOAN,
            principal="100", incurred_on=date(2021, 1, 1), created_by=user,
        )
    with pytest.raises(PermissionDenied):
        debtor_update(debtor=debtor, updated_by=user, name="张三丰")

    assert list(Debtor.objects.values_list("name", flat=True)) == ["张三"]


@pytest.mark.parametrize("make_admin", [lambda: admin_of(None, username="admin_group"), lambda: UserFactory(is_superuser=True)])
def test_it_lets_an_administrator_post_anywhere(arrear, make_admin):
    _repayment, created = create_repayment(arrear, make_admin())

    assert created is True


def test_it_lets_staff_post_in_every_village_of_their_township(arrear, campaign, village_b, staff_user):
    other = ArrearFactory(debtor=DebtorFactory(village=village_b), campaign=campaign)

    create_repayment(arrear, staff_user)
    create_repayment(other, staff_user)

    assert Repayment.objects.count() == 2


# ---- debtors ------------------------------------------------------------------------


def test_it_registers_a_debtor_with_pinyin_initials(village_a, staff_user):
    debtor = debtor_create(
        village=village_a, created_by=staff_user, kind=DebtorKind.PERSON, name=" 王建国 ",
        national_id=" 11010519491231002x ", phone="13912345678",
    )

    debtor.refresh_from_db()
    assert debtor.name == "王建国"
    assert debtor.name_initials == "wjg"
    assert debtor.national_id == "11010519491231002X"
    assert debtor.village == village_a


def test_it_updates_the_initials_with_the_name(debtor, staff_user):
    debtor_update(debtor=debtor, updated_by=staff_user, name="李四")

    debtor.refresh_from_db()
    assert (debtor.name, debtor.name_initials) == ("李四", "ls")


def test_it_requires_a_debtor_name(village_a, staff_user):
    with pytest.raises(ValidationError) as info:
        debtor_create(village=village_a, created_by=staff_user, name="  ")

    assert "name" in errors_of(info)


def test_it_refuses_a_national_id_with_a_wrong_check_digit(village_a, staff_user):
    good = valid_national_id(11)
    bad = good[:17] + ("0" if good[17] != "0" else "1")

    with pytest.raises(ValidationError) as info:
        debtor_create(village=village_a, created_by=staff_user, name="李四", national_id=bad)

    assert "校验位" in errors_of(info)["national_id"][0]
    assert not Debtor.objects.exists()


def test_it_refuses_a_credit_code_with_a_wrong_check_character(village_a, staff_user):
    good = valid_credit_code(11)
    bad = good[:17] + ("0" if good[17] != "0" else "1")

    with pytest.raises(ValidationError) as info:
        debtor_create(
            village=village_a, created_by=staff_user, kind=DebtorKind.ORGANISATION, name="兰山建工有限公司", credit_code=bad
        )

    assert "校验位" in errors_of(info)["credit_code"][0]
    assert not Debtor.objects.exists()


def test_it_refuses_a_malformed_phone_number(village_a, staff_user):
    with pytest.raises(ValidationError) as info:
        debtor_create(village=village_a, created_by=staff_user, name="李四", phone="12345")

    assert "phone" in errors_of(info)


def test_it_keeps_only_the_identifier_that_fits_the_kind(village_a, staff_user):
    person = debtor_create(
        village=village_a, created_by=staff_user, kind=DebtorKind.PERSON, name="李四",
        national_id=valid_national_id(12), credit_code=valid_credit_code(12),
    )
    firm = debtor_create(
        village=village_a, created_by=staff_user, kind=DebtorKind.ORGANISATION, name="兰山建工有限公司",
        national_id=valid_national_id(13), credit_code=valid_credit_code(13),
    )

    assert (person.national_id, person.credit_code) == (valid_national_id(12), "")
    assert (firm.national_id, firm.credit_code) == ("", valid_credit_code(13))


def test_it_requires_reason_and_date_to_blacklist(village_a, staff_user):
    with pytest.raises(ValidationError) as info:
        debtor_create(village=village_a, created_by=staff_user, name="李四", is_blacklisted=True)

    assert set(errors_of(info)) == {"blacklist_reason", "blacklisted_on"}
    assert not Debtor.objects.exists()


def test_it_blacklists_with_reason_and_date(village_a, staff_user):
    debtor = debtor_create(
        village=village_a, created_by=staff_user, name="李四", is_blacklisted=True,
        blacklist_reason="有能力履行而拒不履行", blacklisted_on=date(2025, 3, 1),
    )

    assert debtor.is_blacklisted and debtor.blacklisted_on == date(2025, 3, 1)


@pytest.mark.parametrize("status", [LitigationStatus.FILED, LitigationStatus.JUDGED, LitigationStatus.ENFORCING])
def test_it_requires_a_case_number_once_sued(village_a, staff_user, status):
    with pytest.raises(ValidationError) as info:
        debtor_create(village=village_a, created_by=staff_user, name="李四", litigation_status=status)

    assert "案号" in errors_of(info)["case_number"][0]
    assert not Debtor.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"litigation_status": LitigationStatus.FILED, "case_number": "   "}, "case_number"),
        ({"is_blacklisted": True, "blacklisted_on": date(2025, 3, 1), "blacklist_reason": " "}, "blacklist_reason"),
    ],
)
def test_it_treats_blank_text_as_missing(village_a, staff_user, fields, field):
    """Spreadsheet cells often hold a lone space; it is not a case number nor a reason."""
    with pytest.raises(ValidationError) as info:
        debtor_create(village=village_a, created_by=staff_user, name="李四", **fields)

    assert field in errors_of(info)
    assert not Debtor.objects.exists()


def test_it_refuses_the_same_national_id_twice_in_a_village(village_a, village_b, staff_user):
    national_id = valid_national_id(21)
    debtor_create(village=village_a, created_by=staff_user, name="李四", national_id=national_id)

    with pytest.raises(ValidationError) as info:
        debtor_create(village=village_a, created_by=staff_user, name="李四", national_id=national_id.lower())
    debtor_create(village=village_b, created_by=staff_user, name="李四", national_id=national_id)

    assert "身份证号" in " ".join(info.value.messages)
    assert Debtor.objects.filter(national_id=national_id).count() == 2


@pytest.mark.parametrize(("field", "value"), [("kind", "robot"), ("litigation_status", "appealing")])
def test_it_refuses_an_unknown_choice_for_a_debtor(village_a, staff_user, field, value):
    """Imports call the service directly; a value no form offers must still be refused."""
    with pytest.raises(ValidationError) as info:
        debtor_create(village=village_a, created_by=staff_user, name="李四", case_number="(2025)鲁1302民初1号", **{field: value})

    assert field in errors_of(info)
    assert not Debtor.objects.exists()


# ---- arrears ------------------------------------------------------------------------


def test_it_registers_an_arrear_with_nothing_paid(debtor, campaign, staff_user):
    arrear = arrear_create(
        debtor=debtor, campaign=campaign, category=ArrearCategory.CONTRACT_FEE,
        principal="12345.60", incurred_on=date(2019, 1, 1), created_by=staff_user, description=" 2019年承包费 ",
    )

    arrear.refresh_from_db()
    assert arrear.principal == arrear.outstanding == Decimal("12345.60")
    assert arrear.village == debtor.village
    assert arrear.description == "2019年承包费"


@pytest.mark.parametrize("principal", ["0", "-1", "0.001", "abc"])
def test_it_refuses_an_arrear_principal_that_is_not_positive_cents(debtor, campaign, staff_user, principal):
    with pytest.raises(ValidationError) as info:
        arrear_create(
            debtor=debtor, campaign=campaign, category=ArrearCategory.LOAN,
            principal=principal, incurred_on=date(2019, 1, 1), created_by=staff_user,
        )

    assert "principal" in errors_of(info)
    assert not Arrear.objects.exists()


def test_it_refuses_a_campaign_of_another_township(debtor, other_township, staff_user):
    with pytest.raises(ValidationError) as info:
        arrear_create(
            debtor=debtor, campaign=CampaignFactory(township=other_township), category=ArrearCategory.LOAN,
            principal="100", incurred_on=date(2019, 1, 1), created_by=staff_user,
        )

    assert "campaign" in errors_of(info)


def test_it_refuses_an_unknown_arrear_category(debtor, campaign, staff_user):
    with pytest.raises(ValidationError) as info:
        arrear_create(
            debtor=debtor, campaign=campaign, category="gift",
            principal="100", incurred_on=date(2019, 1, 1), created_by=staff_user,
        )

    assert "category" in errors_of(info)



@pytest.mark.parametrize("kind", [RepaymentKind.IN_KIND, RepaymentKind.DEBT_OFFSET])
def test_it_requires_evidence_for_an_offset_and_records_it_apart_from_cash(arrear, staff_user, kind):
    with pytest.raises(ValidationError) as refused:
        repayment_create(arrear=arrear, amount="300.00", kind=kind, received_on=timezone.localdate(), recorded_by=staff_user)
    assert "note" in refused.value.message_dict
    arrear.refresh_from_db()
    assert arrear.outstanding == Decimal("1000.00")

    repayment_create(
        arrear=arrear, amount="300.00", kind=kind, received_on=timezone.localdate(), recorded_by=staff_user,
        note="以村东7套住房抵债，评估价以评估报告（2025）第12号为准",
    )
    totals = live_figures(villages=Village.objects.filter(pk=arrear.village_id)).totals()
    assert (totals["recovered_cash"], totals["recovered_offset"]) == (Decimal("0.00"), Decimal("300.00"))


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements(captured):
    """The captured queries less transaction control (the test's savepoint, its release)."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)]


def test_it_records_a_repayment_in_at_most_seven_queries(arrear, staff_user, django_assert_max_num_queries):
    """The writer's role (read fresh), then one statement that locks the arrear, checks the
    writer's village, reads its township and looks for the same submission; then the INSERT
    and the UPDATE; then the township's hash chain: lock its head, insert the link, move the
    head (integrity/chain.py). A second submission stops after the lock.
    The service's atomic block adds a savepoint and its release inside the test's transaction."""
    ChainHead.objects.create(township_id=arrear.village.work_area.zone.township_id)  # not the township's first fact
    token = uuid.uuid4()
    user = type(staff_user).objects.get(pk=staff_user.pk)
    with django_assert_max_num_queries(7 + 2) as captured:
        repayment, created = create_repayment(arrear, user, amount="300.00", submission_token=token)
    assert len(statements(captured)) <= 7
    assert created and outstanding(arrear) == Decimal("700.00")

    with django_assert_max_num_queries(4 + 2) as captured:
        again, created = create_repayment(arrear, user, amount="300.00", submission_token=token)
    assert len(statements(captured)) <= 4
    assert not created and again.pk == repayment.pk
    assert outstanding(arrear) == Decimal("700.00")
