"""The change log behind /api/v1/changes/: every create, update and delete, in commit order.

Services call ``record`` (or ``record_many``) inside their transaction, after the write. Before
drawing the entry's id it takes a transaction-scoped advisory lock for the organization, held
until commit: two writers of one organization cannot interleave, so the id order is the commit
order and "everything after id N" never skips a change that commits later with a lower id.

What an object looks like on the feed is registered by the app that owns it (``register``, in
its AppConfig.ready()), so core knows no planning concept and the feed's ``data`` is exactly
what the object's API endpoint returns.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models.functions import Cast

from core import bulk
from core.models import ChangeLogEntry, ChangeLogHorizon

ToWire = Callable[[models.Model], dict]
_LOCK_NAMESPACE = 7_405_117  # an arbitrary constant: the first key of our advisory locks


@dataclass(frozen=True)
class Registration:
    object_type: str
    to_wire: ToWire


_registry: dict[type[models.Model], Registration] = {}
_listeners: list[Callable[[list[ChangeLogEntry]], None]] = []


def register(model: type[models.Model], object_type: str, to_wire: ToWire) -> None:
    _registry[model] = Registration(object_type, to_wire)


def object_type_of(model: type[models.Model]) -> str:
    return _registry[model].object_type


def registered_types() -> list[str]:
    return sorted(r.object_type for r in _registry.values())


def on_recorded(listener: Callable[[list[ChangeLogEntry]], None]) -> None:
    """Call ``listener(entries)`` after the transaction that recorded them commits (webhooks)."""
    if listener not in _listeners:
        _listeners.append(listener)


def _lock_organization(organization_id: uuid.UUID) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            [_LOCK_NAMESPACE, str(organization_id)],
        )


def _entry(instance: models.Model, op: str) -> ChangeLogEntry:
    registration = _registry[type(instance)]
    return ChangeLogEntry(
        organization_id=instance.organization_id,  # type: ignore[attr-defined]
        object_type=registration.object_type,
        object_id=instance.pk,
        op=op,
        version=getattr(instance, "version", 1),
        data=None if op == ChangeLogEntry.Op.DELETED else registration.to_wire(instance),
    )


def record_many(changes: Iterable[tuple[models.Model, str]]) -> list[ChangeLogEntry]:
    """Record several changes with one lock and one insert. Must run inside the write's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("The change log is written in the same transaction as the change.")
    entries = [_entry(instance, op) for instance, op in changes]
    if not entries:
        return []
    for organization_id in sorted({e.organization_id for e in entries}, key=str):
        _lock_organization(organization_id)
    bulk.insert(entries)  # one INSERT, however many entries (bulk_create quoted each in Python)
    created = entries
    if _listeners:
        transaction.on_commit(lambda: [listener(created) for listener in _listeners])
    return created


def record(instance: models.Model, op: str) -> ChangeLogEntry:
    return record_many([(instance, op)])[0]


# --- reading the feed ----------------------------------------------------------------------


class CursorExpiredError(Exception):
    """The cursor points into the part of the log that was pruned: re-read everything."""


class InvalidCursorError(ValueError):
    pass


def encode_cursor(entry_id: int) -> str:
    return str(entry_id)


def decode_cursor(cursor: str | None) -> int:
    if cursor in (None, ""):
        return 0
    try:
        value = int(str(cursor))
    except ValueError as exc:
        raise InvalidCursorError("Not a cursor this feed gave out.") from exc
    if value < 0:
        raise InvalidCursorError("Not a cursor this feed gave out.")
    return value


@dataclass(frozen=True)
class ChangePage:
    results: list
    next_cursor: str
    has_more: bool


# What the feed's wire form is built from (``changes_rows_since``): these columns, then the
# entry's ``data`` as JSON text (``NULL`` for a deletion), never parsed into model instances.
FEED_COLUMNS = ("id", "object_type", "object_id", "op", "version", "at")


def _since(organization_id, cursor: str | None) -> int:
    since = decode_cursor(cursor)
    horizon = (
        ChangeLogHorizon.objects.filter(organization_id=organization_id)
        .values_list("pruned_through", flat=True)
        .first()
        or 0
    )
    if since < horizon:
        raise CursorExpiredError
    return since


def _page(rows: list, since: int, limit: int) -> ChangePage:
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = (rows[-1].id if isinstance(rows[-1], ChangeLogEntry) else rows[-1][0]) if rows else since
    return ChangePage(results=rows, next_cursor=encode_cursor(last), has_more=has_more)


def changes_since(*, organization_id, cursor: str | None, limit: int) -> ChangePage:
    """The changes after ``cursor``, oldest first. The same cursor always gives the same page."""
    since = _since(organization_id, cursor)
    rows = list(
        ChangeLogEntry.objects.filter(organization_id=organization_id, id__gt=since).order_by("id")[
            : limit + 1
        ]
    )
    return _page(rows, since, limit)


def changes_rows_since(*, organization_id, cursor: str | None, limit: int) -> ChangePage:
    """``changes_since`` for the feed endpoint: each result a tuple of ``FEED_COLUMNS`` and the
    ``data`` as JSON text. A page of 1000 as model instances with parsed ``data`` cost more than
    the query; this reads what goes on the wire, and the text is parsed once, by orjson."""
    since = _since(organization_id, cursor)
    rows = list(
        ChangeLogEntry.objects.filter(organization_id=organization_id, id__gt=since)
        .order_by("id")
        .values_list(*FEED_COLUMNS, Cast("data", output_field=models.TextField()))[: limit + 1]
    )
    return _page(rows, since, limit)


def head_cursor(*, organization_id) -> str:
    """The cursor of the newest change: where a client that just re-read everything starts."""
    last = (
        ChangeLogEntry.objects.filter(organization_id=organization_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    horizon = (
        ChangeLogHorizon.objects.filter(organization_id=organization_id)
        .values_list("pruned_through", flat=True)
        .first()
        or 0
    )
    return encode_cursor(max(last or 0, horizon))


@transaction.atomic
def prune(*, organization_id, before) -> int:
    """Delete entries older than ``before``; cursors into the pruned part then get a 410."""
    doomed = ChangeLogEntry.objects.filter(organization_id=organization_id, at__lt=before)
    last = doomed.order_by("-id").values_list("id", flat=True).first()
    if last is None:
        return 0
    deleted, _ = ChangeLogEntry.objects.filter(
        organization_id=organization_id, id__lte=last
    ).delete()
    ChangeLogHorizon.objects.update_or_create(
        organization_id=organization_id, defaults={"pruned_through": last}
    )
    return deleted
