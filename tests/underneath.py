"""Writing underneath the product, as someone with the database's keys would: on PostgreSQL
with every trigger off (``session_replication_role = replica``: the ledger's immutability
triggers and the foreign keys) for what runs inside, in the test's transaction only.
SQLite has no ledger triggers to turn off."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def triggers_off():
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield cursor
        finally:
            if postgres:
                cursor.execute("SET LOCAL session_replication_role = origin")
