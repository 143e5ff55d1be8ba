"""Outbound webhooks: admins subscribe URLs to change events, Celery delivers them signed.

The events are the changes feed's: ``<object type>.<op>`` (``work_package.created``) for every
type registered with core.changelog, or ``<object type>.*`` for all of a type's changes.

The road of one change:
1. A service writes and records the change (core.changelog) in its transaction.
2. After commit, ``on_changes_recorded`` (registered in CoreConfig.ready()) creates one
   WebhookDelivery per matching active subscription, in bulk, and enqueues one
   ``core.tasks.deliver_webhook`` per delivery once those rows have committed.
3. The task calls ``webhook_delivery_attempt``: it POSTs the change (as the feed shows it),
   signed with the subscription's secret. A 2xx marks it delivered; anything else is logged as
   an attempt and retried with exponential backoff and full jitter until ``retry_until``
   (24 hours after it was queued), then the delivery is marked failed.
Every attempt and redelivery carries the same event id (the change log entry's), so a receiver
drops duplicates by it. A beat task re-queues pending deliveries whose message was lost.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import random
import secrets
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from core import changelog
from core.errors import DomainValidationError
from core.models import ChangeLogEntry, Membership
from core.services import model_update, require_admin
from core.webhook_models import WILDCARD_OP, WebhookAttempt, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

OPS = tuple(ChangeLogEntry.Op.values)
RETRY_WINDOW = timedelta(hours=24)
RETRY_BASE_SECONDS = 30.0
RETRY_CAP_SECONDS = 3600.0
REQUEST_TIMEOUT_SECONDS = 10
# A claimed delivery is not claimed again for this long (the task's hard time limit is shorter).
CLAIM_LEASE = timedelta(minutes=2)
# A Celery message may arrive a little early (clock skew between machines).
EARLY_TOLERANCE = timedelta(seconds=5)
# A pending delivery this far past its time lost its message: the sweeper queues it again.
REQUEUE_GRACE = timedelta(minutes=5)
SECRET_PREFIX = "whsec_"  # noqa: S105 - a public marker, not a secret
USER_AGENT = "Throughline-Webhooks/1"
# The order of a change's fields on the wire, as on the changes feed.
CHANGE_FIELDS = ("cursor", "type", "id", "op", "version", "at", "data")

_jitter = random.SystemRandom()
Status = WebhookDelivery.Status


# --- event types ---------------------------------------------------------------------------


def event_type_of(entry: ChangeLogEntry) -> str:
    return f"{entry.object_type}.{entry.op}"


def event_type_groups() -> list[tuple[str, list[str]]]:
    """Every event an admin can subscribe to, grouped by object type (wildcard first)."""
    return [
        (object_type, [f"{object_type}.{WILDCARD_OP}", *(f"{object_type}.{op}" for op in OPS)])
        for object_type in changelog.registered_types()
    ]


def _clean_event_types(event_types: Iterable[str]) -> list[str]:
    """Known events only, each once, in menu order; a type's wildcard replaces its single ops."""
    chosen = {e.strip() for e in event_types}
    known = [event for _, events in event_type_groups() for event in events]
    unknown = sorted(chosen - set(known))
    if unknown:
        raise DomainValidationError({"event_types": f"Unknown event type: {', '.join(unknown)}."})
    if not chosen:
        raise DomainValidationError({"event_types": "Choose at least one event."})
    wildcards = {e.rsplit(".", 1)[0] for e in chosen if e.endswith(f".{WILDCARD_OP}")}
    return [
        e
        for e in known
        if e in chosen and (e.endswith(f".{WILDCARD_OP}") or e.rsplit(".", 1)[0] not in wildcards)
    ]


# --- subscriptions -------------------------------------------------------------------------


def _allow_private_networks() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False))


def _is_private_address(value: str) -> bool:
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return False
    return not address.is_global


def clean_url(url: str) -> str:
    """An http(s) URL to a public address (unless private networks are allowed), trimmed."""
    url = (url or "").strip()
    if not url:
        raise DomainValidationError({"url": "Enter the URL that receives the events."})
    if len(url) > 2000:
        raise DomainValidationError({"url": "Use a URL of at most 2000 characters."})
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise DomainValidationError({"url": "Use an http:// or https:// URL."})
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise DomainValidationError(
            {"url": "Enter a full URL, such as https://example.com/hooks/throughline."}
        ) from exc
    host = (parts.hostname or "").lower()
    if not _allow_private_networks() and (
        host == "localhost" or host.endswith(".localhost") or _is_private_address(host)
    ):
        raise DomainValidationError(
            {"url": "This address is in a private network; webhooks go to public addresses only."}
        )
    return url


def _clean_subscription(*, url: str, event_types: Iterable[str]) -> dict[str, Any]:
    """Both fields checked, every error reported at once, each beside its field."""
    errors: dict[str, str | list[str]] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned["url"] = clean_url(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        cleaned["event_types"] = _clean_event_types(event_types)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise DomainValidationError(errors)
    return cleaned


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def webhook_subscription_create(
    *, actor: Membership, url: str, event_types: Iterable[str]
) -> WebhookSubscription:
    """Subscribe a URL to events. The new secret is on the returned object: show it once."""
    require_admin(actor)
    cleaned = _clean_subscription(url=url, event_types=event_types)
    subscription = WebhookSubscription(
        organization=actor.organization,
        url=cleaned["url"],
        event_types=cleaned["event_types"],
        secret=_new_secret(),
        created_by=actor.user,
    )
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *,
    actor: Membership,
    subscription: WebhookSubscription,
    url: str,
    event_types: Iterable[str],
) -> WebhookSubscription:
    """Change where and what is sent. Deliveries already queued go to the new URL."""
    require_admin(actor, subscription)
    data = _clean_subscription(url=url, event_types=event_types)
    model_update(instance=subscription, data=data, fields=["url", "event_types"])
    return subscription


@transaction.atomic
def webhook_subscription_set_active(
    *, actor: Membership, subscription: WebhookSubscription, active: bool
) -> WebhookSubscription:
    """Pause (or resume) a webhook. While paused, nothing is queued and queued ones fail."""
    require_admin(actor, subscription)
    model_update(instance=subscription, data={"is_active": active}, fields=["is_active"])
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, actor: Membership, subscription: WebhookSubscription) -> None:
    """Delete a webhook with its delivery log."""
    require_admin(actor, subscription)
    subscription.delete()


@transaction.atomic
def webhook_subscription_rotate_secret(
    *, actor: Membership, subscription: WebhookSubscription
) -> str:
    """A new signing secret, used from the next attempt on; the old one stops at once."""
    require_admin(actor, subscription)
    subscription.secret = _new_secret()
    subscription.save(update_fields=["secret", "updated_at"])
    return subscription.secret


@transaction.atomic
def webhook_delivery_redeliver(*, actor: Membership, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, with the same event id, and give it a fresh retry window."""
    subscription = delivery.subscription
    require_admin(actor, subscription)
    if not subscription.is_active:
        raise DomainValidationError({"delivery": "Activate the webhook before redelivering."})
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.PENDING,
        next_attempt_at=now,
        retry_until=now + RETRY_WINDOW,
        delivered_at=None,
    )
    delivery.refresh_from_db()
    transaction.on_commit(partial(_enqueue, [delivery.pk]))
    return delivery


# --- queueing deliveries after a change commits --------------------------------------------


def change_payload(entry: ChangeLogEntry) -> dict[str, Any]:
    """The change exactly as the changes feed shows it (JSON types only)."""
    from core.api.serializers import ChangeSerializer

    data = ChangeSerializer(entry).data
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def queue_deliveries(entries: Sequence[ChangeLogEntry]) -> list[WebhookDelivery]:
    """One delivery per change and matching active subscription, enqueued once committed.

    A constant number of queries per batch of changes: one for the subscriptions, one insert.
    """
    if not entries:
        return []
    wanted = {event_type_of(e) for e in entries} | {
        f"{e.object_type}.{WILDCARD_OP}" for e in entries
    }
    subscriptions = WebhookSubscription.objects.filter(
        organization_id__in={e.organization_id for e in entries},
        is_active=True,
        event_types__overlap=sorted(wanted),
    ).only("pk", "organization_id", "event_types")
    by_organization: dict[uuid.UUID, list[WebhookSubscription]] = defaultdict(list)
    for subscription in subscriptions:
        by_organization[subscription.organization_id].append(subscription)
    if not by_organization:
        return []
    now = timezone.now()
    deliveries: list[WebhookDelivery] = []
    for entry in entries:
        event_type = event_type_of(entry)
        receivers = [s for s in by_organization[entry.organization_id] if s.receives(event_type)]
        if not receivers:
            continue
        payload = change_payload(entry)
        deliveries.extend(
            WebhookDelivery(
                subscription_id=subscription.pk,
                event_id=entry.event_id,
                event_type=event_type,
                payload=payload,
                next_attempt_at=now,
                # Queued as of the change, so the log keeps the changes' order within a batch.
                created_at=entry.at,
                retry_until=entry.at + RETRY_WINDOW,
            )
            for subscription in receivers
        )
    if not deliveries:
        return []
    with transaction.atomic():
        # Ids are made here (UUIDs), so the ones to enqueue are known without reading back; a
        # conflict (the same event twice for a subscription) inserts nothing and its task no-ops.
        WebhookDelivery.objects.bulk_create(deliveries, batch_size=500, ignore_conflicts=True)
        transaction.on_commit(partial(_enqueue, [d.pk for d in deliveries]))
    return deliveries


def on_changes_recorded(entries: list[ChangeLogEntry]) -> None:
    """The change log's after-commit listener. Never lets an error reach the write that committed."""
    try:
        queue_deliveries(entries)
    except Exception:
        logger.exception("Could not queue webhook deliveries for %d change(s)", len(entries))


def _enqueue(delivery_ids: Sequence[uuid.UUID]) -> None:
    from core.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        try:
            deliver_webhook.delay(str(delivery_id))
        except Exception:
            # The broker is away: stop trying, the rows stay pending and the sweeper queues them.
            logger.exception("Could not enqueue webhook deliveries; the sweeper will retry them")
            return


@transaction.atomic
def webhook_requeue_overdue(*, limit: int = 1000) -> int:
    """Queue pending deliveries whose message was lost (broker restart, enqueue failure)."""
    now = timezone.now()
    due = list(
        WebhookDelivery.objects.select_for_update(skip_locked=True)
        .filter(status=Status.PENDING, next_attempt_at__lte=now - REQUEUE_GRACE)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if due:
        # Not due again for a grace period, so a slow queue is not flooded with the same ones.
        WebhookDelivery.objects.filter(pk__in=due).update(next_attempt_at=now)
        transaction.on_commit(partial(_enqueue, due))
    return len(due)


# --- sending -------------------------------------------------------------------------------


def retry_ceiling(attempt: int) -> float:
    """The longest wait after the ``attempt``-th failed try: doubles from 30 s up to 1 hour."""
    return min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** min(max(attempt, 1) - 1, 32))


def retry_delay(attempt: int, *, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempt``-th failed try: full jitter below the ceiling."""
    return (rng or _jitter).uniform(0, retry_ceiling(attempt))


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def request_body(payload: dict[str, Any]) -> bytes:
    ordered = {k: payload[k] for k in CHANGE_FIELDS if k in payload}
    ordered.update({k: v for k, v in payload.items() if k not in ordered})
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode()


class BlockedAddressError(OSError):
    """The URL's host resolves into a private network, which webhooks may not reach."""


_DEFAULT_TIMEOUT: Any = socket._GLOBAL_DEFAULT_TIMEOUT  # type: ignore[attr-defined]


def _public_connection(
    address: tuple[str, int],
    timeout: Any = _DEFAULT_TIMEOUT,
    source_address: tuple[str, int] | None = None,
) -> socket.socket:
    """socket.create_connection that refuses private addresses and connects to the ones checked
    (so a DNS answer cannot change between the check and the connect)."""
    host, port = address
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    for *_, sockaddr in infos:
        if _is_private_address(str(sockaddr[0])):
            raise BlockedAddressError(f"{host} resolves to {sockaddr[0]}, a private address")
    error: OSError | None = None
    for family, socktype, proto, _, sockaddr in infos:
        sock = socket.socket(family, socktype, proto)
        try:
            if timeout is not _DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError(f"Could not resolve {host}")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not _allow_private_networks():
            self._create_connection = _public_connection  # type: ignore[method-assign,assignment]


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not _allow_private_networks():
            self._create_connection = _public_connection  # type: ignore[method-assign,assignment]


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other non-2xx: recorded, not followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener() -> urllib.request.OpenerDirector:
    # No proxies from the environment: the private-address check must see the real target.
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirects, _GuardedHTTPHandler, _GuardedHTTPSHandler
    )


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _short(text: str, limit: int = 500) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def post_event(
    *, url: str, secret: str, event_id: uuid.UUID, event_type: str, payload: dict
) -> Answer:
    """POST one event, signed. Never raises: failures come back as the answer's error."""
    body = request_body(payload)
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - the URL was checked to be http(s)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Throughline-Event-Id": str(event_id),
            "Throughline-Event-Type": event_type,
            "Throughline-Timestamp": str(timestamp),
            "Throughline-Signature": signature_header(
                secret=secret, timestamp=timestamp, body=body
            ),
        },
    )
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    try:
        with _opener().open(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            status_code = response.status
    except urllib.error.HTTPError as exc:
        status_code = exc.code
        try:
            snippet = exc.read(300).decode("utf-8", "replace")
        except Exception:
            snippet = ""
        finally:
            exc.close()
        # The status code is kept apart; the error says what else came back.
        error = str(exc.reason) + (f": {snippet}" if snippet.strip() else "")
        if 300 <= exc.code < 400:
            error = "Redirects are not followed; use the final URL."
    except urllib.error.URLError as exc:
        error = f"Could not connect: {exc.reason}"
    except TimeoutError:
        error = f"No answer within {REQUEST_TIMEOUT_SECONDS} s"
    except Exception as exc:  # a broken receiver must not break the worker
        error = f"{type(exc).__name__}: {exc}"
    return Answer(
        status_code=status_code,
        error=_short(error),
        duration_ms=int((time.monotonic() - started) * 1000),
    )


@dataclass(frozen=True)
class AttemptResult:
    outcome: str  # "delivered", "retry", "failed" or "skipped"
    retry_in: float | None = None


SKIPPED = AttemptResult("skipped")


def webhook_delivery_attempt(*, delivery_id: uuid.UUID | str) -> AttemptResult:
    """Try one delivery once; decide what comes next. Safe to run twice, and concurrently.

    A delivery is claimed with one conditional UPDATE, so of two workers given the same
    delivery only one sends it; one already delivered, failed or not yet due is skipped.
    """
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now + EARLY_TOLERANCE
    ).update(next_attempt_at=now + CLAIM_LEASE)
    if not claimed:
        return SKIPPED
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
            status=Status.FAILED,
            next_attempt_at=None,
            last_error="Not sent: the webhook was deactivated.",
        )
        return AttemptResult("failed")
    answer = post_event(
        url=subscription.url,
        secret=subscription.secret,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        payload=delivery.payload,
    )
    finished = timezone.now()
    changes: dict[str, Any] = {
        "attempts": delivery.attempts + 1,
        "last_status_code": answer.status_code,
        "last_error": answer.error,
    }
    if answer.ok:
        result = AttemptResult("delivered")
        changes.update(status=Status.DELIVERED, delivered_at=finished, next_attempt_at=None)
    elif finished >= delivery.retry_until:
        result = AttemptResult("failed")
        changes.update(status=Status.FAILED, next_attempt_at=None)
    else:
        next_at = min(
            finished + timedelta(seconds=retry_delay(delivery.attempts + 1)), delivery.retry_until
        )
        result = AttemptResult("retry", retry_in=(next_at - finished).total_seconds())
        changes.update(next_attempt_at=next_at)
    with transaction.atomic():
        # The row may have been deleted (with its webhook) while the request was out.
        if WebhookDelivery.objects.filter(pk=delivery.pk).update(**changes):
            WebhookAttempt.objects.create(
                delivery_id=delivery.pk,
                at=finished,
                status_code=answer.status_code,
                error=answer.error,
                duration_ms=answer.duration_ms,
            )
    return result
