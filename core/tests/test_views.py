"""Sign-in, the organization switcher and the admin's settings pages, through the test client."""

import re
import uuid
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from core import services
from core.middleware import SESSION_KEY
from core.models import Invitation, Membership, Organization, Role, Team, User
from core.tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-and-unusual-passphrase"
LOGIN = "/accounts/login/"


def field_errors(response, field: str) -> str:
    """The error text shown beside one form field (empty when there is none)."""
    html = response.content.decode()
    pattern = rf'<p class="field__error" role="alert" id="id_{field}_error">(.*?)</p>'
    return " ".join(unescape(m) for m in re.findall(pattern, html, flags=re.S))


def form_errors(response) -> str:
    """The errors shown above a form (not tied to one field)."""
    match = re.search(
        r'<div class="form-errors" role="alert">(.*?)</div>', response.content.decode(), re.S
    )
    return unescape(match.group(1)) if match else ""


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def snapshot():
    """Everything the settings pages can write, to prove a refused form wrote nothing."""
    return (
        list(Organization.objects.order_by("pk").values_list()),
        list(Team.objects.order_by("pk").values_list()),
        list(Membership.objects.order_by("pk").values_list("pk", "role", "is_active")),
        sorted(Membership.teams.through.objects.values_list("membership_id", "team_id")),
        list(Invitation.objects.order_by("pk").values_list()),
        list(User.objects.order_by("pk").values_list("pk", "email", "full_name", "password")),
    )


# --- signing in and out --------------------------------------------------------------------


def test_the_sign_in_page_renders(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert "E-mail address" in response.content.decode()


def test_sign_in_by_email_ignores_case(client, make_member):
    membership = make_member(Role.LEADER, email="ada.lindqvist@example.com")
    response = client.post(
        LOGIN, {"username": "  Ada.Lindqvist@EXAMPLE.com ", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(membership.user.pk)


def test_sign_in_follows_next(client, admin):
    response = client.post(
        LOGIN,
        {"username": admin.user.email, "password": PASSWORD, "next": "/settings/teams/"},
    )
    assert response["Location"] == "/settings/teams/"


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(client, member):
    response = client.post(LOGIN, {"username": member.user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "correct e-mail address and password" in form_errors(response)
    assert signed_in_user_id(client) is None


def test_a_malformed_email_shows_the_error_beside_the_field(client):
    response = client.post(LOGIN, {"username": "not-an-address", "password": "x"})
    assert response.status_code == 200
    assert "valid email address" in field_errors(response, "username")


def test_sign_out_takes_a_post(client_for, member):
    client = client_for(member)
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in_user_id(client) == str(member.user.pk)

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None
    assert client.get("/settings/teams/")["Location"].startswith(LOGIN)


def test_the_password_change_page_changes_the_password(client_for, member):
    client = client_for(member)
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    assert "Old password" in page.content.decode()

    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    member.user.refresh_from_db()
    assert member.user.check_password(NEW_PASSWORD)
    # Still signed in: the session survives the change of password.
    assert client.get("/accounts/password/done/").status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            "old_password",
            "old password was entered incorrectly",
        ),
        (
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "other"},
            "new_password2",
            "didn’t match",
        ),
        (
            {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
            "new_password2",
            "too short",
        ),
    ],
)
def test_the_password_change_page_shows_errors_beside_fields(
    client_for, member, data, field, message
):
    client = client_for(member)
    before = snapshot()
    response = client.post("/accounts/password/", data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert snapshot() == before


def test_the_password_change_page_needs_sign_in(client):
    assert client.get("/accounts/password/")["Location"].startswith(LOGIN)


# --- organization switcher -----------------------------------------------------------------


def test_a_person_in_two_organizations_switches_between_them(client_for, admin, other_org):
    MembershipFactory(user=admin.user, organization=other_org, role=Role.MEMBER)
    client = client_for(admin)
    page = client.get("/settings/teams/")
    assert page.status_code == 200
    assert f'<option value="{other_org.pk}">Other Co</option>' in page.content.decode()

    response = client.post("/organization/switch/", {"organization": str(other_org.pk)})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(other_org.pk)
    # In Other Co this person is a member, so the admin pages are closed to them there.
    assert client.get("/settings/teams/").status_code == 403

    client.post("/organization/switch/", {"organization": str(admin.organization_id)})
    assert client.get("/settings/teams/").status_code == 200


@pytest.mark.parametrize("value", ["other", "inactive", "unknown", "not-a-uuid", ""])
def test_switching_to_an_organization_one_is_not_in_is_a_404(client_for, admin, other_org, value):
    inactive_org = Organization.objects.create(name="Left Co", slug="left-co")
    MembershipFactory(user=admin.user, organization=inactive_org, is_active=False)
    organization = {
        "other": str(other_org.pk),
        "inactive": str(inactive_org.pk),
        "unknown": str(uuid.uuid4()),
        "not-a-uuid": "not-a-uuid",
        "": "",
    }[value]
    client = client_for(admin)
    response = client.post("/organization/switch/", {"organization": organization})
    assert response.status_code == 404
    assert client.session.get(SESSION_KEY) is None
    assert client.get("/settings/teams/").status_code == 200


def test_the_switcher_takes_a_post(client_for, admin):
    assert client_for(admin).get("/organization/switch/").status_code == 405


# --- who may open the settings pages -------------------------------------------------------


@pytest.fixture
def settings_urls(team, member):
    return [
        "/settings/organization/",
        "/settings/teams/",
        f"/settings/teams/{team.pk}/",
        "/settings/members/",
        f"/settings/members/{member.pk}/",
    ]


@pytest.fixture
def pending_invitation(org):
    return Invitation.objects.create(
        organization=org,
        email="pending@example.com",
        token_hash="1" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )


def test_every_settings_page_opens_for_an_admin(client_for, admin, settings_urls):
    client = client_for(admin)
    for url in settings_urls:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["leader", "team_lead", "member", "viewer"])
def test_every_settings_page_is_403_for_other_roles(
    request, client_for, role, settings_urls, team, member, pending_invitation
):
    client = client_for(request.getfixturevalue(role))
    before = snapshot()
    for url in settings_urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "Hacked", "role": "admin"}).status_code == 403, url
    for url in (
        f"/settings/teams/{team.pk}/archive/",
        f"/settings/members/{member.pk}/active/",
        f"/settings/invitations/{pending_invitation.pk}/revoke/",
    ):
        assert client.post(url).status_code == 403, url
    assert snapshot() == before


def test_every_settings_page_sends_anonymous_people_to_sign_in(client, settings_urls):
    for url in settings_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{LOGIN}?next={url}"


def test_a_signed_in_person_without_an_organization_gets_a_clear_page(client):
    client.force_login(UserFactory())
    response = client.get("/settings/teams/")
    assert response.status_code == 403
    assert "No organization yet" in response.content.decode()


def test_another_organizations_ids_are_404_for_an_admin(client_for, admin, other_org):
    foreign_team = TeamFactory(organization=other_org)
    foreign_member = MembershipFactory(organization=other_org, role=Role.ADMIN)
    foreign_invitation = Invitation.objects.create(
        organization=other_org,
        email="theirs@example.com",
        token_hash="2" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )
    client = client_for(admin)
    before = snapshot()
    for method, url in [
        ("get", f"/settings/teams/{foreign_team.pk}/"),
        ("post", f"/settings/teams/{foreign_team.pk}/"),
        ("post", f"/settings/teams/{foreign_team.pk}/archive/"),
        ("get", f"/settings/members/{foreign_member.pk}/"),
        ("post", f"/settings/members/{foreign_member.pk}/"),
        ("post", f"/settings/members/{foreign_member.pk}/active/"),
        ("post", f"/settings/invitations/{foreign_invitation.pk}/revoke/"),
        ("get", f"/settings/teams/{uuid.uuid4()}/"),
        ("get", f"/settings/members/{uuid.uuid4()}/"),
    ]:
        assert getattr(client, method)(url, {"name": "Mine", "role": "viewer"}).status_code == (
            404
        ), url
    assert snapshot() == before


# --- organization settings -----------------------------------------------------------------


def test_an_admin_saves_the_organization_settings(client_for, admin, org):
    response = client_for(admin).post(
        "/settings/organization/",
        {"name": "Acme Renamed", "timezone": "Asia/Tokyo", "fiscal_year_start_month": "4"},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.timezone, org.fiscal_year_start_month) == (
        "Acme Renamed",
        "Asia/Tokyo",
        4,
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "x" * 121}, "name", "at most 120 characters"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "not a known time zone"),
        ({"timezone": ""}, "timezone", "This field is required."),
        ({"fiscal_year_start_month": "13"}, "fiscal_year_start_month", "Select a valid choice"),
    ],
)
def test_organization_settings_show_errors_beside_fields(client_for, admin, data, field, message):
    good = {"name": "Acme", "timezone": "UTC", "fiscal_year_start_month": "1"}
    before = snapshot()
    response = client_for(admin).post("/settings/organization/", {**good, **data})
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert snapshot() == before


# --- teams ---------------------------------------------------------------------------------


def test_an_admin_creates_a_team_inside_another(client_for, admin, team):
    response = client_for(admin).post("/settings/teams/", {"name": "Onboarding", "parent": team.pk})
    assert response.status_code == 302
    created = Team.objects.get(name="Onboarding")
    assert created.parent == team
    assert created.organization == admin.organization


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "GROWTH"}, "name", "There is already a team called “GROWTH”"),
        ({"parent": "foreign"}, "parent", "Select a valid choice"),
        ({"parent": "archived"}, "parent", "Select a valid choice"),
    ],
)
def test_the_new_team_form_shows_errors_beside_fields(
    client_for, admin, team, other_org, data, field, message
):
    parents = {
        "foreign": TeamFactory(organization=other_org).pk,
        "archived": TeamFactory(organization=admin.organization, archived_at=timezone.now()).pk,
    }
    data = {"name": "Onboarding", **data}
    data["parent"] = parents.get(data.get("parent"), "")
    before = snapshot()
    response = client_for(admin).post("/settings/teams/", data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert snapshot() == before


def test_an_admin_renames_and_moves_a_team(client_for, admin, team, other_team):
    response = client_for(admin).post(
        f"/settings/teams/{team.pk}/", {"name": "Growth & Retention", "parent": other_team.pk}
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.parent) == ("Growth & Retention", other_team)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "platform"}, "name", "already a team"),
        ({"parent": "child"}, "parent", "cannot sit inside itself"),
        ({"parent": "self"}, "parent", "Select a valid choice"),
    ],
)
def test_the_team_edit_form_shows_errors_beside_fields(
    client_for, admin, team, other_team, data, field, message
):
    child = TeamFactory(organization=admin.organization, name="Child", parent=team)
    data = {"name": "Growth", **data}
    data["parent"] = {"child": child.pk, "self": team.pk}.get(data.get("parent"), "")
    before = snapshot()
    response = client_for(admin).post(f"/settings/teams/{team.pk}/", data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert snapshot() == before


def test_archiving_a_team_with_an_active_child_is_refused_with_a_message(client_for, admin, team):
    TeamFactory(organization=admin.organization, name="Child", parent=team)
    client = client_for(admin)
    response = client.post(f"/settings/teams/{team.pk}/archive/", follow=True)
    assert "Archive or move the teams inside it first." in response.content.decode()
    team.refresh_from_db()
    assert team.archived_at is None


def test_an_admin_archives_and_restores_a_team(client_for, admin, team):
    client = client_for(admin)
    client.post(f"/settings/teams/{team.pk}/archive/")
    team.refresh_from_db()
    assert team.is_archived
    client.post(f"/settings/teams/{team.pk}/archive/", {"restore": "1"})
    team.refresh_from_db()
    assert not team.is_archived


# --- members and invitations ---------------------------------------------------------------


def test_an_admin_changes_a_members_role_and_teams(client_for, admin, member, other_team):
    response = client_for(admin).post(
        f"/settings/members/{member.pk}/", {"role": Role.TEAM_LEAD, "teams": [other_team.pk]}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Role.TEAM_LEAD
    assert list(member.teams.all()) == [other_team]


@pytest.mark.parametrize(
    ("who", "data", "field", "message"),
    [
        ("self", {"role": Role.LEADER}, "role", "You cannot take away your own admin role."),
        ("member", {"role": "owner"}, "role", "Select a valid choice"),
        ("member", {"teams": "foreign"}, "teams", "Select a valid choice"),
        ("member", {"teams": "archived"}, "teams", "Select a valid choice"),
    ],
)
def test_the_member_form_shows_errors_beside_fields(
    client_for, admin, member, other_org, who, data, field, message
):
    teams = {
        "foreign": [TeamFactory(organization=other_org).pk],
        "archived": [TeamFactory(organization=admin.organization, archived_at=timezone.now()).pk],
    }
    data = {"role": Role.ADMIN, **data}
    data["teams"] = teams.get(data.get("teams"), [])
    target = admin if who == "self" else member
    before = snapshot()
    response = client_for(admin).post(f"/settings/members/{target.pk}/", data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert snapshot() == before


def test_an_admin_deactivates_and_reactivates_a_member(client_for, admin, member):
    client = client_for(admin)
    client.post(f"/settings/members/{member.pk}/active/", {"active": "0"})
    member.refresh_from_db()
    assert not member.is_active
    assert User.objects.filter(pk=member.user_id).exists()
    page = client.get("/settings/members/").content.decode()
    assert "deactivated" in page
    client.post(f"/settings/members/{member.pk}/active/", {"active": "1"})
    member.refresh_from_db()
    assert member.is_active


def test_an_admin_cannot_deactivate_themselves_through_the_page(client_for, admin):
    response = client_for(admin).post(f"/settings/members/{admin.pk}/active/", follow=True)
    assert "You cannot deactivate yourself." in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_an_admin_revokes_a_pending_invitation(client_for, admin, pending_invitation):
    client = client_for(admin)
    assert "pending@example.com" in client.get("/settings/members/").content.decode()
    response = client.post(f"/settings/invitations/{pending_invitation.pk}/revoke/")
    assert response.status_code == 302
    pending_invitation.refresh_from_db()
    assert pending_invitation.revoked_at is not None
    # A revoked invitation is no longer pending: revoking it again finds nothing.
    assert client.post(f"/settings/invitations/{pending_invitation.pk}/revoke/").status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "This field is required."),
        ({"email": "member"}, "email", "is already a member."),
        ({"role": "owner"}, "role", "Select a valid choice"),
        ({"teams": "foreign"}, "teams", "Select a valid choice"),
    ],
)
def test_the_invite_form_shows_errors_beside_fields(
    client_for,
    admin,
    member,
    other_org,
    mailoutbox,
    django_capture_on_commit_callbacks,
    data,
    field,
    message,
):
    data = {"email": "new@example.com", "role": Role.MEMBER, **data}
    if data["email"] == "member":
        data["email"] = member.user.email.upper()
    data["teams"] = (
        [TeamFactory(organization=other_org).pk] if data.get("teams") == "foreign" else []
    )
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post("/settings/members/", data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert snapshot() == before
    assert mailoutbox == []


def test_invite_email_link_accept_and_signed_in(
    client, admin, team, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(admin.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/settings/members/",
            {"email": "Nia.Newbie@Example.com", "role": Role.TEAM_LEAD, "teams": [team.pk]},
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nia.newbie@example.com"]
    link = re.search(r"http://testserver(/invite/[\w-]+/)", mailoutbox[0].body).group(1)
    assert "nia.newbie@example.com" in client.get("/settings/members/").content.decode()

    client.post("/accounts/logout/")
    page = client.get(link)
    assert page.status_code == 200
    assert "Join Acme Test" in page.content.decode()
    assert 'name="password1"' in page.content.decode()

    response = client.post(
        link, {"full_name": "Nia Newbie", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="nia.newbie@example.com")
    assert signed_in_user_id(client) == str(user.pk)
    assert client.session[SESSION_KEY] == str(admin.organization_id)
    membership = user.memberships.get()
    assert (membership.role, list(membership.teams.all())) == (Role.TEAM_LEAD, [team])
    # Signed in, and in the organization: a team lead is kept out of the admin pages.
    assert client.get("/settings/teams/").status_code == 403

    # The link worked once.
    client.post("/accounts/logout/")
    used = client.get(link)
    assert used.status_code == 404
    assert "This link no longer works" in used.content.decode()
    # And the new person signs in with the password they chose.
    response = client.post(LOGIN, {"username": "nia.newbie@example.com", "password": NEW_PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def invitation_link(admin, django_capture_on_commit_callbacks, mailoutbox):
    def send(email="nia@example.com", role=Role.MEMBER):
        with django_capture_on_commit_callbacks(execute=True):
            services.invitation_send(
                actor=admin, email=email, role=role, teams=[], base_url="http://testserver/"
            )
        return re.search(r"http://testserver(/invite/[\w-]+/)", mailoutbox[-1].body).group(1)

    return send


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"full_name": ""}, "full_name", "This field is required."),
        ({"password2": "something-else-entirely"}, "password2", "The two passwords differ."),
        ({"password1": "123", "password2": "123"}, "password1", "too short"),
        ({"password1": "password", "password2": "password"}, "password1", "too common"),
    ],
)
def test_the_accept_page_shows_errors_beside_fields(client, invitation_link, data, field, message):
    link = invitation_link()
    good = {"full_name": "Nia", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    before = snapshot()
    response = client.post(link, {**good, **data})
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert snapshot() == before
    assert signed_in_user_id(client) is None
    assert client.get(link).status_code == 200  # still usable


def test_an_unknown_invitation_link_is_a_404(client):
    response = client.get("/invite/no-such-token/")
    assert response.status_code == 404
    assert "This link no longer works" in response.content.decode()


def test_someone_with_a_password_signs_in_first_then_joins(client, invitation_link, other_org):
    elsewhere = MembershipFactory(organization=other_org)
    link = invitation_link(email=elsewhere.user.email, role=Role.LEADER)

    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={link}"
    response = client.post(
        response["Location"],
        {"username": elsewhere.user.email, "password": PASSWORD, "next": link},
    )
    assert response["Location"] == link
    page = client.get(link)
    assert page.status_code == 200
    assert 'name="password1"' not in page.content.decode()

    assert client.post(link, {"full_name": "Ella Where"}).status_code == 302
    joined = elsewhere.user.memberships.exclude(organization=other_org).get()
    assert joined.role == Role.LEADER
    elsewhere.user.refresh_from_db()
    assert elsewhere.user.check_password(PASSWORD)


def test_a_link_opened_while_signed_in_as_someone_else_does_not_loop(
    client_for, member, invitation_link, other_org
):
    invitee = MembershipFactory(organization=other_org)
    link = invitation_link(email=invitee.user.email)
    client = client_for(member)
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == "/"
    follow = client.get("/settings/members/", follow=True)  # any page shows queued messages
    assert f"This invitation is for {invitee.user.email}" in follow.content.decode()
    assert not invitee.user.memberships.filter(organization=member.organization).exists()


# --- query counts --------------------------------------------------------------------------

ROWS = [1, 30]
# Session, user, membership, the switcher's organizations, then the page's own reads:
# teams with member counts and the parent choices (teams page); members, their teams,
# pending invitations and the team choices (members page). The same at every size.
TEAMS_PAGE_QUERIES = 6
MEMBERS_PAGE_QUERIES = 8


def _teams(org, n):
    top = TeamFactory(organization=org, name="Team 00")
    teams = [top]
    for i in range(1, n):
        teams.append(
            TeamFactory(
                organization=org,
                name=f"Team {i:02}",
                parent=top if i % 3 else None,
                archived_at=timezone.now() if i % 7 == 0 else None,
            )
        )
    for t in teams:
        MembershipFactory(organization=org, teams=[t, top])
    return teams


@pytest.mark.parametrize("rows", ROWS)
def test_the_teams_page_query_count_does_not_grow_with_rows(
    client_for, admin, rows, django_assert_num_queries
):
    teams = _teams(admin.organization, rows)
    client = client_for(admin)
    with django_assert_num_queries(TEAMS_PAGE_QUERIES):
        response = client.get("/settings/teams/")
    assert response.status_code == 200
    assert response.content.decode().count('class="actions"') == len(teams)


@pytest.mark.parametrize("rows", ROWS)
def test_the_members_page_query_count_does_not_grow_with_rows(
    client_for, admin, rows, django_assert_num_queries
):
    org = admin.organization
    teams = [TeamFactory(organization=org) for _ in range(3)]
    for i in range(rows - 1):
        MembershipFactory(organization=org, teams=teams[: i % 3 + 1], is_active=i % 5 != 0)
        Invitation.objects.create(
            organization=org,
            email=f"invitee{i}@example.com",
            token_hash=f"{i:064}",
            expires_at=timezone.now() + timedelta(days=1),
        )
    client = client_for(admin)
    with django_assert_num_queries(MEMBERS_PAGE_QUERIES):
        response = client.get("/settings/members/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-label="Person"') == rows
    assert html.count('data-label="E-mail"') == rows - 1
