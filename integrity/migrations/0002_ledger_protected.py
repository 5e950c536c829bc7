"""Ledger tables refuse what the product never does, whatever path tries (PostgreSQL
triggers), and the rows already recorded are chained.

Refused: UPDATE and DELETE of repayments, reversals and write-offs
(recovery 0002 already), contract fee payments, contract status steps and chain links;
DELETE of debtors, arrears, published reports and chain heads; UPDATE of an arrear's
principal or of a published report's figures and files. A database role that owns the
tables can still disable triggers: in production the application connects as a role that
does not own them (README, docker-compose.yml). TRUNCATE (test teardown) is not a row
operation and is not affected. SQLite relies on the model guards and the chain (its test
teardown deletes rows).
"""

from django.db import migrations

REFUSE = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = '台账记录不能修改或删除（表 ' || TG_TABLE_NAME || '，' || TG_OP || '）',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

# table -> (trigger, "UPDATE OR DELETE" / "DELETE" / "UPDATE OF columns")
TRIGGERS = [
    ("contracts_contractfeepayment", "immutable", "UPDATE OR DELETE"),
    ("contracts_contractstatuschange", "immutable", "UPDATE OR DELETE"),
    ("integrity_chainlink", "immutable", "UPDATE OR DELETE"),
    ("integrity_chainhead", "kept", "DELETE"),
    ("recovery_debtor", "kept", "DELETE"),
    ("recovery_arrear", "kept", "DELETE"),
    ("recovery_arrear", "principal_fixed", "UPDATE OF principal, debtor_id, village_id"),
    ("reports_report", "kept", "DELETE"),
    (
        "reports_report", "files_fixed",
        "UPDATE OF campaign_id, day, version, issue_number, cutoff_at, data, pdf, xlsx",
    ),
]


def forwards(apps, schema_editor):
    from integrity.backfill import chain_existing

    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(REFUSE)
        for table, name, events in TRIGGERS:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_{name} BEFORE {events} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
            )
    chain_existing(apps)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _events in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS ledger_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("integrity", "0001_initial"),
        ("recovery", "0008_input_hardening"),
        ("contracts", "0003_import_batch_in_imports"),
        ("reports", "0004_report_pages_without_inline_style"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
