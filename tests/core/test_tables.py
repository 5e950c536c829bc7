"""The shared table columns: money shown and exported one way; links through linkify, with
the export left as plain text."""

from datetime import date
from decimal import Decimal

import pytest

from contracts.choices import ContractCategory, ContractForm
from contracts.models import Contract
from contracts.services import contract_create
from contracts.tables import ContractTable
from core.tables import MoneyColumn
from recovery.choices import DebtorKind
from recovery.models import Arrear, Debtor, Repayment
from recovery.tables import ArrearTable, DebtorTable, RepaymentTable
from tests.factories import pay
from villages.models import Village
from villages.tables import VillageTable


def test_it_shows_money_in_yuan_and_exports_it_to_the_cent():
    column = MoneyColumn()
    assert column.render(Decimal("1234.5")) == "1,234.50"
    # A sum the database returns with float noise is exported as the amount it stands for.
    assert column.value(Decimal("180119177.100002")) == Decimal("180119177.10")
    assert column.value(Decimal("5")) == Decimal("5.00")


def first_row(table_class, queryset, **kwargs):
    return table_class(queryset, **kwargs).rows[0]


@pytest.mark.django_db
def test_it_links_the_debtor_lists_to_the_debtor(arrear, staff_user):
    pay(arrear, "100.00", staff_user)
    debtor = arrear.debtor
    link = f'<a href="/recovery/debtors/{debtor.pk}/">张三</a>'
    assert debtor.get_absolute_url() == f"/recovery/debtors/{debtor.pk}/"
    for table_class, queryset, column in [
        (DebtorTable, Debtor.objects.all(), "name"),
        (ArrearTable, Arrear.objects.select_related("debtor"), "debtor"),
        (RepaymentTable, Repayment.objects.select_related("arrear__debtor"), "debtor"),
    ]:
        row = first_row(table_class, queryset)
        assert row.get_cell(column) == link, table_class.__name__
        assert str(row.get_cell_value(column)) == "张三", table_class.__name__


@pytest.mark.django_db
def test_it_links_a_contract_number_to_the_contract(village_a, staff_user):
    contract = contract_create(
        village=village_a, created_by=staff_user, number="DL-2023-001", counterparty_name="王建国",
        counterparty_kind=DebtorKind.PERSON, category=ContractCategory.RESERVE_LAND, subject="南洼机动地",
        area_mu=Decimal("2.50"), annual_fee=Decimal("1000.00"), start_date=date(2023, 1, 1),
        end_date=date(2027, 12, 31), fee_due_month=3, fee_due_day=1, form=ContractForm.WRITTEN,
        democratic_procedure=True,
    )
    row = first_row(ContractTable, Contract.objects.all())
    assert row.get_cell("number") == f'<a href="{contract.get_absolute_url()}">DL-2023-001</a>'
    assert row.get_cell_value("number") == "DL-2023-001"


@pytest.mark.django_db
def test_it_links_only_the_villages_the_user_may_open(village_a, village_b):
    villages = Village.objects.order_by("code")
    table = VillageTable(villages, full_access_ids=[village_a.pk])
    mine, other = table.rows
    assert mine.get_cell("name") == f'<a href="{village_a.get_absolute_url()}">东岭村</a>'
    assert other.get_cell("name") == "西河村"
    assert (mine.get_cell_value("name"), other.get_cell_value("name")) == ("东岭村", "西河村")


STOCK_ROWS = (
    '{% load l10n %}{% for row in table.paginated_rows %}<tr {{ row.attrs.as_html }}>{% for column, cell in row.items %}'
    '<td data-label="{{ column.header }}" {{ column.attrs.td.as_html }}>{% if column.localize == None %}{{ cell }}'
    '{% else %}{% if column.localize %}{{ cell|localize }}{% else %}{{ cell|unlocalize }}{% endif %}{% endif %}</td>'
    '{% endfor %}</tr>{% endfor %}'
)


def _squeeze(html):
    import re

    return re.sub(r">\s+<", "><", str(html).strip())


@pytest.mark.django_db
def test_rows_html_writes_what_the_template_loop_over_cells_wrote(arrear, staff_user):
    """BaseTable.rows_html builds the rows in Python (a list page's table was two thirds of its
    time in the template loop): the same HTML, for every list's table, a column whose
    attributes depend on the row and columns that localize included."""
    import django_tables2 as tables
    from django.template import Context, Template

    from core.tables import BaseTable
    from recovery.selectors import debtors_with_totals

    pay(arrear, "234.50", staff_user)

    class RowDependent(BaseTable):
        name = tables.Column(attrs={"td": {"data-kind": lambda record: record.kind}})
        created_at = tables.Column(localize=True)
        pk = tables.Column(localize=False)

    makers = [
        lambda: DebtorTable(debtors_with_totals(Debtor.objects.all())),
        lambda: ArrearTable(Arrear.objects.select_related("debtor", "village")),
        lambda: RepaymentTable(Repayment.objects.select_related("arrear__debtor", "arrear__village", "recorded_by", "reversal")),
        lambda: VillageTable(Village.objects.all()),
        lambda: RowDependent(Debtor.objects.all()),
    ]
    for make in makers:  # a table instance per rendering: rows count themselves for even/odd
        ours, stock = make(), make()
        ours.paginate(per_page=10)
        stock.paginate(per_page=10)
        html = ours.rows_html()
        assert _squeeze(html) == _squeeze(Template(STOCK_ROWS).render(Context({"table": stock}))), type(ours).__name__
        assert html.count("<tr ") == len(ours.paginated_rows) > 0
    assert 'data-kind="person"' in html
