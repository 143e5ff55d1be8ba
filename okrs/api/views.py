"""The API's OKR and KPI resources: selectors read, services write (STYLE.md: thin views)."""

from __future__ import annotations

import django_filters
from django.db import transaction
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.conditional import etag_for, precondition_failed
from core.api.filters import UTCDateTimeFilter
from core.api.idempotency import idempotent
from core.api.pagination import CursorPage
from core.api.viewsets import ServiceViewSet
from okrs import selectors, services
from okrs.api.serializers import (
    KEY_RESULT_WIRE_COLUMNS,
    OBJECTIVE_WIRE_COLUMNS,
    CheckInInput,
    CheckInSerializer,
    ContributionInput,
    ContributionSerializer,
    CycleCloseInput,
    CycleInput,
    CycleSerializer,
    CycleUpdateInput,
    GradeInput,
    KeyResultInput,
    KeyResultSerializer,
    KeyResultUpdateInput,
    ObjectiveInput,
    ObjectiveSerializer,
    ObjectiveUpdateInput,
    OutcomeMeasureInput,
    OutcomeMeasureSerializer,
    OutcomeMeasureValueInput,
    OutcomeMeasureValueSerializer,
    key_result_row_to_wire,
    objective_row_to_wire,
)
from okrs.models import (
    CheckIn,
    Contribution,
    Cycle,
    KeyResult,
    Objective,
    OutcomeMeasure,
)

STALE = OpenApiResponse(
    description="If-Match named a stale version: the current object, unchanged."
)

# --- filters -------------------------------------------------------------------------------


class UpdatedSinceFilterSet(django_filters.FilterSet):
    updated_since = UTCDateTimeFilter(field_name="updated_at", lookup_expr="gte")


class CreatedSinceFilterSet(django_filters.FilterSet):
    """Rows that never change once written: ``updated_since`` is their creation time."""

    updated_since = UTCDateTimeFilter(field_name="created_at", lookup_expr="gte")


class CycleFilter(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(choices=Cycle.Status.choices)

    class Meta:
        model = Cycle
        fields = ["status", "updated_since"]


class ObjectiveFilter(UpdatedSinceFilterSet):
    cycle = django_filters.UUIDFilter(field_name="cycle_id")
    level = django_filters.ChoiceFilter(choices=Objective.Level.choices)
    team = django_filters.UUIDFilter(field_name="team_id")
    owner = django_filters.UUIDFilter(field_name="owner_id")
    strategic_objective = django_filters.UUIDFilter(field_name="strategic_objective_id")
    parent = django_filters.UUIDFilter(field_name="parent_id")
    status = django_filters.ChoiceFilter(
        field_name="cycle__status",
        choices=Cycle.Status.choices,
        label="The status of the objective's cycle.",
    )

    class Meta:
        model = Objective
        fields = [
            "cycle",
            "level",
            "team",
            "owner",
            "strategic_objective",
            "parent",
            "status",
            "updated_since",
        ]


class KeyResultFilter(UpdatedSinceFilterSet):
    objective = django_filters.UUIDFilter(field_name="objective_id")
    cycle = django_filters.UUIDFilter(field_name="objective__cycle_id")
    team = django_filters.UUIDFilter(field_name="objective__team_id")
    owner = django_filters.UUIDFilter(field_name="owner_id")
    outcome_measure = django_filters.UUIDFilter(field_name="outcome_measure_id")
    # One contribution per (key result, work package): the join never repeats a key result.
    work_package = django_filters.UUIDFilter(field_name="contributions__work_package_id")
    status = django_filters.ChoiceFilter(
        field_name="objective__cycle__status",
        choices=Cycle.Status.choices,
        label="The status of the key result's cycle.",
    )

    class Meta:
        model = KeyResult
        fields = [
            "objective",
            "cycle",
            "team",
            "owner",
            "outcome_measure",
            "work_package",
            "status",
            "updated_since",
        ]


class CheckInFilter(CreatedSinceFilterSet):
    key_result = django_filters.UUIDFilter(field_name="key_result_id")
    objective = django_filters.UUIDFilter(field_name="key_result__objective_id")
    cycle = django_filters.UUIDFilter(field_name="key_result__objective__cycle_id")
    author = django_filters.UUIDFilter(field_name="author_id")

    class Meta:
        model = CheckIn
        fields = ["key_result", "objective", "cycle", "author", "updated_since"]


class ContributionFilter(CreatedSinceFilterSet):
    key_result = django_filters.UUIDFilter(field_name="key_result_id")
    work_package = django_filters.UUIDFilter(field_name="work_package_id")
    objective = django_filters.UUIDFilter(field_name="key_result__objective_id")
    cycle = django_filters.UUIDFilter(field_name="key_result__objective__cycle_id")
    team = django_filters.UUIDFilter(field_name="work_package__team_id")

    class Meta:
        model = Contribution
        fields = ["key_result", "work_package", "objective", "cycle", "team", "updated_since"]


class OutcomeMeasureFilter(UpdatedSinceFilterSet):
    strategic_objective = django_filters.UUIDFilter(field_name="strategic_objective_id")

    class Meta:
        model = OutcomeMeasure
        fields = ["strategic_objective", "updated_since"]


class ValuePage(CursorPage):
    """A KPI's values, oldest observation first."""

    ordering = ("observed_on", "id")


# --- resources -----------------------------------------------------------------------------


class FiguresMixin:
    """Resources whose wire form holds figures the list selector computes (progress, current
    value): an object fresh from a service or a row lock is read again through the selector."""

    def respond(self, obj, **kwargs):
        if not hasattr(obj, "progress"):
            obj = self.reload(obj)
        return super().respond(obj, **kwargs)


class TransitionMixin:
    """A POST action on one object that honours If-Match, as PUT and PATCH do."""

    def transition(self, request, change, *, input_serializer=None):
        data = {}
        with transaction.atomic():
            obj = self.get_object(for_update=True)
            if precondition_failed(request, obj):
                return self.respond(obj, status_code=status.HTTP_412_PRECONDITION_FAILED)
            if input_serializer is not None:
                serializer = input_serializer(
                    data=request.data, context=self.get_serializer_context()
                )
                serializer.is_valid(raise_exception=True)
                data = dict(serializer.validated_data)
            obj = change(request.membership, obj, data)
        return self.respond(self.reload(obj))


@extend_schema(tags=["okrs"])
class CycleViewSet(TransitionMixin, ServiceViewSet):
    """OKR cycles (usually quarters). Leaders plan, activate and close them."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    output_serializer_class = CycleSerializer
    input_serializer_class = CycleInput
    filterset_class = CycleFilter
    queryset = Cycle.objects.none()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return CycleUpdateInput
        return super().get_serializer_class()

    def list_queryset(self, membership):
        return selectors.cycle_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.cycle_create(actor=membership, **data)

    def perform_update(self, membership, obj, data):
        return services.cycle_update(actor=membership, cycle=obj, **data)

    @extend_schema(
        request=None,
        responses={200: CycleSerializer, 412: STALE},
        summary="Open a cycle in planning: check-ins start",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def activate(self, request, id=None):
        return self.transition(
            request,
            lambda membership, cycle, _: services.cycle_activate(actor=membership, cycle=cycle),
        )

    @extend_schema(
        request=CycleCloseInput,
        responses={200: CycleSerializer, 412: STALE},
        summary="Grade the cycle's objectives, carry unfinished key results over, and close it",
        description="Every objective not graded before needs a grade (0.0-1.0) and a "
        "retrospective line. A closed cycle's OKRs are read-only.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def close(self, request, id=None):
        def close_cycle(membership, cycle, data):
            return services.cycle_close(
                actor=membership,
                cycle=cycle,
                grades={
                    g["objective"].pk: (g["grade"], g["retrospective"]) for g in data["grades"]
                },
                carry_over=data["carry_over"],
                next_cycle=data["next_cycle"],
            )

        return self.transition(request, close_cycle, input_serializer=CycleCloseInput)


@extend_schema(tags=["okrs"])
class ObjectiveViewSet(FiguresMixin, TransitionMixin, ServiceViewSet):
    """Objectives of a cycle, for the organization (serving a strategic objective) or a team."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    output_serializer_class = ObjectiveSerializer
    input_serializer_class = ObjectiveInput
    filterset_class = ObjectiveFilter
    queryset = Objective.objects.none()
    list_values = OBJECTIVE_WIRE_COLUMNS

    def list_row_to_wire(self, row):
        return objective_row_to_wire(row)

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ObjectiveUpdateInput
        return super().get_serializer_class()

    def list_queryset(self, membership):
        return selectors.objective_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.objective_create(actor=membership, **data)

    def perform_update(self, membership, obj, data):
        return services.objective_update(actor=membership, objective=obj, **data)

    @extend_schema(
        request=GradeInput,
        responses={200: ObjectiveSerializer, 412: STALE},
        summary="Grade an objective (0.0-1.0) with a line on what it taught",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def grade(self, request, id=None):
        return self.transition(
            request,
            lambda membership, objective, data: services.objective_grade(
                actor=membership, objective=objective, **data
            ),
            input_serializer=GradeInput,
        )


@extend_schema(tags=["okrs"])
class KeyResultViewSet(FiguresMixin, ServiceViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    output_serializer_class = KeyResultSerializer
    input_serializer_class = KeyResultInput
    filterset_class = KeyResultFilter
    queryset = KeyResult.objects.none()
    list_values = KEY_RESULT_WIRE_COLUMNS

    def list_row_to_wire(self, row):
        return key_result_row_to_wire(row, now=self.now)

    @cached_property
    def now(self):
        """One time for a whole page's staleness advice."""
        return timezone.now()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return KeyResultUpdateInput
        return super().get_serializer_class()

    def list_queryset(self, membership):
        return selectors.key_result_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.key_result_create(actor=membership, **data)

    def perform_update(self, membership, obj, data):
        return services.key_result_update(actor=membership, key_result=obj, **data)


@extend_schema(tags=["okrs"])
class CheckInViewSet(ServiceViewSet):
    """Check-ins are a key result's history: recorded, never edited."""

    http_method_names = ["get", "post", "head", "options"]
    output_serializer_class = CheckInSerializer
    input_serializer_class = CheckInInput
    filterset_class = CheckInFilter
    queryset = CheckIn.objects.none()

    def list_queryset(self, membership):
        return selectors.check_in_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.check_in_create(actor=membership, **data)


@extend_schema(tags=["okrs"])
class ContributionViewSet(ServiceViewSet):
    """Which work packages feed which key results: linked (POST) and unlinked (DELETE)."""

    http_method_names = ["get", "post", "delete", "head", "options"]
    output_serializer_class = ContributionSerializer
    input_serializer_class = ContributionInput
    filterset_class = ContributionFilter
    queryset = Contribution.objects.none()

    def list_queryset(self, membership):
        return selectors.contribution_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.contribution_add(actor=membership, **data)

    def perform_destroy(self, membership, obj):
        services.contribution_remove(
            actor=membership, key_result=obj.key_result, work_package=obj.work_package
        )

    def destroy(self, request, *args, **kwargs):
        # A link has no versions (it exists or not), so there is no If-Match to check.
        with transaction.atomic():
            self.perform_destroy(request.membership, self.get_object(for_update=True))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["okrs"])
class OutcomeMeasureViewSet(ServiceViewSet):
    """KPIs: business outcomes that judge a strategic objective over time. Their recorded
    values are under ``{id}/values/``."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    output_serializer_class = OutcomeMeasureSerializer
    input_serializer_class = OutcomeMeasureInput
    filterset_class = OutcomeMeasureFilter
    queryset = OutcomeMeasure.objects.none()

    def get_serializer_class(self):
        if self.action == "record_value":
            return OutcomeMeasureValueInput
        if self.action == "values":
            return OutcomeMeasureValueSerializer
        return super().get_serializer_class()

    def list_queryset(self, membership):
        return selectors.outcome_measure_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.outcome_measure_create(actor=membership, **data)

    def perform_update(self, membership, obj, data):
        return services.outcome_measure_update(actor=membership, measure=obj, **data)

    @extend_schema(
        summary="The KPI's recorded values, oldest first",
        responses={200: OutcomeMeasureValueSerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=ValuePage)
    def values(self, request, id=None):
        measure = self.get_object()
        rows = selectors.outcome_measure_value_api_list(
            membership=request.membership, measure=measure
        )
        page = self.paginate_queryset(rows)
        data = OutcomeMeasureValueSerializer(
            page, many=True, context=self.get_serializer_context()
        ).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Record the KPI's value for a day (a second value that day replaces the first)",
        description="201 when the day had no value yet, 200 when it replaced one; repeating the "
        "same value changes nothing, not even `version`.",
        request=OutcomeMeasureValueInput,
        responses={200: OutcomeMeasureValueSerializer, 201: OutcomeMeasureValueSerializer},
    )
    @values.mapping.post
    @idempotent
    def record_value(self, request, id=None):
        measure = self.get_object()  # another organization's KPI is a 404, whatever the body
        data = self.validated()
        with transaction.atomic():
            row, created = services.outcome_measure_record_value(
                actor=request.membership, measure=measure, **data
            )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        data = OutcomeMeasureValueSerializer(row, context=self.get_serializer_context()).data
        return Response(data, status=code, headers={"ETag": etag_for(row, data)})
