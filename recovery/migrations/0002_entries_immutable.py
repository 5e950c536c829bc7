"""PostgreSQL refuses UPDATE and DELETE on recorded entries, whatever path tries.

TRUNCATE (used by test teardown and by nothing in the product) is not a row operation
and is not affected. SQLite relies on the model and queryset guards.
"""

from django.db import migrations

TABLES = ["recovery_repayment", "recovery_reversal", "recovery_writeoff"]

FUNCTION = """
CREATE OR REPLACE FUNCTION recovery_refuse_entry_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = '清收记录不能修改或删除（表 ' || TG_TABLE_NAME || '），如有错误请冲正',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION recovery_refuse_entry_change()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS recovery_refuse_entry_change()")


class Migration(migrations.Migration):
    dependencies = [("recovery", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
