"""The API's strategy and work resources: selectors read, services write (STYLE.md: thin views)."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.fields import SkipField
from rest_framework.response import Response

from core.api.conditional import precondition_failed
from core.api.errors import PROBLEM_JSON, PayloadTooLarge, PreconditionFailed, normalise_errors
from core.api.filters import StrictBooleanFilter, UTCDateTimeFilter
from core.api.idempotency import idempotent
from core.api.schema import PROBLEM_REF
from core.api.viewsets import ServiceViewSet
from planning import selectors, services
from planning.api.serializers import (
    WORK_PACKAGE_WIRE_COLUMNS,
    InitiativeInput,
    InitiativeSerializer,
    StrategicObjectiveInput,
    StrategicObjectiveSerializer,
    WorkPackageInput,
    WorkPackageSerializer,
    WorkPackageSyncItem,
    work_package_row_to_wire,
)
from planning.models import Initiative, StrategicObjective, WorkPackage

BULK_LIMIT = 1000


UPSERT_412 = (
    "If-Match named a stale version: the current object, unchanged (application/json). "
    "If-Match on a work package that does not exist: a problem, and nothing was created."
)


class BulkRequestSerializer(serializers.Serializer):
    items = WorkPackageSyncItem(many=True)


class BulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(["created", "updated", "unchanged", "error"])
    errors = serializers.DictField(child=serializers.ListField(), required=False)
    work_package = WorkPackageSerializer(required=False)


class BulkResponseSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True)


class UpdatedSinceFilterSet(django_filters.FilterSet):
    updated_since = UTCDateTimeFilter(field_name="updated_at", lookup_expr="gte")


class StrategicObjectiveFilter(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(choices=StrategicObjective.Status.choices)
    owner = django_filters.UUIDFilter(field_name="owner_id")

    class Meta:
        model = StrategicObjective
        fields = ["status", "owner", "updated_since"]


class InitiativeFilter(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(choices=Initiative.Status.choices)
    owner = django_filters.UUIDFilter(field_name="owner_id")
    strategic_objective = django_filters.UUIDFilter(field_name="strategic_objective_id")
    team = django_filters.UUIDFilter(field_name="teams", distinct=True)

    class Meta:
        model = Initiative
        fields = ["status", "owner", "strategic_objective", "team", "updated_since"]


class WorkPackageFilter(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(choices=WorkPackage.Status.choices)
    team = django_filters.UUIDFilter(field_name="team_id")
    owner = django_filters.UUIDFilter(field_name="owner_id")
    initiative = django_filters.UUIDFilter(field_name="initiative_id")
    category = django_filters.ChoiceFilter(choices=WorkPackage.Category.choices)
    linked = StrictBooleanFilter(
        field_name="initiative",
        lookup_expr="isnull",
        exclude=True,
        label="true: only work linked to strategy; false: only unlinked work",
    )
    source = django_filters.CharFilter()

    class Meta:
        model = WorkPackage
        fields = [
            "status",
            "team",
            "owner",
            "initiative",
            "category",
            "linked",
            "source",
            "updated_since",
        ]


def _valid_item(fields: list, known: set[str], raw) -> dict | None:
    """A bulk item's validated data, or None when it has any error (or is not an object).

    What ``WorkPackageSyncItem(partial=True).run_validation`` returns for a valid item, field
    by field with the same DRF fields, skipping the absent ones (partial: each would only raise
    SkipField): a thousand items ran 17 fields' empty checks each. The serializer declares no
    ``validate``/``validate_<field>`` hooks (tests/perf/test_bulk.py holds the two paths equal).
    """
    if type(raw) is not dict or not known.issuperset(raw):
        return None
    data = {}
    for name, source, field in fields:
        if name in raw:
            try:
                data[source] = field.run_validation(raw[name])
            except (ValidationError, DjangoValidationError):
                return None
            except SkipField:
                continue
    return data


@extend_schema(tags=["strategy"])
class StrategicObjectiveViewSet(ServiceViewSet):
    output_serializer_class = StrategicObjectiveSerializer
    input_serializer_class = StrategicObjectiveInput
    filterset_class = StrategicObjectiveFilter
    queryset = StrategicObjective.objects.none()  # for the schema; get_queryset scopes it

    def list_queryset(self, membership):
        return selectors.strategic_objective_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.strategic_objective_create(actor=membership, **data)

    def perform_update(self, membership, obj, data):
        return services.strategic_objective_update(actor=membership, objective=obj, **data)

    def perform_destroy(self, membership, obj):
        services.strategic_objective_delete(actor=membership, objective=obj)


@extend_schema(tags=["strategy"])
class InitiativeViewSet(ServiceViewSet):
    output_serializer_class = InitiativeSerializer
    input_serializer_class = InitiativeInput
    filterset_class = InitiativeFilter
    queryset = Initiative.objects.none()

    def list_queryset(self, membership):
        return selectors.initiative_api_list(membership=membership)

    def perform_create(self, membership, data):
        return services.initiative_create(actor=membership, **data)

    def perform_update(self, membership, obj, data):
        return services.initiative_update(actor=membership, initiative=obj, **data)

    def perform_destroy(self, membership, obj):
        services.initiative_delete(actor=membership, initiative=obj)


@extend_schema(tags=["work packages"])
class WorkPackageViewSet(ServiceViewSet):
    output_serializer_class = WorkPackageSerializer
    input_serializer_class = WorkPackageInput
    filterset_class = WorkPackageFilter
    queryset = WorkPackage.objects.none()
    list_values = WORK_PACKAGE_WIRE_COLUMNS

    def list_queryset(self, membership):
        return selectors.work_package_api_list(membership=membership)

    def list_row_to_wire(self, row):
        return work_package_row_to_wire(row)

    def perform_create(self, membership, data):
        data.pop("reopen_reason", None)
        return services.work_package_create(actor=membership, **data)

    def perform_update(self, membership, obj, data):
        # A decision sent along is part of the same write (one version, one change entry).
        return services.work_package_update(actor=membership, work_package=obj, **data)

    def perform_destroy(self, membership, obj):
        services.work_package_delete(actor=membership, work_package=obj)

    def _sync(self, request, items: list) -> tuple[list[dict], set[int]]:
        """Validate each item on its own, upsert the valid ones; one result per item, and the
        indexes of the items the caller's role may not write."""
        results: list[dict] = [{"index": i} for i in range(len(items))]
        forbidden: set[int] = set()
        valid: list[tuple[int, dict]] = []
        # One serializer validates every item (what is_valid() runs, without building and
        # deep-copying its fields again per item: that was most of a bulk request's time).
        validator = WorkPackageSyncItem(partial=True, context=self.get_serializer_context())
        fields = [(f.field_name, f.source, f) for f in validator._writable_fields]
        known = {name for name, _, _ in fields} | set(validator.read_only_fields)
        for i, raw in enumerate(items):
            data = _valid_item(fields, known, raw)
            if data is not None:
                valid.append((i, data))
                continue
            try:  # invalid: DRF's own path words the errors
                valid.append((i, dict(validator.run_validation(raw))))
            except ValidationError as exc:
                results[i].update(status="error", errors=normalise_errors(exc.detail))
        outcomes = services.work_package_bulk_upsert(
            actor=request.membership, items=[data for _, data in valid]
        )
        written = [o.work_package for o in outcomes if o.work_package is not None]
        wire = {row["id"]: row for row in WorkPackageSerializer(written, many=True).data}
        for (i, _), outcome in zip(valid, outcomes, strict=True):
            results[i]["status"] = outcome.status
            if outcome.errors:
                results[i]["errors"] = outcome.errors
            if outcome.forbidden:
                forbidden.add(i)
            if outcome.work_package is not None:
                results[i]["work_package"] = wire[str(outcome.work_package.pk)]
        return results, forbidden

    @extend_schema(
        request=WorkPackageSyncItem,
        responses={
            (200, "application/json"): WorkPackageSerializer,
            (201, "application/json"): WorkPackageSerializer,
            (412, "application/json"): OpenApiResponse(
                WorkPackageSerializer,
                description=UPSERT_412,
            ),
            (412, PROBLEM_JSON): OpenApiResponse(PROBLEM_REF, description=UPSERT_412),
        },
        summary="Create (201) or update (200) the work package with this source and external id",
        description="Fields left out keep their value. Repeating the same body changes nothing, "
        "not even `version`. With If-Match, a stale version gets 412 and the current object; "
        "If-Match on a work package that does not exist is a 412 problem, not a create.",
    )
    def upsert(self, request, source: str, external_id: str):
        if not isinstance(request.data, dict):
            raise ValidationError({"body": ["Send a JSON object with the work package's fields."]})
        with transaction.atomic():
            current = (
                WorkPackage.objects.select_for_update()
                .filter(
                    organization_id=request.membership.organization_id,
                    source=source,
                    external_id=external_id,
                )
                .first()
            )
            if current is None and "If-Match" in request.headers:
                # If-Match is "update what I saw": never a create (RFC 9110: false when there
                # is no current representation, even for `*`).
                raise PreconditionFailed(
                    "If-Match names a version, but no work package has this source and "
                    "external id: nothing was created. Send the PUT without If-Match to create it."
                )
            if current is not None and precondition_failed(request, current):
                return self.respond(current, status_code=status.HTTP_412_PRECONDITION_FAILED)
            [result], forbidden = self._sync(
                request, [{**request.data, "source": source, "external_id": external_id}]
            )
        if forbidden:
            raise PermissionDenied(" ".join(m for ms in result["errors"].values() for m in ms))
        if result["status"] == "error":
            raise ValidationError(result["errors"])
        work_package = self.reload(WorkPackage(pk=result["work_package"]["id"]))
        code = status.HTTP_201_CREATED if result["status"] == "created" else status.HTTP_200_OK
        return self.respond(work_package, status_code=code)

    @extend_schema(
        request=BulkRequestSerializer,
        responses={
            200: BulkResponseSerializer,
            413: OpenApiResponse(description="More than 1000 items: nothing was written"),
        },
        summary="Upsert up to 1000 work packages keyed by source and external id",
        description="Each valid item is written, each invalid one changes nothing and answers "
        "`error` with its field errors.",
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    @idempotent
    def bulk(self, request):
        items = request.data.get("items") if isinstance(request.data, dict) else None
        if not isinstance(items, list):
            raise ValidationError({"items": ['Send {"items": [...]}, a list of work packages.']})
        if len(items) > BULK_LIMIT:
            raise PayloadTooLarge(f"At most {BULK_LIMIT} items per request; nothing was written.")
        return Response({"results": self._sync(request, items)[0]})
