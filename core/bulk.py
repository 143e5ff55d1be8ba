"""Many rows in one statement, fast: the whole batch travels as one JSON document.

Django's ``bulk_create``/``bulk_update`` send a parameter per value (arrays, or ``CASE WHEN`` per
row and field); with client-side binding psycopg quotes each array element in Python, which cost
about 1 s per 1000 change-log rows and 2–3 s per 1000 updated work packages. Here the rows go
as one JSON text (quoted once, in C) and PostgreSQL unpacks them with ``jsonb_to_recordset``,
each column typed as the model declares it. One statement, counted like any other query.

Semantics follow Django's: ``insert`` runs each field's ``pre_save`` (``auto_now``/
``auto_now_add`` set the time as ``bulk_create`` does) and fills the auto primary key back in;
``update`` writes the named fields of existing rows by primary key (like ``bulk_update``: no
``pre_save``, no signals).
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

_PLAIN = frozenset({type(None), bool, int, float, str, dict, list})


def _wire(value: Any) -> Any:
    """A field's value as JSON that PostgreSQL's input function for its column reads back."""
    if type(value) in _PLAIN or isinstance(value, bool | int | float | str | dict | list):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()  # full precision: unlike DjangoJSONEncoder, keeps microseconds
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    raise TypeError(f"core.bulk cannot write a {type(value).__name__}")


def _encoder(fields: Sequence[Any]) -> type[json.JSONEncoder]:
    # Inside a JSONField value, the field's own encoder decides (top-level values are converted
    # by _wire before encoding, so this only ever sees nested ones).
    encoders: set[type[json.JSONEncoder]] = {
        f.encoder for f in fields if isinstance(f, models.JSONField) and f.encoder is not None
    }
    if len(encoders) > 1:
        raise ValueError("core.bulk: JSON fields with different encoders in one statement")
    return encoders.pop() if encoders else json.JSONEncoder


def _recordset(fields: Sequence[_AliasedField]) -> str:
    return ", ".join(
        f"{connection.ops.quote_name(f.column)} {f.db_type(connection)}" for f in fields
    )


def insert(objs: Sequence[models.Model], *, pre_save: bool = True) -> None:
    """Insert new rows of one model in one statement; an auto primary key is set on each object.

    ``pre_save=False`` writes the attributes as they are (``auto_now`` times included), for
    synthetic data with a history.
    """
    if not objs:
        return
    model = type(objs[0])
    opts = model._meta
    auto_pk = isinstance(opts.pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
    fields: list[Any] = [f for f in opts.concrete_fields if not (auto_pk and f.primary_key)]
    typed = [_AliasedField(f, i) for i, f in enumerate(fields)]
    # Only fields that override Field.pre_save (auto_now/auto_now_add times, …) need the call;
    # the others' pre_save is reading the attribute, done here without a method call per value.
    stamped = [t for t in typed if pre_save and type(t.field).pre_save is not models.Field.pre_save]
    plain = [(t.column, t.field.attname) for t in typed if t not in stamped]
    rows = []
    for obj in objs:
        values = obj.__dict__
        row = {}
        for column, attname in plain:
            value = values[attname] if attname in values else getattr(obj, attname)
            row[column] = _wire(value)
        for t in stamped:
            row[t.column] = _wire(t.field.pre_save(obj, True))
        rows.append(row)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    returning = f" RETURNING {connection.ops.quote_name(str(opts.pk.column))}" if auto_pk else ""
    sql = (
        f"INSERT INTO {connection.ops.quote_name(opts.db_table)} ({columns}) "  # noqa: S608 - names from the model
        f"SELECT {', '.join(connection.ops.quote_name(t.column) for t in typed)} "
        f"FROM ROWS FROM (jsonb_to_recordset(%s::jsonb) AS ({_recordset(typed)})) "
        f"WITH ORDINALITY AS r({', '.join(t.column for t in typed)}, _n) "
        f"ORDER BY _n{returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, cls=_encoder(fields))])
        if auto_pk:
            # Rows come back in insertion order (what Django's own bulk_create relies on too).
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                setattr(obj, opts.pk.attname, pk)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def update(objs: Sequence[models.Model], field_names: Sequence[str]) -> int:
    """Write ``field_names`` of existing rows of one model, by primary key, in one statement."""
    if not objs:
        return 0
    model = type(objs[0])
    opts = model._meta
    fields: list[Any] = [opts.get_field(name) for name in field_names]
    fields = [f for f in fields if f.concrete and not f.primary_key]
    everything: list[Any] = [opts.pk, *fields]
    typed = [_AliasedField(f, i) for i, f in enumerate(everything)]
    rows = [{t.column: _wire(getattr(obj, t.field.attname)) for t in typed} for obj in objs]
    q = connection.ops.quote_name
    assignments = ", ".join(
        f"{q(f.column)} = r.{q(t.column)}" for f, t in zip(fields, typed[1:], strict=True)
    )
    sql = (
        f"UPDATE {q(opts.db_table)} AS t SET {assignments} "  # noqa: S608 - names from the model
        f"FROM jsonb_to_recordset(%s::jsonb) AS r({_recordset(typed)}) "
        f"WHERE t.{q(str(opts.pk.column))} = r.{q(typed[0].column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, cls=_encoder(fields))])
        return cursor.rowcount


class _AliasedField:
    """A field under a short positional name (its JSON key and record column), typed as declared."""

    def __init__(self, field: Any, position: int) -> None:
        self.field = field
        self.column = f"c{position}"

    def db_type(self, conn) -> str:
        return str(self.field.db_type(conn))
