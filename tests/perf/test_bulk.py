"""core.bulk: many rows in one statement, with Django's semantics."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core import bulk
from core.models import ChangeLogEntry
from planning.models import WorkPackage
from planning.tests.factories import WorkPackageFactory

pytestmark = pytest.mark.django_db


def test_insert_fills_auto_keys_in_order_and_keeps_every_value(team):
    at = datetime.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=datetime.UTC)
    entries = [
        ChangeLogEntry(
            organization_id=team.organization_id,
            object_type="work_package",
            object_id=WorkPackageFactory.build().id,
            op="updated",
            version=i,
            data={"title": f'Ünïcode "{i}" \\ %s', "n": i, "nested": [None, True, 1.5]},
            at=at,
        )
        for i in range(1, 4)
    ]
    with CaptureQueriesContext(connection) as captured:
        bulk.insert(entries)
    assert len(captured.captured_queries) == 1
    ids = [e.id for e in entries]
    assert None not in ids
    assert ids == sorted(ids)
    for entry in entries:
        stored = ChangeLogEntry.objects.get(pk=entry.pk)
        assert (stored.version, stored.data, stored.at) == (entry.version, entry.data, at)
        assert stored.event_id == entry.event_id


def test_insert_stamps_auto_now_fields_like_bulk_create_unless_told_not_to(team):
    old = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    stamped = WorkPackage(organization=team.organization, team=team, title="A", created_at=old)
    kept = WorkPackage(
        organization=team.organization, team=team, title="B", created_at=old, updated_at=old
    )
    bulk.insert([stamped])
    bulk.insert([kept], pre_save=False)
    assert WorkPackage.objects.get(pk=stamped.pk).created_at > old
    assert WorkPackage.objects.get(pk=kept.pk).created_at == old
    assert not stamped._state.adding


def test_update_writes_the_named_fields_only_in_one_statement(team):
    packages = [WorkPackageFactory(team=team, estimate=1) for _ in range(3)]
    for i, wp in enumerate(packages):
        wp.title = f"Renamed {i}"
        wp.estimate = 8
        wp.due_date = datetime.date(2027, 1, i + 1)
    with CaptureQueriesContext(connection) as captured:
        assert bulk.update(packages, ["title", "due_date"]) == 3
    assert len(captured.captured_queries) == 1
    for i, wp in enumerate(packages):
        stored = WorkPackage.objects.get(pk=wp.pk)
        assert (stored.title, stored.due_date) == (f"Renamed {i}", datetime.date(2027, 1, i + 1))
        assert stored.estimate == 1  # not named: left alone


def test_a_constraint_violation_is_an_integrity_error_and_writes_nothing(team):
    first = WorkPackage(
        organization=team.organization, team=team, title="A", source="s", external_id="1"
    )
    again = WorkPackage(
        organization=team.organization, team=team, title="B", source="s", external_id="1"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert([first, again])
    assert not WorkPackage.objects.filter(source="s").exists()


def test_bulk_item_fast_validation_equals_the_serializer(team):
    """planning.api.views._valid_item: valid items give exactly what the serializer gives;
    any error (or an unknown field, or not an object) leaves the item to the serializer."""
    from rest_framework import serializers as drf
    from rest_framework.exceptions import ValidationError

    from planning.api.serializers import WorkPackageSyncItem
    from planning.api.views import _valid_item

    assert WorkPackageSyncItem.validate is drf.Serializer.validate
    hooks = {f"validate_{name}" for name in WorkPackageSyncItem().fields}
    assert not hooks & set(dir(WorkPackageSyncItem))
    validator = WorkPackageSyncItem(partial=True)
    fields = [(f.field_name, f.source, f) for f in validator._writable_fields]
    known = {name for name, _, _ in fields} | set(validator.read_only_fields)
    good = [
        {"source": "s", "external_id": "1", "title": "  Trimmed  ", "team": str(team.pk)},
        {
            "source": "s",
            "external_id": "2",
            "estimate": "5",
            "due_date": "2027-01-31",
            "initiative": None,
            "status": "ready",
            "version": 9,  # read-only: ignored
        },
        {},
    ]
    for raw in good:
        assert _valid_item(fields, known, raw) == dict(validator.run_validation(raw))
        assert list(_valid_item(fields, known, raw) or {}) == list(validator.run_validation(raw))
    bad = [
        {"source": "s", "external_id": "3", "estimate": 5000},
        {"title": None},
        {"team": "not-a-uuid"},
        {"nonsense": 1},
        ["not", "an", "object"],
        None,
    ]
    for raw in bad:
        assert _valid_item(fields, known, raw) is None
        with pytest.raises(ValidationError):
            validator.run_validation(raw)
