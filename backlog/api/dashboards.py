"""``/api/v1/dashboards/capacity/``: each team's target split against its committed split, from
the same selector as the page (backlog/dashboards.py)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from backlog import dashboards
from planning import dashboards as planning_dashboards

# The same filters as the other dashboards (planning_dashboards.dashboard_filters reads them).
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
            f"Sprints overlapping the whole weeks ending with the current one, "
            f"{planning_dashboards.MIN_WEEKS} to {planning_dashboards.MAX_WEEKS} "
            f"(default {planning_dashboards.DEFAULT_WEEKS})."
        ),
    ),
]


class CapacityPeriodSerializer(serializers.Serializer):
    first_week = serializers.DateField(help_text="Monday of the first week.")
    last_day = serializers.DateField(help_text="Sunday of the current week.")
    weeks = serializers.IntegerField()
    timezone = serializers.CharField(source="tz", help_text="The organization's time zone.")
    today = serializers.DateField()


class SplitRowSerializer(serializers.Serializer):
    group = serializers.CharField(help_text="Category group: strategic, tactical, urgent, …")
    label = serializers.CharField()
    target = serializers.IntegerField(help_text="Target share of the policy, in percent.")
    points = serializers.IntegerField(help_text="Committed points in this group.")
    actual = serializers.FloatField(help_text="Share of the committed points, 0..1.")
    of_capacity = serializers.FloatField(help_text="Share of the capacity, 0..1.")


class SprintSplitSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="sprint_id")
    name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    status = serializers.CharField()
    capacity_points = serializers.IntegerField()
    committed_points = serializers.IntegerField()
    drift = serializers.IntegerField(
        allow_null=True,
        help_text="Percentage points the strategic share is off its target (negative: below).",
    )
    drifted = serializers.BooleanField(
        help_text=f"Strategic share {dashboards.DRIFT_POINTS} or more points below target."
    )
    split = SplitRowSerializer(many=True)


class TeamCapacitySerializer(serializers.Serializer):
    team = serializers.UUIDField(source="team_id")
    team_name = serializers.CharField()
    split = serializers.CharField(help_text="The policy's split: simple or detailed.")
    has_policy = serializers.BooleanField(help_text="False: the default 70 / 30 applies.")
    targets = serializers.DictField(child=serializers.IntegerField())
    committed_points = serializers.IntegerField()
    verdict = serializers.CharField(help_text="The drift, in words.")
    overall = SplitRowSerializer(many=True, help_text="Over every sprint of the period.")
    sprints = SprintSplitSerializer(many=True, help_text="Sprints overlapping the period.")


class CapacitySerializer(serializers.Serializer):
    period = CapacityPeriodSerializer()
    team = serializers.UUIDField(source="team.pk", allow_null=True, default=None)
    teams = TeamCapacitySerializer(many=True)


@extend_schema(
    tags=["dashboards"],
    summary="Capacity: each team's target split against what it committed, per sprint",
    parameters=FILTER_PARAMETERS,
    responses={200: CapacitySerializer},
)
@api_view(["GET"])
def capacity(request):
    filters = planning_dashboards.dashboard_filters(membership=request.membership, data=request.GET)
    data = dashboards.capacity(
        membership=request.membership, team=filters.team, weeks=filters.weeks
    )
    return Response(capacity_to_wire(data))


# The serializers above document the shape (OpenAPI); the response is built by these plain
# functions, field for field the same, because DRF's per-field machinery over 200 teams × their
# sprints × their split rows cost more than reading the numbers.


def _split_row_to_wire(row) -> dict:
    return {
        "group": str(row.group),
        "label": str(row.label),
        "target": int(row.target),
        "points": int(row.points),
        "actual": float(row.actual),
        "of_capacity": float(row.of_capacity),
    }


def _sprint_to_wire(sprint: dashboards.SprintSplit) -> dict:
    drift = sprint.drift
    return {
        "id": str(sprint.sprint_id),
        "name": str(sprint.name),
        "start_date": sprint.start_date.isoformat(),
        "end_date": sprint.end_date.isoformat(),
        "status": str(sprint.status),
        "capacity_points": int(sprint.capacity_points),
        "committed_points": int(sprint.committed_points),
        "drift": None if drift is None else int(drift),
        "drifted": bool(sprint.drifted),
        "split": [_split_row_to_wire(r) for r in sprint.split],
    }


def _team_to_wire(team: dashboards.TeamCapacity) -> dict:
    return {
        "team": str(team.team_id),
        "team_name": str(team.team_name),
        "split": str(team.split),
        "has_policy": bool(team.has_policy),
        "targets": {str(k): int(v) for k, v in team.targets.items()},
        "committed_points": int(team.committed_points),
        "verdict": team.verdict,
        "overall": [_split_row_to_wire(r) for r in team.overall],
        "sprints": [_sprint_to_wire(s) for s in team.sprints],
    }


def capacity_to_wire(data: dashboards.Capacity) -> dict:
    """What ``CapacitySerializer(data).data`` gives, built directly."""
    period = data.period
    return {
        "period": {
            "first_week": period.first_week.isoformat(),
            "last_day": period.last_day.isoformat(),
            "weeks": int(period.weeks),
            "timezone": str(period.tz),
            "today": period.today.isoformat(),
        },
        "team": str(data.team.pk) if data.team is not None else None,
        "teams": [_team_to_wire(t) for t in data.teams],
    }
