"""``/api/v1/dashboards/strategy-map/`` and ``/okr-trends/``: the strategy dashboards' numbers,
from the same functions as the pages (okrs/dashboards.py), so page and API never disagree."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from okrs import dashboards

FILTER_PARAMETERS = [
    OpenApiParameter(
        "cycle",
        OpenApiTypes.UUID,
        description="An OKR cycle of your organization; leave out for the current one.",
    ),
    OpenApiParameter(
        "team", OpenApiTypes.UUID, description="Only this team; leave out for every team."
    ),
]


def _health():
    return serializers.ChoiceField(
        choices=["on_track", "at_risk", "off_track"],
        allow_null=True,
        help_text="On track, at risk or off track; null when there is nothing to measure yet.",
    )


def _progress(help_text: str = "0..1; null when nothing can be measured."):
    return serializers.FloatField(allow_null=True, help_text=help_text)


class CycleRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class WorkCountsSerializer(serializers.Serializer):
    """Activity, not outcome: counts of work packages by status."""

    total = serializers.IntegerField()
    intention = serializers.IntegerField()
    ready = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    done = serializers.IntegerField()
    stopped = serializers.IntegerField()
    open = serializers.IntegerField(help_text="Intention, ready and in progress.")
    points = serializers.IntegerField(help_text="Sum of the estimates.")
    overdue = serializers.IntegerField(help_text="Ready or in progress and past the due date.")


class KeyResultNodeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    owner = serializers.CharField(help_text="Display name; blank when nobody owns it.")
    unit = serializers.CharField()
    current_value = serializers.FloatField()
    start_value = serializers.FloatField()
    target_value = serializers.FloatField()
    progress = serializers.FloatField(help_text="0..1.")
    confidence = serializers.IntegerField(allow_null=True, help_text="Latest, 0..10.")
    health = _health()
    is_stale = serializers.BooleanField()
    last_check_in_at = serializers.DateTimeField(allow_null=True)
    contributing_work = serializers.IntegerField(help_text="Work packages feeding it.")


class TeamObjectiveNodeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    statement = serializers.CharField()
    level = serializers.CharField(help_text="organization or team.")
    team = serializers.CharField(help_text="Team name; blank for an organization objective.")
    owner = serializers.CharField()
    progress = _progress("Weighted mean of its key results, 0..1.")
    confidence = serializers.FloatField(allow_null=True, help_text="Mean latest confidence.")
    health = _health()
    key_result_count = serializers.IntegerField()
    stale_count = serializers.IntegerField()
    key_results_shown = serializers.BooleanField(
        help_text="False for the team objectives of a large branch: their key results are "
        "counted (key_result_count) but not listed; read them from /api/v1/key-results/."
    )
    key_results = KeyResultNodeSerializer(many=True)
    more_team_objectives = serializers.IntegerField(
        help_text="Team objectives cascading from it that a large branch does not list."
    )


class ObjectiveNodeSerializer(TeamObjectiveNodeSerializer):
    team_objectives = TeamObjectiveNodeSerializer(
        many=True, help_text="Team objectives cascading from it."
    )


class InitiativeNodeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    status = serializers.CharField()
    owner = serializers.CharField()
    teams = serializers.ListField(child=serializers.CharField())
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    work = WorkCountsSerializer()


class HealthCountsSerializer(serializers.Serializer):
    on_track = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    off_track = serializers.IntegerField()


class StrategyNodeSerializer(serializers.Serializer):
    id = serializers.UUIDField(
        allow_null=True, help_text="Null for the objectives that serve no strategic objective."
    )
    statement = serializers.CharField()
    priority = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    trade_offs = serializers.ListField(child=serializers.CharField())
    progress = _progress("Mean progress of the cycle's objectives serving it, 0..1.")
    confidence = serializers.FloatField(allow_null=True)
    health = _health()
    objective_count = serializers.IntegerField(
        help_text="The cycle's objectives serving it (team objectives included)."
    )
    key_result_count = serializers.IntegerField()
    stale_count = serializers.IntegerField(
        help_text="Key results without a check-in for too long (an active cycle only)."
    )
    initiative_count = serializers.IntegerField()
    health_counts = HealthCountsSerializer(help_text="Its objectives by health.")
    work = WorkCountsSerializer(help_text="Work of its initiatives, summed.")
    expanded = serializers.BooleanField(
        help_text="Whether objectives and initiatives are filled: only for the branch asked "
        "for with ?strategic_objective="
    )
    objectives = ObjectiveNodeSerializer(
        many=True, help_text="Filled when expanded; empty otherwise."
    )
    initiatives = InitiativeNodeSerializer(
        many=True, help_text="Filled when expanded; empty otherwise."
    )


class StrategyMapSerializer(serializers.Serializer):
    cycle = CycleRefSerializer(allow_null=True)
    team = serializers.UUIDField(source="team.pk", allow_null=True, default=None)
    expected = _progress("Where the ideal line stands today in an active cycle, 0..1.")
    objective_count = serializers.IntegerField()
    key_result_count = serializers.IntegerField()
    health_counts = HealthCountsSerializer(help_text="The shown objectives by health.")
    linked_work = WorkCountsSerializer(help_text="Work supporting an initiative.")
    unlinked_work = WorkCountsSerializer(help_text="Work supporting no initiative.")
    linked_share = _progress("Share of the open work linked to strategy, 0..1.")
    strategies = StrategyNodeSerializer(many=True)


class TrendPointSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="The figure as of the end of this day.")
    progress = _progress()
    confidence = serializers.FloatField(allow_null=True, help_text="Mean latest confidence.")


class ObjectiveTrendSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    statement = serializers.CharField()
    level = serializers.CharField()
    team = serializers.CharField()
    points = TrendPointSerializer(many=True)


class StaleKeyResultSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    objective_id = serializers.UUIDField()
    objective = serializers.CharField()
    team = serializers.CharField()
    owner = serializers.CharField()
    last_check_in_at = serializers.DateTimeField(allow_null=True)
    days_since = serializers.IntegerField()
    progress = serializers.FloatField()


class OkrTrendsSerializer(serializers.Serializer):
    cycle = CycleRefSerializer(allow_null=True)
    team = serializers.UUIDField(source="team.pk", allow_null=True, default=None)
    sample_days = serializers.ListField(child=serializers.DateField())
    objective_total = serializers.IntegerField()
    objectives = ObjectiveTrendSerializer(
        many=True, help_text=f"At most {dashboards.TREND_OBJECTIVE_LIMIT}; filter by team."
    )
    stale_after_days = serializers.IntegerField()
    stale = StaleKeyResultSerializer(many=True)


def filter_ids(request, *names: str) -> dict[str, str]:
    """The filter ids of an API query. A page's GET form sends a blank value for "every team";
    over the API a filter is left out for that, and one given blank is not an id: a 400."""
    blank = {
        name: ["Leave the filter out, or give an id."]
        for name in names
        if name in request.query_params and not request.query_params[name].strip()
    }
    if blank:
        raise ValidationError(blank)
    return {f"{name}_id": request.query_params.get(name, "") for name in names}


def _filters(request) -> dashboards.Filters:
    ids = filter_ids(request, "cycle", "team")
    return dashboards.dashboard_filters(
        membership=request.membership, cycle_id=ids["cycle_id"], team_id=ids["team_id"]
    )


@extend_schema(
    tags=["dashboards"],
    summary="The strategy map: strategy → objectives and key results → initiatives → work counts",
    description="Every strategic objective (active or draft) with the figures of the cycle's "
    "objectives serving it and the counts of its initiatives' work, rolled up: the top of the "
    "tree. Ask for one branch with `strategic_objective` to get its objectives (with their key "
    "results and cascading team objectives) and its initiatives too.",
    parameters=[
        *FILTER_PARAMETERS,
        OpenApiParameter(
            "strategic_objective",
            OpenApiTypes.STR,
            description='Expand this branch: a strategic objective\'s id, or "none" for the '
            "objectives that serve none. One not on the map (with these filters) is a 400.",
        ),
    ],
    responses={200: StrategyMapSerializer},
)
@api_view(["GET"])
def strategy_map(request):
    filters = _filters(request)
    expand = filter_ids(request, "strategic_objective")["strategic_objective_id"] or None
    data = dashboards.strategy_map(
        membership=request.membership, cycle=filters.cycle, team=filters.team, expand=expand
    )
    return Response(StrategyMapSerializer(data).data)


@extend_schema(
    tags=["dashboards"],
    summary="OKR trends: each objective's progress and confidence over the cycle; stale check-ins",
    parameters=FILTER_PARAMETERS,
    responses={200: OkrTrendsSerializer},
)
@api_view(["GET"])
def okr_trends(request):
    filters = _filters(request)
    data = dashboards.okr_trends(
        membership=request.membership, cycle=filters.cycle, team=filters.team
    )
    return Response(OkrTrendsSerializer(data).data)
