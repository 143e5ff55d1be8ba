"""``/api/v1/dashboards/attention/``: this week's attention list, from the same function as the
landing page (reviews/dashboards.py), so page and API never disagree."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from okrs import dashboards as okr_dashboards
from okrs.api.dashboards import filter_ids
from reviews import dashboards


class AttentionItemSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="work_package or key_result.")
    id = serializers.UUIDField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="The page to open it on.")
    owner = serializers.CharField(help_text="Display name; blank when nobody owns it.")
    team = serializers.CharField()
    when = serializers.CharField(help_text="ISO date it is judged by (due, check, created).")
    note = serializers.CharField()
    tone = serializers.ChoiceField(choices=["bad", "warn", "ok"])
    flag = serializers.CharField(help_text="The tone in words, e.g. Overdue, At risk · stale.")
    progress = serializers.FloatField(allow_null=True)


class AttentionSectionSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=list(dashboards.SECTION_KEYS))
    title = serializers.CharField()
    why = serializers.CharField()
    total = serializers.IntegerField(help_text="How many in all; items holds the first few.")
    items = AttentionItemSerializer(many=True)


class UpcomingReviewSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    kind = serializers.CharField()
    team = serializers.CharField()
    scheduled_at = serializers.DateTimeField()
    is_mine = serializers.BooleanField(help_text="You take part in it.")


class AttentionSerializer(serializers.Serializer):
    team = serializers.UUIDField(source="team.pk", allow_null=True, default=None)
    as_of = serializers.DateField(help_text="The organization's today.")
    total = serializers.IntegerField()
    sections = AttentionSectionSerializer(many=True)
    upcoming = UpcomingReviewSerializer(many=True, help_text="Reviews in the next seven days.")


@extend_schema(
    tags=["dashboards"],
    summary="This week's attention list: key results at risk or stale, overdue work, success "
    "checks without a decision, old intentions, upcoming reviews",
    parameters=[
        OpenApiParameter(
            "team", OpenApiTypes.UUID, description="Only this team; leave out for every team."
        )
    ],
    responses={200: AttentionSerializer},
)
@api_view(["GET"])
def attention(request):
    team = okr_dashboards.dashboard_filters(
        membership=request.membership, **filter_ids(request, "team")
    ).team
    data = dashboards.attention(membership=request.membership, team=team)
    return Response(AttentionSerializer(data).data)
