"""People and tenancy rules, through core's services, against the real database."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import selectors, services
from core.errors import DomainValidationError, NotPermittedError
from core.models import Invitation, Membership, Organization, Role, Team, User
from core.tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
BASE_URL = "https://throughline.example"
GOOD_PASSWORD = "a-long-and-unusual-passphrase"
LINK = re.compile(r"https://throughline\.example/invite/([A-Za-z0-9_\-]+)/")


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.fixture
def invite(admin, django_capture_on_commit_callbacks, mailoutbox):
    """Send an invitation as the admin, let it commit, and return (invitation, raw token)."""

    def send(email="new.person@example.com", role=Role.MEMBER, teams=()):
        sent_before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invitation_send(
                actor=admin, email=email, role=role, teams=teams, base_url=BASE_URL
            )
        assert len(mailoutbox) == sent_before + 1
        return invitation, LINK.search(mailoutbox[-1].body).group(1)

    return send


# --- teams ---------------------------------------------------------------------------------


def test_an_admin_creates_renames_and_nests_teams(admin, org):
    product = services.team_create(actor=admin, name="  Product  ")
    growth = services.team_create(actor=admin, name="Growth", parent=product)
    assert product.name == "Product"
    assert growth.parent == product
    assert growth.organization == org

    services.team_update(actor=admin, team=growth, name="Growth & Retention", parent=None)
    growth.refresh_from_db()
    assert growth.name == "Growth & Retention"
    assert growth.parent is None

    services.team_update(actor=admin, team=growth, name=growth.name, parent=product)
    growth.refresh_from_db()
    assert growth.parent == product


def test_a_team_cannot_be_nested_inside_itself_or_its_descendants(admin):
    top = services.team_create(actor=admin, name="Top")
    middle = services.team_create(actor=admin, name="Middle", parent=top)
    bottom = services.team_create(actor=admin, name="Bottom", parent=middle)

    for parent in (top, bottom):
        with pytest.raises(DomainValidationError) as excinfo:
            services.team_update(actor=admin, team=top, name="Top", parent=parent)
        assert "inside itself" in errors_of(excinfo)["parent"][0]
    top.refresh_from_db()
    assert top.parent is None


def test_another_organizations_team_cannot_be_the_parent(admin, other_org):
    foreign = TeamFactory(organization=other_org, name="Foreign")
    with pytest.raises(DomainValidationError) as excinfo:
        services.team_create(actor=admin, name="Local", parent=foreign)
    assert "parent" in errors_of(excinfo)
    assert not Team.objects.filter(name="Local").exists()


def test_an_archived_team_cannot_be_the_parent(admin, team):
    services.team_archive(actor=admin, team=team)
    with pytest.raises(DomainValidationError) as excinfo:
        services.team_create(actor=admin, name="Under archived", parent=team)
    assert "parent" in errors_of(excinfo)


@pytest.mark.parametrize("name", ["Growth", "growth", "  GROWTH "])
def test_a_duplicate_team_name_is_refused_on_name(admin, team, name):
    with pytest.raises(DomainValidationError) as excinfo:
        services.team_create(actor=admin, name=name)
    assert "already a team" in errors_of(excinfo)["name"][0]
    assert Team.objects.filter(organization=team.organization).count() == 1


def test_renaming_to_an_existing_name_is_refused_on_name(admin, team, other_team):
    with pytest.raises(DomainValidationError) as excinfo:
        services.team_update(actor=admin, team=other_team, name="GROWTH", parent=None)
    assert "name" in errors_of(excinfo)
    other_team.refresh_from_db()
    assert other_team.name == "Platform"


def test_the_same_team_name_is_fine_in_another_organization(admin, team, other_org):
    TeamFactory(organization=other_org, name="Product")
    assert services.team_create(actor=admin, name="Product").organization == admin.organization


def test_a_blank_team_name_is_refused_on_name(admin):
    with pytest.raises(ValidationError) as excinfo:
        services.team_create(actor=admin, name="   ")
    assert "name" in excinfo.value.message_dict
    assert not Team.objects.exists()


def test_archive_is_refused_while_an_active_child_team_exists(admin):
    parent = services.team_create(actor=admin, name="Product")
    child = services.team_create(actor=admin, name="Growth", parent=parent)

    with pytest.raises(DomainValidationError) as excinfo:
        services.team_archive(actor=admin, team=parent)
    assert "team" in errors_of(excinfo)
    parent.refresh_from_db()
    assert parent.archived_at is None

    services.team_archive(actor=admin, team=child)
    services.team_archive(actor=admin, team=parent)
    parent.refresh_from_db()
    assert parent.is_archived
    assert list(selectors.team_list(organization=admin.organization)) == []


def test_an_archived_team_is_restored(admin, team):
    services.team_archive(actor=admin, team=team)
    services.team_restore(actor=admin, team=team)
    team.refresh_from_db()
    assert team.archived_at is None


def test_an_archived_name_can_be_reused_but_then_not_restored(admin, team):
    services.team_archive(actor=admin, team=team)
    services.team_create(actor=admin, name="Growth")
    with pytest.raises(DomainValidationError) as excinfo:
        services.team_restore(actor=admin, team=team)
    assert "name" in errors_of(excinfo)
    team.refresh_from_db()
    assert team.is_archived


# --- invitations ---------------------------------------------------------------------------


def test_an_invitation_email_goes_out_on_commit_only(
    admin, team, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks() as callbacks:
        invitation = services.invitation_send(
            actor=admin,
            email="New.Person@Example.com",
            role=Role.TEAM_LEAD,
            teams=[team],
            base_url=BASE_URL,
        )
    assert mailoutbox == []  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["new.person@example.com"]
    assert admin.organization.name in mail.subject
    assert "team lead" in mail.body
    assert LINK.search(mail.body)
    assert invitation.email == "new.person@example.com"
    assert invitation.role == Role.TEAM_LEAD
    assert list(invitation.teams.all()) == [team]


def test_a_rolled_back_invitation_sends_nothing(
    admin, django_capture_on_commit_callbacks, mailoutbox
):
    def invite_then_fail():
        with transaction.atomic():
            services.invitation_send(
                actor=admin, email="x@example.com", role=Role.MEMBER, teams=[], base_url=BASE_URL
            )
            raise RuntimeError("the surrounding work failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            invite_then_fail()
    assert callbacks == []
    assert mailoutbox == []
    assert not Invitation.objects.exists()


def test_the_token_is_stored_only_as_its_hash(invite):
    invitation, raw = invite()
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert stored["token_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in repr(stored)


def test_inviting_an_active_member_is_refused(admin, member, mailoutbox):
    with pytest.raises(DomainValidationError) as excinfo:
        services.invitation_send(
            actor=admin,
            email=member.user.email.upper(),
            role=Role.MEMBER,
            teams=[],
            base_url=BASE_URL,
        )
    assert "already a member" in errors_of(excinfo)["email"][0]
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_a_deactivated_member_can_be_invited_back(admin, member, invite):
    services.membership_set_active(actor=admin, membership=member, active=False)
    _, raw = invite(email=member.user.email, role=Role.VIEWER)
    membership = services.invitation_accept(raw_token=raw, full_name="", password=None)
    assert membership.pk == member.pk
    assert membership.is_active
    assert membership.role == Role.VIEWER


@pytest.mark.parametrize("email", ["", "not-an-address", "a@", "@example.com", "two@@example.com"])
def test_a_bad_email_is_refused(admin, email, mailoutbox):
    with pytest.raises(DomainValidationError) as excinfo:
        services.invitation_send(
            actor=admin, email=email, role=Role.MEMBER, teams=[], base_url=BASE_URL
        )
    assert "email" in errors_of(excinfo)
    assert not Invitation.objects.exists()


def test_a_bad_role_or_foreign_team_is_refused(admin, other_org):
    with pytest.raises(DomainValidationError) as excinfo:
        services.invitation_send(
            actor=admin, email="x@example.com", role="owner", teams=[], base_url=BASE_URL
        )
    assert "role" in errors_of(excinfo)
    foreign = TeamFactory(organization=other_org)
    with pytest.raises(DomainValidationError) as excinfo:
        services.invitation_send(
            actor=admin,
            email="x@example.com",
            role=Role.MEMBER,
            teams=[foreign],
            base_url=BASE_URL,
        )
    assert "teams" in errors_of(excinfo)
    assert not Invitation.objects.exists()


def test_a_new_person_accepts_with_a_password_and_gets_role_and_teams(invite, team, other_team):
    _, raw = invite(email="newbie@example.com", role=Role.TEAM_LEAD, teams=[team, other_team])

    membership = services.invitation_accept(
        raw_token=raw, full_name="  Nia Newbie ", password=GOOD_PASSWORD
    )

    user = User.objects.get(email="newbie@example.com")
    assert membership.user == user
    assert user.full_name == "Nia Newbie"
    assert user.check_password(GOOD_PASSWORD)
    assert membership.role == Role.TEAM_LEAD
    assert membership.is_active
    assert set(membership.teams.all()) == {team, other_team}
    assert Invitation.objects.get().accepted_at is not None


def test_an_archived_team_on_the_invitation_is_left_out(admin, invite, team, other_team):
    _, raw = invite(teams=[team, other_team])
    services.team_archive(actor=admin, team=other_team)
    membership = services.invitation_accept(raw_token=raw, full_name="N", password=GOOD_PASSWORD)
    assert list(membership.teams.all()) == [team]


@pytest.mark.parametrize(
    ("password", "message"),
    [(None, "Choose a password"), ("", "Choose a password"), ("123", "too short")],
)
def test_a_new_person_must_choose_a_good_password(invite, password, message):
    _, raw = invite(email="newbie@example.com")
    with pytest.raises(DomainValidationError) as excinfo:
        services.invitation_accept(raw_token=raw, full_name="Nia", password=password)
    assert message in " ".join(errors_of(excinfo)["password1"])
    assert not User.objects.filter(email="newbie@example.com").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_expired_link_is_refused(invite):
    invitation, raw = invite()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.invitation_get_usable(raw_token=raw) is None
    with pytest.raises(DomainValidationError) as excinfo:
        services.invitation_accept(raw_token=raw, full_name="N", password=GOOD_PASSWORD)
    assert "token" in errors_of(excinfo)
    assert not User.objects.filter(email="new.person@example.com").exists()


def test_a_revoked_link_is_refused(admin, invite):
    invitation, raw = invite()
    services.invitation_revoke(actor=admin, invitation=invitation)
    assert services.invitation_get_usable(raw_token=raw) is None
    with pytest.raises(DomainValidationError) as excinfo:
        services.invitation_accept(raw_token=raw, full_name="N", password=GOOD_PASSWORD)
    assert "token" in errors_of(excinfo)
    assert not Membership.objects.filter(user__email="new.person@example.com").exists()


def test_a_used_link_is_refused(invite):
    _, raw = invite()
    services.invitation_accept(raw_token=raw, full_name="N", password=GOOD_PASSWORD)
    with pytest.raises(DomainValidationError) as excinfo:
        services.invitation_accept(raw_token=raw, full_name="Again", password="other-pass-phrase")
    assert "token" in errors_of(excinfo)
    user = User.objects.get(email="new.person@example.com")
    assert user.full_name == "N"
    assert user.check_password(GOOD_PASSWORD)


def test_an_unknown_token_is_refused():
    with pytest.raises(DomainValidationError) as excinfo:
        services.invitation_accept(raw_token="made-up", full_name="N", password=GOOD_PASSWORD)
    assert "token" in errors_of(excinfo)


def test_an_existing_person_keeps_their_password_and_joins(invite, other_org):
    elsewhere = MembershipFactory(organization=other_org)
    _, raw = invite(email=elsewhere.user.email, role=Role.LEADER)
    membership = services.invitation_accept(
        raw_token=raw, full_name="", password=None, user=elsewhere.user
    )
    assert membership.role == Role.LEADER
    assert membership.organization != other_org
    assert elsewhere.user.memberships.count() == 2


def test_an_invitation_cannot_be_accepted_by_another_person(invite):
    _, raw = invite(email="intended@example.com")
    stranger = UserFactory()
    with pytest.raises(DomainValidationError) as excinfo:
        services.invitation_accept(raw_token=raw, full_name="", password=None, user=stranger)
    assert "token" in errors_of(excinfo)
    assert not stranger.memberships.exists()


# --- memberships ---------------------------------------------------------------------------


def test_an_admin_changes_a_members_role_and_teams(admin, member, team, other_team):
    services.membership_update(
        actor=admin, membership=member, role=Role.TEAM_LEAD, teams=[other_team]
    )
    member.refresh_from_db()
    assert member.role == Role.TEAM_LEAD
    assert list(member.teams.all()) == [other_team]


def test_an_admin_cannot_remove_their_own_admin_role(admin):
    with pytest.raises(DomainValidationError) as excinfo:
        services.membership_update(actor=admin, membership=admin, role=Role.LEADER, teams=[])
    assert "own admin role" in errors_of(excinfo)["role"][0]
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_membership_update_refuses_foreign_or_archived_teams(admin, member, team, other_org):
    foreign = TeamFactory(organization=other_org)
    archived = TeamFactory(organization=admin.organization, archived_at=timezone.now())
    for teams in ([foreign], [archived]):
        with pytest.raises(DomainValidationError) as excinfo:
            services.membership_update(
                actor=admin, membership=member, role=Role.MEMBER, teams=teams
            )
        assert "teams" in errors_of(excinfo)
    assert list(member.teams.all()) == [team]


def test_a_deactivated_person_keeps_their_user_row(admin, member):
    services.membership_set_active(actor=admin, membership=member, active=False)
    member.refresh_from_db()
    assert not member.is_active
    assert member.deactivated_at is not None
    user = User.objects.get(pk=member.user_id)
    assert user.is_active
    assert selectors.membership_for_user(user=user, organization_id=None) is None
    assert user not in selectors.people_in_organization(organization=member.organization)

    services.membership_set_active(actor=admin, membership=member, active=True)
    member.refresh_from_db()
    assert member.is_active
    assert member.deactivated_at is None


def test_an_admin_cannot_deactivate_themselves(admin):
    with pytest.raises(DomainValidationError):
        services.membership_set_active(actor=admin, membership=admin, active=False)
    admin.refresh_from_db()
    assert admin.is_active


# --- only admins ---------------------------------------------------------------------------


def _calls(org, team, member):
    invitation = Invitation.objects.create(
        organization=org,
        email="pending@example.com",
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )
    return {
        "organization_update": lambda actor: services.organization_update(
            actor=actor, name="Renamed", timezone_name="UTC", fiscal_year_start_month=4
        ),
        "team_create": lambda actor: services.team_create(actor=actor, name="New"),
        "team_update": lambda actor: services.team_update(
            actor=actor, team=team, name="Renamed", parent=None
        ),
        "team_archive": lambda actor: services.team_archive(actor=actor, team=team),
        "team_restore": lambda actor: services.team_restore(actor=actor, team=team),
        "invitation_send": lambda actor: services.invitation_send(
            actor=actor, email="x@example.com", role=Role.ADMIN, teams=[], base_url=BASE_URL
        ),
        "invitation_revoke": lambda actor: services.invitation_revoke(
            actor=actor, invitation=invitation
        ),
        "membership_update": lambda actor: services.membership_update(
            actor=actor, membership=member, role=Role.ADMIN, teams=[]
        ),
        "membership_set_active": lambda actor: services.membership_set_active(
            actor=actor, membership=member, active=False
        ),
    }


SERVICES = [
    "organization_update",
    "team_create",
    "team_update",
    "team_archive",
    "team_restore",
    "invitation_send",
    "invitation_revoke",
    "membership_update",
    "membership_set_active",
]


def _snapshot(org):
    return (
        list(Organization.objects.values_list("name", "timezone", "fiscal_year_start_month")),
        list(Team.objects.order_by("pk").values_list("pk", "name", "parent", "archived_at")),
        list(Membership.objects.order_by("pk").values_list("pk", "role", "is_active")),
        list(Invitation.objects.order_by("pk").values_list("pk", "revoked_at")),
    )


@pytest.mark.parametrize("role", ["leader", "team_lead", "member", "viewer"])
@pytest.mark.parametrize("service", SERVICES)
def test_only_an_admin_may_change_people_and_teams(request, role, service, org, team, member):
    actor = request.getfixturevalue(role)
    call = _calls(org, team, member)[service]
    before = _snapshot(org)
    with pytest.raises(NotPermittedError):
        call(actor)
    assert _snapshot(org) == before


def test_every_admin_service_is_covered_by_the_permission_test(org, team, member):
    # A new admin service must be added to SERVICES, or this fails.
    admin_services = {
        name
        for name in dir(services)
        if name.split("_")[0] in {"organization", "team", "invitation", "membership"}
        and name not in {"organization_create", "invitation_get_usable", "invitation_accept"}
        and callable(getattr(services, name))
    }
    assert admin_services == set(SERVICES) == set(_calls(org, team, member))


# --- organizations -------------------------------------------------------------------------


def test_organization_create_makes_a_new_admin_with_a_first_sign_in_link():
    result = services.organization_create(
        name="  Initech  ",
        admin_email=" Bill@Initech.Example ",
        timezone_name="America/Chicago",
        base_url="https://app.example/",
    )
    org = result.organization
    assert (org.name, org.slug, org.timezone) == ("Initech", "initech", "America/Chicago")
    assert result.admin.email == "bill@initech.example"
    assert not result.admin.has_usable_password()
    membership = Membership.objects.get(organization=org)
    assert (membership.user, membership.role, membership.is_active) == (
        result.admin,
        Role.ADMIN,
        True,
    )
    match = re.fullmatch(r"https://app\.example/invite/([A-Za-z0-9_\-]+)/", result.invitation_link)
    assert match

    accepted = services.invitation_accept(
        raw_token=match.group(1), full_name="Bill", password=GOOD_PASSWORD
    )
    assert accepted.pk == membership.pk
    assert accepted.role == Role.ADMIN
    result.admin.refresh_from_db()
    assert result.admin.check_password(GOOD_PASSWORD)


def test_organization_create_with_an_existing_person_needs_no_link(member):
    result = services.organization_create(name="Side Project", admin_email=member.user.email)
    assert result.invitation_link is None
    assert result.admin == member.user
    assert Membership.objects.get(organization=result.organization).role == Role.ADMIN
    assert not Invitation.objects.filter(organization=result.organization).exists()


def test_organization_slugs_stay_unique():
    first = services.organization_create(name="Acme Corp", admin_email="a@example.com")
    second = services.organization_create(name="acme corp", admin_email="b@example.com")
    third = services.organization_create(name="ACME  Corp!", admin_email="c@example.com")
    odd = services.organization_create(name="***", admin_email="d@example.com")
    assert [first.organization.slug, second.organization.slug, third.organization.slug] == [
        "acme-corp",
        "acme-corp-2",
        "acme-corp-3",
    ]
    assert odd.organization.slug == "org"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "   "}, "name"),
        ({"admin_email": "not-an-address"}, "admin_email"),
        ({"admin_email": ""}, "admin_email"),
        ({"timezone_name": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone_name": ""}, "timezone"),
    ],
)
def test_organization_create_refuses_bad_input_and_writes_nothing(fields, field):
    good = {"name": "Initech", "admin_email": "bill@initech.example", "timezone_name": "UTC"}
    with pytest.raises(DomainValidationError) as excinfo:
        services.organization_create(**{**good, **fields})
    assert set(errors_of(excinfo)) == {field}
    assert not Organization.objects.exists()
    assert not User.objects.exists()
    assert not Invitation.objects.exists()


def test_admin_services_refuse_another_organizations_rows(admin, other_org, make_member):
    from django.core.exceptions import ObjectDoesNotExist

    from core.tests.factories import TeamFactory

    foreign_team = TeamFactory(organization=other_org, name="Theirs")
    foreign_member = make_member(Role.MEMBER, organization=other_org)
    calls = [
        lambda: services.team_update(actor=admin, team=foreign_team, name="Ours", parent=None),
        lambda: services.team_archive(actor=admin, team=foreign_team),
        lambda: services.membership_update(
            actor=admin, membership=foreign_member, role=Role.ADMIN, teams=[]
        ),
        lambda: services.membership_set_active(
            actor=admin, membership=foreign_member, active=False
        ),
    ]
    for call in calls:
        with pytest.raises(ObjectDoesNotExist):
            call()
    foreign_team.refresh_from_db()
    foreign_member.refresh_from_db()
    assert (foreign_team.name, foreign_team.archived_at) == ("Theirs", None)
    assert (foreign_member.role, foreign_member.is_active) == (Role.MEMBER, True)
