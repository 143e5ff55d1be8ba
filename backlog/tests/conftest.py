"""Fixtures of the backlog tests: strategy to link work to, and ready, estimated work."""

import datetime
from types import SimpleNamespace

import pytest

from core.models import Role
from core.tests.factories import TeamFactory
from planning.models import StrategicObjective
from planning.tests.factories import (
    InitiativeFactory,
    StrategicObjectiveFactory,
    WorkPackageFactory,
)


@pytest.fixture
def objective(org):
    return StrategicObjectiveFactory(
        organization=org, priority=1, statement="Small clinics book without calling"
    )


@pytest.fixture
def initiative(objective, team):
    initiative = InitiativeFactory(strategic_objective=objective, title="Online booking")
    initiative.teams.set([team])
    return initiative


@pytest.fixture
def make_work(team, member):
    """Ready, estimated work of the Growth team (the team lead's), owned by the member."""

    def make(title="Work", estimate=3, category="strategic", **fields):
        fields.setdefault("team", team)
        fields.setdefault("owner", member.user)
        return WorkPackageFactory(
            title=title, estimate=estimate, category=category, ready=True, **fields
        )

    return make


@pytest.fixture
def other_lead(make_member, other_team):
    """The team lead of Platform, not of Growth."""
    return make_member(Role.TEAM_LEAD, teams=[other_team])


@pytest.fixture
def foreign(other_org, make_member):
    """Another organization's team, lead, strategy, work, sprint and idea."""
    from backlog.tests.factories import IdeaFactory, SprintFactory

    lead = make_member(Role.TEAM_LEAD, organization=other_org)
    team = TeamFactory(organization=other_org, name="Foreign squad")
    lead.teams.set([team])
    objective = StrategicObjectiveFactory(organization=other_org, statement="Foreign objective")
    work = WorkPackageFactory(
        team=team, owner=lead.user, ready=True, estimate=3, title="Foreign work package"
    )
    sprint = SprintFactory(team=team, name="Foreign sprint")
    idea = IdeaFactory(team=team, title="Foreign idea", strategic_objective=objective)
    return SimpleNamespace(
        lead=lead, team=team, objective=objective, work=work, sprint=sprint, idea=idea
    )


DRAFT = StrategicObjective.Status.DRAFT
TODAY = datetime.date(2026, 3, 2)
