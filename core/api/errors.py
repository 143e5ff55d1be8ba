"""Every API error is `application/problem+json` (RFC 9457), with field errors where there are any."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from core.changelog import CursorExpiredError, InvalidCursorError

PROBLEM_JSON = "application/problem+json"


class PreconditionFailed(exceptions.APIException):
    """If-Match named a version of something that does not exist (RFC 9110 13.1.1)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "If-Match names a version, but there is nothing to match."
    default_code = "precondition_failed"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request holds too many items."
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Other objects still refer to this one."
    default_code = "conflict"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with another request body."
    default_code = "idempotency_key_reused"


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = (
        "This cursor is older than the change log keeps. Re-read everything through the list "
        "endpoints, then continue from GET /api/v1/changes/head/."
    )
    default_code = "cursor_expired"


def normalise_errors(data) -> dict[str, list[str]]:
    if isinstance(data, dict):
        errors = {}
        for field, messages in data.items():
            key = "body" if field == "non_field_errors" else field
            errors[key] = _flatten(messages)
        return errors
    return {"body": _flatten(data)}


def _flatten(messages) -> list:
    if isinstance(messages, dict):
        return [messages]  # nested object errors keep their structure
    if isinstance(messages, list):
        return [m if isinstance(m, dict | list) else str(m) for m in messages]
    return [str(messages)]


def problem(status_code: int, detail: str, *, errors: dict | None = None, headers=None) -> Response:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_JSON)


def problem_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, ProtectedError | RestrictedError):
        # A delete that other records still hold on to (e.g. a work package in a sprint).
        blockers = (
            exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        )
        kinds = sorted({str(obj._meta.verbose_name) for obj in blockers})
        exc = Conflict(f"Still referred to by: {', '.join(kinds)}. Remove those first.")
    elif isinstance(exc, CursorExpiredError):
        exc = Gone()
    elif isinstance(exc, InvalidCursorError):
        exc = exceptions.ValidationError({"since": [str(exc)]})

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let Django's 500 handling report it
    errors = None
    if isinstance(exc, exceptions.ValidationError):
        errors = normalise_errors(response.data)
        fields = ", ".join(errors)
        detail = f"Invalid input: {fields}."
    elif isinstance(exc, exceptions.ParseError):
        errors = {"body": [str(exc.detail)]}
        detail = "The request body is not valid JSON."
    else:
        detail = str(getattr(exc, "detail", "")) or HTTPStatus(response.status_code).phrase
    result = problem(response.status_code, detail, errors=errors)
    for header, value in response.items():
        if header.lower() in ("retry-after", "www-authenticate", "allow"):
            result[header] = value
    return result
