"""The admin's webhook pages under organization settings: subscriptions and their delivery log."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import webhooks
from core.decorators import membership_required
from core.errors import apply_to_form
from core.forms import bound_data
from core.webhook_forms import WebhookSubscriptionForm
from core.webhook_models import WebhookDelivery, WebhookSubscription
from core.webhook_selectors import (
    webhook_delivery_get,
    webhook_delivery_page,
    webhook_subscription_get,
    webhook_subscription_list,
)


def _admin_only(request) -> None:
    if not request.membership.is_admin:
        raise PermissionDenied("Only an organization admin can change its settings.")


def _reveal_key(subscription_id) -> str:
    return f"webhook_secret:{subscription_id}"


def _reveal_once(request, subscription: WebhookSubscription) -> None:
    """Keep the secret server-side until the next page shows it (once; never in a cookie)."""
    request.session[_reveal_key(subscription.pk)] = subscription.secret


def _subscription_or_404(request, subscription_id) -> WebhookSubscription:
    try:
        return webhook_subscription_get(
            organization=request.organization, subscription_id=subscription_id
        )
    except (WebhookSubscription.DoesNotExist, ValidationError) as exc:
        raise Http404("No such webhook") from exc


@membership_required
def webhook_list(request):
    _admin_only(request)
    form = WebhookSubscriptionForm(bound_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            subscription = webhooks.webhook_subscription_create(
                actor=request.membership, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            _reveal_once(request, subscription)
            messages.success(request, "Webhook created.")
            return redirect("core:webhook_detail", subscription.pk)
    return render(
        request,
        "core/settings/webhooks.html",
        {
            "subscriptions": webhook_subscription_list(organization=request.organization),
            "form": form,
            "tab": "webhooks",
        },
    )


@membership_required
def webhook_detail(request, subscription_id):
    _admin_only(request)
    subscription = _subscription_or_404(request, subscription_id)
    form = WebhookSubscriptionForm(
        bound_data(request),
        initial={"url": subscription.url, "event_types": subscription.event_types},
    )
    if request.method == "POST" and form.is_valid():
        try:
            webhooks.webhook_subscription_update(
                actor=request.membership, subscription=subscription, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Webhook saved.")
            return redirect("core:webhook_detail", subscription.pk)
    if request.method == "POST":
        subscription.refresh_from_db()  # show what is stored, not the refused input
    return render(
        request,
        "core/settings/webhook_detail.html",
        {
            "subscription": subscription,
            "form": form,
            "deliveries": webhook_delivery_page(
                subscription=subscription, before=request.GET.get("before")
            ),
            "new_secret": request.session.pop(_reveal_key(subscription.pk), None),
            "tab": "webhooks",
        },
    )


@require_POST
@membership_required
def webhook_set_active(request, subscription_id):
    _admin_only(request)
    subscription = _subscription_or_404(request, subscription_id)
    active = request.POST.get("active") == "1"
    webhooks.webhook_subscription_set_active(
        actor=request.membership, subscription=subscription, active=active
    )
    if active:
        messages.success(request, "Webhook activated: new events are sent again.")
    else:
        messages.success(request, "Webhook deactivated: nothing is sent until you activate it.")
    return redirect("core:webhook_detail", subscription.pk)


@require_POST
@membership_required
def webhook_delete(request, subscription_id):
    _admin_only(request)
    subscription = _subscription_or_404(request, subscription_id)
    url = subscription.url
    webhooks.webhook_subscription_delete(actor=request.membership, subscription=subscription)
    messages.success(request, f"Webhook for {url} deleted, with its delivery log.")
    return redirect("core:webhook_list")


@require_POST
@membership_required
def webhook_rotate_secret(request, subscription_id):
    _admin_only(request)
    subscription = _subscription_or_404(request, subscription_id)
    webhooks.webhook_subscription_rotate_secret(actor=request.membership, subscription=subscription)
    _reveal_once(request, subscription)
    messages.success(request, "New signing secret made; the old one no longer signs anything.")
    return redirect("core:webhook_detail", subscription.pk)


@require_POST
@membership_required
def webhook_redeliver(request, subscription_id, delivery_id):
    _admin_only(request)
    try:
        delivery = webhook_delivery_get(
            organization=request.organization,
            subscription_id=subscription_id,
            delivery_id=delivery_id,
        )
    except (WebhookDelivery.DoesNotExist, ValidationError) as exc:
        raise Http404("No such delivery") from exc
    try:
        webhooks.webhook_delivery_redeliver(actor=request.membership, delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"{delivery.event_type} queued again, with event id {delivery.event_id}."
        )
    return redirect("core:webhook_detail", subscription_id)
