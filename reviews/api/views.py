"""The API's cadence resources: selectors read, services write (STYLE.md: thin views).

State changes are POST actions on the object (``/review-sessions/{id}/close/``,
``/decisions/{id}/done/``); they honour If-Match and Idempotency-Key.
"""

from __future__ import annotations

import django_filters
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from backlog.api.views import NO_DELETE, READ_AND_ACT, ActionMixin, NoCreate, action_schema
from core.api.filters import StrictBooleanFilter
from core.api.idempotency import idempotent
from core.api.viewsets import ServiceViewSet
from planning.api.views import UpdatedSinceFilterSet
from reviews import selectors, services
from reviews.api.serializers import (
    AgendaSerializer,
    CadenceInput,
    CadenceSerializer,
    DecisionDoneInput,
    DecisionInput,
    DecisionSerializer,
    LearningInput,
    LearningSerializer,
    LearningUpdate,
    MarkedReadSerializer,
    NotificationSerializer,
    ReviewSessionNotesInput,
    ReviewSessionSerializer,
)
from reviews.models import Cadence, Decision, Learning, Notification, ReviewSession

# --- cadences ------------------------------------------------------------------------------


class CadenceFilter(UpdatedSinceFilterSet):
    team = django_filters.UUIDFilter(field_name="team_id")
    kind = django_filters.ChoiceFilter(choices=Cadence.Kind.choices)
    archived = StrictBooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)
    participant = django_filters.UUIDFilter(field_name="participants", distinct=True)

    class Meta:
        model = Cadence
        fields = ["team", "kind", "archived", "participant", "updated_since"]


@extend_schema(tags=["reviews"])
class CadenceViewSet(ActionMixin, ServiceViewSet):
    """Recurring reviews. Creating one prepares its next session; archiving stops it."""

    http_method_names = NO_DELETE
    output_serializer_class = CadenceSerializer
    input_serializer_class = CadenceInput
    filterset_class = CadenceFilter
    queryset = Cadence.objects.none()

    def list_queryset(self, membership):
        return selectors.cadence_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.cadence_create(actor=membership, **data)

    def perform_update(self, membership, obj, data):
        return services.cadence_update(actor=membership, cadence=obj, **data)

    @action_schema(CadenceSerializer, None, "Stop a review: no more sessions or reminders")
    @action(detail=True, methods=["post"], url_path="archive")
    @idempotent
    def archive(self, request, id=None):
        return self.act(lambda m, cadence, _: services.cadence_archive(actor=m, cadence=cadence))


# --- review sessions -----------------------------------------------------------------------


class ReviewSessionFilter(UpdatedSinceFilterSet):
    cadence = django_filters.UUIDFilter(field_name="cadence_id")
    team = django_filters.UUIDFilter(field_name="cadence__team_id")
    status = django_filters.ChoiceFilter(choices=ReviewSession.Status.choices)

    class Meta:
        model = ReviewSession
        fields = ["cadence", "team", "status", "updated_since"]


@extend_schema(tags=["reviews"])
class ReviewSessionViewSet(NoCreate, ActionMixin, ServiceViewSet):
    """One meeting of a cadence. PUT/PATCH change its notes; close and cancel are actions;
    its agenda (live until it is held, then kept as it stood) is at `agenda/`."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    output_serializer_class = ReviewSessionSerializer
    input_serializer_class = ReviewSessionNotesInput
    filterset_class = ReviewSessionFilter
    queryset = ReviewSession.objects.none()

    def list_queryset(self, membership):
        return selectors.review_session_api_list(membership=membership)

    def perform_update(self, membership, obj, data):
        # Through the service even when nothing is sent: its role check answers every caller.
        return services.review_session_update_notes(
            actor=membership, session=obj, notes=data.get("notes", obj.notes)
        )

    @extend_schema(
        responses={200: AgendaSerializer},
        summary="The session's agenda, built from live data (kept as it stood once held)",
    )
    @action(detail=True, methods=["get"], url_path="agenda")
    def agenda(self, request, id=None):
        session = self.get_object()
        agenda = selectors.session_agenda(membership=request.membership, session=session)
        data = AgendaSerializer(
            {
                "session": session.pk,
                "layer": agenda.layer,
                "live": agenda.live,
                "built_at": agenda.built_at,
                "as_of": agenda.as_of,
                "sections": agenda.sections,
            }
        ).data
        return Response(data)

    @action_schema(ReviewSessionSerializer, None, "Mark the review held; its agenda is kept")
    @action(detail=True, methods=["post"], url_path="close")
    @idempotent
    def close(self, request, id=None):
        return self.act(lambda m, s, _: services.review_session_close(actor=m, session=s))

    @action_schema(ReviewSessionSerializer, None, "This meeting does not take place")
    @action(detail=True, methods=["post"], url_path="cancel")
    @idempotent
    def cancel(self, request, id=None):
        return self.act(lambda m, s, _: services.review_session_cancel(actor=m, session=s))


# --- decisions -----------------------------------------------------------------------------


class DecisionFilter(UpdatedSinceFilterSet):
    session = django_filters.UUIDFilter(field_name="session_id")
    cadence = django_filters.UUIDFilter(field_name="session__cadence_id")
    status = django_filters.ChoiceFilter(choices=Decision.Status.choices)
    subject = django_filters.ChoiceFilter(choices=Decision.Subject.choices)
    owner = django_filters.UUIDFilter(field_name="owner_id")
    work_package = django_filters.UUIDFilter(field_name="work_package_id")
    initiative = django_filters.UUIDFilter(field_name="initiative_id")
    strategic_objective = django_filters.UUIDFilter(field_name="strategic_objective_id")
    team = django_filters.UUIDFilter(field_name="team_id")

    class Meta:
        model = Decision
        fields = [
            "session",
            "cadence",
            "status",
            "subject",
            "owner",
            "work_package",
            "initiative",
            "strategic_objective",
            "team",
            "updated_since",
        ]


@extend_schema(tags=["reviews"])
class DecisionViewSet(ActionMixin, ServiceViewSet):
    """What reviews decided. Recorded in an open session (POST); its owner marks it done."""

    http_method_names = READ_AND_ACT
    output_serializer_class = DecisionSerializer
    input_serializer_class = DecisionInput
    filterset_class = DecisionFilter
    queryset = Decision.objects.none()

    def list_queryset(self, membership):
        return selectors.decision_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.decision_record(actor=membership, **data)

    @action_schema(DecisionSerializer, DecisionDoneInput, "Mark a decision carried out (or not)")
    @action(detail=True, methods=["post"], url_path="done")
    @idempotent
    def done(self, request, id=None):
        return self.act(
            lambda m, d, data: services.decision_set_done(actor=m, decision=d, **data),
            input_class=DecisionDoneInput,
        )


# --- learnings -----------------------------------------------------------------------------


class LearningFilter(UpdatedSinceFilterSet):
    strategic_objective = django_filters.UUIDFilter(field_name="strategic_objective_id")
    session = django_filters.UUIDFilter(field_name="session_id")
    cadence = django_filters.UUIDFilter(field_name="session__cadence_id")
    work_package = django_filters.UUIDFilter(field_name="work_packages", distinct=True)
    key_result = django_filters.UUIDFilter(field_name="key_results", distinct=True)

    class Meta:
        model = Learning
        fields = [
            "strategic_objective",
            "session",
            "cadence",
            "work_package",
            "key_result",
            "updated_since",
        ]


@extend_schema(tags=["reviews"])
class LearningViewSet(ServiceViewSet):
    """Evidence from tactics, fed back to the strategic objective it informs."""

    http_method_names = NO_DELETE
    output_serializer_class = LearningSerializer
    input_serializer_class = LearningInput
    filterset_class = LearningFilter
    queryset = Learning.objects.none()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return LearningUpdate
        return super().get_serializer_class()

    def list_queryset(self, membership):
        return selectors.learning_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.learning_record(actor=membership, **data)

    def perform_update(self, membership, obj, data):
        current = {
            "strategic_objective": obj.strategic_objective,
            "statement": obj.statement,
            "evidence": obj.evidence,
            "work_packages": list(obj.work_packages.all()),
            "key_results": list(obj.key_results.all()),
        }
        return services.learning_update(actor=membership, learning=obj, **{**current, **data})


# --- notifications -------------------------------------------------------------------------


class NotificationFilter(django_filters.FilterSet):
    unread = StrictBooleanFilter(field_name="read_at", lookup_expr="isnull")
    kind = django_filters.CharFilter()

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


@extend_schema(tags=["notifications"])
class NotificationViewSet(NoCreate, ServiceViewSet):
    """The caller's own notifications (nobody else's, whatever their role)."""

    http_method_names = READ_AND_ACT
    output_serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()

    def list_queryset(self, membership):
        return selectors.notification_list(membership=membership).order_by()

    @extend_schema(request=None, responses={200: NotificationSerializer}, summary="Mark it read")
    @action(detail=True, methods=["post"], url_path="read")
    @idempotent
    def read(self, request, id=None):
        notification = self.get_object()
        with transaction.atomic():
            notification = services.notification_mark_read(
                membership=request.membership, notification_id=notification.pk
            )
        return self.respond(notification)

    @extend_schema(
        request=None, responses={200: MarkedReadSerializer}, summary="Mark all of mine read"
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    @idempotent
    def read_all(self, request):
        marked = services.notifications_mark_all_read(membership=request.membership)
        return Response(MarkedReadSerializer({"marked": marked}).data)
