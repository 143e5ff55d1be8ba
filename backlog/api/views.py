"""The API's backlog resources: selectors read, services write (STYLE.md: thin views).

State changes are POST actions on the object (``/sprints/{id}/commit/``, ``/ideas/{id}/promote/``);
they honour If-Match (a stale version is a 412 with the current object) and Idempotency-Key.
"""

from __future__ import annotations

import uuid

import django_filters
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from backlog import selectors, services
from backlog.api.serializers import (
    BacklogItemSerializer,
    BacklogMoveInput,
    BacklogMoveResultSerializer,
    BacklogResetInput,
    CapacityPolicyInput,
    CapacityPolicySerializer,
    CapacityPolicyUpdate,
    IdeaInput,
    IdeaPromoteInput,
    IdeaRejectInput,
    IdeaSerializer,
    IdeaUpdate,
    ScoringModelInput,
    ScoringModelSerializer,
    ScoringModelUpdate,
    SprintCloseInput,
    SprintCommitInput,
    SprintCommitmentSerializer,
    SprintInput,
    SprintSerializer,
    SprintUncommitInput,
    SprintUpdate,
)
from backlog.models import CapacityPolicy, Idea, ScoringModel, Sprint, SprintCommitment
from core.api.conditional import conditional_get, precondition_failed
from core.api.filters import UTCDateTimeFilter
from core.api.idempotency import idempotent
from core.api.pagination import CursorPage
from core.api.schema import IF_MATCH
from core.api.viewsets import ServiceViewSet
from core.models import Team
from planning.api.views import UpdatedSinceFilterSet
from planning.models import WorkPackage

# No DELETE where the services have none: the schema then offers no verb that only answers 405.
NO_DELETE = ["get", "post", "put", "patch", "head", "options"]
READ_AND_ACT = ["get", "post", "head", "options"]


class NoCreate:
    """A resource whose objects are not created through its list (POST there does not route)."""

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        actions = {m: a for m, a in (actions or {}).items() if a != "create"}
        return super().as_view(actions, **initkwargs)  # type: ignore[misc]


class ActionMixin:
    """A POST action on one object: locked, If-Match checked, the service called, the object
    answered as the list shows it."""

    def act(self, service, *, input_class=None, status_code=status.HTTP_200_OK):
        """Find (404), check If-Match (412), validate the body (400), then call the service."""
        request = self.request  # type: ignore[attr-defined]
        with transaction.atomic():
            obj = self.get_object(for_update=True)  # type: ignore[attr-defined]
            if precondition_failed(request, obj):
                return self.respond(obj, status_code=status.HTTP_412_PRECONDITION_FAILED)  # type: ignore[attr-defined]
            data = {}
            if input_class is not None:
                serializer = input_class(
                    data=request.data,
                    context=self.get_serializer_context(),  # type: ignore[attr-defined]
                )
                serializer.is_valid(raise_exception=True)
                data = dict(serializer.validated_data)
            result = service(request.membership, obj, data)
        return self.respond(self.reload(result or obj), status_code=status_code)  # type: ignore[attr-defined]


def action_schema(output, input_class=None, summary: str = "", **responses):
    return extend_schema(
        request=input_class,
        responses={
            200: output,
            412: OpenApiResponse(
                output, description="If-Match named a stale version: the current object, unchanged."
            ),
            **responses,
        },
        parameters=[IF_MATCH],
        summary=summary,
    )


# --- scoring models and capacity policies --------------------------------------------------


class TeamSettingFilter(UpdatedSinceFilterSet):
    team = django_filters.UUIDFilter(field_name="team_id")


class ScoringModelFilter(TeamSettingFilter):
    class Meta:
        model = ScoringModel
        fields = ["team", "updated_since"]


class CapacityPolicyFilter(TeamSettingFilter):
    class Meta:
        model = CapacityPolicy
        fields = ["team", "updated_since"]


@extend_schema(tags=["backlog"])
class ScoringModelViewSet(ServiceViewSet):
    """A team's scoring model. POST sets the model of a team (created the first time, 201;
    changed after, 200); a team that never set one is scored with the defaults."""

    http_method_names = NO_DELETE
    output_serializer_class = ScoringModelSerializer
    input_serializer_class = ScoringModelInput
    filterset_class = ScoringModelFilter
    queryset = ScoringModel.objects.none()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ScoringModelUpdate
        return super().get_serializer_class()

    def list_queryset(self, membership):
        return selectors.scoring_model_api_list(membership=membership)

    @extend_schema(responses={200: ScoringModelSerializer, 201: ScoringModelSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        data = self.validated()
        team = data.pop("team")
        with transaction.atomic():
            existed = ScoringModel.objects.filter(team=team).exists()
            model = services.scoring_model_update(actor=request.membership, team=team, **data)
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return self.respond(self.reload(model), status_code=code)

    def perform_update(self, membership, obj, data):
        return services.scoring_model_update(actor=membership, team=obj.team, **data)


@extend_schema(tags=["backlog"])
class CapacityPolicyViewSet(ServiceViewSet):
    """A team's target split of capacity. POST sets the policy of a team (created the first
    time, 201; changed after, 200); a team that never set one plans 70 % strategic."""

    http_method_names = NO_DELETE
    output_serializer_class = CapacityPolicySerializer
    input_serializer_class = CapacityPolicyInput
    filterset_class = CapacityPolicyFilter
    queryset = CapacityPolicy.objects.none()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return CapacityPolicyUpdate
        return super().get_serializer_class()

    def list_queryset(self, membership):
        return selectors.capacity_policy_api_list(membership=membership)

    @extend_schema(responses={200: CapacityPolicySerializer, 201: CapacityPolicySerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        data = self.validated()
        team = data.pop("team")
        with transaction.atomic():
            existed = CapacityPolicy.objects.filter(team=team).exists()
            policy = services.capacity_policy_set(actor=request.membership, team=team, **data)
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return self.respond(self.reload(policy), status_code=code)

    def perform_update(self, membership, obj, data):
        return services.capacity_policy_set(actor=membership, team=obj.team, **data)


# --- the ranked backlog --------------------------------------------------------------------


class BacklogPage(CursorPage):
    """The backlog pages in rank order (1 = top)."""

    ordering = ("position", "id")  # position alone is unique; id keeps the type of the base

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (TypeError, ValueError) as exc:  # a tampered position that is not a number
            raise ValidationError(self.invalid_cursor) from exc


TEAM_PARAMETER = OpenApiParameter(
    "team",
    OpenApiTypes.UUID,
    required=True,
    description="The team whose backlog to read (required).",
)


@extend_schema(tags=["backlog"])
class BacklogViewSet(NoCreate, ServiceViewSet):
    """A team's backlog: its not-done work packages, scored under its scoring model and ranked.
    Moving one by hand is an action on the work package's id."""

    http_method_names = READ_AND_ACT
    output_serializer_class = BacklogItemSerializer
    pagination_class = BacklogPage
    filter_backends: list = []
    queryset = WorkPackage.objects.none()

    def _team(self) -> Team:
        raw = self.request.query_params.get("team", "")
        try:
            team_id = uuid.UUID(raw)
            return selectors.team_get(membership=self.request.membership, team_id=team_id)
        except (ValueError, Team.DoesNotExist):
            raise ValidationError(
                {"team": ["Give the id of an active team of this organization."]}
            ) from None

    def list_queryset(self, membership):
        return selectors.backlog_api_list(membership=membership, team=self._team())

    def get_object(self, *, for_update: bool = False):
        try:
            pk = uuid.UUID(str(self.kwargs.get(self.lookup_url_kwarg)))
            return WorkPackage.objects.select_related("team").get(
                organization_id=self.request.membership.organization_id, pk=pk
            )
        except (ValueError, WorkPackage.DoesNotExist):
            raise NotFound() from None

    @extend_schema(parameters=[TEAM_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One work package as its team's backlog ranks it; done or stopped work is not in it."""
        work_package = self.get_object()
        rows = selectors.backlog_api_list(membership=request.membership, team=work_package.team)
        item = next((row for row in rows if row.pk == work_package.pk), None)
        if item is None:
            raise NotFound("It is done or stopped: not in the backlog.")
        return conditional_get(request, self.respond(item))

    def _moved(self, request, work_package, rank: int) -> Response:
        return Response(
            BacklogMoveResultSerializer({"work_package": work_package.pk, "rank": rank}).data
        )

    @extend_schema(
        request=BacklogMoveInput,
        responses={200: BacklogMoveResultSerializer},
        summary="Move a work package up, down, or to a rank in its team's backlog (recorded)",
    )
    @action(detail=True, methods=["post"], url_path="move")
    @idempotent
    def move(self, request, id=None):
        work_package = self.get_object()
        serializer = BacklogMoveInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        rank = services.backlog_move(
            actor=request.membership, work_package=work_package, **serializer.validated_data
        )
        return self._moved(request, work_package, rank)

    @extend_schema(
        request=BacklogResetInput,
        responses={200: BacklogMoveResultSerializer},
        summary="Let a hand-placed work package go back to its place by score (recorded)",
    )
    @action(detail=True, methods=["post"], url_path="reset-rank")
    @idempotent
    def reset_rank(self, request, id=None):
        work_package = self.get_object()
        serializer = BacklogResetInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            services.backlog_rank_reset(
                actor=request.membership, work_package=work_package, **serializer.validated_data
            )
            order = selectors.backlog_order(membership=request.membership, team=work_package.team)
        ids = [pk for pk, _ in order]
        if work_package.pk not in ids:
            raise ValidationError(
                {"work_package": ["Only open work of the team's backlog can be ranked."]}
            )
        return self._moved(request, work_package, ids.index(work_package.pk) + 1)


# --- sprints -------------------------------------------------------------------------------


class SprintFilter(UpdatedSinceFilterSet):
    team = django_filters.UUIDFilter(field_name="team_id")
    status = django_filters.ChoiceFilter(choices=Sprint.Status.choices)

    class Meta:
        model = Sprint
        fields = ["team", "status", "updated_since"]


@extend_schema(tags=["sprints"])
class SprintViewSet(ActionMixin, ServiceViewSet):
    http_method_names = NO_DELETE
    output_serializer_class = SprintSerializer
    input_serializer_class = SprintInput
    filterset_class = SprintFilter
    queryset = Sprint.objects.none()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return SprintUpdate
        return super().get_serializer_class()

    def list_queryset(self, membership):
        return selectors.sprint_api_list(membership=membership)

    def perform_create(self, membership, data):
        team = data.pop("team")
        return services.sprint_create(actor=membership, team=team, **data)

    def perform_update(self, membership, obj, data):
        return services.sprint_update(actor=membership, sprint=obj, **data)

    @extend_schema(
        request=SprintCommitInput,
        responses={201: SprintCommitmentSerializer},
        summary="Commit ready work; past capacity or the strategic share it needs a reason",
    )
    @action(detail=True, methods=["post"], url_path="commit")
    @idempotent
    def commit(self, request, id=None):
        sprint = self.get_object()
        serializer = SprintCommitInput(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            commitment = services.sprint_commit(
                actor=request.membership, sprint=sprint, **serializer.validated_data
            )
        return Response(SprintCommitmentSerializer(commitment).data, status=status.HTTP_201_CREATED)

    @action_schema(SprintSerializer, SprintUncommitInput, "Take work out of an open sprint")
    @action(detail=True, methods=["post"], url_path="uncommit")
    @idempotent
    def uncommit(self, request, id=None):
        def run(membership, sprint, data):
            services.sprint_uncommit(actor=membership, sprint=sprint, **data)
            return sprint

        return self.act(run, input_class=SprintUncommitInput)

    @action_schema(SprintSerializer, SprintCloseInput, "Close a sprint, recording each outcome")
    @action(detail=True, methods=["post"], url_path="close")
    @idempotent
    def close(self, request, id=None):
        def run(membership, sprint, data):
            return services.sprint_close(actor=membership, sprint=sprint, **data)

        return self.act(run, input_class=SprintCloseInput)


class CommitmentPage(CursorPage):
    ordering = ("committed_at", "id")


class SprintCommitmentFilter(django_filters.FilterSet):
    sprint = django_filters.UUIDFilter(field_name="sprint_id")
    work_package = django_filters.UUIDFilter(field_name="work_package_id")
    team = django_filters.UUIDFilter(field_name="sprint__team_id")
    outcome = django_filters.ChoiceFilter(choices=SprintCommitment.Outcome.choices)
    updated_since = UTCDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = SprintCommitment
        fields = ["sprint", "work_package", "team", "outcome", "updated_since"]


@extend_schema(tags=["sprints"])
class SprintCommitmentViewSet(ServiceViewSet):
    """Work committed to sprints (commit and uncommit are actions on the sprint)."""

    http_method_names = ["get", "head", "options"]
    output_serializer_class = SprintCommitmentSerializer
    filterset_class = SprintCommitmentFilter
    pagination_class = CommitmentPage
    queryset = SprintCommitment.objects.none()

    def list_queryset(self, membership):
        return selectors.sprint_commitment_api_list(membership=membership)


# --- ideas ---------------------------------------------------------------------------------


class IdeaFilter(UpdatedSinceFilterSet):
    team = django_filters.UUIDFilter(field_name="team_id")
    status = django_filters.ChoiceFilter(choices=Idea.Status.choices)
    strategic_objective = django_filters.UUIDFilter(field_name="strategic_objective_id")
    proposer = django_filters.UUIDFilter(field_name="proposer_id")
    work_package = django_filters.UUIDFilter(field_name="work_package_id")

    class Meta:
        model = Idea
        fields = [
            "team",
            "status",
            "strategic_objective",
            "proposer",
            "work_package",
            "updated_since",
        ]


@extend_schema(tags=["ideas"])
class IdeaViewSet(ActionMixin, ServiceViewSet):
    """Ideas, collected apart from selecting them: propose (POST), edit, then shortlist,
    reject or promote (which makes a work package and answers with the idea linking it)."""

    http_method_names = NO_DELETE
    output_serializer_class = IdeaSerializer
    input_serializer_class = IdeaInput
    filterset_class = IdeaFilter
    queryset = Idea.objects.none()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return IdeaUpdate
        return super().get_serializer_class()

    def list_queryset(self, membership):
        return selectors.idea_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.idea_propose(actor=membership, **data)

    def perform_update(self, membership, obj, data):
        return services.idea_update(actor=membership, idea=obj, **data)

    @action_schema(IdeaSerializer, None, "Put a new idea on the shortlist")
    @action(detail=True, methods=["post"], url_path="shortlist")
    @idempotent
    def shortlist(self, request, id=None):
        return self.act(lambda m, idea, _: services.idea_shortlist(actor=m, idea=idea))

    @action_schema(IdeaSerializer, IdeaRejectInput, "Turn an idea down, with the reason")
    @action(detail=True, methods=["post"], url_path="reject")
    @idempotent
    def reject(self, request, id=None):
        return self.act(
            lambda m, idea, data: services.idea_reject(
                actor=m, idea=idea, reason=data["rejection_reason"]
            ),
            input_class=IdeaRejectInput,
        )

    @action_schema(
        IdeaSerializer,
        IdeaPromoteInput,
        "Make a shortlisted idea a work package (its id is the idea's `work_package`)",
    )
    @action(detail=True, methods=["post"], url_path="promote")
    @idempotent
    def promote(self, request, id=None):
        def run(membership, idea, data):
            services.idea_promote(actor=membership, idea=idea, **data)
            return idea

        return self.act(run, input_class=IdeaPromoteInput)
