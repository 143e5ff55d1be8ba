"""Audit history: who changed what, when, and through which door.

Writes are recorded by the database (django-pghistory row triggers on each tracked model), so
every path is seen: services, `bulk_create`/`bulk_update`, `QuerySet.update`, raw SQL. Each event
row is a full snapshot of the row after an insert or update, or before a delete, and carries the
row's ``organization_id``, so history is always read per tenant.

The *door* and the actor come from ``pghistory.context``, which each entry point sets:

| door      | set by                                                                   |
|-----------|--------------------------------------------------------------------------|
| `page`    | ``core.middleware.AuditContextMiddleware`` (a signed-in browser request)  |
| `api`     | ``ServiceViewSet.initial`` after DRF authentication (token, or session)   |
| `bulk`    | the same hook, for the bulk upsert endpoint                              |
| `task`    | Celery's ``task_prerun``/``task_postrun`` signals (``config/celery_app``) |
| `command` | ``audited_command`` around a management command's ``handle``             |

A write with no context (a Django shell, a migration) is shown as door `system`.

This module is the read model too: ``history_page`` reads one object's history (and, for a key
result, its check-ins') newest first, diffs each event against the one before it into per-field
changes with human labels, and runs a fixed number of queries whatever the number of events.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pghistory
import pgtrigger
from django.db import models

DOORS = {
    "page": "Page",
    "api": "API",
    "bulk": "Bulk sync",
    "task": "Background task",
    "command": "Command",
    "system": "System",
}
ACTIONS = {"insert": "created", "update": "changed", "delete": "deleted"}
# Bookkeeping columns: recorded in each snapshot, never shown as a change.
HIDDEN_FIELDS = frozenset({"id", "organization", "version", "created_at", "updated_at"})
HISTORY_PAGE_SIZE = 25

_EVENT_MODELS: dict[type[models.Model], type[models.Model]] = {}
M = TypeVar("M", bound=type[models.Model])


# --- recording -------------------------------------------------------------------------------


def tracked() -> Callable[[M], M]:
    """Class decorator: record every insert, update and delete of the model.

    An update that changes nothing but ``updated_at`` (a save with the same values) records
    nothing, so an unchanged upsert leaves no event behind.
    """

    def decorator(model: M) -> M:
        event_model = pghistory.create_event_model(
            model,
            pghistory.InsertEvent(),
            pghistory.UpdateEvent(condition=pgtrigger.AnyChange(exclude_auto=True)),
            pghistory.DeleteEvent(),
            abstract=False,
        )
        _EVENT_MODELS[model] = event_model
        return model

    return decorator


def event_model_for(model: type[models.Model]) -> type[models.Model]:
    return _EVENT_MODELS[model]


def _base_context(*, door: str, user=None, organization=None, **extra: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"door": door, **extra}
    metadata["user"] = str(user.pk) if user is not None and user.is_authenticated else None
    metadata["organization"] = str(organization.pk) if organization is not None else None
    return metadata


def page_context(request) -> pghistory.context:
    """The context of one HTTP request; the API layer refines it once DRF has authenticated."""
    door = "api" if request.path.startswith("/api/") else "page"
    return pghistory.context(
        **_base_context(
            door=door,
            user=getattr(request, "user", None),
            organization=getattr(request, "organization", None),
            url=request.path,
            method=request.method,
        )
    )


def mark_api_request(request, *, bulk: bool = False) -> None:
    """Called after DRF authentication: the caller, and the token it used ("session" if none)."""
    token = request.auth if hasattr(request.auth, "token_hash") else None
    membership = getattr(request, "membership", None)
    pghistory.context(
        **_base_context(
            door="bulk" if bulk else "api",
            user=request.user,
            organization=membership.organization if membership is not None else None,
            token=str(token.pk) if token is not None else "session",
            token_name=token.name if token is not None else "session",
        )
    )


_task_contexts: dict[str, pghistory.context] = {}


def task_started(*, task_id: str, task_name: str) -> None:
    """Celery ``task_prerun``: everything the task writes is recorded under door `task`.

    A task run eagerly inside a request or command keeps that door (its context is active).
    """
    if hasattr(pghistory.runtime._tracker, "value"):
        return
    ctx = pghistory.context(door="task", task=task_name, task_id=task_id, user=None)
    ctx.__enter__()
    _task_contexts[task_id] = ctx


def task_finished(*, task_id: str) -> None:
    ctx = _task_contexts.pop(task_id, None)
    if ctx is not None:
        ctx.__exit__(None, None, None)


H = TypeVar("H", bound=Callable[..., Any])


def audited_command(name: str) -> Callable[[H], H]:
    """Decorator for a management command's ``handle``: its writes are recorded as `command`."""

    def decorator(handle: H) -> H:
        @functools.wraps(handle)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with pghistory.context(door="command", command=name, user=None):
                return handle(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where to read events: a tracked model and the filter picking the object's events."""

    model: type[models.Model]
    filters: dict[str, Any]
    label: str = ""  # shown before each entry when a history mixes kinds ("Check-in")
    hide: tuple[str, ...] = ()  # fields not worth showing here (a check-in's key result)


@dataclass
class FieldChange:
    name: str
    label: str
    before: str
    after: str


@dataclass
class Entry:
    key: str  # the cursor of this entry, for "show more"
    at: datetime.datetime
    action: str  # created, changed, deleted
    door: str
    door_label: str
    actor: str
    via: str  # token name, task or command name, or ""
    subject: str  # "" for the object itself, else the kind and name of the child
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class HistoryPage:
    entries: list[Entry]
    next_cursor: str | None


def _parse_cursor(cursor: str | None) -> tuple[datetime.datetime, str] | None:
    """A cursor is ``<iso time>|<model label>:<event id>`` of the last entry shown."""
    if not cursor:
        return None
    at_raw, _, key = cursor.partition("|")
    try:
        at = datetime.datetime.fromisoformat(at_raw)
    except ValueError:
        return None
    if at.tzinfo is None or not key:
        return None
    return at, key


def _cursor_for(at: datetime.datetime, key: str) -> str:
    return f"{at.isoformat()}|{key}"


def history_page(
    *,
    organization_id: uuid.UUID,
    sources: Sequence[Source],
    cursor: str | None = None,
    limit: int = HISTORY_PAGE_SIZE,
) -> HistoryPage:
    """One page of history, newest first, across the sources, read within one organization.

    Queries: two per source (the page, and the events just before those on it) and one per
    kind of related object named in the changes (people, teams, ...): the same for one event
    or a thousand.
    """
    after = _parse_cursor(cursor)
    rows: list[tuple[datetime.datetime, str, Source, Any]] = []
    previous: dict[tuple[str, int], Any] = {}
    for source in sources:
        event_model = event_model_for(source.model)
        label = event_model._meta.label
        queryset = event_model.objects.filter(  # type: ignore[attr-defined]
            organization_id=organization_id, **source.filters
        ).select_related("pgh_context")
        if after is not None:
            at, key = after
            key_label, _, key_id = key.partition(":")
            # Rows strictly older than the cursor; on the same instant, order by (label, id).
            same_instant = models.Q(pgh_created_at=at)
            if label < key_label:
                same_instant &= models.Q()
            elif label == key_label and key_id.isdigit():
                same_instant &= models.Q(pgh_id__lt=int(key_id))
            else:
                same_instant &= models.Q(pk__in=[])
            queryset = queryset.filter(models.Q(pgh_created_at__lt=at) | same_instant)
        events = list(queryset.order_by("-pgh_created_at", "-pgh_id")[: limit + 1])
        for event in events:
            rows.append((event.pgh_created_at, label, source, event))
        # Each event's predecessor (same object, the event just before), in one query.
        # Always run (even for no ids) so that a page runs the same queries however many rows.
        for prev in _predecessors(event_model, [e.pgh_id for e in events]):
            previous[(label, prev.next_id)] = prev
    rows.sort(key=lambda row: (row[0], row[1], row[3].pgh_id), reverse=True)
    has_more = len(rows) > limit
    rows = rows[:limit]

    labels = _Labels(organization_id)
    for _, _, source, event in rows:
        labels.want_event(source, event, actor=True)
        prev = previous.get((event_model_for(source.model)._meta.label, event.pgh_id))
        if prev is not None:
            labels.want_event(source, prev, actor=False)
    labels.load()

    entries = []
    for at, label, source, event in rows:
        prev = previous.get((label, event.pgh_id))
        entries.append(_entry(source, event, prev, labels, key=f"{label}:{event.pgh_id}", at=at))
    next_cursor = _cursor_for(entries[-1].at, entries[-1].key) if has_more and entries else None
    return HistoryPage(entries=entries, next_cursor=next_cursor)


def _predecessors(event_model: type[models.Model], ids: list[int]) -> list[Any]:
    """For each event id, the same object's event just before it (annotated ``next_id``)."""
    table = event_model._meta.db_table
    return list(
        event_model.objects.raw(  # type: ignore[attr-defined]
            f"""
            SELECT prev.*, cur.pgh_id AS next_id
            FROM "{table}" cur
            JOIN LATERAL (
                SELECT p.* FROM "{table}" p
                WHERE p.pgh_obj_id = cur.pgh_obj_id AND p.pgh_id < cur.pgh_id
                ORDER BY p.pgh_id DESC LIMIT 1
            ) prev ON TRUE
            WHERE cur.pgh_id = ANY(%s)
            """,  # noqa: S608 - the table name is the model's, the ids are parameters
            [ids],
        )
    )


def _shown_fields(model: type[models.Model], hide: Sequence[str] = ()) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in HIDDEN_FIELDS and f.name not in hide and not f.name.startswith("pgh_")
    ]


class _Labels:
    """Names for the related objects an event points at, one query per related model."""

    def __init__(self, organization_id: uuid.UUID) -> None:
        self.organization_id = organization_id
        self.wanted: dict[type[models.Model], set[Any]] = {}
        self.names: dict[tuple[type[models.Model], str], str] = {}

    def want(self, model: type[models.Model], pk: Any) -> None:
        if pk is not None:
            self.wanted.setdefault(model, set()).add(pk)

    def want_event(self, source: Source, event: Any, *, actor: bool) -> None:
        from django.contrib.auth import get_user_model

        metadata = event.pgh_context.metadata if actor and event.pgh_context_id else {}
        if metadata.get("user"):
            self.want(get_user_model(), metadata["user"])
        for f in _shown_fields(source.model, source.hide):
            if f.is_relation and f.related_model is not None:
                self.want(f.related_model, getattr(event, f.attname))

    def load(self) -> None:
        for model, pks in self.wanted.items():
            queryset = model._default_manager.filter(pk__in=pks)  # type: ignore[attr-defined]
            if any(f.name == "organization" for f in model._meta.concrete_fields):
                queryset = queryset.filter(organization_id=self.organization_id)
            for obj in queryset:
                name = getattr(obj, "display_name", None) or str(obj)
                self.names[(model, str(obj.pk))] = name

    def name(self, model: type[models.Model], pk: Any) -> str:
        if pk is None:
            return ""
        return self.names.get((model, str(pk)), "(removed)")


def _format(f: models.Field, value: Any, labels: _Labels) -> str:
    if f.is_relation and f.related_model is not None:
        return labels.name(f.related_model, value)
    if value is None or value == "" or value == []:
        return ""
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, decimal.Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%-d %b %Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%-d %b %Y")
    return str(value)


def _entry(source: Source, event: Any, prev: Any, labels: _Labels, *, key: str, at) -> Entry:
    from django.contrib.auth import get_user_model

    metadata = event.pgh_context.metadata if event.pgh_context_id else {}
    door = metadata.get("door") or "system"
    actor = labels.name(get_user_model(), metadata.get("user")) if metadata.get("user") else ""
    if not actor:
        actor = {"task": "Background task", "command": "Command"}.get(door, "System")
    via = metadata.get("token_name") or metadata.get("task") or metadata.get("command") or ""
    action = ACTIONS.get(event.pgh_label, event.pgh_label)
    changes = []
    for f in _shown_fields(source.model, source.hide):
        after = getattr(event, f.attname)
        if event.pgh_label == "delete":
            before, after = after, None  # a delete keeps the last state: show it going away
        else:
            before = getattr(prev, f.attname) if prev is not None else None
            if prev is not None and before == after:
                continue
        before_text, after_text = _format(f, before, labels), _format(f, after, labels)
        if before_text == after_text:
            continue
        label = str(f.verbose_name)
        changes.append(FieldChange(f.name, label[:1].upper() + label[1:], before_text, after_text))
    return Entry(
        key=key,
        at=at,
        action=action,
        door=door,
        door_label=DOORS.get(door, door),
        actor=actor,
        via=via if via != "session" else "browser session",
        subject=source.label,
        changes=changes,
    )


def tracked_models() -> Iterable[type[models.Model]]:
    return tuple(_EVENT_MODELS)


@dataclass
class ObjectHistory:
    title: str
    exists: bool  # False once deleted: its history stays readable
    page: HistoryPage


def object_history(
    *,
    organization_id: uuid.UUID,
    model: type[models.Model],
    pk: Any,
    title_field: str,
    children: Sequence[tuple[type[models.Model], str, str]] = (),
    cursor: str | None = None,
    limit: int = HISTORY_PAGE_SIZE,
) -> ObjectHistory:
    """The history of one object of this organization, even after it was deleted.

    Another organization's object (or an unknown id) raises ``model.DoesNotExist``.
    """
    live = (
        model._default_manager.filter(organization_id=organization_id, pk=pk)  # type: ignore[attr-defined]
        .values_list(title_field, flat=True)
        .first()
    )
    exists = live is not None
    if not exists:
        last = (
            event_model_for(model)
            .objects.filter(organization_id=organization_id, pgh_obj_id=pk)  # type: ignore[attr-defined]
            .order_by("-pgh_id")
            .values_list(title_field, flat=True)
            .first()
        )
        if last is None:
            raise model.DoesNotExist  # type: ignore[attr-defined]
        live = last
    sources = [Source(model, {"pgh_obj_id": pk})]
    sources += [
        Source(child, {f"{fk}_id": pk}, label=label, hide=(fk,)) for child, fk, label in children
    ]
    page = history_page(
        organization_id=organization_id, sources=sources, cursor=cursor, limit=limit
    )
    return ObjectHistory(title=str(live), exists=exists, page=page)


def history_view(
    request,
    *,
    model: type[models.Model],
    pk: Any,
    title_field: str,
    kind: str,
    object_url: str,
    children: Sequence[tuple[type[models.Model], str, str]] = (),
):
    """The History tab of an object's page (planning and okrs views call this).

    Another organization's object is a 404; a deleted one still shows its history.
    """
    from django.core.exceptions import ObjectDoesNotExist
    from django.http import Http404
    from django.shortcuts import render

    cursor = request.GET.get("before") or None
    try:
        history = object_history(
            organization_id=request.membership.organization_id,
            model=model,
            pk=pk,
            title_field=title_field,
            children=children,
            cursor=cursor,
        )
    except ObjectDoesNotExist as exc:
        raise Http404("Not found") from exc
    return render(
        request,
        "components/history_page.html",
        {
            "kind": kind,
            "title": history.title,
            "object_url": object_url if history.exists else "",
            "history": history.page,
            "is_first_page": cursor is None,
        },
    )
