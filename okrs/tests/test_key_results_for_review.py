"""The key results a review's learning can bear on (okrs.selectors.key_results_for_review)."""

from __future__ import annotations

import pytest

from okrs import selectors
from okrs.models import Cycle, Objective
from okrs.tests.factories import CycleFactory, KeyResultFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


def test_a_team_review_offers_its_own_and_the_served_organization_key_results(
    org, team, other_team, leader
):
    active = CycleFactory(organization=org)
    planned = CycleFactory(organization=org, status=Cycle.Status.PLANNING)
    served = ObjectiveFactory(cycle=active)
    not_served = ObjectiveFactory(cycle=active)
    ours = ObjectiveFactory(cycle=active, level=Objective.Level.TEAM, team=team, parent=served)
    theirs = ObjectiveFactory(
        cycle=active, level=Objective.Level.TEAM, team=other_team, parent=not_served
    )
    next_quarter = ObjectiveFactory(cycle=planned, level=Objective.Level.TEAM, team=team)
    kr = {
        name: KeyResultFactory(objective=objective, title=name)
        for name, objective in [
            ("served", served),
            ("not served", not_served),
            ("ours", ours),
            ("theirs", theirs),
            ("next quarter", next_quarter),
        ]
    }

    team_review = selectors.key_results_for_review(membership=leader, team=team)
    org_review = selectors.key_results_for_review(membership=leader, team=None)

    assert [k.title for k in team_review] == ["ours", "served"]
    assert [k.title for k in org_review] == ["not served", "served"]
    assert kr["theirs"] not in org_review


def test_another_organizations_key_results_are_never_offered(other_org, leader):
    KeyResultFactory(objective=ObjectiveFactory(cycle=CycleFactory(organization=other_org)))
    assert not selectors.key_results_for_review(membership=leader, team=None).exists()
