"""`Idempotency-Key` on POST: the same key and body within 24 hours replays the first answer."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api.errors import IdempotencyKeyReused
from core.models import IdempotencyKey

WINDOW = timedelta(hours=24)
REPLAYED_HEADERS = ("Location", "ETag")


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _storable(data):
    """PostgreSQL's jsonb cannot hold NUL (an answer can echo a refused field name that has
    one): the stored copy, replayed later, has U+FFFD in its place."""
    if isinstance(data, str):
        return data.replace("\x00", "\ufffd")
    if isinstance(data, list):
        return [_storable(v) for v in data]
    if isinstance(data, dict):
        return {_storable(k): _storable(v) for k, v in data.items()}
    return data


def idempotent(view_method):
    """Wrap a POST handler. The key's row is locked for the request, so a concurrent retry
    with the same key waits for the first answer instead of doing the work twice."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not 1 <= len(key) <= 255:
            raise ValidationError({"Idempotency-Key": ["Use a key of 1 to 255 characters."]})
        membership = request.membership
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            IdempotencyKey.objects.filter(
                organization_id=membership.organization_id,
                user_id=membership.user_id,
                key=key,
                created_at__lt=timezone.now() - WINDOW,
            ).delete()
            row, created = IdempotencyKey.objects.get_or_create(
                organization_id=membership.organization_id,
                user_id=membership.user_id,
                key=key,
                defaults={
                    "method": request.method,
                    "path": request.path,
                    "request_hash": fingerprint,
                },
            )
            if not created:
                row = IdempotencyKey.objects.select_for_update().get(pk=row.pk)
                if row.request_hash != fingerprint:
                    raise IdempotencyKeyReused()
                if row.response_status is not None:
                    replay = Response(
                        row.response_body, status=row.response_status, headers=row.response_headers
                    )
                    replay["Idempotent-Replayed"] = "true"
                    return replay
            response = view_method(self, request, *args, **kwargs)
            if response.status_code < 500:
                row.response_status = response.status_code
                row.response_body = _storable(
                    json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
                )
                row.response_headers = {
                    h: response[h] for h in REPLAYED_HEADERS if response.has_header(h)
                }
                row.save(update_fields=["response_status", "response_body", "response_headers"])
            return response

    wrapper.idempotent = True  # type: ignore[attr-defined]  # the schema documents the header
    return wrapper
