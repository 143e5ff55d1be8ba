from base64 import b64decode

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class CursorPage(CursorPagination):
    """Cursor pagination with no total count: `{"results": [...], "next": url|null}`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("created_at", "id")

    invalid_cursor = {"cursor": ["Not a cursor this list gave out."]}

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        try:
            # DRF's decoder skips characters outside base64, so `%%%` would mean "the start".
            if encoded is not None and not b64decode(encoded.encode("ascii"), validate=True):
                raise ValueError(encoded)
            return super().decode_cursor(request)
        except Exception as exc:  # DRF raises NotFound for a bad cursor: it is bad input
            raise ValidationError(self.invalid_cursor) from exc

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except DjangoValidationError as exc:  # a tampered position that is not a timestamp
            raise ValidationError(self.invalid_cursor) from exc

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None:
            try:
                size = int(raw)
            except ValueError:
                size = 0
            if not 1 <= size <= self.max_page_size:
                raise ValidationError(
                    {"page_size": [f"Give a whole number from 1 to {self.max_page_size}."]}
                )
            return size
        return self.page_size

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "format": "uri", "nullable": True},
            },
        }
