"""Reads for webhooks, scoped to one organization: subscriptions and their delivery log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from core.models import Organization
from core.webhook_models import WebhookAttempt, WebhookDelivery, WebhookSubscription

DELIVERIES_PER_PAGE = 50
ATTEMPTS_SHOWN = 10  # per delivery, newest first; the count of all is on the delivery


def webhook_subscription_list(*, organization: Organization) -> QuerySet[WebhookSubscription]:
    """The organization's webhooks, each with its latest delivery's status and time."""
    latest = WebhookDelivery.objects.filter(subscription=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    return (
        WebhookSubscription.objects.filter(organization=organization)
        .annotate(
            last_delivery_status=Subquery(latest.values("status")[:1]),
            last_delivery_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("-is_active", "created_at")
    )


def webhook_subscription_get(*, organization: Organization, subscription_id) -> WebhookSubscription:
    return WebhookSubscription.objects.select_related("created_by").get(
        organization=organization, pk=subscription_id
    )


def webhook_delivery_get(
    *, organization: Organization, subscription_id, delivery_id
) -> WebhookDelivery:
    return WebhookDelivery.objects.select_related("subscription").get(
        pk=delivery_id, subscription_id=subscription_id, subscription__organization=organization
    )


@dataclass(frozen=True)
class DeliveryPage:
    results: Sequence[WebhookDelivery]
    older: str | None  # the ``before`` value of the next (older) page, if there is one


def webhook_delivery_page(
    *,
    subscription: WebhookSubscription,
    before: str | None = None,
    limit: int = DELIVERIES_PER_PAGE,
) -> DeliveryPage:
    """A page of a webhook's delivery log, newest first, each with its latest attempts.

    Paged by key (``before`` is the id of the last delivery on the previous page), so a page
    costs the same however long the log is.
    """
    deliveries = WebhookDelivery.objects.filter(subscription=subscription)
    if before:
        try:
            anchor = deliveries.values("created_at", "id").get(pk=before)
        except (WebhookDelivery.DoesNotExist, ValidationError):
            anchor = None
        if anchor is not None:
            deliveries = deliveries.filter(
                Q(created_at__lt=anchor["created_at"])
                | Q(created_at=anchor["created_at"], id__lt=anchor["id"])
            )
    rows = list(
        deliveries.order_by("-created_at", "-id")
        .defer("payload")  # the log does not show it, and it can be large
        .prefetch_related(
            Prefetch(
                "attempt_log",
                queryset=WebhookAttempt.objects.order_by("-at", "-id")[:ATTEMPTS_SHOWN],
                to_attr="recent_attempts",
            )
        )[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    return DeliveryPage(results=rows, older=str(rows[-1].pk) if has_more else None)
