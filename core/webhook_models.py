"""Outbound webhooks: subscriptions, one delivery per (change, subscription), and its attempts.

Imported at the end of core/models.py so Django finds them; the workflows live in core/webhooks.py.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from core.models import Organization, User

__all__ = ["WebhookAttempt", "WebhookDelivery", "WebhookSubscription"]

WILDCARD_OP = "*"


class WebhookSubscription(models.Model):
    """A URL an admin subscribed to change events, with the secret its deliveries are signed with.

    ``event_types`` holds feed events such as ``work_package.created``, or ``work_package.*``
    for every change of that object type. The secret is kept (not hashed): it signs each request.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField("payload URL", max_length=2000)
    event_types = ArrayField(models.CharField(max_length=80))
    secret = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "webhook"
        indexes = [models.Index(fields=["organization", "is_active"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(event_types__len__gte=1),
                name="webhook_subscription_has_events",
            )
        ]

    def __str__(self) -> str:
        return self.url

    def receives(self, event_type: str) -> bool:
        object_type = event_type.rsplit(".", 1)[0]
        return event_type in self.event_types or f"{object_type}.{WILDCARD_OP}" in self.event_types

    @property
    def secret_hint(self) -> str:
        """Enough of the secret to recognise it, not to use it."""
        return f"{self.secret[:10]}…"


class WebhookDelivery(models.Model):
    """One change for one subscription. Retries and redeliveries reuse it, and its event id."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(help_text="The change log entry's event id.")
    event_type = models.CharField(max_length=80)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    retry_until = models.DateTimeField(help_text="No retry is scheduled after this time.")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once_per_event"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "delivered", "failed"]),
                name="webhook_delivery_status_valid",
            ),
        ]
        indexes = [
            # The delivery log, newest first.
            models.Index(fields=["subscription", "-created_at", "-id"]),
            # The sweeper's "pending and overdue".
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a delivery: what came back and how long it took."""

    id = models.BigAutoField(primary_key=True)
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["delivery", "-at"])]

    def __str__(self) -> str:
        return f"Attempt at {self.at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
