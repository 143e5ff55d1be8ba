"""The OKR lists' lean path (values() rows written by plain functions) says exactly what the
declared serializers say, object by object and page by page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from okrs import selectors
from okrs.api.serializers import (
    KEY_RESULT_WIRE_COLUMNS,
    OBJECTIVE_WIRE_COLUMNS,
    KeyResultSerializer,
    ObjectiveSerializer,
    key_result_row_to_wire,
    objective_row_to_wire,
)
from okrs.models import Cycle, KeyResult, Objective
from okrs.tests.factories import CheckInFactory, CycleFactory, KeyResultFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


def declared(serializer_class, obj) -> dict:
    """DRF's generic field-by-field path over the serializer's declared fields."""
    return serializers.ModelSerializer.to_representation(serializer_class(), obj)


@pytest.fixture
def okrs(org, team, leader):
    cycle = CycleFactory(organization=org, status=Cycle.Status.ACTIVE)
    objective = ObjectiveFactory(cycle=cycle, owner=leader.user)
    objective.grade = Decimal("0.7")
    objective.graded_at = timezone.now()
    objective.save()
    team_objective = ObjectiveFactory(
        cycle=cycle, level=Objective.Level.TEAM, team=team, parent=objective
    )
    ObjectiveFactory(cycle=cycle, statement="Launch the new website")  # advice, no key results
    checked = KeyResultFactory(objective=objective, owner=leader.user, weight=Decimal("2.5"))
    CheckInFactory(key_result=checked, value=Decimal("12.3456"), confidence=7)
    stale = KeyResultFactory(objective=team_objective, owner=None, title="Hold 10 meetings")
    CheckInFactory(
        key_result=stale,
        value=Decimal(3),
        confidence=2,
        checked_in_at=timezone.now() - datetime.timedelta(days=30),
    )
    KeyResultFactory(objective=team_objective, weight=0)  # never checked in
    return cycle


def test_objective_rows_match_the_declared_serializer(leader, okrs):
    objects = {o.pk: o for o in selectors.objective_api_list(membership=leader)}
    rows = selectors.objective_api_list(membership=leader).values(*OBJECTIVE_WIRE_COLUMNS)
    assert len(rows) == len(objects) == 3
    for row in rows:
        wire = objective_row_to_wire(row)
        assert wire == declared(ObjectiveSerializer, objects[row["id"]])
        assert list(wire) == ObjectiveSerializer.Meta.fields
    assert any(objective_row_to_wire(r)["quality_warnings"] for r in rows)
    assert {objective_row_to_wire(r)["grade"] for r in rows} == {"0.70", None}


def test_key_result_rows_match_the_declared_serializer(leader, okrs):
    now = timezone.now()
    objects = {k.pk: k for k in selectors.key_result_api_list(membership=leader)}
    rows = selectors.key_result_api_list(membership=leader).values(*KEY_RESULT_WIRE_COLUMNS)
    assert len(rows) == len(objects) == 3
    for row in rows:
        wire = key_result_row_to_wire(row, now=now)
        expected = declared(KeyResultSerializer, objects[row["id"]])
        assert wire == expected
        assert list(wire) == KeyResultSerializer.Meta.fields
    stale = next(r for r in rows if r["title"] == "Hold 10 meetings")
    assert any("Stale" in w for w in key_result_row_to_wire(stale)["quality_warnings"])


@pytest.mark.parametrize("resource", ["objectives", "key-results"])
def test_list_pages_are_the_serializers_output(api, leader, okrs, resource):
    client = api(leader)
    body = client.get(f"/api/v1/{resource}/", {"page_size": 2}).json()
    model, serializer = (
        (Objective, ObjectiveSerializer)
        if resource == "objectives"
        else (KeyResult, KeyResultSerializer)
    )
    listed = body["results"]
    assert len(listed) == 2
    for item in listed:
        detail = client.get(f"/api/v1/{resource}/{item['id']}/").json()
        assert item == detail  # the detail goes through the serializer
    rest = client.get(body["next"]).json()["results"]
    assert len(rest) == 1
    assert {i["id"] for i in [*listed, *rest]} == {
        str(pk) for pk in model.objects.values_list("pk", flat=True)
    }
    assert serializer  # both declare what the lean path writes
