"""Rows built once for a test module, for its tests to read.

In a module-scoped fixture::

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = build()
        yield built

What is built stays while the module's tests run (each in a savepoint of its own,
pytest-django's ``db``, so what one test writes is undone before the next) and is rolled
back when the module ends, whatever happened. Works on SQLite in memory and on PostgreSQL.
"""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def module_transaction(django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
