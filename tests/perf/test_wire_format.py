"""The lean to-wire path of work packages says exactly what the declared serializer says."""

import datetime
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from rest_framework import serializers

from core import changelog
from core.models import ChangeLogEntry
from planning.api.serializers import WorkPackageSerializer, work_package_to_wire
from planning.models import WorkPackage
from planning.tests.factories import InitiativeFactory, WorkPackageFactory

pytestmark = pytest.mark.django_db


def declared(wp: WorkPackage) -> dict:
    """DRF's generic field-by-field path over the serializer's declared fields."""
    return serializers.ModelSerializer.to_representation(WorkPackageSerializer(), wp)


def as_json(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True)


def test_lean_path_matches_the_declared_fields_for_sparse_and_full_packages(team, leader):
    initiative = InitiativeFactory(organization=team.organization)
    berlin = datetime.timezone(datetime.timedelta(hours=2))
    sparse = WorkPackageFactory(team=team)
    full = WorkPackageFactory(
        team=team,
        ready=True,
        initiative=initiative,
        owner=leader.user,
        start_date=datetime.date(2026, 12, 1),
        description='Ünïcode and "quotes"',
        output_kind=WorkPackage.OutputKind.values[0],
        outputs="A report",
        estimate=8,
        decision=WorkPackage.Decision.CONTINUE,
        decision_reason="Still worth it",
        source="jira",
        external_id="APP-1",
    )
    # A time given in another zone is written in UTC, microseconds kept.
    full.updated_at = datetime.datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=berlin)
    for wp in (sparse, full):
        wire = work_package_to_wire(wp)
        assert wire == declared(wp)
        assert list(wire) == WorkPackageSerializer.Meta.fields
        assert WorkPackageSerializer(wp).data == wire
    assert work_package_to_wire(full)["updated_at"] == "2026-05-01T10:30:15.123456Z"
    assert work_package_to_wire(sparse)["estimate"] is None


def test_list_serializer_and_change_log_use_the_same_wire_form(team):
    packages = [WorkPackageFactory(team=team, estimate=i) for i in range(3)]
    rows = WorkPackageSerializer(packages, many=True).data
    assert [as_json(r) for r in rows] == [as_json(declared(wp)) for wp in packages]
    from django.db import transaction

    with transaction.atomic():
        changelog.record_many([(wp, ChangeLogEntry.Op.UPDATED) for wp in packages])
    stored = {
        e.object_id: e.data for e in ChangeLogEntry.objects.filter(object_type="work_package")
    }
    for wp in packages:
        assert as_json(stored[wp.pk]) == as_json(declared(wp))


# --- the shared fast path of OutputSerializer ----------------------------------------------


def _drf(serializer_class, obj, context) -> dict:
    """DRF's own field-by-field representation (what OutputSerializer shortcuts)."""
    return serializers.Serializer.to_representation(serializer_class(context=context), obj)


def test_output_serializers_write_what_drf_writes(team, leader):
    from core.api.serializers import MemberSerializer, OrganizationSerializer, TeamSerializer
    from core.selectors import member_list
    from okrs import selectors as okr_selectors
    from okrs.api.serializers import (
        CheckInSerializer,
        CycleSerializer,
        KeyResultSerializer,
        ObjectiveSerializer,
    )
    from okrs.tests.factories import (
        CheckInFactory,
        CycleFactory,
        KeyResultFactory,
        ObjectiveFactory,
    )
    from planning.api.serializers import InitiativeSerializer, StrategicObjectiveSerializer
    from planning.selectors import initiative_api_list, strategic_objective_api_list

    org = team.organization
    cycle = CycleFactory(organization=org)
    objective = ObjectiveFactory(cycle=cycle, owner=leader.user)
    ObjectiveFactory(cycle=cycle, level="team", team=team, parent=objective)
    kr = KeyResultFactory(objective=objective, owner=leader.user, unit="%")
    KeyResultFactory(objective=objective)
    CheckInFactory(key_result=kr, author=leader.user, note="Ünïcode \u2028 line")
    InitiativeFactory(strategic_objective=objective.strategic_objective).teams.add(team)
    context = {"membership": leader}
    cases = [
        (OrganizationSerializer, [org]),
        (TeamSerializer, list(org.teams.all())),
        (MemberSerializer, list(member_list(organization=org))),
        (CycleSerializer, list(okr_selectors.cycle_api_list(membership=leader))),
        (ObjectiveSerializer, list(okr_selectors.objective_api_list(membership=leader))),
        (KeyResultSerializer, list(okr_selectors.key_result_api_list(membership=leader))),
        (CheckInSerializer, list(okr_selectors.check_in_api_list(membership=leader))),
        (InitiativeSerializer, list(initiative_api_list(membership=leader))),
        (StrategicObjectiveSerializer, list(strategic_objective_api_list(membership=leader))),
    ]
    # Serializers of stored values only also list through values() rows (ServiceViewSet.list).
    querysets = {
        CycleSerializer: okr_selectors.cycle_api_list(membership=leader),
        CheckInSerializer: okr_selectors.check_in_api_list(membership=leader),
        OrganizationSerializer: type(org).objects.filter(pk=org.pk),
    }
    for serializer_class, queryset in querysets.items():
        serializer = serializer_class(context=context)
        columns = serializer.row_columns()
        assert columns, serializer_class
        rows = {row["id"]: row for row in queryset.values(*columns)}
        for obj in queryset:
            wire = serializer.row_to_wire(rows[obj.pk])
            assert as_json(wire) == as_json(_drf(serializer_class, obj, context))
            assert list(wire) == list(serializer.fields)
    assert ObjectiveSerializer(context=context).row_columns() is None  # a method field
    assert TeamSerializer().row_columns() is None
    for serializer_class, objects in cases:
        assert objects, serializer_class
        many = serializer_class(objects, many=True, context=context).data
        for obj, fast in zip(objects, many, strict=True):
            assert as_json(fast) == as_json(_drf(serializer_class, obj, context)), serializer_class
            assert list(fast) == list(serializer_class(context=context).fields)


def test_list_endpoint_rows_match_the_declared_serializer(api, team, leader):
    """The work package list reads values() rows; each is what the serializer declares."""
    initiative = InitiativeFactory(organization=team.organization)
    WorkPackageFactory(team=team, ready=True, initiative=initiative, owner=leader.user, estimate=3)
    WorkPackageFactory(team=team, description="Line\u2028separator")
    response = api(leader).get("/api/v1/work-packages/?page_size=100")
    assert response.status_code == 200
    by_id = {str(wp.pk): wp for wp in WorkPackage.objects.filter(team=team)}
    rows = response.json()["results"]
    assert len(rows) == 2
    for row in rows:
        assert row == json.loads(as_json(declared(by_id[row["id"]])))
    assert b"\\u2028" in response.content  # escaped as DRF's renderer does


def test_fast_renderer_writes_the_bytes_drf_writes():
    import decimal
    import uuid

    from rest_framework.renderers import JSONRenderer

    from core.api.renderers import FastJSONRenderer

    data = {
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "at": datetime.datetime(2026, 5, 1, 10, 30, 15, 123456, tzinfo=datetime.UTC),
        "on": datetime.date(2026, 5, 1),
        "amount": decimal.Decimal("12.50"),
        "text": 'Ünïcode "quotes" \\ \u2028 \u2029 </script>',
        "nested": [None, True, 1, 0.5, {"k": []}],
        "big": 2**70,
    }
    for value in (data, {k: v for k, v in data.items() if k != "big"}, [1, "a"], {}):
        assert FastJSONRenderer().render(value) == JSONRenderer().render(value)
    indented = "application/json; indent=2"
    assert FastJSONRenderer().render(data, indented) == JSONRenderer().render(data, indented)
