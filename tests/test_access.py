"""Who may open which URL: every URL pattern, every role.

The table below must name every URL pattern of the project (admin aside); a new URL
without a row fails ``test_it_covers_every_url_pattern``, so access rules are decided,
not forgotten.

The places, users and ledger the rows need (a rendered battle report, a checked upload, a
contract with a scan) are built once for the module, in a transaction rolled back when the
module ends; each test runs in a savepoint of it, so what one row's POST changes (a finding
resolved, an upload discarded) is undone before the next row.
"""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import Workbook

from contracts.choices import AttachmentKind, ContractCategory, ContractForm, FindingKind
from contracts.services import attachment_add, contract_create, finding_add
from imports.services import import_batch_create, import_batch_validate
from reports.services import report_build
from tests.contracts import tiny_png
from tests.factories import (
    ArrearFactory,
    CampaignFactory,
    DebtorFactory,
    TownshipFactory,
    VillageFactory,
    WorkAreaFactory,
    ZoneFactory,
    cadre_of,
    leader_of,
    pay,
    staff_of,
    superuser,
)
from tests.module_db import module_transaction

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "staff", "other_staff", "leader", "cadre_own", "cadre_other", "admin"]

# Expected status per role, in ROLES order. 302 for anonymous means "to the login page".
READ_ALL = (302, 200, 200, 200, 200, 200, 200)
OWN_VILLAGE = (302, 200, 404, 200, 200, 404, 200)
WRITE_OWN = (302, 200, 404, 403, 403, 403, 200)
WRITE_ANY = (302, 200, 200, 403, 403, 403, 200)
TOWNSHIP = (302, 200, 404, 200, 200, 200, 200)
ADMIN_ONLY = (302, 403, 403, 403, 403, 403, 200)
WRITE_OWN_REDIRECT = (302, 302, 404, 403, 403, 403, 302)  # a POST that redirects when done
# Imports hold every village's debtors of a township: no cadre sees them.
IMPORTS = (302, 200, 200, 200, 403, 403, 200)
IMPORT_OWN = (302, 200, 404, 200, 403, 403, 200)
IMPORT_WRITE_OWN_REDIRECT = (302, 302, 404, 403, 403, 403, 302)
RAW_LEDGER = (302, 200, 404, 403, 403, 403, 200)

# url name -> (kwargs builder taking the ledger objects, expected statuses, method)
TABLE = {
    "home": (None, READ_ALL, "get"),
    "login": (None, (200, 302, 302, 302, 302, 302, 302), "get"),
    "logout": (None, (302, 302, 302, 302, 302, 302, 302), "post"),
    "password_change": (None, READ_ALL, "get"),
    "password_change_done": (None, READ_ALL, "get"),
    "villages:village_list": (None, READ_ALL, "get"),
    "villages:village": (lambda o: {"pk": o["village"].pk}, OWN_VILLAGE, "get"),
    "recovery:debtor_list": (None, READ_ALL, "get"),
    "recovery:debtor_add": (None, WRITE_ANY, "get"),
    "recovery:debtor": (lambda o: {"pk": o["debtor"].pk}, OWN_VILLAGE, "get"),
    "recovery:debtor_edit": (lambda o: {"pk": o["debtor"].pk}, WRITE_OWN, "get"),
    "recovery:arrear_add": (lambda o: {"debtor": o["debtor"].pk}, WRITE_OWN, "get"),
    "recovery:arrear_list": (None, READ_ALL, "get"),
    "recovery:arrear_edit": (lambda o: {"pk": o["arrear"].pk}, WRITE_OWN, "get"),
    "recovery:writeoff_add": (lambda o: {"pk": o["arrear"].pk}, WRITE_OWN, "get"),
    "recovery:repayment_list": (None, READ_ALL, "get"),
    "recovery:repayment_add": (None, WRITE_ANY, "get"),
    "recovery:repayment_reverse": (lambda o: {"pk": o["repayment"].pk}, WRITE_OWN, "get"),
    "reports:ranking": (None, READ_ALL, "get"),
    "reports:report_list": (None, READ_ALL, "get"),
    "reports:report": (lambda o: {"pk": o["report"].pk}, TOWNSHIP, "get"),
    "reports:report_pdf": (lambda o: {"pk": o["report"].pk}, TOWNSHIP, "get"),
    "reports:report_xlsx": (lambda o: {"pk": o["report"].pk}, TOWNSHIP, "get"),
    "reports:report_rebuild": (lambda o: {"pk": o["report"].pk}, ADMIN_ONLY, "get"),
    "contracts:contract_list": (None, READ_ALL, "get"),
    "contracts:contract_add": (None, WRITE_ANY, "get"),
    "contracts:figures": (None, READ_ALL, "get"),
    "contracts:contract": (lambda o: {"pk": o["contract"].pk}, OWN_VILLAGE, "get"),
    "contracts:contract_edit": (lambda o: {"pk": o["contract"].pk}, WRITE_OWN, "get"),
    # An empty POST: the contract's page again, with the step form's errors.
    "contracts:contract_advance": (lambda o: {"pk": o["contract"].pk}, WRITE_OWN, "post"),
    "contracts:finding_add": (lambda o: {"pk": o["contract"].pk}, WRITE_OWN, "get"),
    "contracts:finding_resolve": (lambda o: {"pk": o["finding"].pk}, WRITE_OWN_REDIRECT, "post"),
    "contracts:attachment_add": (lambda o: {"pk": o["contract"].pk}, WRITE_OWN, "get"),
    "contracts:attachment": (lambda o: {"pk": o["attachment"].pk}, OWN_VILLAGE, "get"),
    "contracts:fee_payment_add": (lambda o: {"pk": o["contract"].pk}, WRITE_OWN, "get"),
    "imports:batch_list": (None, IMPORTS, "get"),
    "imports:batch_add": (None, WRITE_ANY, "get"),
    "imports:template": (lambda o: {"kind": "arrears"}, IMPORTS, "get"),
    "imports:batch": (lambda o: {"pk": o["import_batch"].pk}, IMPORT_OWN, "get"),
    # Raw ledgers (full ID numbers and phones): staff and administrators only, leaders 403.
    "imports:batch_file": (lambda o: {"pk": o["import_batch"].pk}, RAW_LEDGER, "get"),
    "imports:batch_errors": (lambda o: {"pk": o["import_batch"].pk}, RAW_LEDGER, "get"),
    "imports:batch_confirm": (lambda o: {"pk": o["import_batch"].pk}, IMPORT_WRITE_OWN_REDIRECT, "post"),
    "imports:batch_discard": (lambda o: {"pk": o["import_batch"].pk}, IMPORT_WRITE_OWN_REDIRECT, "post"),
    # Open only on an empty installation (tests/onboarding/test_views.py); here users exist.
    "onboarding:first_run": (None, (302,) * 7, "get"),
    "onboarding:start": (None, WRITE_ANY, "get"),
    "onboarding:cadre_accounts": (None, WRITE_ANY, "get"),
    "audit:change_list": (None, ADMIN_ONLY, "get"),
    "audit:login_list": (None, ADMIN_ONLY, "get"),
    "audit:login_failure_list": (None, ADMIN_ONLY, "get"),
    "audit:download_list": (None, ADMIN_ONLY, "get"),
}


def _pattern_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _pattern_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_it_covers_every_url_pattern():
    names = set(_pattern_names())
    assert names - TABLE.keys() == set(), "these URLs have no row in the access table"
    assert TABLE.keys() - names == set(), "these rows name URLs that no longer exist"


def _build_world():
    """The conftest's township (兰山街道: 东岭村, 西河村), the other township (河东街道), one user
    per role, and a ledger with one of everything a URL row needs, in 东岭村."""
    township = TownshipFactory(code="LS", name="兰山街道")
    zone = ZoneFactory(township=township, code="S", name="南片区")
    village_a = VillageFactory(work_area=WorkAreaFactory(zone=zone, code="1", name="第一工作区"), code="LS-001", name="东岭村")
    village_b = VillageFactory(work_area=WorkAreaFactory(zone=zone, code="2", name="第二工作区"), code="LS-002", name="西河村")
    other_township = TownshipFactory(code="HD", name="河东街道")
    # The other township's places and campaign, which no picker of 兰山街道's users may list.
    other_area = WorkAreaFactory(zone=ZoneFactory(township=other_township, code="HD-Z", name="河东片区"), code="HD-1", name="河东工作区")
    VillageFactory(work_area=other_area, code="HD-001", name="河东村")
    CampaignFactory(township=other_township, name="河东清收行动")
    users = {
        "anonymous": None,
        "staff": staff_of(township, username="staff", display_name="经管员小王"),
        "other_staff": staff_of(other_township, username="other_staff", display_name="河东经管员"),
        "leader": leader_of(township, username="leader", display_name="李主任"),
        "cadre_own": cadre_of(village_a, username="cadre_a", display_name="东岭村书记"),
        "cadre_other": cadre_of(village_b, username="cadre_b", display_name="西河村书记"),
        "admin": superuser(username="superadmin", display_name="系统管理员"),
    }
    staff_user = users["staff"]
    campaign = CampaignFactory(township=township, name="2025年清收清欠攻坚行动")
    arrear = ArrearFactory(debtor=DebtorFactory(village=village_a, name="张三"), campaign=campaign, principal=Decimal("1000.00"))
    repayment = pay(arrear, "100.00", staff_user)
    # Rendered once (PDF and Excel): reports:report_pdf and reports:report_xlsx serve the files.
    report, _ = report_build(campaign=campaign, day=campaign.start_date)
    contract = contract_create(
        village=village_a, created_by=staff_user, number="DL-2025-001", counterparty_name="张三",
        category=ContractCategory.RESERVE_LAND, subject="东岭村北坡机动地", area_mu="12.50", annual_fee="3000.00",
        start_date=date(2020, 1, 1), end_date=date(2029, 12, 31), form=ContractForm.WRITTEN,
    )
    finding = finding_add(contract=contract, kind=FindingKind.PRICE_TOO_LOW, text="", recorded_by=staff_user)
    attachment = attachment_add(
        contract=contract, kind=AttachmentKind.CONTRACT_SCAN, uploaded_by=staff_user,
        uploaded_file=SimpleUploadedFile("合同扫描.png", tiny_png(), content_type="image/png"),
    )
    import_batch = _invalid_import(staff_user, campaign)
    ledger = {
        "village": village_a, "debtor": arrear.debtor, "arrear": arrear, "repayment": repayment, "report": report,
        "contract": contract, "finding": finding, "attachment": attachment, "import_batch": import_batch,
    }
    return {"ledger": ledger, "users": users, "village_b": village_b}


def _invalid_import(user, campaign):
    """A checked upload with one error, so it has an annotated copy to download."""
    workbook = Workbook()
    workbook.active.append(["姓名", "类别", "发生日期", "欠款金额"])
    workbook.active.append(["李四", "借款", "2019-5-13", "很多"])
    buffer = BytesIO()
    workbook.save(buffer)
    batch = import_batch_create(
        kind="arrears", township=campaign.township, campaign=campaign, uploaded_by=user,
        upload=SimpleUploadedFile("台账.xlsx", buffer.getvalue()),
    )
    return import_batch_validate(batch_id=batch.pk)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """``_build_world()`` once for the module (tests/module_db.py)."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = _build_world()
        yield built


@pytest.fixture
def ledger(world):
    return world["ledger"]


@pytest.fixture
def users(world):
    return world["users"]


@pytest.mark.parametrize("name", sorted(TABLE))
def test_it_gives_each_role_the_expected_status(client, ledger, users, name):
    kwargs_of, expected, method = TABLE[name]
    url = reverse(name, kwargs=kwargs_of(ledger) if kwargs_of else None)
    got = {}
    for role, status in zip(ROLES, expected):
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        response = getattr(client, method)(url)
        got[role] = response.status_code
        if role == "anonymous" and status == 302 and name not in ("logout",):
            assert response["Location"].startswith(reverse("login"))
    assert got == dict(zip(ROLES, expected))


@pytest.mark.parametrize("name", ["recovery:debtor_list", "recovery:arrear_list", "recovery:repayment_list", "contracts:contract_list"])
def test_it_refuses_another_villages_list_and_export_to_a_cadre(client, ledger, users, name):
    client.force_login(users["cadre_other"])
    village = ledger["village"].pk
    assert client.get(reverse(name), {"village": village}).status_code == 404
    assert client.get(reverse(name), {"village": village, "_export": "xlsx"}).status_code == 404


def test_it_never_lists_another_villages_debtors_to_a_cadre(client, world, ledger, users):
    ArrearFactory(debtor__village=world["village_b"], debtor__name="西河欠款人", campaign=ledger["arrear"].campaign)
    client.force_login(users["cadre_other"])
    page = client.get(reverse("recovery:debtor_list")).content.decode()
    assert "西河欠款人" in page
    assert ledger["debtor"].name not in page


OPTION_RE = re.compile(r"<option[^>]*>(.*?)</option>", re.DOTALL)


@pytest.mark.parametrize("name", sorted(name for name, (_kwargs, _statuses, method) in TABLE.items() if method == "get"))
def test_it_lists_only_the_users_township_in_every_picker(client, ledger, users, name):
    """Every form and filter of every page, as each user of 兰山街道: no option names the
    other township's zones, work areas, villages or campaigns."""
    kwargs_of, _statuses, _method = TABLE[name]
    url = reverse(name, kwargs=kwargs_of(ledger) if kwargs_of else None)
    for role in ("staff", "leader", "cadre_own"):
        client.force_login(users[role])
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        options = OPTION_RE.findall(response.content.decode())
        assert [option for option in options if "河东" in option] == [], role


def test_it_keeps_the_admin_for_administrators(client, users):
    client.force_login(users["staff"])
    assert client.get("/admin/").status_code == 302
    client.force_login(users["admin"])
    assert client.get("/admin/").status_code == 200
