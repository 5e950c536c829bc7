"""The staff user's flows through the pages: fast entry, reversal, write-off, debtors.

Access by role is in ``tests/test_access.py``; here each flow is driven as a browser would,
with the test client, and checked in the page and in the ledger.
"""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from recovery.choices import ArrearCategory, DebtorKind, RepaymentKind
from recovery.models import Arrear, Debtor, Repayment, Reversal, WriteOff
from tests.factories import ArrearFactory, DebtorFactory, pay, valid_national_id

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2025, 6, 30)
REPAYMENT_ADD = reverse("recovery:repayment_add")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2025, 6, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def outstanding(arrear):
    return Arrear.objects.values_list("outstanding", flat=True).get(pk=arrear.pk)


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def entry_form(client, arrear):
    """GETs the entry form for ``arrear``; returns the POST data its hidden fields carry."""
    response = client.get(REPAYMENT_ADD, {"arrear": arrear.pk})
    assert response.status_code == 200
    form = response.context["form"]
    return {"arrear": arrear.pk, "submission_token": str(form.initial["submission_token"])}


def repayment_post(client, arrear, amount="300", **fields):
    data = entry_form(client, arrear)
    data.update({
        "amount": amount, "kind": RepaymentKind.CASH, "received_on": TODAY.isoformat(),
        "receipt_number": "SJ-0001", "note": "",
    })
    data.update(fields)
    return client.post(REPAYMENT_ADD, data), data


# ---- fast entry ----------------------------------------------------------------------


def test_it_finds_a_debtor_by_pinyin_initials_and_lists_the_arrear_with_its_outstanding(staff_client, arrear):
    response = staff_client.get(REPAYMENT_ADD, {"q": "zs"})
    page = response.content.decode()
    assert response.status_code == 200
    assert [d.pk for d in response.context["results"]] == [arrear.debtor.pk]
    assert "张三" in page
    assert f'href="?arrear={arrear.pk}"' in page
    assert "尚欠 1,000.00 元" in page


def test_it_shows_the_entry_form_with_the_arrears_outstanding(staff_client, arrear):
    response = staff_client.get(REPAYMENT_ADD, {"arrear": arrear.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "尚欠 1,000.00 元" in page
    assert 'name="submission_token"' in page
    assert 'name="amount"' in page


def test_it_records_a_repayment_and_shows_what_is_left(staff_client, arrear):
    response, _data = repayment_post(staff_client, arrear, "300")
    assert response.status_code == 302
    assert response["Location"] == REPAYMENT_ADD

    page = staff_client.get(response["Location"]).content.decode()
    assert "已录入" in page
    assert "尚欠 700.00 元" in page

    repayment = Repayment.objects.get()
    assert repayment.arrear_id == arrear.pk
    assert repayment.amount == Decimal("300.00")
    assert repayment.kind == RepaymentKind.CASH
    assert repayment.received_on == TODAY
    assert repayment.receipt_number == "SJ-0001"
    assert outstanding(arrear) == Decimal("700.00")


def test_it_refuses_more_than_is_outstanding_on_the_amount_field(staff_client, arrear):
    response, _data = repayment_post(staff_client, arrear, "1500")
    assert response.status_code == 200
    errors = field_errors(response, "amount")
    assert len(errors) == 1 and "超过尚欠金额" in errors[0]
    assert "超过尚欠金额" in response.content.decode()
    assert Repayment.objects.count() == 0
    assert outstanding(arrear) == Decimal("1000.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "请输入有效金额"),
        ("0", "金额必须大于 0"),
        ("-5", "金额必须大于 0"),
        ("10.001", "最多保留两位小数"),
        ("", "必填"),
    ],
)
def test_it_refuses_a_bad_amount_with_a_chinese_message(staff_client, arrear, amount, message):
    response, _data = repayment_post(staff_client, arrear, amount)
    assert response.status_code == 200
    errors = field_errors(response, "amount")
    assert len(errors) == 1 and message in errors[0], errors
    assert message in response.content.decode()
    assert Repayment.objects.count() == 0
    assert outstanding(arrear) == Decimal("1000.00")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("1,234.50", Decimal("1234.50")), ("１２３.００", Decimal("123.00")), ("100元", Decimal("100.00"))],
)
def test_it_accepts_amounts_written_the_way_people_write_them(staff_client, debtor, campaign, amount, expected):
    arrear = ArrearFactory(debtor=debtor, campaign=campaign, principal=Decimal("5000.00"))
    response, _data = repayment_post(staff_client, arrear, amount)
    assert response.status_code == 302, response.context["form"].errors
    assert Repayment.objects.get().amount == expected
    assert outstanding(arrear) == Decimal("5000.00") - expected


def test_it_records_a_double_submitted_form_once(staff_client, arrear):
    first, data = repayment_post(staff_client, arrear, "300")
    assert first.status_code == 302
    assert messages_of(staff_client.get(REPAYMENT_ADD))[0][0] == "success"

    second = staff_client.post(REPAYMENT_ADD, data)
    assert second.status_code == 302
    assert second["Location"] == REPAYMENT_ADD
    level, text = messages_of(staff_client.get(second["Location"]))[0]
    assert level == "info"
    assert "已经提交过" in text

    assert Repayment.objects.count() == 1
    assert outstanding(arrear) == Decimal("700.00")


def test_it_records_two_forms_with_different_tokens_twice(staff_client, arrear):
    repayment_post(staff_client, arrear, "300")
    repayment_post(staff_client, arrear, "300")
    assert Repayment.objects.count() == 2
    assert outstanding(arrear) == Decimal("400.00")


def test_it_refuses_a_received_on_date_in_the_future(staff_client, arrear):
    response, _data = repayment_post(staff_client, arrear, "300", received_on=(TODAY + timedelta(days=1)).isoformat())
    assert response.status_code == 200
    errors = field_errors(response, "received_on")
    assert len(errors) == 1 and "不能晚于今天" in errors[0]
    assert Repayment.objects.count() == 0


def test_it_refuses_a_repayment_against_another_townships_arrear(client, other_staff_user, arrear):
    client.force_login(other_staff_user)
    response = client.post(REPAYMENT_ADD, {
        "arrear": arrear.pk, "amount": "300", "kind": RepaymentKind.CASH,
        "received_on": TODAY.isoformat(), "submission_token": str(uuid.uuid4()),
    })
    assert response.status_code == 404
    assert Repayment.objects.count() == 0


# ---- reversal ------------------------------------------------------------------------


def test_it_reverses_a_repayment_and_shows_both_on_the_debtor_page(staff_client, arrear, staff_user):
    repayment = pay(arrear, "300.00", staff_user)
    assert outstanding(arrear) == Decimal("700.00")

    response = staff_client.post(reverse("recovery:repayment_reverse", args=[repayment.pk]), {"reason": "收据号录错"})
    assert response.status_code == 302
    assert response["Location"] == arrear.debtor.get_absolute_url()
    assert outstanding(arrear) == Decimal("1000.00")
    assert Reversal.objects.get(repayment=repayment).reason == "收据号录错"

    page = staff_client.get(response["Location"]).content.decode()
    assert "已冲正" in page
    assert "收据号录错" in page
    assert "300.00" in page  # the original entry stays visible
    assert "-300.00" in page  # and so does its reversal


def test_it_asks_for_a_reversal_reason(staff_client, arrear, staff_user):
    repayment = pay(arrear, "300.00", staff_user)
    response = staff_client.post(reverse("recovery:repayment_reverse", args=[repayment.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert field_errors(response, "reason")
    assert Reversal.objects.count() == 0
    assert outstanding(arrear) == Decimal("700.00")


def test_it_refuses_to_reverse_a_repayment_twice(staff_client, arrear, staff_user):
    repayment = pay(arrear, "300.00", staff_user)
    url = reverse("recovery:repayment_reverse", args=[repayment.pk])
    assert staff_client.post(url, {"reason": "第一次"}).status_code == 302

    response = staff_client.post(url, {"reason": "第二次"})
    assert response.status_code == 200
    errors = field_errors(response, "reason")
    assert len(errors) == 1 and "已冲正" in errors[0]
    assert Reversal.objects.count() == 1
    assert outstanding(arrear) == Decimal("1000.00")


# ---- write-off -----------------------------------------------------------------------


def writeoff_data(**fields):
    data = {"amount": "200", "approval_reference": "兰政经〔2025〕12号", "reason": "债务人死亡且无遗产",
            "submission_token": str(uuid.uuid4())}
    data.update(fields)
    return data


def test_it_needs_an_approval_reference_to_write_off(staff_client, arrear):
    response = staff_client.post(reverse("recovery:writeoff_add", args=[arrear.pk]), writeoff_data(approval_reference=""))
    assert response.status_code == 200
    assert field_errors(response, "approval_reference")
    assert WriteOff.objects.count() == 0
    assert outstanding(arrear) == Decimal("1000.00")


def test_it_writes_off_and_shows_it_apart(staff_client, arrear, staff_user):
    pay(arrear, "300.00", staff_user)
    response = staff_client.post(reverse("recovery:writeoff_add", args=[arrear.pk]), writeoff_data(amount="200"))
    assert response.status_code == 302
    assert outstanding(arrear) == Decimal("500.00")
    assert WriteOff.objects.get().approval_reference == "兰政经〔2025〕12号"

    debtor_page = staff_client.get(arrear.debtor.get_absolute_url()).content.decode()
    assert '<tr class="writeoff-row">' in debtor_page
    assert "<td>核销</td>" in debtor_page
    assert "兰政经〔2025〕12号" in debtor_page

    totals = staff_client.get(reverse("home")).context["totals"]
    assert totals["written_off"] == Decimal("200.00")
    assert totals["recovered"] == Decimal("300.00")  # the write-off is not recovery
    assert totals["outstanding"] == Decimal("500.00")
    assert totals["ratio"] == Decimal("0.3000")
    home = staff_client.get(reverse("home")).content.decode()
    assert "核销（另计）" in home
    assert "200.00 元" in home


def test_it_refuses_to_write_off_more_than_is_outstanding(staff_client, arrear):
    response = staff_client.post(reverse("recovery:writeoff_add", args=[arrear.pk]), writeoff_data(amount="1000.01"))
    assert response.status_code == 200
    errors = field_errors(response, "amount")
    assert len(errors) == 1 and "超过尚欠金额" in errors[0]
    assert WriteOff.objects.count() == 0


# ---- debtors and arrears -------------------------------------------------------------


def debtor_data(village, **fields):
    data = {
        "village": village.pk, "kind": DebtorKind.PERSON, "name": "李四", "national_id": valid_national_id(7),
        "credit_code": "", "phone": "13912345678", "address": "东岭村3组", "litigation_status": "none",
    }
    data.update(fields)
    return data


def test_it_refuses_a_national_id_with_a_wrong_check_digit(staff_client, village_a):
    good = valid_national_id(7)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = staff_client.post(reverse("recovery:debtor_add"), debtor_data(village_a, national_id=bad))
    assert response.status_code == 200
    errors = field_errors(response, "national_id")
    assert errors == ["身份证号校验位不正确，请核对。"]
    assert not Debtor.objects.filter(name="李四").exists()


def test_it_creates_a_debtor_and_goes_on_to_its_arrears(staff_client, village_a):
    response = staff_client.post(reverse("recovery:debtor_add"), debtor_data(village_a))
    debtor = Debtor.objects.get(name="李四")
    assert response.status_code == 302
    assert response["Location"] == reverse("recovery:arrear_add", kwargs={"debtor": debtor.pk})
    assert debtor.village == village_a
    assert debtor.national_id == valid_national_id(7)
    assert debtor.name_initials == "ls"


def test_it_offers_the_villages_the_user_may_see_and_preselects_the_one_asked_for(staff_client, village_a, village_b, other_village):
    form = staff_client.get(reverse("recovery:debtor_add"), {"village": village_b.pk}).context["form"]
    assert set(form.fields["village"].queryset) == {village_a, village_b}
    assert str(form["village"].value()) == str(village_b.pk)


def test_it_keeps_the_debtors_own_village_on_the_edit_form(staff_client, debtor, village_b):
    form = staff_client.get(reverse("recovery:debtor_edit", kwargs={"pk": debtor.pk}), {"village": village_b.pk}).context["form"]
    assert form["village"].value() == debtor.village_id


def arrear_data(campaign, **fields):
    data = {"campaign": campaign.pk, "category": ArrearCategory.LEASE_FEE, "description": "鱼塘租赁费",
            "incurred_on": "2021-01-01", "principal": "8000"}
    data.update(fields)
    return data


def test_it_refuses_an_arrear_of_nothing(staff_client, debtor, campaign):
    response = staff_client.post(reverse("recovery:arrear_add", args=[debtor.pk]), arrear_data(campaign, principal="0"))
    assert response.status_code == 200
    errors = field_errors(response, "principal")
    assert len(errors) == 1 and "大于 0" in errors[0]
    assert not Arrear.objects.exists()


def test_it_records_an_arrear_with_nothing_paid(staff_client, debtor, campaign):
    response = staff_client.post(reverse("recovery:arrear_add", args=[debtor.pk]), arrear_data(campaign, principal="8,000.00"))
    assert response.status_code == 302
    arrear = Arrear.objects.get()
    assert (arrear.debtor, arrear.village, arrear.principal, arrear.outstanding) == (
        debtor, debtor.village, Decimal("8000.00"), Decimal("8000.00"),
    )


# ---- debtor page: who sees the national ID -------------------------------------------


def test_it_shows_the_full_national_id_and_phone_to_staff(staff_client, debtor):
    page = staff_client.get(debtor.get_absolute_url()).content.decode()
    assert debtor.national_id in page
    assert debtor.phone in page


@pytest.mark.parametrize("reader", ["leader_user", "cadre_user"])
def test_it_masks_the_national_id_and_phone_for_readers(client, request, arrear, staff_user, reader):
    pay(arrear, "100.00", staff_user)
    debtor = arrear.debtor
    client.force_login(request.getfixturevalue(reader))
    response = client.get(debtor.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    masked = debtor.national_id[:6] + "********" + debtor.national_id[-4:]
    assert masked in page
    assert debtor.national_id not in page
    assert debtor.national_id[6:14] not in page  # the birth date part is hidden everywhere
    assert debtor.phone not in page
    assert debtor.phone[:3] + "****" + debtor.phone[-4:] in page


# ---- list search ---------------------------------------------------------------------


def test_it_finds_debtors_by_pinyin_initials_in_the_list(staff_client, debtor, village_a):
    DebtorFactory(village=village_a, name="王五")
    response = staff_client.get(reverse("recovery:debtor_list"), {"q": "zs"})
    names = [row.record.name for row in response.context["table"].rows]
    assert names == ["张三"]


def test_it_finds_a_debtor_by_national_id_fragment_for_staff(staff_client, debtor):
    response = staff_client.get(reverse("recovery:debtor_list"), {"q": debtor.national_id[-6:]})
    assert [row.record.pk for row in response.context["table"].rows] == [debtor.pk]


def test_it_does_not_search_national_ids_for_a_cadre(client, cadre_user, debtor):
    client.force_login(cadre_user)
    everyone = client.get(reverse("recovery:debtor_list"))
    assert [row.record.pk for row in everyone.context["table"].rows] == [debtor.pk]

    response = client.get(reverse("recovery:debtor_list"), {"q": debtor.national_id[-6:]})
    assert response.status_code == 200
    assert list(response.context["table"].rows) == []
    assert "张三" not in response.content.decode().split("<table")[-1]
