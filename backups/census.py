"""What a database holds, in figures a restore can be checked against.

A census counts the rows of every table and sums every money column (each ``DecimalField``
with two places, i.e. every ``core.money.MoneyField``), exactly, as ``Decimal`` strings. The
backup writes the census of what it saved into the archive's manifest; the restore takes the
census of what it restored and reports every figure that differs.
"""

from decimal import Decimal

from django.apps import apps
from django.db import models

CENT = Decimal("0.01")


def money_columns() -> list[tuple[str, str]]:
    """``(table, column)`` of every money column of every model, in a stable order."""
    columns = set()
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DecimalField) and field.decimal_places == 2:
                columns.add((model._meta.db_table, field.column))
    return sorted(columns)


def database_census(connection) -> dict:
    """Row counts per table and sums of the money columns, read through ``connection`` (a
    Django database wrapper, of any database: the product's, a backup copy, a restore target)."""
    quote = connection.ops.quote_name
    tables = sorted(connection.introspection.table_names(include_views=False))
    counts, sums = {}, {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
        for table, column in money_columns():
            if table not in counts:
                continue
            if connection.vendor == "sqlite":
                # SQLite keeps decimals as REAL; as text (15 significant digits) they are
                # the Decimals Django wrote, summed here exactly, not in floating point.
                cursor.execute(f"SELECT CAST({quote(column)} AS TEXT) FROM {quote(table)} WHERE {quote(column)} IS NOT NULL")
                total = sum((Decimal(value) for (value,) in cursor.fetchall()), Decimal(0))
            else:
                cursor.execute(f"SELECT COALESCE(SUM({quote(column)}), 0) FROM {quote(table)}")
                total = Decimal(cursor.fetchone()[0])
            sums[f"{table}.{column}"] = str(total.quantize(CENT))
    return {"tables": counts, "sums": sums}


def census_differences(expected: dict, actual: dict) -> list[str]:
    """Each figure of ``actual`` that is not the one in ``expected``, in Chinese."""
    differences = []
    for label, key in (("行数", "tables"), ("合计", "sums")):
        want, got = expected.get(key, {}), actual.get(key, {})
        for name in sorted(set(want) | set(got)):
            if name not in got:
                differences.append(f"{label} {name}：备份中为 {want[name]}，恢复后缺少这张表")
            elif name not in want:
                differences.append(f"{label} {name}：备份清单中没有，恢复后为 {got[name]}")
            elif str(want[name]) != str(got[name]):
                differences.append(f"{label} {name}：备份中为 {want[name]}，恢复后为 {got[name]}")
    return differences
