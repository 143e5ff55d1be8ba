"""Small presentation helpers of the cadence pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django import template

register = template.Library()


@register.filter
def isodate(value) -> date | None:
    """A date kept as ISO text in an agenda snapshot, back to a date (for the date filter)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@register.filter
def relative(delta: timedelta | None) -> str:
    """How far away a review is: “in 3 days”, “in 2 hours”, “now”, “2 days ago”."""
    if delta is None:
        return ""
    seconds = delta.total_seconds()
    future = seconds >= 0
    seconds = abs(seconds)
    if seconds < 45 * 60:
        return "now" if future or seconds < 15 * 60 else "under an hour ago"
    if seconds < 36 * 3600:
        n, unit = round(seconds / 3600), "hour"
    else:
        n, unit = round(seconds / 86400), "day"
    words = f"{n} {unit}{'s' if n != 1 else ''}"
    return f"in {words}" if future else f"{words} ago"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def inline_error_for(inline_error, item_id):
    """The session page's inline decision error when it is this agenda item's, else None: the
    item's form checks it once instead of looking the error up in every field."""
    if inline_error and inline_error.get("id") == item_id:
        return inline_error
    return None


@register.filter
def is_past(value: datetime) -> bool:
    from django.utils import timezone

    return value < timezone.now()
