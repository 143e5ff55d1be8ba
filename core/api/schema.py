"""The OpenAPI schema tells what the API really answers, errors included.

``ServiceAutoSchema`` (set on ``ServiceViewSet``) documents a resource's output serializer as
the response of writes, the conditional-request headers and their 304/412 answers, and the
``Idempotency-Key`` header of POSTs that honour it. ``add_problem_responses`` (a postprocessing
hook) adds the ``application/problem+json`` errors every operation can answer.
"""

from __future__ import annotations

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from core.api.errors import PROBLEM_JSON
from core.api.serializers import InputSerializer

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error (RFC 9457). `errors` names the fields at fault and why.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {}},
        },
    },
    "required": ["type", "title", "status", "detail"],
}
ERROR_DESCRIPTIONS = {
    "400": "Bad input: `errors` names each field (or query parameter) and what is wrong.",
    "401": "No token, or a token that is unknown, revoked or expired.",
    "403": "Not allowed: a read-only token writing, or a role that may not do this.",
    "404": "No such object in the caller's organization.",
    "409": "Other objects still refer to this one (e.g. a work package committed to a sprint).",
    "410": "The cursor is older than the change log keeps: re-read everything, then continue "
    "from GET /api/v1/changes/head/.",
    "413": "More than 1000 items: nothing was written.",
    "415": "The body is not `application/json`.",
    "422": "This Idempotency-Key was already used with another request body.",
    "429": "Too many requests for this token; retry after `Retry-After` seconds.",
}
ERROR_HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "schema": {"type": "string"},
            "description": "How to authenticate (`Bearer`).",
        }
    },
    "429": {
        "Retry-After": {
            "schema": {"type": "integer"},
            "description": "Seconds to wait before the next request.",
        }
    },
}

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag (or just its version) the change is based on; a stale version gets "
    "412 and the current object, and nothing changes.",
)
IF_MATCH_RAW = {  # the same, for operations the hook completes
    "in": "header",
    "name": "If-Match",
    "schema": {"type": "string"},
    "description": IF_MATCH.description,
}
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag the client holds; 304 when the body would be the same.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^\S(.*\S)?$"},
    OpenApiParameter.HEADER,
    description="1 to 255 characters. The same key with the same body within 24 h returns the "
    "first answer and does nothing new; with another body it is a 422.",
)


def is_versioned(serializer_class) -> bool:
    meta = getattr(serializer_class, "Meta", None)
    return "version" in getattr(meta, "fields", ())


class ServiceAutoSchema(AutoSchema):
    """A ``ServiceViewSet`` validates writes with its input serializer and answers with its
    output serializer; versioned objects take If-Match / If-None-Match."""

    def _output(self):
        return getattr(self.view, "output_serializer_class", None)

    def _action(self) -> str | None:
        return getattr(self.view, "action", None)

    def get_response_serializers(self):
        output = self._output()
        action = self._action()
        if output is None or action not in (
            "create",
            "retrieve",
            "update",
            "partial_update",
            "destroy",
        ):
            return super().get_response_serializers()
        stale = OpenApiResponse(
            output, description="If-Match named a stale version: the current object, unchanged."
        )
        responses = {
            "create": {201: output},
            "retrieve": {200: output},
            "update": {200: output},
            "partial_update": {200: output},
            "destroy": {204: None},
        }[action]
        if is_versioned(output):
            if action == "retrieve":
                responses[304] = OpenApiResponse(description="Not modified (If-None-Match).")
            else:
                responses[412] = stale
        return responses

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and isinstance(serializer, InputSerializer):
            # A write refuses unknown fields, and ignores the read-only ones the API shows.
            properties = schema.setdefault("properties", {})
            for name in serializer.read_only_fields:
                properties.setdefault(name, {"description": "Read-only: ignored in a write."})
            schema["additionalProperties"] = False
        return schema

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        action = self._action()
        if is_versioned(self._output()):
            if action in ("update", "partial_update", "destroy"):
                parameters.append(IF_MATCH)
            elif action == "retrieve":
                parameters.append(IF_NONE_MATCH)
        if "{id}" in self.path:
            # The route takes any id (so a malformed one is a problem+json 404); ids are UUIDs.
            parameters.append(OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH))
        handler = getattr(self.view, action, None) if action else None
        if self.method == "POST" and getattr(handler, "idempotent", False):
            parameters.append(IDEMPOTENCY_KEY)
        return parameters


class EmptyFilterValuesAreIgnored(DjangoFilterExtension):
    """django-filter ignores a filter given empty (`?team=`); the schema says so."""

    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
        for parameter in parameters:
            parameter["allowEmptyValue"] = True
        return parameters


def _has_parameter(operation: dict, location: str, name: str) -> bool:
    return any(
        p.get("in") == location and p.get("name", "").lower() == name.lower()
        for p in operation.get("parameters", [])
    )


def _problem_response(code: str) -> dict:
    response: dict = {
        "description": ERROR_DESCRIPTIONS.get(code, ""),
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }
    if code in ERROR_HEADERS:
        response["headers"] = ERROR_HEADERS[code]
    return response


def add_problem_responses(result, generator, request, public):
    """Postprocessing hook: every operation documents the problem+json errors it can answer."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            parameters = operation.get("parameters", [])
            codes = ["401", "403", "429"]
            if (
                method in ("post", "put", "patch", "delete")  # a domain rule can refuse any write
                or any(p.get("in") == "query" for p in parameters)
            ):
                codes.append("400")
            if any(p.get("in") == "path" for p in parameters):
                codes.append("404")
            if method == "delete":
                codes.append("409")
            if operation.get("requestBody"):
                codes.append("415")
            if _has_parameter(operation, "header", "Idempotency-Key"):
                codes.append("422")
            if "412" in operation.get("responses", {}) and not _has_parameter(
                operation, "header", "If-Match"
            ):
                parameters.append(IF_MATCH_RAW)
                operation["parameters"] = parameters
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, _problem_response(code))
            for code, response in responses.items():
                # Errors declared by the views without a body (410, 413) are problems too.
                if code.startswith(("4", "5")) and code != "412" and "content" not in response:
                    response["content"] = _problem_response(code)["content"]
                    response["description"] = response.get("description") or ERROR_DESCRIPTIONS.get(
                        code, ""
                    )
            operation["responses"] = dict(sorted(responses.items()))
    return result
