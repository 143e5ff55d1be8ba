"""Celery tasks of core. Thin: take ids, call a service, schedule what the service asks for."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=30, time_limit=45)
def deliver_webhook(delivery_id: str) -> str:
    """POST one webhook delivery; on failure, come back after the backoff the service chose.

    Safe to run twice: a delivery that is delivered, failed, not yet due or being sent by another
    worker is skipped.
    """
    from core.webhooks import webhook_delivery_attempt

    result = webhook_delivery_attempt(delivery_id=delivery_id)
    if result.outcome == "retry" and result.retry_in is not None:
        deliver_webhook.apply_async(args=[delivery_id], countdown=result.retry_in)
    return result.outcome


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def requeue_overdue_webhooks() -> int:
    """Queue pending webhook deliveries whose message was lost (beat, every minute)."""
    from core.webhooks import webhook_requeue_overdue

    return webhook_requeue_overdue()
