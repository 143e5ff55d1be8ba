"""Outbound webhooks, against a real HTTP receiver on loopback: queueing, signing, retries, pages."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import statistics
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from config.celery_app import app as celery_app
from core import webhooks
from core.errors import DomainValidationError, NotPermittedError
from core.models import ChangeLogEntry, Role
from core.tasks import deliver_webhook
from core.tests.factories import MembershipFactory
from core.tests.test_views import field_errors
from core.webhook_models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from planning import services as planning_services

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


# --- a real receiver on 127.0.0.1 ----------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """An HTTP server in a thread that records every request and answers from a script."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.answers: list[int] = []  # status codes to answer, in order; then 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok" if status < 400 else b"no")

            def log_message(self, *args) -> None:  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True  # the receiver is on loopback
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def celery_eager():
    """Run enqueued tasks in place, so a test follows a change all the way to the receiver."""
    before = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


def subscribe(actor, url, event_types) -> WebhookSubscription:
    return webhooks.webhook_subscription_create(actor=actor, url=url, event_types=event_types)


def verify(received: Received, secret: str) -> bool:
    """What a receiver does: recompute the HMAC over "<t>.<body>" and compare."""
    parts = dict(p.split("=", 1) for p in received.headers["Throughline-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), parts["t"].encode() + b"." + received.body, hashlib.sha256
    ).hexdigest()
    return parts["t"] == received.headers["Throughline-Timestamp"] and hmac.compare_digest(
        parts["v1"], expected
    )


def commit(callbacks, django_capture_on_commit_callbacks) -> list:
    """Run the callbacks a committed transaction would run; return the ones they schedule."""
    with django_capture_on_commit_callbacks() as scheduled:
        for callback in callbacks:
            callback()
    return scheduled


def create_work_package(actor, team, django_capture_on_commit_callbacks, title="Pilot"):
    with django_capture_on_commit_callbacks() as callbacks:
        work_package = planning_services.work_package_create(actor=actor, title=title, team=team)
    return work_package, callbacks


def make_delivery(subscription, **fields) -> WebhookDelivery:
    now = timezone.now()
    defaults = {
        "event_id": uuid.uuid4(),
        "event_type": "work_package.created",
        "payload": {"cursor": "1", "type": "work_package", "id": "x", "op": "created"},
        "next_attempt_at": now,
        "retry_until": now + webhooks.RETRY_WINDOW,
        "created_at": now,
    }
    return WebhookDelivery.objects.create(subscription=subscription, **{**defaults, **fields})


# --- from a change to the receiver ---------------------------------------------------------


def test_a_created_work_package_is_delivered_once_per_matching_subscription_after_commit(
    admin, team, other_org, receiver, celery_eager, client_for, django_capture_on_commit_callbacks
):
    exact = subscribe(admin, receiver.url("/exact"), ["work_package.created"])
    wildcard = subscribe(admin, receiver.url("/wildcard"), ["work_package.*"])
    other_event = subscribe(admin, receiver.url("/deleted"), ["work_package.deleted"])
    paused = subscribe(admin, receiver.url("/paused"), ["work_package.created"])
    webhooks.webhook_subscription_set_active(actor=admin, subscription=paused, active=False)
    foreign_admin = MembershipFactory(organization=other_org, role=Role.ADMIN)
    foreign = subscribe(foreign_admin, receiver.url("/foreign"), ["work_package.*"])

    work_package, committed = create_work_package(admin, team, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 0, "nothing before the write commits"

    enqueued = commit(committed, django_capture_on_commit_callbacks)
    entry = ChangeLogEntry.objects.get(object_id=work_package.pk)
    deliveries = {d.subscription_id: d for d in WebhookDelivery.objects.all()}
    assert set(deliveries) == {exact.pk, wildcard.pk}
    assert other_event.pk not in deliveries
    assert paused.pk not in deliveries
    assert foreign.pk not in deliveries
    for delivery in deliveries.values():
        assert delivery.event_id == entry.event_id
        assert delivery.event_type == "work_package.created"
        assert delivery.status == Status.PENDING
        assert delivery.retry_until == delivery.created_at + timedelta(hours=24)
    # The payload is the change exactly as the changes feed shows it.
    feed = client_for(admin).get("/api/v1/changes/").json()["results"]
    assert deliveries[exact.pk].payload == feed[-1]
    assert receiver.requests == [], "nothing is sent before the deliveries are committed"

    assert len(enqueued) == 1  # one callback enqueues the batch, one task per delivery
    enqueued[0]()

    assert sorted(r.path for r in receiver.requests) == ["/exact", "/wildcard"]
    secrets_by_path = {"/exact": exact.secret, "/wildcard": wildcard.secret}
    for received in receiver.requests:
        assert received.headers["Content-Type"] == "application/json"
        assert received.headers["Throughline-Event-Id"] == str(entry.event_id)
        assert received.headers["Throughline-Event-Type"] == "work_package.created"
        assert received.json == feed[-1]
        assert verify(received, secrets_by_path[received.path])
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.DELIVERED}
    assert WebhookAttempt.objects.filter(status_code=200).count() == 2


def test_nothing_is_queued_when_the_write_rolls_back(
    admin, team, django_capture_on_commit_callbacks
):
    subscribe(admin, "https://example.com/hooks", ["work_package.*"])

    def write_then_fail():
        with transaction.atomic():
            planning_services.work_package_create(actor=admin, title="Never", team=team)
            raise RuntimeError("abandon the write")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        write_then_fail()
    assert callbacks == []
    assert WebhookDelivery.objects.count() == 0


def test_events_that_match_no_subscription_send_nothing(
    admin, team, receiver, celery_eager, django_capture_on_commit_callbacks
):
    deleted_only = subscribe(admin, receiver.url(), ["work_package.deleted"])
    subscribe(admin, receiver.url("/strategy"), ["strategic_objective.*"])

    work_package, committed = create_work_package(admin, team, django_capture_on_commit_callbacks)
    assert commit(committed, django_capture_on_commit_callbacks) == []
    assert WebhookDelivery.objects.count() == 0

    with django_capture_on_commit_callbacks() as committed:
        planning_services.work_package_delete(actor=admin, work_package=work_package)
    for callback in commit(committed, django_capture_on_commit_callbacks):
        callback()
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription == deleted_only
    assert delivery.event_type == "work_package.deleted"
    assert [r.path for r in receiver.requests] == ["/hooks"]
    assert receiver.requests[0].json["data"] is None


def test_another_organizations_subscription_gets_nothing(
    admin, team, other_org, django_capture_on_commit_callbacks
):
    foreign_admin = MembershipFactory(organization=other_org, role=Role.ADMIN)
    subscribe(foreign_admin, "https://example.com/hooks", ["work_package.*"])
    _, committed = create_work_package(admin, team, django_capture_on_commit_callbacks)
    assert commit(committed, django_capture_on_commit_callbacks) == []
    assert WebhookDelivery.objects.count() == 0


def test_a_failing_listener_never_breaks_the_write(
    admin, team, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    subscribe(admin, "https://example.com/hooks", ["work_package.*"])

    def broken(entries):
        raise RuntimeError("webhook storage is down")

    monkeypatch.setattr(webhooks, "queue_deliveries", broken)
    with caplog.at_level(logging.ERROR, logger="core.webhooks"):
        work_package, committed = create_work_package(
            admin, team, django_capture_on_commit_callbacks
        )
        commit(committed, django_capture_on_commit_callbacks)  # does not raise
    assert ChangeLogEntry.objects.filter(object_id=work_package.pk).exists()
    assert "Could not queue webhook deliveries" in caplog.text


# --- attempts, retries, backoff, the 24-hour window ----------------------------------------


def test_a_failed_attempt_is_retried_later_with_the_same_event_id(admin, receiver):
    subscription = subscribe(admin, receiver.url(), ["work_package.*"])
    delivery = make_delivery(subscription)
    receiver.answers = [500, 200]

    before = timezone.now()
    first = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert first.outcome == "retry"
    assert 0 <= first.retry_in <= webhooks.RETRY_BASE_SECONDS
    assert delivery.status == Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.last_error == "Internal Server Error: no"
    assert before <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=30)

    # Run again before it is due (a duplicate message): nothing is sent.
    if delivery.next_attempt_at > timezone.now() + webhooks.EARLY_TOLERANCE:
        assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk).outcome == "skipped"
        assert len(receiver.requests) == 1

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert deliver_webhook.apply(args=[str(delivery.pk)]).get() == "delivered"
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts == 2
    assert delivery.last_status_code == 200
    assert delivery.last_error == ""
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None

    first_request, retry = receiver.requests
    assert first_request.headers["Throughline-Event-Id"] == str(delivery.event_id)
    assert retry.headers["Throughline-Event-Id"] == str(delivery.event_id)
    assert first_request.body == retry.body
    assert verify(first_request, subscription.secret)
    assert verify(retry, subscription.secret)
    assert list(delivery.attempt_log.order_by("at").values_list("status_code", flat=True)) == [
        500,
        200,
    ]

    # Safe to run twice: a delivered delivery is not sent again.
    assert deliver_webhook.apply(args=[str(delivery.pk)]).get() == "skipped"
    assert len(receiver.requests) == 2


def test_the_signature_verifies_with_the_secret_only(admin, receiver):
    subscription = subscribe(admin, receiver.url(), ["work_package.*"])
    delivery = make_delivery(subscription)
    deliver_webhook.apply(args=[str(delivery.pk)])
    (received,) = receiver.requests
    assert verify(received, subscription.secret)
    assert not verify(received, subscription.secret + "x")
    assert abs(int(received.headers["Throughline-Timestamp"]) - time.time()) < 5
    tampered = Received(received.path, received.headers, received.body.replace(b"1", b"2", 1))
    assert not verify(tampered, subscription.secret)


def test_backoff_grows_exponentially_up_to_a_cap_with_full_jitter():
    ceilings = [webhooks.retry_ceiling(n) for n in range(1, 12)]
    assert ceilings[:4] == [30, 60, 120, 240]
    assert ceilings[-1] == 3600
    assert max(ceilings) == 3600
    assert ceilings == sorted(ceilings)

    rng = random.Random(20261125)  # noqa: S311 - seeded, so the test repeats exactly
    means = []
    for attempt in range(1, 9):
        samples = [webhooks.retry_delay(attempt, rng=rng) for _ in range(2000)]
        ceiling = webhooks.retry_ceiling(attempt)
        assert all(0 <= s <= ceiling for s in samples)
        assert len({round(s, 3) for s in samples}) > 1900, "jittered, not fixed"
        assert min(samples) < ceiling * 0.05, "full jitter reaches down to zero"
        assert max(samples) > ceiling * 0.95, "and up to the ceiling"
        means.append(statistics.fmean(samples))
    assert means == sorted(means), "delays grow with each attempt"
    assert 3600 * 0.45 < means[-1] < 3600 * 0.55
    assert webhooks.retry_delay(1000) <= 3600


def test_a_delivery_past_its_24_hours_is_marked_failed(admin, receiver):
    subscription = subscribe(admin, receiver.url(), ["work_package.*"])
    long_ago = timezone.now() - timedelta(hours=25)
    delivery = make_delivery(
        subscription,
        created_at=long_ago,
        retry_until=long_ago + webhooks.RETRY_WINDOW,
        attempts=40,
        next_attempt_at=timezone.now(),
    )
    receiver.answers = [503]
    assert deliver_webhook.apply(args=[str(delivery.pk)]).get() == "failed"
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.attempts == 41
    assert delivery.last_status_code == 503
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == 1
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk).outcome == "skipped"


def test_the_last_retry_is_at_the_end_of_the_window_not_after_it(admin, receiver):
    subscription = subscribe(admin, receiver.url(), ["work_package.*"])
    deadline = timezone.now() + timedelta(seconds=2)
    delivery = make_delivery(subscription, attempts=30, retry_until=deadline)
    receiver.answers = [500]
    result = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert result.outcome == "retry"
    assert delivery.next_attempt_at <= deadline
    assert result.retry_in <= 2


def test_unreachable_receivers_and_redirects_are_logged_as_failed_attempts(admin, receiver):
    subscription = subscribe(admin, receiver.url(), ["work_package.*"])
    receiver.answers = [302]
    redirected = make_delivery(subscription)
    webhooks.webhook_delivery_attempt(delivery_id=redirected.pk)
    redirected.refresh_from_db()
    assert redirected.last_status_code == 302
    assert "Redirects are not followed" in redirected.last_error
    assert [r.path for r in receiver.requests] == ["/hooks"]

    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens on this port any more
    gone = subscribe(admin, f"http://127.0.0.1:{port}/hooks", ["work_package.*"])
    delivery = make_delivery(gone)
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk).outcome == "retry"
    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert "Could not connect" in delivery.last_error
    assert delivery.attempt_log.get().status_code is None


def test_private_addresses_are_refused_unless_allowed(admin, receiver, settings):
    subscription = subscribe(admin, receiver.url(), ["work_package.*"])  # allowed in tests
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    for url in ("http://127.0.0.1:8000/hooks", "http://localhost/hooks", "http://10.1.2.3/"):
        with pytest.raises(DomainValidationError) as excinfo:
            subscribe(admin, url, ["work_package.*"])
        assert "private network" in " ".join(excinfo.value.message_dict["url"])

    delivery = make_delivery(subscription)
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk).outcome == "retry"
    delivery.refresh_from_db()
    assert "a private address" in delivery.last_error
    assert receiver.requests == []


def test_a_deactivated_webhook_sends_nothing_and_its_queued_deliveries_fail(admin, receiver):
    subscription = subscribe(admin, receiver.url(), ["work_package.*"])
    delivery = make_delivery(subscription)
    webhooks.webhook_subscription_set_active(actor=admin, subscription=subscription, active=False)
    assert deliver_webhook.apply(args=[str(delivery.pk)]).get() == "failed"
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert "deactivated" in delivery.last_error
    assert receiver.requests == []


def test_the_sweeper_queues_again_only_overdue_pending_deliveries(
    admin, django_capture_on_commit_callbacks
):
    subscription = subscribe(admin, "https://example.com/hooks", ["work_package.*"])
    now = timezone.now()
    lost = make_delivery(subscription, next_attempt_at=now - timedelta(minutes=10))
    make_delivery(subscription, next_attempt_at=now - timedelta(minutes=1))  # its message is due
    make_delivery(subscription, next_attempt_at=now + timedelta(minutes=10))
    make_delivery(subscription, status=Status.DELIVERED, next_attempt_at=now - timedelta(hours=1))
    with django_capture_on_commit_callbacks() as callbacks:
        assert webhooks.webhook_requeue_overdue() == 1
    assert len(callbacks) == 1
    lost.refresh_from_db()
    assert lost.next_attempt_at >= now
    with django_capture_on_commit_callbacks():
        assert webhooks.webhook_requeue_overdue() == 0, "not again within the grace period"


# --- services: who may change what ---------------------------------------------------------


def test_only_admins_manage_webhooks(leader, admin):
    with pytest.raises(NotPermittedError):
        subscribe(leader, "https://example.com/hooks", ["work_package.*"])
    subscription = subscribe(admin, "https://example.com/hooks", ["work_package.*"])
    with pytest.raises(NotPermittedError):
        webhooks.webhook_subscription_rotate_secret(actor=leader, subscription=subscription)
    with pytest.raises(NotPermittedError):
        webhooks.webhook_subscription_delete(actor=leader, subscription=subscription)
    assert WebhookSubscription.objects.get().secret == subscription.secret


def test_subscriptions_name_each_bad_field_and_tidy_event_types(admin):
    with pytest.raises(DomainValidationError) as excinfo:
        subscribe(admin, "ftp://example.com/x", ["work_package.exploded"])
    errors = excinfo.value.message_dict
    assert errors["url"] == ["Use an http:// or https:// URL."]
    assert "work_package.exploded" in errors["event_types"][0]
    with pytest.raises(DomainValidationError) as excinfo:
        subscribe(admin, "https://", [])
    assert set(excinfo.value.message_dict) == {"url", "event_types"}
    assert WebhookSubscription.objects.count() == 0

    subscription = subscribe(
        admin,
        " https://example.com/hooks ",
        ["work_package.updated", "initiative.created", "work_package.*", "initiative.created"],
    )
    assert subscription.url == "https://example.com/hooks"
    assert subscription.event_types == ["initiative.created", "work_package.*"]
    assert subscription.secret.startswith("whsec_")
    assert len(subscription.secret) > 40
    assert subscription.created_by == admin.user


def test_rotating_the_secret_signs_the_next_attempt_with_the_new_one(admin, receiver):
    subscription = subscribe(admin, receiver.url(), ["work_package.*"])
    old = subscription.secret
    new = webhooks.webhook_subscription_rotate_secret(actor=admin, subscription=subscription)
    assert new != old
    deliver_webhook.apply(args=[str(make_delivery(subscription).pk)])
    assert verify(receiver.requests[0], new)
    assert not verify(receiver.requests[0], old)


# --- pages ---------------------------------------------------------------------------------

LIST = "/settings/webhooks/"


def detail_url(subscription) -> str:
    return f"/settings/webhooks/{subscription.pk}/"


def test_non_admins_get_403_on_every_webhook_page(client_for, admin, leader, member):
    subscription = subscribe(admin, "https://example.com/hooks", ["work_package.*"])
    delivery = make_delivery(subscription)
    for person in (leader, member):
        client = client_for(person)
        assert client.get(LIST).status_code == 403
        assert (
            client.post(
                LIST, {"url": "https://x.example/", "event_types": ["work_package.*"]}
            ).status_code
            == 403
        )
        assert client.get(detail_url(subscription)).status_code == 403
        for action in (
            "active/",
            "delete/",
            "rotate-secret/",
            f"deliveries/{delivery.pk}/redeliver/",
        ):
            assert client.post(detail_url(subscription) + action).status_code == 403
    assert WebhookSubscription.objects.get().secret == subscription.secret


def test_another_organizations_webhooks_are_404(client_for, admin, other_org):
    foreign_admin = MembershipFactory(organization=other_org, role=Role.ADMIN)
    foreign = subscribe(foreign_admin, "https://example.com/hooks", ["work_package.*"])
    foreign_delivery = make_delivery(foreign)
    mine = subscribe(admin, "https://example.com/mine", ["work_package.*"])
    client = client_for(admin)
    assert client.get(detail_url(foreign)).status_code == 404
    for action in (
        "active/",
        "delete/",
        "rotate-secret/",
        f"deliveries/{foreign_delivery.pk}/redeliver/",
    ):
        assert client.post(detail_url(foreign) + action).status_code == 404
    # Another organization's delivery under one's own webhook is no more found.
    response = client.post(detail_url(mine) + f"deliveries/{foreign_delivery.pk}/redeliver/")
    assert response.status_code == 404
    stored = WebhookSubscription.objects.get(pk=foreign.pk)
    assert (stored.is_active, stored.secret) == (True, foreign.secret)
    assert WebhookDelivery.objects.get(pk=foreign_delivery.pk).status == Status.PENDING


def test_creating_a_webhook_shows_its_secret_once(client_for, admin):
    client = client_for(admin)
    page = client.get(LIST)
    html = page.content.decode()
    assert 'name="event_types" value="work_package.created"' in html
    assert 'name="event_types" value="strategic_objective.*"' in html

    response = client.post(
        LIST,
        {
            "url": "https://example.com/hooks",
            "event_types": ["work_package.created", "work_package.deleted"],
        },
    )
    subscription = WebhookSubscription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(subscription)
    assert subscription.event_types == ["work_package.created", "work_package.deleted"]
    assert subscription.organization == admin.organization

    shown = client.get(detail_url(subscription)).content.decode()
    assert subscription.secret in shown
    assert "Copy the signing secret now" in shown
    again = client.get(detail_url(subscription)).content.decode()
    assert subscription.secret not in again
    assert subscription.secret_hint in again
    assert "https://example.com/hooks" in client.get(LIST).content.decode()


def test_bad_input_shows_errors_beside_the_fields_and_writes_nothing(client_for, admin):
    client = client_for(admin)
    response = client.post(LIST, {"url": "ftp://example.com/x"})
    assert response.status_code == 200
    assert "Choose at least one event." in field_errors(response, "event_types")
    assert WebhookSubscription.objects.count() == 0

    response = client.post(LIST, {"url": "ftp://example.com/x", "event_types": ["work_package.*"]})
    assert response.status_code == 200
    assert "http:// or https://" in field_errors(response, "url")
    assert WebhookSubscription.objects.count() == 0

    response = client.post(LIST, {"url": "https://example.com/", "event_types": ["nope.created"]})
    assert "valid choice" in field_errors(response, "event_types")
    assert WebhookSubscription.objects.count() == 0

    subscription = subscribe(admin, "https://example.com/hooks", ["work_package.*"])
    response = client.post(detail_url(subscription), {"url": "not a url", "event_types": []})
    assert response.status_code == 200
    assert field_errors(response, "url")
    assert field_errors(response, "event_types")
    stored = WebhookSubscription.objects.get()
    assert (stored.url, stored.event_types, stored.updated_at) == (
        subscription.url,
        subscription.event_types,
        subscription.updated_at,
    )


def test_an_admin_edits_pauses_rotates_and_deletes_a_webhook(client_for, admin):
    subscription = subscribe(admin, "https://example.com/hooks", ["work_package.*"])
    client = client_for(admin)
    response = client.post(
        detail_url(subscription),
        {"url": "https://example.com/v2", "event_types": ["initiative.*", "work_package.updated"]},
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.url == "https://example.com/v2"
    assert subscription.event_types == ["initiative.*", "work_package.updated"]

    client.post(detail_url(subscription) + "active/", {"active": "0"})
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert "Inactive: nothing is sent" in client.get(detail_url(subscription)).content.decode()
    client.post(detail_url(subscription) + "active/", {"active": "1"})
    subscription.refresh_from_db()
    assert subscription.is_active

    old = subscription.secret
    response = client.post(detail_url(subscription) + "rotate-secret/")
    assert response["Location"] == detail_url(subscription)
    subscription.refresh_from_db()
    assert subscription.secret != old
    assert subscription.secret in client.get(detail_url(subscription)).content.decode()

    make_delivery(subscription)
    response = client.post(detail_url(subscription) + "delete/")
    assert response["Location"] == LIST
    assert WebhookSubscription.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0
    assert client.get(detail_url(subscription)).status_code == 404


def test_redeliver_sends_again_with_the_same_event_id(
    client_for, admin, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(admin, receiver.url(), ["work_package.*"])
    delivery = make_delivery(subscription)
    deliver_webhook.apply(args=[str(delivery.pk)])
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED

    client = client_for(admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(detail_url(subscription) + f"deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 302
    assert len(callbacks) == 1  # enqueued after commit
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING
    assert delivery.retry_until > timezone.now() + timedelta(hours=23)

    assert deliver_webhook.apply(args=[str(delivery.pk)]).get() == "delivered"
    first, again = receiver.requests
    assert first.headers["Throughline-Event-Id"] == again.headers["Throughline-Event-Id"]
    assert again.headers["Throughline-Event-Id"] == str(delivery.event_id)
    assert first.body == again.body
    delivery.refresh_from_db()
    assert delivery.attempts == 2

    page = client.get(detail_url(subscription)).content.decode()
    assert str(delivery.event_id) in page
    assert "HTTP 200" in page


def test_a_paused_webhook_cannot_be_redelivered(client_for, admin):
    subscription = subscribe(admin, "https://example.com/hooks", ["work_package.*"])
    delivery = make_delivery(subscription, status=Status.FAILED, next_attempt_at=None)
    webhooks.webhook_subscription_set_active(actor=admin, subscription=subscription, active=False)
    client = client_for(admin)
    response = client.post(
        detail_url(subscription) + f"deliveries/{delivery.pk}/redeliver/", follow=True
    )
    assert "Activate the webhook before redelivering." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED


def test_the_navigation_links_to_webhooks_for_admins_only(client_for, admin, leader):
    assert 'href="/settings/webhooks/"' in client_for(admin).get(LIST).content.decode()
    assert 'href="/settings/webhooks/"' not in client_for(leader).get("/").content.decode()


def test_the_delivery_log_pages_by_key_newest_first(client_for, admin):
    subscription = subscribe(admin, "https://example.com/hooks", ["work_package.*"])
    start = timezone.now() - timedelta(hours=1)
    made = [make_delivery(subscription, created_at=start + timedelta(seconds=i)) for i in range(55)]
    client = client_for(admin)
    first = client.get(detail_url(subscription)).content.decode()
    assert first.index(str(made[-1].event_id)) < first.index(str(made[-2].event_id))
    assert str(made[4].event_id) not in first
    assert f"?before={made[5].pk}" in first
    older = client.get(detail_url(subscription) + f"?before={made[5].pk}").content.decode()
    assert all(str(d.event_id) in older for d in made[:5])
    assert str(made[5].event_id) not in older
    assert "Older deliveries" not in older


ROWS = [1, 30]
WEBHOOKS_PAGE_QUERIES = 5
WEBHOOK_PAGE_QUERIES = 7


def _webhooks(organization_admin, rows: int) -> list[WebhookSubscription]:
    subscriptions = [
        subscribe(organization_admin, f"https://example.com/hooks/{i}", ["work_package.*"])
        for i in range(rows)
    ]
    for subscription in subscriptions:
        make_delivery(subscription)
    return subscriptions


@pytest.mark.parametrize("rows", ROWS)
def test_the_webhooks_page_query_count_does_not_grow_with_rows(
    client_for, admin, rows, django_assert_num_queries
):
    _webhooks(admin, rows)
    client = client_for(admin)
    with django_assert_num_queries(WEBHOOKS_PAGE_QUERIES):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response.content.decode().count('data-label="Payload URL"') == rows


@pytest.mark.parametrize("rows", ROWS)
def test_the_webhook_page_query_count_does_not_grow_with_rows(
    client_for, admin, rows, django_assert_num_queries
):
    subscription = subscribe(admin, "https://example.com/hooks", ["work_package.*"])
    for i in range(rows):
        delivery = make_delivery(subscription, attempts=2, status=Status.FAILED)
        for code in (500, 502 + i % 2):
            WebhookAttempt.objects.create(delivery=delivery, status_code=code, duration_ms=12)
    client = client_for(admin)
    with django_assert_num_queries(WEBHOOK_PAGE_QUERIES):
        response = client.get(detail_url(subscription))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-label="Event"') == rows
    assert html.count("Redeliver</button>") == rows
    assert html.count("HTTP 500") == rows
