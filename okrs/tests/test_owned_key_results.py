"""``owned_key_results``: a person's key results in active cycles, as plain rows, with the same
rows and figures as ``key_result_list(owner=…, cycle_status=…)``."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from okrs import selectors
from okrs.models import Cycle
from okrs.tests.factories import CheckInFactory, CycleFactory, KeyResultFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def fields(rows):
    return [
        (
            kr.pk,
            kr.title,
            kr.objective_id,
            kr.progress,
            kr.confidence,
            kr.last_check_in_at,
            kr.created_at,
        )
        for kr in rows
    ]


def test_the_same_rows_and_figures_as_key_result_list(
    org, team_lead, leader, django_assert_num_queries
):
    active = ObjectiveFactory(cycle=CycleFactory(organization=org))
    closed = ObjectiveFactory(cycle=CycleFactory(organization=org, status=Cycle.Status.CLOSED))
    mine = [
        KeyResultFactory(objective=active, owner=team_lead.user, title="Checked in twice"),
        KeyResultFactory(objective=active, owner=team_lead.user, title="Never checked in"),
        KeyResultFactory(
            objective=active,
            owner=team_lead.user,
            title="Decreasing, overshot",
            start_value=Decimal(50),
            target_value=Decimal(10),
            direction="decrease",
        ),
        KeyResultFactory(
            objective=active,
            owner=team_lead.user,
            title="Slid back",
            start_value=Decimal(5),
            target_value=Decimal(15),
        ),
    ]
    for kr, value, days_ago, confidence in [
        (mine[0], "20", 9, 4),
        (mine[0], "35.5", 2, 8),  # the latest
        (mine[2], "5", 1, 10),
        (mine[3], "2", 20, 6),
    ]:
        CheckInFactory(
            key_result=kr,
            value=Decimal(value),
            confidence=confidence,
            checked_in_at=NOW - datetime.timedelta(days=days_ago),
        )
    KeyResultFactory(objective=active, owner=leader.user, title="Someone else's")
    KeyResultFactory(objective=closed, owner=team_lead.user, title="In a closed cycle")

    with django_assert_num_queries(1):
        rows = selectors.owned_key_results(
            membership=team_lead, owner=team_lead.user, cycle_status=Cycle.Status.ACTIVE
        )
    expected = list(
        selectors.key_result_list(
            membership=team_lead, owner=team_lead.user, cycle_status=Cycle.Status.ACTIVE
        )
    )
    assert [kr.title for kr in rows] == [kr.title for kr in mine]
    assert fields(rows) == fields(expected)
    assert [kr.progress for kr in rows] == [0.355, 0.0, 1.0, 0.0]
    assert [kr.confidence for kr in rows] == [8, None, 10, 6]


def test_nobody_owning_anything_gets_an_empty_list(org, team_lead):
    KeyResultFactory(objective=ObjectiveFactory(cycle=CycleFactory(organization=org)))
    assert selectors.owned_key_results(membership=team_lead, owner=team_lead.user) == []
