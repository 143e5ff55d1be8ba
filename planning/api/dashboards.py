"""``/api/v1/dashboards/alignment/`` and ``/delivery/``: the dashboards' numbers, from the same
selectors as the pages (planning/dashboards.py), so page and API never disagree."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from planning import dashboards

FILTER_PARAMETERS = [
    OpenApiParameter(
        "team",
        OpenApiTypes.UUID,
        description="Only this team (an active team of your organization); leave out for all.",
    ),
    OpenApiParameter(
        "weeks",
        OpenApiTypes.INT,
        description=(
            f"Whole weeks ending with the current one, {dashboards.MIN_WEEKS} to "
            f"{dashboards.MAX_WEEKS} (default {dashboards.DEFAULT_WEEKS})."
        ),
    ),
]


class PeriodSerializer(serializers.Serializer):
    first_week = serializers.DateField(help_text="Monday of the first week.")
    last_day = serializers.DateField(help_text="Sunday of the current week.")
    weeks = serializers.IntegerField()
    timezone = serializers.CharField(source="tz", help_text="The organization's time zone.")
    today = serializers.DateField()


class ShareSerializer(serializers.Serializer):
    items = serializers.IntegerField(help_text="Work packages in progress at some point.")
    linked_items = serializers.IntegerField(help_text="Of those, linked to a strategic objective.")
    points = serializers.IntegerField(help_text="Their estimate points.")
    linked_points = serializers.IntegerField()
    unestimated = serializers.IntegerField(help_text="Counted in items, not in points.")
    item_share = serializers.FloatField(allow_null=True, help_text="0..1; null when no work.")
    point_share = serializers.FloatField(allow_null=True, help_text="0..1; null when no points.")


class TeamShareSerializer(ShareSerializer):
    team = serializers.UUIDField(source="team_id")
    team_name = serializers.CharField()


class WeekShareSerializer(ShareSerializer):
    week = serializers.DateField(help_text="Monday of the week.")


class WorkRowSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    team_name = serializers.CharField()
    owner_name = serializers.CharField(help_text="Blank when nobody owns it.")
    status = serializers.CharField()
    estimate = serializers.IntegerField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    success_review_date = serializers.DateField(allow_null=True)


class ListingSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="How many there are in all.")
    rows = WorkRowSerializer(many=True, help_text=f"The first {dashboards.LIST_LIMIT}.")


class AlignmentSerializer(serializers.Serializer):
    period = PeriodSerializer()
    team = serializers.UUIDField(source="team.pk", allow_null=True, default=None)
    total = ShareSerializer()
    teams = TeamShareSerializer(many=True)
    weekly = WeekShareSerializer(many=True)
    unlinked = ListingSerializer(help_text="Work in progress in the period with no initiative.")
    stale_intentions = ListingSerializer(
        help_text=f"Still intentions {dashboards.STALE_INTENTION_DAYS} days or more after creation."
    )
    unreviewed = ListingSerializer(
        help_text="Past the success-review date without a decision taken since."
    )


class DeliveryRowSerializer(serializers.Serializer):
    team = serializers.UUIDField(source="team_id", allow_null=True)
    team_name = serializers.CharField()
    finished = serializers.IntegerField(help_text="Work packages done in the period.")
    finished_points = serializers.IntegerField()
    cycle_median_days = serializers.FloatField(allow_null=True, help_text="Started → finished.")
    cycle_p85_days = serializers.FloatField(allow_null=True)
    with_due_date = serializers.IntegerField()
    on_time = serializers.IntegerField(help_text="Finished on or before the due date.")
    on_time_rate = serializers.FloatField(allow_null=True)
    continued = serializers.IntegerField(help_text="Success-check decisions taken in the period.")
    revised = serializers.IntegerField()
    stopped = serializers.IntegerField()


class WeekThroughputSerializer(serializers.Serializer):
    week = serializers.DateField()
    finished = serializers.IntegerField()
    points = serializers.IntegerField()


class DeliverySerializer(serializers.Serializer):
    period = PeriodSerializer()
    team = serializers.UUIDField(source="team.pk", allow_null=True, default=None)
    total = DeliveryRowSerializer()
    teams = DeliveryRowSerializer(many=True)
    weekly = WeekThroughputSerializer(many=True)


@extend_schema(
    tags=["dashboards"],
    summary="Alignment: how much effort is linked to strategy, per team and week",
    parameters=FILTER_PARAMETERS,
    responses={200: AlignmentSerializer},
)
@api_view(["GET"])
def alignment(request):
    filters = dashboards.dashboard_filters(membership=request.membership, data=request.GET)
    data = dashboards.alignment(
        membership=request.membership, team=filters.team, weeks=filters.weeks
    )
    return Response(AlignmentSerializer(data).data)


@extend_schema(
    tags=["dashboards"],
    summary="Delivery: cycle time, throughput, on-time rate and decisions (not outcomes)",
    parameters=FILTER_PARAMETERS,
    responses={200: DeliverySerializer},
)
@api_view(["GET"])
def delivery(request):
    filters = dashboards.dashboard_filters(membership=request.membership, data=request.GET)
    data = dashboards.delivery(
        membership=request.membership, team=filters.team, weeks=filters.weeks
    )
    return Response(DeliverySerializer(data).data)
