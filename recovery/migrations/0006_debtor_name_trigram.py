"""Debtor search on PostgreSQL through indexes: pg_trgm GIN indexes on the name, as it is
searched (``name LIKE`` for text without letter case, ``UPPER(name) LIKE`` otherwise).
The pinyin initials' prefix search already has its index (``name_initials``' ``_like``
index, varchar_pattern_ops, made by Django for an indexed CharField). Nothing to do on
SQLite, which has no such index types: its search stays a scan, and correct."""

from django.db import migrations

INDEXES = {
    "debtor_name_trgm": "(name gin_trgm_ops)",
    "debtor_name_upper_trgm": "(UPPER(name) gin_trgm_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON recovery_debtor USING gin {expression}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("recovery", "0005_import_batch_in_imports"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
