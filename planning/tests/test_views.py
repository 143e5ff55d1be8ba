"""The planning pages through the Django test client, on the real database.

Who may see and write what, tenancy (another organization's ids are 404s), errors shown beside
their field with nothing written, the happy paths, and query counts pinned at 1 and at 30 rows.
"""

from __future__ import annotations

import datetime
import re
from html import unescape
from types import SimpleNamespace

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from core.tests.factories import MembershipFactory, TeamFactory
from planning import selectors
from planning.models import Initiative, StrategicObjective, WorkPackage
from planning.tests.factories import (
    InitiativeFactory,
    StrategicObjectiveFactory,
    WorkPackageFactory,
)

pytestmark = pytest.mark.django_db

Status = WorkPackage.Status
ALL_ROLES = ("admin", "leader", "team_lead", "member", "viewer")
LEADERS = ("admin", "leader")
REQUIRED = "This field is required."
INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."

# Which fixture object each page's id comes from.
OBJECT_OF = {
    "strategy_detail": "objective",
    "strategy_edit": "objective",
    "initiative_detail": "initiative",
    "initiative_edit": "initiative",
    "work_detail": "work_package",
    "work_edit": "work_package",
    "work_decision": "work_package",
    "work_status": "work_package",
}


# --- helpers -------------------------------------------------------------------------------


def url(name: str, *args) -> str:
    return reverse(f"planning:{name}", args=args)


def object_url(name: str, objs) -> str:
    attr = OBJECT_OF.get(name)
    return url(name, getattr(objs, attr).pk) if attr else url(name)


def page(response) -> str:
    return unescape(response.content.decode())


def errors_beside(response, field: str) -> list[str]:
    """The error messages rendered inside a field's own block (components/field.html)."""
    pattern = rf'<p class="field__error" role="alert" id="id_{field}_error">(.*?)</p>'
    return [unescape(m) for m in re.findall(pattern, response.content.decode(), flags=re.S)]


def row(obj) -> dict:
    """The object's row as the database holds it now: every column, version and updated_at too."""
    return type(obj).objects.filter(pk=obj.pk).values().get()


def counts() -> tuple[int, int, int]:
    return (
        StrategicObjective.objects.count(),
        Initiative.objects.count(),
        WorkPackage.objects.count(),
    )


def state(objs) -> tuple:
    """Everything a write could have touched, to prove that nothing was."""
    return (
        counts(),
        row(objs.objective),
        row(objs.initiative),
        row(objs.work_package),
        sorted(objs.initiative.teams.values_list("pk", flat=True)),
    )


def _v(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value.pk)
    return str(value)


def strategy_data(**overrides) -> dict:
    data = {
        "statement": "Mid-market customers renew without a sales call",
        "rationale": "Renewals by call cost more than they bring.",
        "horizon_start": "2027-01-01",
        "horizon_end": "2028-06-30",
        "trade_offs": "No enterprise deals\n\n  No custom builds  ",
        "outcome_measures": "Net revenue retention above 110 %",
        "owner": "",
        "priority": "2",
        "status": "active",
    }
    data.update(overrides)
    return data


def initiative_data(objective, **overrides) -> dict:
    data = {
        "strategic_objective": str(objective.pk),
        "title": "Self-serve renewal flow",
        "description": "Let customers renew in the product.",
        "owner": "",
        "teams": [],
        "start_date": "2027-01-01",
        "end_date": "2027-03-31",
        "status": "planned",
    }
    data.update(overrides)
    return data


def work_data(team, /, **overrides) -> dict:
    data = {
        "title": "Renewal reminder e-mail",
        "description": "Remind customers 30 days ahead.",
        "team": str(team.pk),
        "initiative": "",
        "owner": "",
        "start_date": "",
        "due_date": "",
        "output_kind": "",
        "outputs": "",
        "success_criterion": "",
        "success_review_date": "",
        "category": "strategic",
        "estimate": "",
        "status": "",
    }
    data.update(overrides)
    return data


def work_data_from(wp: WorkPackage, **overrides) -> dict:
    """What the edit form would post back unchanged for this work package."""
    data = {
        f: _v(getattr(wp, f))
        for f in (
            "title",
            "description",
            "team",
            "initiative",
            "owner",
            "start_date",
            "due_date",
            "output_kind",
            "outputs",
            "success_criterion",
            "success_review_date",
            "category",
            "estimate",
            "status",
        )
    }
    data["reopen_reason"] = ""
    data.update(overrides)
    return data


def valid_payload(name: str, objs, team) -> dict:
    """Input that would succeed for someone allowed to make it."""
    if name.startswith("strategy"):
        return strategy_data()
    if name.startswith("initiative"):
        return initiative_data(objs.objective, teams=[str(team.pk)])
    if name == "work_create":
        return work_data(team, title="Brand new work")
    if name == "work_edit":
        return work_data_from(objs.work_package, title="Renamed work")
    if name == "work_decision":
        return {"decision": "stop", "decision_reason": "The number did not move."}
    if name == "work_status":
        return {"status": "in_progress", "next": "/my-work/"}
    return {}  # a page that takes no input


def send(client, method: str, target: str, data: dict | None = None, **kwargs):
    if method == "get":
        return client.get(target, **kwargs)
    return client.post(target, data or {}, **kwargs)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def objective(org, leader):
    return StrategicObjectiveFactory(
        organization=org,
        owner=leader.user,
        statement="Small teams run their planning on Throughline",
        trade_offs=["No on-premise edition"],
    )


@pytest.fixture
def initiative(objective, team):
    initiative = InitiativeFactory(strategic_objective=objective, title="Guided onboarding")
    initiative.teams.set([team])
    return initiative


@pytest.fixture
def work_package(initiative, team, member):
    """Ready work in the Growth team (the team lead's), owned by the member."""
    return WorkPackageFactory(
        team=team,
        initiative=initiative,
        owner=member.user,
        ready=True,
        title="Onboarding checklist e-mail",
        estimate=3,
    )


@pytest.fixture
def objs(objective, initiative, work_package):
    return SimpleNamespace(objective=objective, initiative=initiative, work_package=work_package)


@pytest.fixture
def foreign(other_org, make_member):
    """A complete set of another organization's objects, named so a leak would be visible."""
    outsider = make_member(Role.LEADER, organization=other_org)
    team = TeamFactory(organization=other_org, name="Foreign squad")
    objective = StrategicObjectiveFactory(
        organization=other_org, owner=outsider.user, statement="Foreign objective nobody here sees"
    )
    initiative = InitiativeFactory(strategic_objective=objective, title="Foreign initiative")
    work_package = WorkPackageFactory(
        team=team,
        initiative=initiative,
        owner=outsider.user,
        ready=True,
        status=Status.IN_PROGRESS,
        title="Foreign work package",
    )
    return SimpleNamespace(
        outsider=outsider,
        team=team,
        objective=objective,
        initiative=initiative,
        work_package=work_package,
    )


@pytest.fixture
def as_role(request, client_for):
    """A client signed in as the conftest membership of the given role name."""

    def sign_in(role: str):
        membership = request.getfixturevalue(role)
        return client_for(membership), membership

    return sign_in


# --- anonymous -----------------------------------------------------------------------------

ANONYMOUS_REQUESTS = [
    *[
        (name, "get")
        for name in (
            "strategy_list",
            "strategy_detail",
            "strategy_create",
            "strategy_edit",
            "initiative_create",
            "initiative_detail",
            "initiative_edit",
            "work_list",
            "work_create",
            "work_detail",
            "work_edit",
            "my_work",
        )
    ],
    *[
        (name, "post")
        for name in (
            "strategy_create",
            "strategy_edit",
            "initiative_create",
            "initiative_edit",
            "work_create",
            "work_edit",
            "work_decision",
            "work_status",
        )
    ],
]


@pytest.mark.parametrize(("name", "method"), ANONYMOUS_REQUESTS)
def test_anonymous_people_are_sent_to_sign_in(client, objs, team, name, method):
    target = object_url(name, objs)
    before = state(objs)

    response = send(client, method, target, valid_payload(name, objs, team))

    assert response.status_code == 302
    assert response.url == f"{reverse('core:login')}?next={target}"
    assert state(objs) == before


def test_anonymous_home_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == f"{reverse('core:login')}?next=/"


# --- pages render for each role that may see them ------------------------------------------


READ_PAGES = {
    # page: text it must show, from the fixture objects
    "strategy_list": lambda o: o.objective.statement,
    "strategy_detail": lambda o: o.initiative.title,
    "initiative_detail": lambda o: o.work_package.title,
    "work_list": lambda o: o.work_package.title,
    "work_detail": lambda o: o.work_package.success_criterion,
    "my_work": lambda o: "What you own",
}


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("name", READ_PAGES)
def test_read_pages_render_for_every_role(as_role, objs, role, name):
    client, _ = as_role(role)
    response = client.get(object_url(name, objs))
    assert response.status_code == 200
    assert READ_PAGES[name](objs) in page(response)


def test_strategy_detail_shows_the_objective_and_its_initiatives_work(as_role, objs):
    client, _ = as_role("viewer")
    html = page(client.get(url("strategy_detail", objs.objective.pk)))
    assert objs.objective.statement in html
    assert "No on-premise edition" in html
    assert url("initiative_detail", objs.initiative.pk) in html
    assert "0/1" in html  # done out of all work of the initiative
    # A viewer gets no edit or create buttons.
    assert url("strategy_edit", objs.objective.pk) not in html


def test_my_work_lists_the_members_own_open_work_only(as_role, objs, team, team_lead):
    WorkPackageFactory(team=team, owner=team_lead.user, ready=True, title="The lead's own work")
    client, _ = as_role("member")
    html = page(client.get(url("my_work")))
    assert objs.work_package.title in html
    assert url("work_status", objs.work_package.pk) in html
    assert "The lead's own work" not in html


@pytest.mark.parametrize("role", LEADERS)
@pytest.mark.parametrize(
    "name",
    [
        "strategy_create",
        "strategy_edit",
        "initiative_create",
        "initiative_edit",
        "work_create",
        "work_edit",
    ],
)
def test_write_pages_render_for_leaders(as_role, objs, role, name):
    client, _ = as_role(role)
    response = client.get(object_url(name, objs))
    assert response.status_code == 200
    assert '<form method="post" class="form"' in page(response)


def test_edit_pages_are_filled_in_with_the_current_values(as_role, objs):
    client, _ = as_role("leader")
    strategy_html = page(client.get(url("strategy_edit", objs.objective.pk)))
    assert f'value="{objs.objective.statement}"' in strategy_html
    initiative_html = page(client.get(url("initiative_edit", objs.initiative.pk)))
    assert f'value="{objs.initiative.title}"' in initiative_html
    work_html = page(client.get(url("work_edit", objs.work_package.pk)))
    assert f'value="{objs.work_package.title}"' in work_html
    assert 'value="2026-12-15"' in work_html  # the due date


def test_new_initiative_page_preselects_the_objective_it_came_from(as_role, objective):
    client, _ = as_role("leader")
    html = page(client.get(f"{url('initiative_create')}?objective={objective.pk}"))
    assert f'<option value="{objective.pk}" selected>' in html


@pytest.mark.parametrize("name", ["work_create", "work_edit"])
def test_team_lead_gets_the_work_forms_for_their_team(as_role, objs, team, other_team, name):
    client, _ = as_role("team_lead")
    response = client.get(object_url(name, objs))
    assert response.status_code == 200
    html = page(response)
    assert f'<option value="{team.pk}"' in html
    assert f'<option value="{other_team.pk}"' not in html  # not theirs to add work to


def test_owner_gets_the_edit_form_without_team_and_owner_inputs(as_role, objs):
    client, _ = as_role("member")
    response = client.get(url("work_edit", objs.work_package.pk))
    assert response.status_code == 200
    html = page(response)
    assert 'name="title"' in html
    assert 'name="owner"' not in html
    assert 'name="team"' not in html


# --- the work list's filters ---------------------------------------------------------------


@pytest.fixture
def two_packages(objs, other_team):
    unlinked = WorkPackageFactory(team=other_team, title="Unlinked platform chore")
    return objs.work_package, unlinked


@pytest.mark.parametrize(
    ("query", "shows_linked", "shows_unlinked"),
    [
        ("", True, True),
        ("team={team}", True, False),
        ("team={other_team}", False, True),
        ("status=ready", True, False),
        ("status=intention", False, True),
        ("status=done", False, False),
        ("linked=yes", True, False),
        ("linked=no", False, True),
        ("team={team}&linked=no", False, False),
        # Nonsense filters are ignored rather than an error.
        ("team=not-a-uuid&status=bogus&linked=maybe", True, True),
    ],
)
def test_work_list_filters(
    as_role, two_packages, team, other_team, query, shows_linked, shows_unlinked
):
    linked, unlinked = two_packages
    client, _ = as_role("viewer")
    response = client.get(
        f"{url('work_list')}?{query.format(team=team.pk, other_team=other_team.pk)}"
    )
    assert response.status_code == 200
    html = page(response)
    assert (linked.title in html) is shows_linked
    assert (unlinked.title in html) is shows_unlinked
    if not shows_linked and not shows_unlinked:
        assert "No work packages match" in html


def test_work_list_pages_in_one_total_order_filtered_or_not(as_role, org, team):
    """Work in flight first, then ready, intentions, closed; by due date (none last), title and
    id, so that equal titles never repeat or vanish across pages (the order of the index
    planning_wp_list_order_idx); a status filter keeps the same order."""
    today = timezone.localdate()
    owner = MembershipFactory(organization=org, teams=[team]).user
    for i in range(55):
        WorkPackageFactory(
            team=team,
            title="Same title",
            owner=owner,
            ready=True,
            status=Status.INTENTION
            if i % 5 == 0
            else (Status.IN_PROGRESS if i % 2 else Status.READY),
            due_date=None if i % 10 == 0 else today + datetime.timedelta(days=i % 3),
        )
    client, _ = as_role("viewer")
    expected = list(
        WorkPackage.objects.filter(organization=org)
        .order_by(selectors.work_status_rank(), F("due_date").asc(nulls_last=True), "title", "id")
        .values_list("pk", flat=True)
    )
    shown = []
    for number in (1, 2):
        html = page(client.get(f"{url('work_list')}?page={number}"))
        shown += re.findall(rf'href="{url("work_list")}([0-9a-f-]{{36}})/"', html)
    assert [str(pk) for pk in expected] == shown
    in_flight = page(client.get(f"{url('work_list')}?status=in_progress"))
    ids = re.findall(rf'href="{url("work_list")}([0-9a-f-]{{36}})/"', in_flight)
    assert ids == [
        str(pk) for pk in expected if WorkPackage.objects.get(pk=pk).status == Status.IN_PROGRESS
    ]


def test_work_list_marks_unlinked_work(as_role, two_packages):
    client, _ = as_role("viewer")
    html = page(client.get(f"{url('work_list')}?linked=no"))
    assert "not linked to strategy" in html


# --- role rules ----------------------------------------------------------------------------

WRITE_REQUESTS = [
    ("strategy_create", "get"),
    ("strategy_create", "post"),
    ("strategy_edit", "get"),
    ("strategy_edit", "post"),
    ("initiative_create", "get"),
    ("initiative_create", "post"),
    ("initiative_edit", "get"),
    ("initiative_edit", "post"),
    ("work_create", "get"),
    ("work_create", "post"),
    ("work_edit", "get"),
    ("work_edit", "post"),
    ("work_decision", "post"),
    ("work_status", "post"),
]
STRATEGY_WRITES = [(n, m) for n, m in WRITE_REQUESTS if n.startswith(("strategy", "initiative"))]


@pytest.mark.parametrize(("name", "method"), WRITE_REQUESTS)
def test_viewer_writes_nothing(as_role, objs, team, name, method):
    client, _ = as_role("viewer")
    before = state(objs)

    response = send(client, method, object_url(name, objs), valid_payload(name, objs, team))

    assert response.status_code == 403
    assert state(objs) == before


@pytest.mark.parametrize("role", ["team_lead", "member"])
@pytest.mark.parametrize(("name", "method"), STRATEGY_WRITES)
def test_only_leaders_write_strategy_and_initiatives(as_role, objs, team, role, name, method):
    client, _ = as_role(role)
    before = state(objs)

    response = send(client, method, object_url(name, objs), valid_payload(name, objs, team))

    assert response.status_code == 403
    assert state(objs) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_member_cannot_add_work(as_role, objs, team, method):
    client, _ = as_role("member")
    before = state(objs)
    response = send(client, method, url("work_create"), valid_payload("work_create", objs, team))
    assert response.status_code == 403
    assert state(objs) == before


def test_team_lead_adds_work_to_their_own_team(as_role, team):
    client, lead = as_role("team_lead")
    response = client.post(url("work_create"), work_data(team, title="Lead's new work"))
    created = WorkPackage.objects.get(title="Lead's new work")
    assert response.status_code == 302
    assert response.url == url("work_detail", created.pk)
    assert created.team == team
    assert created.organization_id == lead.organization_id


def test_team_lead_cannot_add_work_to_another_team(as_role, objs, other_team):
    client, _ = as_role("team_lead")
    before = state(objs)
    response = client.post(url("work_create"), work_data(other_team, title="Not my team's"))
    assert response.status_code == 200
    assert errors_beside(response, "team") == [INVALID_CHOICE]
    assert state(objs) == before


@pytest.fixture
def other_teams_work(other_team, make_member):
    platform_person = make_member(Role.MEMBER, teams=[other_team])
    return WorkPackageFactory(
        team=other_team, owner=platform_person.user, ready=True, title="Platform work"
    )


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("work_edit", "get"),
        ("work_edit", "post"),
        ("work_decision", "post"),
        ("work_status", "post"),
    ],
)
def test_team_lead_cannot_change_another_teams_work(
    as_role, objs, team, other_teams_work, name, method
):
    client, _ = as_role("team_lead")
    before = row(other_teams_work)
    payload = valid_payload(name, objs, team)
    if name == "work_edit":
        payload = work_data_from(other_teams_work, title="Hijacked")
    response = send(client, method, url(name, other_teams_work.pk), payload)
    assert response.status_code == 403
    assert row(other_teams_work) == before


def test_team_lead_edits_their_teams_work(as_role, objs, team_lead):
    client, _ = as_role("team_lead")
    wp = objs.work_package
    response = client.post(
        url("work_edit", wp.pk),
        work_data_from(wp, title="Sharper onboarding e-mail", owner=str(team_lead.user.pk)),
    )
    assert response.status_code == 302
    assert response.url == url("work_detail", wp.pk)
    wp.refresh_from_db()
    assert wp.title == "Sharper onboarding e-mail"
    assert wp.owner == team_lead.user  # a lead may reassign within the team
    assert wp.version == 2


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("work_edit", "get"),
        ("work_edit", "post"),
        ("work_decision", "post"),
        ("work_status", "post"),
    ],
)
def test_member_cannot_change_work_they_do_not_own(as_role, objs, team, team_lead, name, method):
    theirs = WorkPackageFactory(team=team, owner=team_lead.user, ready=True, title="Lead's work")
    client, _ = as_role("member")
    before = row(theirs)
    payload = valid_payload(name, objs, team)
    if name == "work_edit":
        payload = work_data_from(theirs, title="Hijacked")
    response = send(client, method, url(name, theirs.pk), payload)
    assert response.status_code == 403
    assert row(theirs) == before


def test_member_edits_their_own_work(as_role, objs):
    client, member = as_role("member")
    wp = objs.work_package
    data = work_data_from(wp, title="Onboarding e-mail, shorter", estimate="5")
    del data["team"], data["owner"]  # the owner's form does not offer them
    response = client.post(url("work_edit", wp.pk), data)
    assert response.status_code == 302
    assert response.url == url("work_detail", wp.pk)
    wp.refresh_from_db()
    assert wp.title == "Onboarding e-mail, shorter"
    assert wp.estimate == 5
    assert wp.owner == member.user
    assert wp.version == 2


def test_member_cannot_reassign_owner_or_team(as_role, objs, other_team, team_lead):
    client, member = as_role("member")
    wp = objs.work_package
    response = client.post(
        url("work_edit", wp.pk),
        work_data_from(
            wp, title="Renamed by owner", owner=str(team_lead.user.pk), team=str(other_team.pk)
        ),
    )
    assert response.status_code == 302
    wp.refresh_from_db()
    assert wp.title == "Renamed by owner"
    assert wp.owner == member.user
    assert wp.team_id == objs.work_package.team_id


# --- tenancy -------------------------------------------------------------------------------

TENANT_REQUESTS = [
    *[
        (name, "get")
        for name in (
            "strategy_detail",
            "strategy_edit",
            "initiative_detail",
            "initiative_edit",
            "work_detail",
            "work_edit",
        )
    ],
    *[
        (name, "post")
        for name in (
            "strategy_edit",
            "initiative_edit",
            "work_edit",
            "work_decision",
            "work_status",
        )
    ],
]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "method"), TENANT_REQUESTS)
def test_another_organizations_ids_are_not_found(as_role, objs, team, foreign, role, name, method):
    client, _ = as_role(role)
    before = state(foreign)

    response = send(client, method, object_url(name, foreign), valid_payload(name, objs, team))

    assert response.status_code == 404
    assert "Nothing here" in page(response)
    assert state(foreign) == before


@pytest.fixture
def person_in_both(org, other_org, team, foreign, make_member):
    """One person who belongs to both organizations, owning work in each; signed in to ``org``."""
    here = make_member(Role.LEADER, teams=[team])
    MembershipFactory(user=here.user, organization=other_org, role=Role.LEADER)
    foreign.work_package.owner = here.user
    foreign.work_package.save(update_fields=["owner"])
    WorkPackageFactory(team=team, owner=here.user, ready=True, title="Work of mine here")
    return here


@pytest.mark.parametrize("name", ["strategy_list", "work_list", "my_work"])
def test_lists_never_show_another_organizations_rows(
    client_for, objs, foreign, person_in_both, name
):
    client = client_for(person_in_both)
    session = client.session
    session["organization_id"] = str(objs.objective.organization_id)
    session.save()

    html = page(client.get(url(name)))

    assert "Foreign" not in html
    assert str(foreign.work_package.pk) not in html
    assert str(foreign.objective.pk) not in html
    if name == "my_work":
        assert "Work of mine here" in html
    if name == "strategy_list":
        assert objs.objective.statement in html


def test_work_list_filtered_by_a_foreign_team_shows_no_foreign_rows(as_role, objs, foreign):
    client, _ = as_role("leader")
    html = page(client.get(f"{url('work_list')}?team={foreign.team.pk}"))
    assert "Foreign" not in html


@pytest.mark.parametrize(
    "name", ["strategy_create", "initiative_create", "work_create", "initiative_edit", "work_edit"]
)
def test_forms_offer_no_choices_from_another_organization(as_role, objs, foreign, name):
    client, _ = as_role("leader")
    html = page(client.get(object_url(name, objs)))
    for obj in (foreign.team, foreign.objective, foreign.initiative, foreign.outsider.user):
        assert str(obj.pk) not in html
    assert "Foreign" not in html


# --- bad input: strategic objectives -------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"horizon_start": "2027-06-01", "horizon_end": "2027-01-01"},
            "horizon_end",
            "The horizon must end after it starts.",
        ),
        (
            {"horizon_start": "2027-06-01", "horizon_end": "2027-06-01"},
            "horizon_end",
            "The horizon must end after it starts.",
        ),
        ({"statement": ""}, "statement", REQUIRED),
        ({"statement": "   "}, "statement", REQUIRED),
        ({"horizon_start": "next spring"}, "horizon_start", "Enter a valid date."),
        ({"priority": "0"}, "priority", "Ensure this value is greater than or equal to 1."),
        (
            {"status": "someday"},
            "status",
            "Select a valid choice. someday is not one of the available choices.",
        ),
    ],
)
def test_strategy_create_shows_errors_beside_the_field(as_role, objs, overrides, field, message):
    client, _ = as_role("leader")
    before = state(objs)

    response = client.post(url("strategy_create"), strategy_data(**overrides))

    assert response.status_code == 200
    assert errors_beside(response, field) == [message]
    assert state(objs) == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"horizon_start": "2027-06-01", "horizon_end": "2026-06-01"},
            "horizon_end",
            "The horizon must end after it starts.",
        ),
        ({"statement": ""}, "statement", REQUIRED),
    ],
)
def test_strategy_edit_shows_errors_and_changes_nothing(as_role, objs, overrides, field, message):
    client, _ = as_role("leader")
    before = state(objs)

    response = client.post(
        url("strategy_edit", objs.objective.pk),
        strategy_data(**{"statement": "Changed", **overrides}),
    )

    assert response.status_code == 200
    assert errors_beside(response, field) == [message]
    assert state(objs) == before


def test_strategy_owner_from_another_organization_is_refused(as_role, objs, foreign):
    client, _ = as_role("leader")
    before = state(objs)
    response = client.post(
        url("strategy_create"), strategy_data(owner=str(foreign.outsider.user.pk))
    )
    assert response.status_code == 200
    assert errors_beside(response, "owner") == [INVALID_CHOICE]
    assert state(objs) == before


# --- bad input: initiatives ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"start_date": "2027-03-01", "end_date": "2027-02-01"},
            "end_date",
            "The end date cannot be before the start date.",
        ),
        ({"title": ""}, "title", REQUIRED),
        ({"strategic_objective": ""}, "strategic_objective", REQUIRED),
    ],
)
@pytest.mark.parametrize("editing", [False, True], ids=["create", "edit"])
def test_initiative_form_shows_errors_and_changes_nothing(
    as_role, objs, overrides, field, message, editing
):
    client, _ = as_role("leader")
    before = state(objs)
    target = url("initiative_edit", objs.initiative.pk) if editing else url("initiative_create")

    response = client.post(target, initiative_data(objs.objective, **overrides))

    assert response.status_code == 200
    assert errors_beside(response, field) == [message]
    assert state(objs) == before


@pytest.mark.parametrize("editing", [False, True], ids=["create", "edit"])
def test_initiative_refuses_another_organizations_objective_and_team(
    as_role, objs, foreign, editing
):
    client, _ = as_role("leader")
    before = state(objs)
    target = url("initiative_edit", objs.initiative.pk) if editing else url("initiative_create")

    response = client.post(
        target,
        initiative_data(foreign.objective, teams=[str(foreign.team.pk)]),
    )

    assert response.status_code == 200
    assert errors_beside(response, "strategic_objective") == [INVALID_CHOICE]
    assert errors_beside(response, "teams") == [
        f"Select a valid choice. {foreign.team.pk} is not one of the available choices."
    ]
    assert state(objs) == before


# --- bad input: work packages --------------------------------------------------------------

READY_ERRORS = {
    "owner": ["Choose an owner before moving it to Ready."],
    "due_date": ["Set a due date before moving it to Ready."],
    "success_criterion": ["Say how you will judge success before moving it to Ready."],
    "success_review_date": ["Set when you will check success before moving it to Ready."],
}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"start_date": "2026-12-10", "due_date": "2026-12-01"},
            "due_date",
            "The due date cannot be before the start date.",
        ),
        ({"estimate": "three"}, "estimate", "Enter a whole number."),
        ({"estimate": "-2"}, "estimate", "Ensure this value is greater than or equal to 0."),
        ({"estimate": "2.5"}, "estimate", "Enter a whole number."),
        ({"title": ""}, "title", REQUIRED),
        ({"team": ""}, "team", REQUIRED),
        (
            {"category": "urgent"},
            "category",
            "Select a valid choice. urgent is not one of the available choices.",
        ),
        (
            {"status": "done"},
            "status",
            "Select a valid choice. done is not one of the available choices.",
        ),
    ],
)
def test_work_create_shows_errors_beside_the_field(as_role, objs, team, overrides, field, message):
    client, _ = as_role("team_lead")
    before = state(objs)

    response = client.post(url("work_create"), work_data(team, **overrides))

    assert response.status_code == 200
    assert errors_beside(response, field) == [message]
    assert state(objs) == before


@pytest.mark.parametrize("role", ["leader", "team_lead"])
def test_work_create_refuses_another_organizations_initiative(as_role, objs, team, foreign, role):
    client, _ = as_role(role)
    before = state(objs)

    response = client.post(
        url("work_create"), work_data(team, initiative=str(foreign.initiative.pk))
    )

    assert response.status_code == 200
    assert errors_beside(response, "initiative") == [INVALID_CHOICE]
    assert state(objs) == before


def test_work_create_as_ready_without_owner_due_date_or_check_names_each_field(as_role, objs, team):
    client, _ = as_role("team_lead")
    before = state(objs)

    response = client.post(url("work_create"), work_data(team, status="ready"))

    assert response.status_code == 200
    for field, messages in READY_ERRORS.items():
        assert errors_beside(response, field) == messages
    assert errors_beside(response, "status") == [
        "Still an intention: it needs owner, due date, success check (criterion and review date) "
        "before it can be ready."
    ]
    assert state(objs) == before


@pytest.fixture
def intention(team):
    """An intention: no owner, no due date, no success check."""
    return WorkPackageFactory(team=team, title="Maybe a referral programme")


def test_moving_an_incomplete_work_package_to_ready_names_each_missing_field(
    as_role, objs, intention
):
    client, _ = as_role("team_lead")
    before = state(objs), row(intention)

    response = client.post(
        url("work_edit", intention.pk),
        work_data_from(intention, status="ready", title="Referral programme"),
    )

    assert response.status_code == 200
    for field, messages in READY_ERRORS.items():
        assert errors_beside(response, field) == messages
    assert "Still an intention" in errors_beside(response, "status")[0]
    assert (state(objs), row(intention)) == before


def test_moving_to_ready_with_only_the_success_check_missing_names_only_those_fields(
    as_role, objs, intention, member
):
    client, _ = as_role("team_lead")
    before = row(intention)

    response = client.post(
        url("work_edit", intention.pk),
        work_data_from(intention, status="ready", owner=str(member.user.pk), due_date="2026-12-20"),
    )

    assert response.status_code == 200
    assert errors_beside(response, "owner") == []
    assert errors_beside(response, "due_date") == []
    assert errors_beside(response, "success_criterion") == READY_ERRORS["success_criterion"]
    assert errors_beside(response, "success_review_date") == READY_ERRORS["success_review_date"]
    assert row(intention) == before


@pytest.fixture
def done_work(team, member):
    return WorkPackageFactory(
        team=team,
        owner=member.user,
        ready=True,
        status=Status.DONE,
        finished_at=timezone.now(),
        title="Shipped pricing page",
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopening_done_work_without_a_reason_is_refused(as_role, done_work, reason):
    client, _ = as_role("member")
    before = row(done_work)
    data = work_data_from(done_work, status="in_progress", reopen_reason=reason)

    response = client.post(url("work_edit", done_work.pk), data)

    assert response.status_code == 200
    assert errors_beside(response, "reopen_reason") == [
        "Say why you are reopening work that is done."
    ]
    assert row(done_work) == before


def test_reopening_done_work_with_a_reason_is_saved(as_role, done_work):
    client, _ = as_role("member")
    response = client.post(
        url("work_edit", done_work.pk),
        work_data_from(done_work, status="in_progress", reopen_reason="Customers found a bug"),
    )
    assert response.status_code == 302
    done_work.refresh_from_db()
    assert done_work.status == Status.IN_PROGRESS
    assert done_work.reopen_reason == "Customers found a bug"
    assert done_work.finished_at is None


def test_an_impossible_transition_is_refused_beside_status(as_role, done_work):
    client, _ = as_role("member")
    before = row(done_work)
    response = client.post(
        url("work_edit", done_work.pk),
        work_data_from(done_work, status="intention", reopen_reason="Start over"),
    )
    assert response.status_code == 200
    assert errors_beside(response, "status") == ["A work package cannot go from Done to Intention."]
    assert row(done_work) == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"start_date": "2026-12-20", "due_date": "2026-12-15"},
            "due_date",
            "The due date cannot be before the start date.",
        ),
        ({"estimate": "lots"}, "estimate", "Enter a whole number."),
        ({"estimate": "-1"}, "estimate", "Ensure this value is greater than or equal to 0."),
        ({"title": ""}, "title", REQUIRED),
        (
            {"status": "finished"},
            "status",
            "Select a valid choice. finished is not one of the available choices.",
        ),
    ],
)
@pytest.mark.parametrize("role", ["team_lead", "member"])
def test_work_edit_shows_errors_and_changes_nothing(as_role, objs, role, overrides, field, message):
    client, _ = as_role(role)
    before = state(objs)

    response = client.post(
        url("work_edit", objs.work_package.pk),
        work_data_from(objs.work_package, **overrides),
    )

    assert response.status_code == 200
    assert errors_beside(response, field) == [message]
    assert state(objs) == before


@pytest.mark.parametrize("role", ["leader", "team_lead", "member"])
def test_work_edit_refuses_another_organizations_initiative(as_role, objs, foreign, role):
    client, _ = as_role(role)
    before = state(objs)

    response = client.post(
        url("work_edit", objs.work_package.pk),
        work_data_from(objs.work_package, initiative=str(foreign.initiative.pk)),
    )

    assert response.status_code == 200
    assert errors_beside(response, "initiative") == [INVALID_CHOICE]
    assert state(objs) == before


def test_leader_cannot_move_work_to_another_organizations_team_or_person(as_role, objs, foreign):
    client, _ = as_role("leader")
    before = state(objs)
    response = client.post(
        url("work_edit", objs.work_package.pk),
        work_data_from(
            objs.work_package, team=str(foreign.team.pk), owner=str(foreign.outsider.user.pk)
        ),
    )
    assert response.status_code == 200
    assert errors_beside(response, "team") == [INVALID_CHOICE]
    assert errors_beside(response, "owner") == [INVALID_CHOICE]
    assert state(objs) == before


# --- bad input: decisions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "stop", "decision_reason": ""}, "decision_reason", REQUIRED),
        ({"decision": "stop", "decision_reason": "  \n "}, "decision_reason", REQUIRED),
        ({"decision": "stop"}, "decision_reason", REQUIRED),
        ({"decision_reason": "Because"}, "decision", REQUIRED),
        (
            {"decision": "pause", "decision_reason": "Because"},
            "decision",
            "Select a valid choice. pause is not one of the available choices.",
        ),
    ],
)
def test_decision_with_bad_input_shows_the_error_and_changes_nothing(
    as_role, objs, data, field, message
):
    client, _ = as_role("member")
    before = state(objs)

    response = client.post(url("work_decision", objs.work_package.pk), data)

    assert response.status_code == 400
    assert errors_beside(response, field) == [message]
    assert state(objs) == before


def test_decision_on_an_intention_explains_why_it_was_refused(as_role, objs, intention):
    client, _ = as_role("team_lead")
    before = row(intention)

    response = client.post(
        url("work_decision", intention.pk),
        {"decision": "continue", "decision_reason": "Looks fine"},
    )

    assert response.status_code == 400
    assert errors_beside(response, "decision") == [
        "Only work that is ready, in progress or done has a success check to decide on."
    ]
    assert row(intention) == before


def test_decision_is_post_only(as_role, objs):
    client, _ = as_role("member")
    assert client.get(url("work_decision", objs.work_package.pk)).status_code == 405
    assert client.get(url("work_status", objs.work_package.pk)).status_code == 405


# --- bad input: quick status ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "status", "message"),
    [
        ("work_package", "someday", "Choose one of the statuses."),
        ("work_package", "", "Choose one of the statuses."),
        ("done_work", "in_progress", "Say why you are reopening work that is done."),
        ("done_work", "intention", "A work package cannot go from Done to Intention."),
        ("owned_intention", "ready", "Set a due date before moving it to Ready."),
    ],
)
def test_quick_status_with_bad_input_explains_and_changes_nothing(
    request, as_role, objs, fixture, status, message
):
    wp = request.getfixturevalue(fixture)
    client, _ = as_role("member")
    before = row(wp)

    response = client.post(
        url("work_status", wp.pk), {"status": status, "next": url("my_work")}, follow=True
    )

    assert response.redirect_chain == [(url("my_work"), 302)]
    assert response.status_code == 200
    html = page(response)
    assert 'class="message message--error"' in html
    assert message in html
    assert row(wp) == before


@pytest.fixture
def owned_intention(team, member):
    return WorkPackageFactory(team=team, owner=member.user, title="Idea I own")


def test_quick_status_ignores_a_next_url_on_another_host(as_role, objs):
    client, _ = as_role("member")
    response = client.post(
        url("work_status", objs.work_package.pk),
        {"status": "in_progress", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response.url == url("my_work")


# --- happy paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", LEADERS)
def test_creating_a_strategic_objective(as_role, role, objs):
    client, membership = as_role(role)
    response = client.post(url("strategy_create"), strategy_data(owner=str(membership.user.pk)))

    objective = StrategicObjective.objects.get(
        statement="Mid-market customers renew without a sales call"
    )
    assert response.status_code == 302
    assert response.url == url("strategy_detail", objective.pk)
    assert objective.organization_id == membership.organization_id
    assert objective.horizon_start == datetime.date(2027, 1, 1)
    assert objective.horizon_end == datetime.date(2028, 6, 30)
    assert objective.trade_offs == ["No enterprise deals", "No custom builds"]
    assert objective.outcome_measures == ["Net revenue retention above 110 %"]
    assert objective.owner == membership.user
    assert objective.priority == 2
    assert objective.status == "active"
    assert objective.version == 1
    detail = page(client.get(response.url))
    assert "Strategic objective created." in detail
    assert "No custom builds" in detail


def test_editing_a_strategic_objective(as_role, objs):
    client, _ = as_role("leader")
    objective = objs.objective
    response = client.post(
        url("strategy_edit", objective.pk),
        strategy_data(statement="Small teams plan here every week", status="active"),
    )
    assert response.status_code == 302
    assert response.url == url("strategy_detail", objective.pk)
    objective.refresh_from_db()
    assert objective.statement == "Small teams plan here every week"
    assert objective.trade_offs == ["No enterprise deals", "No custom builds"]
    assert objective.version == 2


def test_strategy_form_gives_advice_but_saves(as_role):
    client, _ = as_role("leader")
    response = client.post(
        url("strategy_create"),
        strategy_data(statement="Launch the mobile app", trade_offs=""),
    )
    assert response.status_code == 302
    html = page(client.get(response.url))
    assert "This reads like a tactic (“launch”)" in html
    assert "No trade-off named" in html


def test_creating_an_initiative(as_role, objs, team, other_team, member):
    client, membership = as_role("leader")
    response = client.post(
        url("initiative_create"),
        initiative_data(
            objs.objective,
            title="Renewal in two clicks",
            owner=str(member.user.pk),
            teams=[str(team.pk), str(other_team.pk)],
            status="active",
        ),
    )
    initiative = Initiative.objects.get(title="Renewal in two clicks")
    assert response.status_code == 302
    assert response.url == url("initiative_detail", initiative.pk)
    assert initiative.organization_id == membership.organization_id
    assert initiative.strategic_objective == objs.objective
    assert initiative.owner == member.user
    assert set(initiative.teams.all()) == {team, other_team}
    assert initiative.start_date == datetime.date(2027, 1, 1)
    assert initiative.end_date == datetime.date(2027, 3, 31)
    assert initiative.status == "active"
    assert "Initiative created." in page(client.get(response.url))


def test_editing_an_initiatives_teams_only_bumps_its_version(as_role, objs, team, other_team):
    client, _ = as_role("leader")
    initiative = objs.initiative
    data = initiative_data(
        objs.objective,
        title=initiative.title,
        description=initiative.description,
        start_date="",
        end_date="",
        status=initiative.status,
        teams=[str(team.pk), str(other_team.pk)],
    )
    response = client.post(url("initiative_edit", initiative.pk), data)
    assert response.status_code == 302
    assert response.url == url("initiative_detail", initiative.pk)
    initiative.refresh_from_db()
    assert set(initiative.teams.all()) == {team, other_team}
    assert initiative.version == 2


@pytest.mark.parametrize("role", ["admin", "leader", "team_lead"])
def test_creating_a_complete_work_package_makes_it_ready(as_role, objs, team, member, role):
    client, membership = as_role(role)
    response = client.post(
        url("work_create"),
        work_data(
            team,
            title="Annual plan upsell banner",
            initiative=str(objs.initiative.pk),
            owner=str(member.user.pk),
            start_date="2026-12-01",
            due_date="2026-12-18",
            output_kind="release",
            outputs="A banner in the billing page",
            success_criterion="5 % of monthly plans switch",
            success_review_date="2027-01-15",
            category="experimental",
            estimate="8",
        ),
    )
    wp = WorkPackage.objects.get(title="Annual plan upsell banner")
    assert response.status_code == 302
    assert response.url == url("work_detail", wp.pk)
    assert wp.organization_id == membership.organization_id
    assert wp.status == Status.READY
    assert (wp.team, wp.initiative, wp.owner) == (team, objs.initiative, member.user)
    assert (wp.start_date, wp.due_date, wp.success_review_date) == (
        datetime.date(2026, 12, 1),
        datetime.date(2026, 12, 18),
        datetime.date(2027, 1, 15),
    )
    assert wp.output_kind == "release"
    assert wp.outputs == "A banner in the billing page"
    assert wp.success_criterion == "5 % of monthly plans switch"
    assert wp.category == "experimental"
    assert wp.estimate == 8
    assert wp.version == 1
    assert "Work package created." in page(client.get(response.url))


def test_creating_an_incomplete_work_package_saves_an_intention_and_says_so(as_role, team):
    client, _ = as_role("team_lead")
    response = client.post(url("work_create"), work_data(team, title="Half an idea"))
    wp = WorkPackage.objects.get(title="Half an idea")
    assert response.status_code == 302
    assert wp.status == Status.INTENTION
    html = page(client.get(response.url))
    assert "Saved as an intention" in html


def test_new_work_page_preselects_the_initiative_and_the_leads_only_team(as_role, objs, team):
    client, _ = as_role("team_lead")
    html = page(client.get(f"{url('work_create')}?initiative={objs.initiative.pk}"))
    assert f'<option value="{objs.initiative.pk}" selected>' in html
    assert f'<option value="{team.pk}" selected>' in html


def test_quick_status_update_from_my_work(as_role, objs):
    client, _ = as_role("member")
    wp = objs.work_package
    my_work_page = page(client.get(url("my_work")))
    assert f'action="{url("work_status", wp.pk)}"' in my_work_page

    response = client.post(
        url("work_status", wp.pk), {"status": "in_progress", "next": url("my_work")}, follow=True
    )

    assert response.redirect_chain == [(url("my_work"), 302)]
    assert f"“{wp.title}” is now in progress." in page(response)
    wp.refresh_from_db()
    assert wp.status == Status.IN_PROGRESS
    assert wp.started_at is not None
    assert wp.version == 2


def test_quick_status_to_done_from_my_work_moves_it_to_recently_closed(as_role, objs):
    client, _ = as_role("member")
    wp = objs.work_package
    client.post(url("work_status", wp.pk), {"status": "in_progress", "next": url("my_work")})
    response = client.post(
        url("work_status", wp.pk), {"status": "done", "next": url("my_work")}, follow=True
    )
    wp.refresh_from_db()
    assert wp.status == Status.DONE
    assert wp.finished_at is not None
    html = page(response)
    assert "Closed in the last two weeks" in html
    assert f"{wp.title}</a> — done" in html


@pytest.mark.parametrize("role", ["leader", "team_lead", "member"])
def test_recording_a_stop_decision_stops_the_work(as_role, objs, role):
    client, _ = as_role(role)
    wp = objs.work_package
    WorkPackage.objects.filter(pk=wp.pk).update(status=Status.IN_PROGRESS)

    response = client.post(
        url("work_decision", wp.pk),
        {"decision": "stop", "decision_reason": "  Nobody opened the e-mails.  "},
    )

    assert response.status_code == 302
    assert response.url == url("work_detail", wp.pk)
    wp.refresh_from_db()
    assert wp.status == Status.STOPPED
    assert wp.decision == "stop"
    assert wp.decision_reason == "Nobody opened the e-mails."
    assert wp.decided_at is not None
    assert wp.finished_at is not None
    assert wp.version == 2
    html = page(client.get(response.url))
    assert "Decision recorded." in html
    assert "Nobody opened the e-mails." in html


def test_recording_a_continue_decision_keeps_the_work_going(as_role, objs):
    client, _ = as_role("member")
    wp = objs.work_package
    response = client.post(
        url("work_decision", wp.pk), {"decision": "continue", "decision_reason": "On track"}
    )
    assert response.status_code == 302
    wp.refresh_from_db()
    assert (wp.status, wp.decision, wp.decision_reason) == (Status.READY, "continue", "On track")


def test_readiness_checklist_lists_what_is_missing(as_role, intention):
    client, _ = as_role("viewer")
    html = page(client.get(url("work_detail", intention.pk)))
    assert "Still an intention" in html
    for key in ("owner", "due_date", "success_check"):
        assert f'checklist__item--missing" data-check="{key}"' in html
    assert "checklist__item--done" not in html


def test_readiness_checklist_ticks_what_is_there(as_role, team, member):
    wp = WorkPackageFactory(
        team=team, owner=member.user, due_date=datetime.date(2026, 12, 24), title="Half ready"
    )
    client, _ = as_role("viewer")
    html = page(client.get(url("work_detail", wp.pk)))
    assert 'checklist__item--done" data-check="owner"' in html
    assert 'checklist__item--done" data-check="due_date"' in html
    assert 'checklist__item--missing" data-check="success_check"' in html


def test_readiness_checklist_of_ready_work_is_complete(as_role, objs):
    client, _ = as_role("viewer")
    html = page(client.get(url("work_detail", objs.work_package.pk)))
    assert "Ready to be a tactic" in html
    assert "checklist__item--missing" not in html


# --- query counts --------------------------------------------------------------------------
# Each page is built at 1 and at 30 rows, every row with its own owner, team and links, so a
# lookup per row would show up as a different count.


def _people(make_member, n, role=Role.MEMBER, teams=()):
    return [make_member(role, teams=teams).user for _ in range(n)]


def build_strategy_list(n, *, org, team, make_member):
    owners = _people(make_member, n, Role.LEADER)
    for owner in owners:
        objective = StrategicObjectiveFactory(organization=org, owner=owner)
        initiative = InitiativeFactory(strategic_objective=objective, owner=owner)
        initiative.teams.set([team])
        WorkPackageFactory(team=team, initiative=initiative, owner=owner, ready=True)
        WorkPackageFactory(team=team, initiative=initiative, estimate=2)
    return url("strategy_list"), 'class="objective__statement"'


def build_strategy_detail(n, *, org, team, make_member):
    objective = StrategicObjectiveFactory(organization=org)
    owners = _people(make_member, n, Role.LEADER)
    for owner in owners:
        initiative = InitiativeFactory(strategic_objective=objective, owner=owner)
        initiative.teams.set([TeamFactory(organization=org), team])
        WorkPackageFactory(team=team, initiative=initiative, owner=owner, ready=True)
    return url("strategy_detail", objective.pk), 'class="row-title" href="/initiatives/'


def build_initiative_detail(n, *, org, team, make_member):
    initiative = InitiativeFactory(strategic_objective=StrategicObjectiveFactory(organization=org))
    initiative.teams.set([team])
    for owner in _people(make_member, n):
        WorkPackageFactory(
            team=TeamFactory(organization=org),
            initiative=initiative,
            owner=owner,
            ready=True,
            estimate=3,
        )
    return url("initiative_detail", initiative.pk), 'class="row-title"'


def build_work_list(n, *, org, team, make_member):
    for i, owner in enumerate(_people(make_member, n)):
        initiative = InitiativeFactory(
            strategic_objective=StrategicObjectiveFactory(organization=org)
        )
        WorkPackageFactory(
            team=TeamFactory(organization=org),
            initiative=initiative if i % 3 else None,
            owner=owner,
            ready=True,
            decision="continue" if i % 2 else "",
            decision_reason="On track" if i % 2 else "",
        )
    return url("work_list"), 'class="row-title"'


def build_my_work(n, *, org, team, make_member, me):
    today = timezone.localdate()
    for i in range(n):
        initiative = (
            InitiativeFactory(strategic_objective=StrategicObjectiveFactory(organization=org))
            if i % 2
            else None
        )
        WorkPackageFactory(
            team=TeamFactory(organization=org),
            initiative=initiative,
            owner=me,
            ready=True,
            status=Status.IN_PROGRESS if i % 3 else Status.READY,
            due_date=today + datetime.timedelta(days=i - 5),
            success_review_date=today + datetime.timedelta(days=i),
        )
    # Closed work shows too; it is not part of the row count.
    WorkPackageFactory(
        team=team, owner=me, ready=True, status=Status.DONE, finished_at=timezone.now()
    )
    return url("my_work"), 'class="row-title"'


QUERY_PAGES = {
    # page: (builder, signed-in role, queries whatever the number of rows)
    "strategy_list": (build_strategy_list, "leader", 6),
    # 7, plus the panels further-right apps add to the page (okrs: KPIs and cycle; reviews: 1).
    "strategy_detail": (build_strategy_detail, "leader", 10),
    "initiative_detail": (build_initiative_detail, "leader", 7),
    "work_list": (build_work_list, "leader", 7),
    "my_work": (build_my_work, "member", 5),
}


@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize("name", QUERY_PAGES)
def test_page_query_count_does_not_grow_with_rows(
    django_assert_num_queries, as_role, org, team, make_member, name, rows
):
    builder, role, expected = QUERY_PAGES[name]
    client, membership = as_role(role)
    kwargs = {"org": org, "team": team, "make_member": make_member}
    if name == "my_work":
        kwargs["me"] = membership.user
    target, row_marker = builder(rows, **kwargs)

    with django_assert_num_queries(expected):
        response = client.get(target)

    assert response.status_code == 200
    assert page(response).count(row_marker) == rows


# --- editing keeps links to closed strategy ------------------------------------------------


def test_editing_work_keeps_its_link_to_a_completed_initiative(as_role, objs):
    initiative, wp = objs.initiative, objs.work_package
    Initiative.objects.filter(pk=initiative.pk).update(status=Initiative.Status.COMPLETED)
    client, _ = as_role("leader")

    form_page = page(client.get(url("work_edit", wp.pk)))
    assert f'<option value="{initiative.pk}" selected>' in form_page
    response = client.post(url("work_edit", wp.pk), work_data_from(wp, title="Follow-up e-mail"))

    assert response.status_code == 302
    wp.refresh_from_db()
    assert wp.title == "Follow-up e-mail"
    assert wp.initiative_id == initiative.pk
    # New work is still offered only the initiatives that are open.
    assert str(initiative.pk) not in page(client.get(url("work_create")))


def test_editing_an_initiative_keeps_its_achieved_objective(as_role, objs):
    objective, initiative = objs.objective, objs.initiative
    StrategicObjective.objects.filter(pk=objective.pk).update(
        status=StrategicObjective.Status.ACHIEVED
    )
    client, _ = as_role("leader")

    form_page = page(client.get(url("initiative_edit", initiative.pk)))
    assert f'<option value="{objective.pk}" selected>' in form_page
    response = client.post(
        url("initiative_edit", initiative.pk),
        initiative_data(objective, title="Guided onboarding, phase 2", start_date="", end_date=""),
    )

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Guided onboarding, phase 2"
    assert initiative.strategic_objective_id == objective.pk


@pytest.mark.django_db
def test_an_empty_post_shows_required_errors_and_writes_nothing(client_for, team_lead):
    response = client_for(team_lead).post("/work/new/", {})
    assert response.status_code == 200
    assert 'id="id_title_error"' in response.content.decode()
    assert "This field is required." in response.content.decode()
    assert not WorkPackage.objects.exists()
