"""Fixtures every test can use: an organization with one person per role, and signed-in clients."""

import pytest

from core.models import Role
from core.tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, UserFactory


@pytest.fixture
def org():
    return OrganizationFactory(name="Acme Test", slug="acme-test")


@pytest.fixture
def other_org():
    return OrganizationFactory(name="Other Co", slug="other-co")


@pytest.fixture
def team(org):
    return TeamFactory(organization=org, name="Growth")


@pytest.fixture
def other_team(org):
    return TeamFactory(organization=org, name="Platform")


@pytest.fixture
def make_member(org):
    def make(role=Role.MEMBER, teams=(), organization=None, **user_fields):
        return MembershipFactory(
            organization=organization or org,
            role=role,
            user=UserFactory(**user_fields),
            teams=list(teams),
        )

    return make


@pytest.fixture
def admin(make_member):
    return make_member(Role.ADMIN)


@pytest.fixture
def leader(make_member):
    return make_member(Role.LEADER)


@pytest.fixture
def team_lead(make_member, team):
    return make_member(Role.TEAM_LEAD, teams=[team])


@pytest.fixture
def member(make_member, team):
    return make_member(Role.MEMBER, teams=[team])


@pytest.fixture
def viewer(make_member):
    return make_member(Role.VIEWER)


@pytest.fixture
def client_for(client):
    """A test client signed in as the given membership's person."""

    def sign_in(membership):
        client.force_login(membership.user)
        return client

    return sign_in
