"""Read-only views of the organization, its teams and members, and the changes feed."""

import django_filters
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from core import changelog
from core.api.errors import PROBLEM_JSON
from core.api.filters import StrictBooleanFilter
from core.api.serializers import (
    ChangePageSerializer,
    MemberSerializer,
    OrganizationSerializer,
    TeamSerializer,
    change_row_to_wire,
)
from core.api.viewsets import ServiceViewSet
from core.models import Membership, Organization, Team
from core.selectors import member_list, team_list

FEED_PAGE_DEFAULT = 100
FEED_PAGE_MAX = 1000
# Read-only resources: the schema then offers no write that would only answer 405.
READ_ONLY = ["get", "head", "options"]


@extend_schema(tags=["organization"])
class OrganizationViewSet(ServiceViewSet):
    """The caller's organization (a token belongs to one; a browser works in the chosen one)."""

    http_method_names = READ_ONLY
    output_serializer_class = OrganizationSerializer
    queryset = Organization.objects.none()

    def list_queryset(self, membership):
        return Organization.objects.filter(pk=membership.organization_id)


class TeamFilter(django_filters.FilterSet):
    archived = StrictBooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)
    parent = django_filters.UUIDFilter(field_name="parent_id")

    class Meta:
        model = Team
        fields = ["archived", "parent"]


@extend_schema(tags=["organization"])
class TeamViewSet(ServiceViewSet):
    http_method_names = READ_ONLY
    output_serializer_class = TeamSerializer
    filterset_class = TeamFilter
    queryset = Team.objects.none()

    def list_queryset(self, membership):
        return team_list(organization=membership.organization, include_archived=True).order_by()


class MemberFilter(django_filters.FilterSet):
    team = django_filters.UUIDFilter(field_name="teams", distinct=True)
    role = django_filters.CharFilter()
    is_active = StrictBooleanFilter()

    class Meta:
        model = Membership
        fields = ["team", "role", "is_active"]


@extend_schema(tags=["organization"])
class MemberViewSet(ServiceViewSet):
    http_method_names = READ_ONLY
    output_serializer_class = MemberSerializer
    filterset_class = MemberFilter
    queryset = Membership.objects.none()

    def list_queryset(self, membership):
        return member_list(organization=membership.organization).order_by()


@extend_schema(
    tags=["sync"],
    summary="Everything created, updated or deleted after a cursor, in commit order",
    parameters=[
        OpenApiParameter(
            "since",
            OpenApiTypes.STR,
            description="A next_cursor from an earlier page; leave out to start at the beginning.",
        ),
        OpenApiParameter(
            "limit",
            OpenApiTypes.INT,
            description=f"1 to {FEED_PAGE_MAX} (default {FEED_PAGE_DEFAULT}).",
        ),
    ],
    responses={200: ChangePageSerializer, 410: None},
)
@api_view(["GET"])
def changes(request):
    try:
        limit = int(request.query_params.get("limit", FEED_PAGE_DEFAULT))
    except ValueError:
        limit = 0
    if not 1 <= limit <= FEED_PAGE_MAX:
        raise serializers.ValidationError(
            {"limit": [f"Give a whole number from 1 to {FEED_PAGE_MAX}."]}
        )
    page = changelog.changes_rows_since(
        organization_id=request.membership.organization_id,
        cursor=request.query_params.get("since"),
        limit=limit,
    )
    return Response(
        {
            "results": [change_row_to_wire(row) for row in page.results],
            "next_cursor": page.next_cursor,
            "has_more": page.has_more,
        }
    )


@extend_schema(
    tags=["sync"],
    summary="The cursor of the newest change (start here after re-reading everything)",
    responses={200: inline_serializer("HeadCursor", {"cursor": serializers.CharField()})},
)
@api_view(["GET"])
def changes_head(request):
    return Response(
        {"cursor": changelog.head_cursor(organization_id=request.membership.organization_id)}
    )


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: a problem+json 404, not the HTML page."""
    body = {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is no API endpoint at this address.",
    }
    return JsonResponse(body, status=404, content_type=PROBLEM_JSON)
