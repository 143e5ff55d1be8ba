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
