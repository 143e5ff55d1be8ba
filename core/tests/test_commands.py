"""The management commands: create_organization and seed_demo."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.demo import DEMO_PASSWORD, LOGINS
from core.models import Invitation, Membership, Organization, Role, Team, User
from core.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-and-unusual-passphrase"


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def nothing_written():
    return not (
        Organization.objects.exists() or User.objects.exists() or Invitation.objects.exists()
    )


# --- create_organization -------------------------------------------------------------------


def test_create_organization_prints_the_new_admins_first_sign_in_link(client):
    out = run(
        "create_organization",
        "Initech",
        "--admin",
        "Bill.Lumbergh@Initech.example",
        "--timezone",
        "America/Chicago",
    )

    org = Organization.objects.get()
    assert (org.name, org.slug, org.timezone) == ("Initech", "initech", "America/Chicago")
    admin = User.objects.get()
    assert admin.email == "bill.lumbergh@initech.example"
    assert Membership.objects.get().role == Role.ADMIN
    assert "Initech" in out
    assert "bill.lumbergh@initech.example" in out
    link = re.search(r"http://127\.0\.0\.1:8000(/invite/[\w-]+/)", out)
    assert link, out

    # The printed link is the admin's way in.
    page = client.get(link.group(1))
    assert page.status_code == 200
    response = client.post(
        link.group(1), {"full_name": "Bill", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert client.get("/settings/members/").status_code == 200


def test_create_organization_uses_the_given_base_url():
    out = run(
        "create_organization",
        "Initech",
        "--admin",
        "bill@initech.example",
        "--base-url",
        "https://plan.initech.example/",
    )
    assert re.search(r"https://plan\.initech\.example/invite/[\w-]+/\n", out), out
    assert Organization.objects.get().timezone == "UTC"


def test_create_organization_for_someone_with_a_password_prints_no_link():
    existing = UserFactory(email="bill@initech.example")
    out = run("create_organization", "Initech", "--admin", "BILL@initech.example")
    assert "/invite/" not in out
    assert "already has a password" in out
    assert "http://127.0.0.1:8000/accounts/login/" in out
    assert Membership.objects.get().user == existing
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)
    assert not Invitation.objects.exists()


def test_create_organization_twice_with_one_name_makes_two_slugs():
    run("create_organization", "Initech", "--admin", "a@initech.example")
    run("create_organization", "Initech", "--admin", "b@initech.example")
    assert sorted(Organization.objects.values_list("slug", flat=True)) == [
        "initech",
        "initech-2",
    ]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["", "--admin", "bill@initech.example"], "name"),
        (["   ", "--admin", "bill@initech.example"], "name"),
        (["Initech", "--admin", "not-an-address"], "admin_email"),
        (["Initech", "--admin", ""], "admin_email"),
        (["Initech", "--admin", "bill@initech.example", "--timezone", "Mars/Base"], "timezone"),
        (["Initech", "--admin", "bill@initech.example", "--timezone", "utc+2"], "timezone"),
        (["Initech", "--admin", "bill@initech.example", "--base-url", "localhost"], "base_url"),
    ],
)
def test_create_organization_refuses_bad_input_naming_the_field(args, field):
    with pytest.raises(CommandError) as excinfo:
        run("create_organization", *args)
    message = str(excinfo.value)
    assert message.startswith(f"{field} "), message
    assert nothing_written()


def test_create_organization_names_every_bad_field_at_once():
    with pytest.raises(CommandError) as excinfo:
        run("create_organization", " ", "--admin", "nope", "--timezone", "Nowhere")
    message = str(excinfo.value)
    for expected in ("name (NAME)", "admin_email (--admin)", "timezone (--timezone)"):
        assert expected in message
    assert nothing_written()


def test_create_organization_needs_an_admin():
    with pytest.raises(CommandError, match="--admin"):
        run("create_organization", "Initech")
    assert nothing_written()


# --- seed_demo -----------------------------------------------------------------------------


def test_seed_demo_refuses_without_force_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        run("seed_demo")
    assert not Organization.objects.exists()


def test_seed_demo_twice_leaves_one_acme_and_one_globex(client):
    first = run("seed_demo", "--force")
    acme_teams = set(Team.objects.filter(organization__slug="acme").values_list("name", flat=True))
    second = run("seed_demo", "--force")

    assert Organization.objects.filter(name="Acme").count() == 1
    assert Organization.objects.filter(name="Globex").count() == 1
    assert Organization.objects.count() == 2
    assert (
        set(Team.objects.filter(organization__slug="acme").values_list("name", flat=True))
        == acme_teams
    )
    for email, _ in LOGINS:
        assert User.objects.filter(email=email).count() == 1
        assert email in first
        assert email in second

    for email, _ in LOGINS:
        response = client.post("/accounts/login/", {"username": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)
        client.post("/accounts/logout/")


def test_seed_demo_gives_each_demo_login_its_role():
    run("seed_demo", "--force")
    roles = {
        (m.user.email, m.organization.slug): m.role
        for m in Membership.objects.select_related("user", "organization")
    }
    assert roles[("leader@acme.example", "acme")] == Role.LEADER
    assert roles[("lead@acme.example", "acme")] == Role.TEAM_LEAD
    assert roles[("member@acme.example", "acme")] == Role.MEMBER
    assert roles[("leader@globex.example", "globex")] == Role.ADMIN
    lead = Membership.objects.get(user__email="lead@acme.example")
    assert list(lead.teams.values_list("name", flat=True)) == ["Growth"]


def test_seed_demo_if_missing_keeps_existing_demo_data():
    run("seed_demo", "--force")
    acme = Organization.objects.get(slug="acme")
    Organization.objects.filter(pk=acme.pk).update(name="Acme (edited)")
    out = run("seed_demo", "--force", "--if-missing")
    assert "exist already" in out
    assert Organization.objects.get(slug="acme").pk == acme.pk
    assert Organization.objects.get(slug="acme").name == "Acme (edited)"
