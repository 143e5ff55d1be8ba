"""The shape every API resource follows: selectors read, services write, the view only translates.

A resource subclasses ``ServiceViewSet`` and names its selectors, serializers and services.
Tenancy comes from the selector (another organization's id is a 404 on every verb), rules from
the service (the API adds none and skips none), and this class adds the HTTP contract:
cursor pages, ETag/If-None-Match/If-Match, Idempotency-Key on POST, problem+json errors.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from rest_framework import status, viewsets
from rest_framework.exceptions import MethodNotAllowed, NotFound
from rest_framework.response import Response

from core.api.conditional import conditional_get, etag_for, precondition_failed
from core.api.idempotency import idempotent
from core.api.schema import ServiceAutoSchema
from core.audit import mark_api_request


class ServiceViewSet(viewsets.GenericViewSet):
    output_serializer_class: ClassVar[type]
    input_serializer_class: ClassVar[type | None] = None
    lookup_url_kwarg = "id"
    # Any id reaches get_object, so one that is not a UUID is a problem+json 404 too.
    lookup_value_regex = "[^/]+"
    schema = ServiceAutoSchema()  # writes answer with output_serializer_class; ETag headers

    # --- to define in a resource ---
    def list_queryset(self, membership):
        raise NotImplementedError

    def perform_create(self, membership, data: dict[str, Any]):
        raise MethodNotAllowed("POST")

    def perform_update(self, membership, obj, data: dict[str, Any]):
        raise MethodNotAllowed(self.request.method)

    def perform_destroy(self, membership, obj) -> None:
        raise MethodNotAllowed("DELETE")

    # A resource may list through ``values()`` and a plain function instead of model instances
    # and DRF fields (the hot lists): the columns to read (attribute names, including the
    # pagination's ordering), and ``list_row_to_wire`` from such a row to the wire form, which
    # must equal what ``output_serializer_class`` writes (tests/perf/test_wire_format.py).
    list_values: ClassVar[tuple[str, ...] | None] = None

    def list_row_to_wire(self, row: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    # Actions that are the bulk door in the audit history (the rest are the API door).
    bulk_actions: ClassVar[frozenset[str]] = frozenset({"bulk"})

    # --- plumbing ---
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Authenticated now: the audit history records who called, with which token.
        mark_api_request(request, bulk=self.action in self.bulk_actions)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update") and self.input_serializer_class:
            return self.input_serializer_class
        return self.output_serializer_class

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["membership"] = getattr(self.request, "membership", None)
        return context

    def get_queryset(self):
        return self.list_queryset(self.request.membership)

    def get_object(self, *, for_update: bool = False):
        raw = self.kwargs.get(self.lookup_url_kwarg)  # none on a route without an id (OPTIONS)
        try:
            pk = uuid.UUID(str(raw))
        except ValueError as exc:
            raise NotFound() from exc
        queryset = self.get_queryset()
        try:
            obj = queryset.get(pk=pk)
        except ObjectDoesNotExist as exc:
            raise NotFound() from exc
        if for_update:
            # Lock the row for the If-Match check and the write that follows it.
            obj = type(obj).objects.select_for_update().get(pk=obj.pk)
        return obj

    def respond(self, obj, *, status_code: int = status.HTTP_200_OK, headers=None) -> Response:
        data = self.output_serializer_class(obj, context=self.get_serializer_context()).data
        response = Response(data, status=status_code, headers=headers)
        if hasattr(obj, "version"):
            response["ETag"] = etag_for(obj, data)
        return response

    def reload(self, obj):
        """The object as the list selector returns it (its related rows loaded for output)."""
        return self.get_queryset().get(pk=obj.pk)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        if self.list_values is not None:
            rows = self.paginate_queryset(queryset.values(*self.list_values))
            return self.get_paginated_response([self.list_row_to_wire(row) for row in rows])
        serializer = self.output_serializer_class(context=self.get_serializer_context())
        columns = self._row_columns(serializer, queryset)
        if columns is not None:
            # Every field is a stored value: rows, not model instances (OutputSerializer).
            rows = self.paginate_queryset(queryset.values(*columns))
            return self.get_paginated_response([serializer.row_to_wire(row) for row in rows])
        page = self.paginate_queryset(queryset)
        serializer = self.output_serializer_class(
            page, many=True, context=self.get_serializer_context()
        )
        return self.get_paginated_response(serializer.data)

    def _row_columns(self, serializer, queryset) -> tuple[str, ...] | None:
        """The columns to list through ``values()``, when the output serializer reads stored
        values only and the queryset has them all (columns or annotations), else None."""
        row_columns = getattr(serializer, "row_columns", None)
        if row_columns is None or queryset._prefetch_related_lookups:
            return None
        columns = row_columns()
        if columns is None:
            return None
        ordering = getattr(self.paginator, "ordering", ()) or ()
        if isinstance(ordering, str):
            ordering = (ordering,)
        wanted = [*columns, *(str(o).lstrip("-") for o in ordering)]
        opts = queryset.model._meta
        stored = {f.attname for f in opts.concrete_fields} | set(queryset.query.annotations)
        if not set(wanted) <= stored:
            return None
        return tuple(dict.fromkeys(wanted))

    def retrieve(self, request, *args, **kwargs):
        return conditional_get(request, self.respond(self.get_object()))

    def validated(self, *, instance=None, partial: bool = False) -> dict[str, Any]:
        serializer = self.get_serializer(instance, data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @idempotent
    def create(self, request, *args, **kwargs):
        data = self.validated()
        with transaction.atomic():  # a create that fails part-way leaves nothing behind
            obj = self.reload(self.perform_create(request.membership, data))
        return self.respond(obj, status_code=status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        with transaction.atomic():
            obj = self.get_object(for_update=True)
            if precondition_failed(request, obj):
                return self.respond(obj, status_code=status.HTTP_412_PRECONDITION_FAILED)
            data = self.validated(instance=obj, partial=partial)
            obj = self.perform_update(request.membership, obj, data)
        return self.respond(self.reload(obj))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            obj = self.get_object(for_update=True)
            if precondition_failed(request, obj):
                return self.respond(obj, status_code=status.HTTP_412_PRECONDITION_FAILED)
            self.perform_destroy(request.membership, obj)
        return Response(status=status.HTTP_204_NO_CONTENT)
