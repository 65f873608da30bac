"""Bulk writes that stay linear in the number of rows, history included.

One ``UPDATE … CASE WHEN`` over thousands of rows is quadratic on PostgreSQL
(measured in issue 18: 6.8 s of database time at 3,020 rows, 405 s at 6,000;
0.4 s and 1.2 s with ``batch_size=500``), so every ``bulk_update``/``bulk_create``
on a list that grows with the data passes ``batch_size=BATCH``.

simple-history records a deletion through ``post_delete``, one ``INSERT`` per row;
:func:`delete_with_history` writes the same "-" rows a batch at a time instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connections, models, router

from common import clock
from common.history import history_reason

# Rows per statement: small enough for SQLite's variable limit (Django lowers it
# further there when needed), large enough that round trips do not dominate.
BATCH = 500


def _rows_per_statement(connection, columns: int, batch_size: int) -> int:
    """Rows per statement within SQLite's limit on bound variables (Django assumes
    999; the library's own limit is read from the connection)."""
    connection.ensure_connection()
    limit = connection.connection.getlimit(9)  # sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
    return max(1, min(batch_size, limit // columns))


def _flat(arrays: list[list], rows: int) -> list:
    """Column arrays as the row-major parameters of a multi-row VALUES."""
    return [array[i] for i in range(rows) for array in arrays]


def history_insert(
    model: type[models.Model],
    pks: Sequence[int],
    *,
    history_type: str,
    user=None,
    reason: str = "",
    batch_size: int = BATCH,
) -> None:
    """Add simple-history rows of ``history_type`` ("+", "~", "-") for the stored
    rows ``pks`` of ``model``, copied from the table by one ``INSERT … SELECT``
    per batch (no historical model instantiated per row)."""
    if not pks:
        return
    history = model.history.model  # type: ignore[attr-defined]
    using = router.db_for_write(model)
    connection = connections[using]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in history.tracked_fields)
    head = (
        f"INSERT INTO {qn(history._meta.db_table)} ({columns}, {qn('history_date')}, "
        f"{qn('history_change_reason')}, {qn('history_type')}, {qn('history_user_id')}) "
        f"SELECT {columns}, %s, %s, %s, %s FROM {qn(model._meta.db_table)} "
        f"WHERE {qn(model._meta.pk.column)} IN "
    )
    params = [clock.recorded_now(), history_reason(reason), history_type, getattr(user, "pk", None)]
    with connection.cursor() as cursor:
        for start in range(0, len(pks), batch_size):
            chunk = list(pks[start : start + batch_size])
            cursor.execute(head + "(" + ", ".join(["%s"] * len(chunk)) + ")", [*params, *chunk])


def delete_with_history(
    queryset: models.QuerySet, *, user=None, reason: str = "", batch_size: int = BATCH
) -> int:
    """Delete the rows of ``queryset`` with their "-" history rows, a batch at a
    time: two statements per batch whatever the rows. No signals are sent and
    nothing cascades: delete dependent rows first. Returns how many were deleted."""
    model = queryset.model
    pks = list(queryset.order_by().values_list("pk", flat=True))
    using = router.db_for_write(model)
    for start in range(0, len(pks), batch_size):
        chunk = pks[start : start + batch_size]
        history_insert(model, chunk, history_type="-", user=user, reason=reason)
        model._base_manager.filter(pk__in=chunk)._raw_delete(using)
    return len(pks)


_PLAIN = (int, str, bool, Decimal, type(None))


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    batch_size: int = BATCH,
) -> list[int]:
    """Insert ``rows`` (tuples of the values of ``fields``) into ``model``'s table and
    return their new keys, in order. Columns not named get their default (an
    ``auto_now``/``auto_now_add`` stamp: now).

    One statement per batch, from the tuples as they are: ``bulk_create`` spends
    several times the database's time preparing a model instance per row (30,000
    item scores: seconds). On PostgreSQL ``INSERT … SELECT FROM unnest(…)`` (one
    array per column), on SQLite a multi-row ``VALUES``; both ``RETURNING`` the keys."""
    if not rows:
        return []
    using = router.db_for_write(model)
    connection = connections[using]
    qn = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    named: list[Any] = [model._meta.get_field(name) for name in fields]
    template = model()
    rest: list[Any] = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in fields and f.attname not in fields
    ]
    defaults = [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in rest]
    columns = [*named, *rest]
    into = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in columns)}) "
    returning = f" RETURNING {qn(pk.column)}"
    postgres = connection.vendor == "postgresql"
    if postgres:
        unnest = ", ".join(f"%s::{f.db_type(connection)}[]" for f in columns)
        head = f"{into}SELECT * FROM unnest({unnest}){returning}"
    else:
        batch_size = _rows_per_statement(connection, len(columns), batch_size)
        line = "(" + ", ".join(["%s"] * len(columns)) + ")"
    keys: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            arrays = []
            for i, field in enumerate(named):
                values = [row[i] for row in chunk]
                if not all(isinstance(v, _PLAIN) for v in values):
                    values = [field.get_db_prep_save(v, connection) for v in values]
                arrays.append(values)
            arrays += [[value] * len(chunk) for value in defaults]
            if postgres:
                cursor.execute(head, arrays)
            else:
                values_sql = ", ".join([line] * len(chunk))
                cursor.execute(f"{into}VALUES {values_sql}{returning}", _flat(arrays, len(chunk)))
            keys += [row[0] for row in cursor.fetchall()]
    return keys


def insert_with_history(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    user=None,
    reason: str = "",
    batch_size: int = BATCH,
) -> list[int]:
    """:func:`insert_rows`, then their "+" history rows by ``INSERT … SELECT`` (what
    simple-history's ``bulk_create_with_history`` records, without a historical
    instance per row). Returns the new keys."""
    pks = insert_rows(model, fields, rows, batch_size=batch_size)
    history_insert(model, pks, history_type="+", user=user, reason=reason, batch_size=batch_size)
    return pks


def create_with_history(
    objs: Sequence[models.Model],
    fields: Sequence[str],
    *,
    user=None,
    reason: str = "",
    batch_size: int = BATCH,
) -> None:
    """Insert the unsaved ``objs`` (their ``fields``; other columns take their
    default) with their history, and give them their keys."""
    if not objs:
        return
    model = type(objs[0])
    rows = [tuple(getattr(obj, name) for name in fields) for obj in objs]
    pks = insert_with_history(model, fields, rows, user=user, reason=reason, batch_size=batch_size)
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False


def update_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    batch_size: int = BATCH,
) -> None:
    """Write ``fields`` of stored rows of ``model``: ``rows`` are tuples of the key
    and then the values of ``fields``, in that order.

    One ``UPDATE … FROM (VALUES …)`` per batch: Django's ``bulk_update`` builds a
    ``CASE WHEN`` expression per row and field, which costs more Python than the
    database takes to write the rows (3,020 results × 18 fields: tens of seconds),
    and unbatched it is quadratic on PostgreSQL."""
    if not rows:
        return
    using = router.db_for_write(model)
    connection = connections[using]
    pk = model._meta.pk
    assert pk is not None
    qn = connection.ops.quote_name
    columns: list[Any] = [pk, *(model._meta.get_field(name) for name in fields)]
    postgres = connection.vendor == "postgresql"
    if postgres:
        line = "(" + ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in columns) + ")"
    else:  # the columns' own affinity applies, as with Django's writes
        line = "(" + ", ".join(["%s"] * len(columns)) + ")"
        batch_size = _rows_per_statement(connection, len(columns), batch_size)
    alias = ", ".join(qn(f.column) for f in columns)
    sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in columns[1:])
    table = qn(model._meta.db_table)
    where = f"WHERE {table}.{qn(pk.column)} = v.{qn(pk.column)}"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            params = [
                value if isinstance(value, _PLAIN) else field.get_db_prep_save(value, connection)
                for row in chunk
                for field, value in zip(columns, row, strict=True)
            ]
            values = ", ".join([line] * len(chunk))
            if postgres:
                sql = f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v({alias}) {where}"
            else:  # SQLite names the columns of a VALUES list only through a CTE
                sql = (
                    f"WITH v({alias}) AS (VALUES {values}) UPDATE {table} SET {sets} FROM v {where}"
                )
            cursor.execute(sql, params)


def update_with_history(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    user=None,
    reason: str = "",
    batch_size: int = BATCH,
) -> None:
    """:func:`update_rows`, then their "~" history rows by ``INSERT … SELECT``."""
    update_rows(model, fields, rows, batch_size=batch_size)
    history_insert(
        model,
        [row[0] for row in rows],
        history_type="~",
        user=user,
        reason=reason,
        batch_size=batch_size,
    )


def save_with_history(
    objs: Sequence[models.Model],
    fields: Sequence[str],
    *,
    user=None,
    reason: str = "",
    batch_size: int = BATCH,
) -> None:
    """:func:`update_with_history` of stored ``objs``: their ``fields`` are written."""
    if not objs:
        return
    rows = [(obj.pk, *(getattr(obj, name) for name in fields)) for obj in objs]
    update_with_history(
        type(objs[0]), fields, rows, user=user, reason=reason, batch_size=batch_size
    )
