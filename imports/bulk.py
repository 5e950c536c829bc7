"""Writing many new rows at once, for ledger imports.

:func:`bulk_insert` inserts rows given as plain values, without building a model instance
for each (for 100,000 rows that alone takes seconds and 100 MB). On PostgreSQL it uses
``COPY``, several times faster than ``INSERT``, with primary keys taken from the table's
sequence first; on SQLite (the embedded default) one ``INSERT`` a chunk
(``executemany``). Like ``bulk_create`` it sends no signals and calls no ``save()``: the
caller (a service) has checked every value. Call it inside the caller's transaction; a
failure raises Django's ``IntegrityError`` or ``DatabaseError`` like any query.
"""

from itertools import islice

from django.db import connection, models

CHUNK = 2000


def bulk_insert(model: type[models.Model], rows, *, count: int | None = None, progress=None, chunk: int = CHUNK) -> list[int]:
    """Insert ``rows`` -> their new primary keys, in order.

    ``rows``: mappings of field attnames (``village_id``, not ``village``) to values that
    the database driver takes as they are (str, int, Decimal, date, aware datetime, bool,
    None): a list, or an iterable making ``count`` of them, so that not all are in memory at
    once. Such an iterable must not query the database: on PostgreSQL the connection is busy
    with the COPY while it runs. A field a row leaves out gets its default, computed once.
    ``progress(done)`` is called every ``chunk`` rows.
    """
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    defaults = {field.attname: field.get_default() for field in fields}
    count = len(rows) if count is None else count
    rows = (_checked(row, defaults, model) for row in rows)
    if connection.vendor == "postgresql":
        return _copy(meta, defaults, rows, count, progress, chunk)
    if connection.vendor != "sqlite":
        raise NotImplementedError(f"bulk_insert supports PostgreSQL and SQLite, not {connection.vendor}")
    pks = _executemany(meta, defaults, rows, progress, chunk)
    if len(pks) != count:
        raise ValueError(f"{count} rows were announced, {len(pks)} given")
    return pks


def _checked(row, defaults, model):
    if not row.keys() <= defaults.keys():
        raise ValueError(f"{model.__name__} has no fields {sorted(row.keys() - defaults.keys())}")
    return row


def _copy(meta, defaults, rows, count, progress, chunk):
    """One COPY for all the rows, with the keys taken from the sequence first. Foreign keys
    are checked as the rows arrive (SET CONSTRAINTS ... IMMEDIATE), by the server while this
    process makes the next rows, instead of all at the commit."""
    quote = connection.ops.quote_name
    defaults = list(defaults.items())
    columns = ", ".join(quote(meta.get_field(attname).column) for attname in [meta.pk.attname, *dict(defaults)])
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        done = 0
        with cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(pks, rows, strict=True):
                get = row.get
                copy.write_row([pk, *[get(attname, default) for attname, default in defaults]])
                done += 1
                if progress and done % chunk == 0:
                    progress(done)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    if progress:
        progress(done)
    return pks


def _executemany(meta, defaults, rows, progress, chunk):
    """SQLite: one INSERT for each chunk of rows. The caller's transaction holds SQLite's
    write lock from the first write on, so a chunk's rows get consecutive ids ending at
    ``last_insert_rowid()`` (checked)."""
    quote = connection.ops.quote_name
    defaults = list(defaults.items())
    fields = {attname: meta.get_field(attname) for attname, _ in defaults}
    # Aware datetimes are stored as SQLite's backend stores them (UTC, no offset).
    timestamps = {attname for attname, field in fields.items() if isinstance(field, models.DateTimeField)}
    columns = ", ".join(quote(field.column) for field in fields.values())
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    pks = []
    with connection.wrap_database_errors, connection.cursor() as cursor:
        while batch := list(islice(rows, chunk)):
            cursor.executemany(sql, [
                [
                    fields[attname].get_db_prep_save(row.get(attname, default), connection) if attname in timestamps
                    else row.get(attname, default)
                    for attname, default in defaults
                ]
                for row in batch
            ])
            cursor.execute("SELECT last_insert_rowid()")
            (last,) = cursor.fetchone()
            first = last - len(batch) + 1
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {pk} BETWEEN %s AND %s", [first, last])
            if cursor.fetchone()[0] != len(batch):
                raise RuntimeError(f"the ids of the rows inserted into {meta.db_table} are not consecutive")
            pks += range(first, last + 1)
            if progress:
                progress(len(pks))
    return pks
