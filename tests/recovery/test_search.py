"""Debtor search (``debtors_matching``): what it finds, on SQLite and PostgreSQL, and that
on PostgreSQL each of its look-ups can be served by an index."""

import pytest
from django.db import connection

from recovery.models import Debtor
from recovery.selectors import debtors_matching
from tests.factories import DebtorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def debtors(village_a, village_b):
    """Four debtors of 东岭村 and one of 西河村 whose name would match too."""
    return {
        "wang": DebtorFactory(village=village_a, name="王伟", name_initials="ww", national_id="371302198001011234",
                              phone="13912345678"),
        "zhang": DebtorFactory(village=village_a, name="张三丰", name_initials="zsf", phone="0539-7654321"),
        "firm": DebtorFactory(village=village_a, organisation=True, name="Abc农业合作社", name_initials="abcnyhzs",
                              phone=""),
        "li": DebtorFactory(village=village_a, name="李王伟", name_initials="lww", phone=""),
        "other": DebtorFactory(village=village_b, name="王伟", name_initials="ww", phone=""),
    }


def found(debtors, text, *, identity=True, village=None):
    queryset = Debtor.objects.all() if village is None else Debtor.objects.filter(village=village)
    names = {v.pk: k for k, v in debtors.items()}
    return sorted(names[pk] for pk in debtors_matching(queryset, text=text, identity=identity).values_list("pk", flat=True))


def test_it_finds_a_chinese_name_anywhere_in_the_name(debtors, village_a):
    assert found(debtors, "王伟", village=village_a) == ["li", "wang"]
    assert found(debtors, " 三 ") == ["zhang"]


def test_it_finds_latin_letters_in_a_name_whatever_their_case(debtors):
    assert found(debtors, "ABC") == ["firm"]
    assert found(debtors, "bc农") == ["firm"]


def test_it_finds_pinyin_initials_from_their_start_only(debtors):
    assert found(debtors, "ZS") == ["zhang"]
    assert found(debtors, "ww") == ["other", "wang"]
    assert found(debtors, "sf") == []


def test_it_finds_identity_numbers_and_phones_only_for_those_who_may_see_them(debtors):
    firm_code = debtors["firm"].credit_code
    assert found(debtors, "19800101") == ["wang"]
    assert found(debtors, firm_code[-6:].lower()) == ["firm"]
    assert found(debtors, "7654321") == ["zhang"]
    assert found(debtors, "0539-76") == ["zhang"]
    assert found(debtors, "19800101", identity=False) == []
    assert found(debtors, "7654321", identity=False) == []


def test_it_lists_a_debtor_once_when_several_columns_match(debtors):
    """"ww" is in 王伟's initials and (as a fragment) nowhere else; "abc" in the firm's name
    and at the start of its initials."""
    assert found(debtors, "abc") == ["firm"]
    assert debtors_matching(Debtor.objects.all(), text="abc", identity=True).count() == 1


def test_it_keeps_the_queryset_it_was_given(debtors, village_b):
    assert found(debtors, "王伟", village=village_b) == ["other"]
    assert found(debtors, "") == sorted(debtors)


@pytest.mark.postgres
@pytest.mark.parametrize(("text", "index"), [
    ("王伟强", "debtor_name_trgm"),
    ("Abc农", "debtor_name_upper_trgm"),
    ("zsf", "name_initials_"),
])
def test_it_searches_through_indexes_on_postgresql(debtors, text, index):
    """The test database is tiny, so sequential scans are switched off for the EXPLAIN:
    what is checked is that an index can serve each look-up, instead of one scan of an OR."""
    sql, params = debtors_matching(Debtor.objects.all(), text=text, identity=True).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan
    assert "Seq Scan on recovery_debtor" not in plan, plan
