"""The OKR and KPI pages through the Django test client, on the real database.

Who may see and write what, tenancy (another organization's ids are 404s), errors shown beside
their field with nothing written, the happy paths, and query counts pinned at 1 and at 50 rows.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html import unescape
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from core.tests.factories import TeamFactory
from okrs.models import (
    CheckIn,
    Contribution,
    Cycle,
    KeyResult,
    Objective,
    OutcomeMeasure,
    OutcomeMeasureValue,
)
from okrs.tests.factories import (
    CheckInFactory,
    CycleFactory,
    KeyResultFactory,
    ObjectiveFactory,
    OutcomeMeasureFactory,
    OutcomeMeasureValueFactory,
)
from planning.tests.factories import StrategicObjectiveFactory, WorkPackageFactory

pytestmark = pytest.mark.django_db

ALL_ROLES = ("admin", "leader", "team_lead", "member", "viewer")
INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."
CLOSED = "This cycle is closed: its OKRs are read-only."
MODELS = (Cycle, Objective, KeyResult, CheckIn, Contribution, OutcomeMeasure, OutcomeMeasureValue)

# Which fixture object each page's ids come from.
OBJECT_OF = {
    "cycle_board": ("cycle",),
    "cycle_edit": ("cycle",),
    "cycle_activate": ("cycle",),
    "cycle_close": ("cycle",),
    "objective_create": ("cycle",),
    "objective_detail": ("objective",),
    "objective_edit": ("objective",),
    "key_result_create": ("objective",),
    "key_result_edit": ("key_result",),
    "check_in": ("key_result",),
    "contribution_add": ("key_result",),
    "contribution_remove": ("key_result", "work_package"),
    "kpi_detail": ("kpi",),
    "kpi_edit": ("kpi",),
    "kpi_record_value": ("kpi",),
}


# --- helpers -------------------------------------------------------------------------------


def url(name: str, *args) -> str:
    return reverse(f"okrs:{name}", args=args)


def object_url(name: str, objs) -> str:
    return url(name, *(getattr(objs, attr).pk for attr in OBJECT_OF.get(name, ())))


def page(response) -> str:
    return unescape(response.content.decode())


def errors_beside(response, field: str) -> list[str]:
    """The error messages rendered inside a field's own block (components/field.html)."""
    pattern = rf'<p class="field__error" role="alert" id="id_{field}_error">(.*?)</p>'
    return [unescape(m) for m in re.findall(pattern, response.content.decode(), flags=re.S)]


def form_errors(response) -> str:
    match = re.search(
        r'<div class="form-errors" role="alert">(.*?)</div>', response.content.decode(), re.S
    )
    return unescape(match.group(1)) if match else ""


def state() -> tuple:
    """Every OKR and KPI row as the database holds it, to prove that nothing was written."""
    return tuple(list(m.objects.order_by("pk").values()) for m in MODELS)


def send(client, method: str, target: str, data: dict | None = None):
    if method == "get":
        return client.get(target)
    return client.post(target, data or {})


def objective_data(objs, **overrides) -> dict:
    data = {
        "level": "organization",
        "team": "",
        "statement": "Clinics in Austria choose us first",
        "description": "",
        "owner": "",
        "strategic_objective": str(objs.strategy.pk),
        "parent": "",
    }
    data.update(overrides)
    return data


def key_result_data(**overrides) -> dict:
    data = {
        "title": "Share of bookings made online",
        "metric_kind": "percentage",
        "unit": "",
        "start_value": "45",
        "target_value": "60",
        "direction": "increase",
        "weight": "1",
        "owner": "",
        "outcome_measure": "",
    }
    data.update(overrides)
    return data


def cycle_data(**overrides) -> dict:
    data = {
        "name": "Q1 2027",
        "start_date": "2027-01-01",
        "end_date": "2027-03-31",
        "status": "planning",
    }
    data.update(overrides)
    return data


def kpi_data(objs, **overrides) -> dict:
    data = {
        "strategic_objective": str(objs.strategy.pk),
        "name": "Calls per 100 appointments",
        "unit": "calls",
        "direction": "decrease",
        "target_value": "15",
        "target_date": "",
        "description": "",
    }
    data.update(overrides)
    return data


def valid_payload(name: str, objs) -> dict:
    """Input that would succeed for someone allowed to make it."""
    return {
        "cycle_create": cycle_data(),
        "cycle_edit": cycle_data(name="Renamed", start_date="2026-01-01", end_date="2030-01-01"),
        "cycle_close": {
            f"grade_{objs.objective.pk}": "0.7",
            f"note_{objs.objective.pk}": "Learned",
            f"grade_{objs.team_objective.pk}": "0.5",
            f"note_{objs.team_objective.pk}": "Learned",
            "next_cycle": "",
        },
        "objective_create": objective_data(objs),
        "objective_edit": objective_data(objs, statement="Renamed"),
        "key_result_create": key_result_data(),
        "key_result_edit": key_result_data(title="Renamed"),
        "check_in": {"value": "30", "confidence": "7", "note": "Moving"},
        "contribution_add": {"work_package": str(objs.work_package.pk)},
        "kpi_create": kpi_data(objs),
        "kpi_edit": kpi_data(objs, name="Renamed"),
        "kpi_record_value": {"observed_on": "2026-11-01", "value": "12", "note": ""},
        "objective_advice": {"statement": "Launch the app", "level": "organization"},
        "key_result_advice": {"title": "Publish 4 posts", "metric_kind": "number"},
    }.get(name, {})


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def objs(org, team, leader, team_lead, member):
    """A cycle with an organization objective and a team objective (the lead's team) beneath,
    a key result of each (the leader's, the member's), a KPI and a work package."""
    strategy = StrategicObjectiveFactory(
        organization=org, statement="Patients book without calling", owner=leader.user
    )
    cycle = CycleFactory(organization=org, name="Q4 2026")
    objective = ObjectiveFactory(
        cycle=cycle,
        strategic_objective=strategy,
        owner=leader.user,
        statement="Patients move appointments online",
    )
    team_objective = ObjectiveFactory(
        cycle=cycle,
        level="team",
        team=team,
        parent=objective,
        owner=team_lead.user,
        statement="Patients rebook a cancelled slot in a minute",
    )
    org_kr = KeyResultFactory(
        objective=objective,
        owner=leader.user,
        title="Calls per 100 appointments",
        start_value=40,
        target_value=20,
        direction="decrease",
    )
    key_result = KeyResultFactory(
        objective=team_objective,
        owner=member.user,
        title="Slots rebooked within a day",
        metric_kind="percentage",
        unit="%",
        start_value=20,
        target_value=45,
    )
    CheckInFactory(
        key_result=key_result,
        value=25,
        confidence=6,
        checked_in_at=timezone.now() - datetime.timedelta(days=8),
    )
    kpi = OutcomeMeasureFactory(strategic_objective=strategy, name="Share of bookings made online")
    OutcomeMeasureValueFactory(measure=kpi, value=53)
    work_package = WorkPackageFactory(team=team, owner=member.user, title="Slot picker")
    return SimpleNamespace(
        strategy=strategy,
        cycle=cycle,
        objective=objective,
        team_objective=team_objective,
        org_kr=org_kr,
        key_result=key_result,
        kpi=kpi,
        work_package=work_package,
    )


@pytest.fixture
def foreign(other_org, make_member):
    """Another organization's complete set, named so that a leak would be visible."""
    outsider = make_member(Role.LEADER, organization=other_org)
    team = TeamFactory(organization=other_org, name="Foreign squad")
    strategy = StrategicObjectiveFactory(organization=other_org, statement="Foreign strategy")
    cycle = CycleFactory(organization=other_org, name="Foreign cycle")
    objective = ObjectiveFactory(
        cycle=cycle, strategic_objective=strategy, statement="Foreign objective"
    )
    team_objective = ObjectiveFactory(
        cycle=cycle, level="team", team=team, parent=objective, statement="Foreign team objective"
    )
    key_result = KeyResultFactory(objective=objective, owner=outsider.user, title="Foreign KR")
    kpi = OutcomeMeasureFactory(strategic_objective=strategy, name="Foreign KPI")
    work_package = WorkPackageFactory(team=team, title="Foreign work")
    return SimpleNamespace(
        outsider=outsider,
        team=team,
        strategy=strategy,
        cycle=cycle,
        objective=objective,
        team_objective=team_objective,
        key_result=key_result,
        kpi=kpi,
        work_package=work_package,
    )


@pytest.fixture
def as_role(request, client_for):
    def sign_in(role: str):
        membership = request.getfixturevalue(role)
        return client_for(membership), membership

    return sign_in


# --- anonymous -----------------------------------------------------------------------------

PAGES = [
    "board",
    "my_check_ins",
    "cycle_board",
    "cycle_create",
    "cycle_edit",
    "cycle_close",
    "objective_create",
    "objective_detail",
    "objective_edit",
    "key_result_create",
    "key_result_edit",
    "check_in",
    "kpi_create",
    "kpi_detail",
    "kpi_edit",
]
POSTS = [
    "cycle_create",
    "cycle_edit",
    "cycle_activate",
    "cycle_close",
    "objective_create",
    "objective_edit",
    "objective_advice",
    "key_result_create",
    "key_result_edit",
    "key_result_advice",
    "check_in",
    "contribution_add",
    "contribution_remove",
    "kpi_create",
    "kpi_edit",
    "kpi_record_value",
]


@pytest.mark.parametrize(
    ("name", "method"), [*((n, "get") for n in PAGES), *((n, "post") for n in POSTS)]
)
def test_anonymous_people_are_sent_to_sign_in(client, objs, name, method):
    target = object_url(name, objs)
    before = state()
    response = send(client, method, target, valid_payload(name, objs))
    assert response.status_code == 302
    assert response.url == f"{reverse('core:login')}?next={target}"
    assert state() == before


# --- reading -------------------------------------------------------------------------------

READ_PAGES = {
    "board": lambda o: o.team_objective.statement,
    "cycle_board": lambda o: o.objective.statement,
    "objective_detail": lambda o: o.org_kr.title,
    "kpi_detail": lambda o: "53 %",
}


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("name", READ_PAGES)
def test_read_pages_render_for_every_role(as_role, objs, role, name):
    client, _ = as_role(role)
    response = client.get(object_url(name, objs))
    assert response.status_code == 200
    assert READ_PAGES[name](objs) in page(response)


def test_the_board_shows_the_cascade_with_progress_confidence_and_health(as_role, objs):
    client, _ = as_role("viewer")
    html = page(client.get(url("board")))
    assert "Q4 2026" in html
    assert objs.strategy.statement in html
    # The organization objective's card holds its team objective beneath.
    card = html[html.index(objs.objective.statement) :]
    assert objs.team_objective.statement in card
    assert 'aria-valuenow="20"' in html  # the team objective: 25 of 20 → 45 is 20 %
    assert "6/10" in re.sub(r"<[^>]+>", "", html)
    assert 'class="health health--' in html
    assert "Health compares progress with the share of the cycle" in html  # the rule, on hover
    # A viewer gets no buttons to write.
    assert url("objective_create", objs.cycle.pk) not in html
    assert url("cycle_close", objs.cycle.pk) not in html


def test_a_card_shows_the_first_team_objectives_and_counts_the_rest(as_role, objs, org):
    from okrs.selectors import BOARD_TEAM_OBJECTIVES

    extra = BOARD_TEAM_OBJECTIVES + 2  # with the fixture's own team objective: 3 beyond the cap
    for i in range(extra):
        ObjectiveFactory(
            cycle=objs.cycle,
            level="team",
            team=TeamFactory(organization=org),
            parent=objs.objective,
            statement=f"Cascaded {i:02d}",
        )
    client, _ = as_role("viewer")
    html = page(client.get(url("board")))
    card = html[html.index(objs.objective.statement) :]
    assert card.count('class="okr-child"') == BOARD_TEAM_OBJECTIVES
    assert "3 more team objectives" in card
    assert url("objective_detail", objs.objective.pk) in card


def test_the_objective_page_charts_each_key_result_with_a_text_equivalent(as_role, objs):
    client, _ = as_role("member")
    html = page(client.get(url("objective_detail", objs.team_objective.pk)))
    assert objs.key_result.title in html
    assert 'class="chart__svg"' in html
    assert 'class="chart__ideal"' in html
    assert f"Check-ins of “{objs.key_result.title}” against the ideal line" in html
    assert '<div class="sr-only"><table>' in html
    # The member owns it: a check-in button, but no editing of the objective.
    assert url("check_in", objs.key_result.pk) in html
    assert url("objective_edit", objs.team_objective.pk) not in html


def test_the_objective_page_gives_quality_advice(as_role, objs, team):
    objective = ObjectiveFactory(
        cycle=objs.cycle, level="team", team=team, statement="Implement the new CRM"
    )
    KeyResultFactory(
        objective=objective,
        title="Complete the CRM migration",
        metric_kind="boolean",
        start_value=0,
        target_value=1,
    )
    client, _ = as_role("viewer")
    html = page(client.get(url("objective_detail", objective.pk)))
    assert "This reads like a project (“implement”)" in html
    assert "not linked to strategy" in html
    assert "This reads like a task or an activity count (“complete”)" in html
    assert "A yes/no key result has no measurable target" in html
    assert "No owner: name the one person who checks in on it every week." in html


def test_my_check_ins_lists_what_the_member_owns_due_first(as_role, objs):
    client, _member = as_role("member")
    html = page(client.get(url("my_check_ins")))
    assert "Due this week" in html
    assert objs.key_result.title in html
    assert objs.org_kr.title not in html  # the leader's
    assert f"{url('check_in', objs.key_result.pk)}?next={url('my_check_ins')}" in html


def test_the_strategic_objective_page_shows_kpis_apart_from_okrs(as_role, objs):
    client, _ = as_role("viewer")
    html = page(client.get(reverse("planning:strategy_detail", args=[objs.strategy.pk])))
    assert "Outcome measures over time" in html
    assert objs.kpi.name in html
    assert 'class="sparkline"' in html
    assert "OKRs serving it · Q4 2026" in html
    assert objs.objective.statement in html
    assert objs.team_objective.statement in html  # through its parent


def test_the_work_package_page_names_the_key_results_it_feeds(as_role, objs):
    Contribution.objects.create(
        organization=objs.cycle.organization,
        key_result=objs.key_result,
        work_package=objs.work_package,
    )
    client, _ = as_role("viewer")
    html = page(client.get(reverse("planning:work_detail", args=[objs.work_package.pk])))
    assert "Key results it feeds" in html
    assert objs.key_result.title in html


def test_an_empty_organization_is_invited_to_open_a_cycle(as_role):
    client, _ = as_role("leader")
    html = page(client.get(url("board")))
    assert "No OKR cycle yet" in html
    assert url("cycle_create") in html


# --- who may write what --------------------------------------------------------------------

WRITES = [
    ("cycle_create", "get"),
    ("cycle_create", "post"),
    ("cycle_edit", "get"),
    ("cycle_edit", "post"),
    ("cycle_activate", "post"),
    ("cycle_close", "get"),
    ("cycle_close", "post"),
    ("objective_create", "get"),
    ("objective_create", "post"),
    ("objective_edit", "get"),
    ("objective_edit", "post"),
    ("key_result_create", "get"),
    ("key_result_create", "post"),
    ("key_result_edit", "get"),
    ("key_result_edit", "post"),
    ("check_in", "get"),
    ("check_in", "post"),
    ("contribution_add", "post"),
    ("contribution_remove", "post"),
    ("kpi_create", "get"),
    ("kpi_create", "post"),
    ("kpi_edit", "get"),
    ("kpi_edit", "post"),
    ("kpi_record_value", "post"),
]
LEADER_ONLY = [
    (n, m)
    for n, m in WRITES
    if n.startswith(("cycle_", "kpi_"))
    or n in ("objective_edit", "key_result_create", "key_result_edit")
]


@pytest.mark.parametrize(("name", "method"), WRITES)
def test_viewers_write_nothing(as_role, objs, name, method):
    client, _ = as_role("viewer")
    before = state()
    response = send(client, method, object_url(name, objs), valid_payload(name, objs))
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("role", ["team_lead", "member"])
@pytest.mark.parametrize(("name", "method"), LEADER_ONLY)
def test_cycles_kpis_and_organization_okrs_are_for_leaders(as_role, objs, role, name, method):
    """The fixture objective and key result are the organization's: leaders' to write."""
    client, _ = as_role(role)
    objs.key_result = objs.org_kr
    before = state()
    response = send(client, method, object_url(name, objs), valid_payload(name, objs))
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize(
    ("name", "method"), [("objective_create", "get"), ("objective_create", "post")]
)
def test_members_add_no_objectives(as_role, objs, name, method):
    client, _ = as_role("member")
    before = state()
    response = send(client, method, object_url(name, objs), objective_data(objs, level="team"))
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_checks_in_only_on_their_own_key_results(as_role, objs, method):
    client, _ = as_role("member")
    before = state()
    response = send(
        client, method, url("check_in", objs.org_kr.pk), valid_payload("check_in", objs)
    )
    assert response.status_code == 403
    assert state() == before


def test_a_team_lead_edits_their_teams_objective_and_its_key_results(
    as_role, objs, team, team_lead
):
    client, _ = as_role("team_lead")
    response = client.post(
        url("objective_edit", objs.team_objective.pk),
        objective_data(
            objs,
            level="team",
            team=str(team.pk),
            parent=str(objs.objective.pk),
            strategic_objective="",
            statement="Patients rebook in 30 seconds",
            owner=str(team_lead.user.pk),
        ),
    )
    assert response.status_code == 302
    objs.team_objective.refresh_from_db()
    assert (objs.team_objective.statement, objs.team_objective.version) == (
        "Patients rebook in 30 seconds",
        2,
    )
    response = client.post(
        url("key_result_edit", objs.key_result.pk),
        key_result_data(title="Rebooked within a day", start_value="20", target_value="50"),
    )
    assert response.status_code == 302
    objs.key_result.refresh_from_db()
    assert (objs.key_result.title, objs.key_result.target_value) == (
        "Rebooked within a day",
        Decimal(50),
    )


def test_a_team_lead_cannot_write_for_another_team(as_role, objs, other_team):
    theirs = ObjectiveFactory(
        cycle=objs.cycle, level="team", team=other_team, parent=objs.objective
    )
    client, _ = as_role("team_lead")
    before = state()
    assert client.get(url("objective_edit", theirs.pk)).status_code == 403
    response = client.post(
        url("objective_create", objs.cycle.pk),
        objective_data(objs, level="team", team=str(other_team.pk), strategic_objective=""),
    )
    assert response.status_code == 200
    assert errors_beside(response, "team") == ["Choose one of the teams you write objectives for."]
    assert state() == before


# --- tenancy -------------------------------------------------------------------------------

TENANT_REQUESTS = [
    *(
        (n, "get")
        for n in (
            "cycle_board",
            "cycle_edit",
            "cycle_close",
            "objective_create",
            "objective_detail",
            "objective_edit",
            "key_result_create",
            "key_result_edit",
            "check_in",
            "kpi_detail",
            "kpi_edit",
        )
    ),
    *(
        (n, "post")
        for n in (
            "cycle_edit",
            "cycle_activate",
            "cycle_close",
            "objective_create",
            "objective_edit",
            "key_result_create",
            "key_result_edit",
            "check_in",
            "contribution_add",
            "contribution_remove",
            "kpi_edit",
            "kpi_record_value",
        )
    ),
]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "method"), TENANT_REQUESTS)
def test_another_organizations_ids_are_not_found(as_role, objs, foreign, role, name, method):
    client, _ = as_role(role)
    before = state()
    response = send(client, method, object_url(name, foreign), valid_payload(name, objs))
    assert response.status_code == 404
    assert "Nothing here" in page(response)
    assert state() == before


def test_removing_another_organizations_work_package_is_not_found(as_role, objs, foreign):
    client, _ = as_role("leader")
    response = client.post(url("contribution_remove", objs.key_result.pk, foreign.work_package.pk))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["board", "my_check_ins"])
def test_lists_never_show_another_organizations_rows(as_role, objs, foreign, name):
    client, _ = as_role("leader")
    html = page(client.get(url(name)))
    assert "Foreign" not in html


@pytest.mark.parametrize(
    "name", ["objective_create", "key_result_create", "kpi_create", "objective_detail"]
)
def test_forms_offer_no_choices_from_another_organization(as_role, objs, foreign, name):
    client, _ = as_role("leader")
    html = page(client.get(object_url(name, objs)))
    for obj in (
        foreign.team,
        foreign.strategy,
        foreign.objective,
        foreign.kpi,
        foreign.outsider.user,
        foreign.work_package,
    ):
        assert str(obj.pk) not in html
    assert "Foreign" not in html


# --- bad input: beside the field, nothing written ------------------------------------------


def test_a_cycle_that_ends_before_it_starts(as_role, objs):
    client, _ = as_role("leader")
    before = state()
    response = client.post(
        url("cycle_create"), cycle_data(start_date="2027-03-31", end_date="2027-01-01")
    )
    assert response.status_code == 200
    assert errors_beside(response, "end_date") == ["The cycle must end after it starts."]
    assert state() == before


def test_an_organization_objective_without_a_strategic_objective(as_role, objs):
    client, _ = as_role("leader")
    before = state()
    response = client.post(
        url("objective_create", objs.cycle.pk), objective_data(objs, strategic_objective="")
    )
    assert response.status_code == 200
    assert errors_beside(response, "strategic_objective") == [
        "Choose the strategic objective it serves."
    ]
    # The advice says why, and would not have blocked saving on its own.
    assert "should say which strategic objective it serves" in page(response)
    assert state() == before


@pytest.mark.parametrize("where", ["another cycle", "another organization"])
def test_a_parent_objective_from_another_cycle_or_organization(as_role, objs, foreign, team, where):
    parent = (
        foreign.objective
        if where == "another organization"
        else ObjectiveFactory(
            cycle=CycleFactory(organization=objs.cycle.organization, name="Q3"),
            strategic_objective=objs.strategy,
        )
    )
    client, _ = as_role("leader")
    before = state()
    response = client.post(
        url("objective_create", objs.cycle.pk),
        objective_data(
            objs, level="team", team=str(team.pk), parent=str(parent.pk), strategic_objective=""
        ),
    )
    assert response.status_code == 200
    assert errors_beside(response, "parent") == ["Choose an organization objective of this cycle."]
    assert state() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"target_value": "45"}, "target_value", "The target must differ from the start value."),
        ({"start_value": "forty-five"}, "start_value", "Enter a number."),
        ({"target_value": "60%"}, "target_value", "Enter a number."),
        (
            {"direction": "decrease"},
            "direction",
            "The target is above the start: choose “increase”, or lower the target.",
        ),
        ({"metric_kind": "currency"}, "unit", "Name the currency, for example EUR."),
        ({"weight": "-2"}, "weight", "Ensure this value is greater than or equal to 0."),
        ({"title": ""}, "title", "This field is required."),
    ],
)
@pytest.mark.parametrize("editing", [False, True], ids=["create", "edit"])
def test_key_result_form_errors_beside_the_field(as_role, objs, overrides, field, message, editing):
    client, _ = as_role("leader")
    before = state()
    target = (
        url("key_result_edit", objs.org_kr.pk)
        if editing
        else url("key_result_create", objs.objective.pk)
    )
    response = client.post(target, key_result_data(**overrides))
    assert response.status_code == 200
    assert errors_beside(response, field) == [message]
    assert state() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"value": "about thirty", "confidence": "7"}, "value", "Enter a number."),
        ({"value": "", "confidence": "7"}, "value", "This field is required."),
        (
            {"value": "30", "confidence": "11"},
            "confidence",
            "Select a valid choice. 11 is not one of the available choices.",
        ),
    ],
)
def test_check_in_errors_beside_the_field(as_role, objs, data, field, message):
    client, _ = as_role("member")
    before = state()
    response = client.post(url("check_in", objs.key_result.pk), data)
    assert response.status_code == 200
    assert errors_beside(response, field) == [message]
    assert state() == before


def test_a_check_in_on_a_closed_cycle_is_refused_with_a_clear_error(as_role, objs):
    Cycle.objects.filter(pk=objs.cycle.pk).update(status="closed")
    client, _ = as_role("member")
    before = state()
    html = page(client.get(url("check_in", objs.key_result.pk)))
    assert "This cycle is closed: check-ins are read-only." in html
    assert 'name="value"' not in html
    response = client.post(url("check_in", objs.key_result.pk), {"value": "30", "confidence": "7"})
    assert response.status_code == 200
    assert form_errors(response).strip() == f"<p>{CLOSED}</p>"
    assert state() == before


def test_a_kpi_value_that_is_not_a_number(as_role, objs):
    client, _ = as_role("leader")
    before = state()
    response = client.post(
        url("kpi_record_value", objs.kpi.pk), {"observed_on": "2026-11-01", "value": "lots"}
    )
    assert response.status_code == 200
    assert errors_beside(response, "value") == ["Enter a number."]
    assert state() == before


def test_closing_without_grades_shows_each_missing_one(as_role, objs):
    client, _ = as_role("leader")
    before = state()
    response = client.post(url("cycle_close", objs.cycle.pk), {f"grade_{objs.objective.pk}": "1.5"})
    assert response.status_code == 200
    assert errors_beside(response, f"grade_{objs.objective.pk}") == [
        "Ensure this value is less than or equal to 1."
    ]
    assert errors_beside(response, f"note_{objs.objective.pk}") == ["This field is required."]
    assert errors_beside(response, f"grade_{objs.team_objective.pk}") == ["This field is required."]
    assert state() == before


@pytest.mark.parametrize(
    "name", ["objective_edit", "key_result_create", "key_result_edit", "cycle_edit", "cycle_close"]
)
def test_a_closed_cycle_is_read_only(as_role, objs, name):
    Cycle.objects.filter(pk=objs.cycle.pk).update(status="closed")
    objs.key_result = objs.org_kr
    client, _ = as_role("leader")
    before = state()
    assert client.get(object_url(name, objs)).status_code == 403
    assert client.post(object_url(name, objs), valid_payload(name, objs)).status_code == 403
    assert state() == before


# --- the happy paths -----------------------------------------------------------------------


def test_a_leader_opens_a_cycle_and_sets_an_objective_with_key_results(as_role, objs, member):
    client, leader = as_role("leader")
    response = client.post(url("cycle_create"), cycle_data())
    cycle = Cycle.objects.get(name="Q1 2027")
    assert response.status_code == 302
    assert response.url == url("cycle_board", cycle.pk)
    assert cycle.status == "planning"
    assert "No objectives in this cycle yet" in page(client.get(response.url))

    response = client.post(
        url("objective_create", cycle.pk), objective_data(objs, owner=str(leader.user.pk))
    )
    objective = Objective.objects.get(cycle=cycle)
    assert response.url == url("objective_detail", objective.pk)
    assert (objective.strategic_objective, objective.owner) == (objs.strategy, leader.user)
    assert "Now add two to five key results" in page(client.get(response.url))

    response = client.post(
        url("key_result_create", objective.pk),
        key_result_data(owner=str(member.user.pk), outcome_measure=str(objs.kpi.pk)),
    )
    kr = KeyResult.objects.get(objective=objective)
    assert response.url == f"{url('objective_detail', objective.pk)}#kr-{kr.pk}"
    assert (kr.unit, kr.start_value, kr.target_value, kr.owner, kr.outcome_measure) == (
        "%",
        Decimal(45),
        Decimal(60),
        member.user,
        objs.kpi,
    )

    response = client.post(url("cycle_activate", cycle.pk))
    assert response.status_code == 302
    assert Cycle.objects.get(pk=cycle.pk).status == "active"


def test_a_team_lead_cascades_a_team_objective_from_the_board(as_role, objs, team):
    client, _lead = as_role("team_lead")
    form = page(client.get(f"{url('objective_create', objs.cycle.pk)}?parent={objs.objective.pk}"))
    assert f'<option value="{objs.objective.pk}" selected>' in form
    assert f'<option value="{team.pk}" selected>' in form
    assert 'value="organization"' not in form  # a lead writes team objectives only
    response = client.post(
        url("objective_create", objs.cycle.pk),
        objective_data(
            objs,
            level="team",
            team=str(team.pk),
            parent=str(objs.objective.pk),
            strategic_objective="",
            statement="Clinics confirm slots in one click",
        ),
    )
    created = Objective.objects.get(statement="Clinics confirm slots in one click")
    assert response.url == url("objective_detail", created.pk)
    assert (created.level, created.team, created.parent) == ("team", team, objs.objective)


def test_a_weekly_check_in_moves_the_progress(as_role, objs):
    client, member = as_role("member")
    response = client.post(
        f"{url('check_in', objs.key_result.pk)}",
        {"value": "35", "confidence": "8", "note": "Slot picker live", "next": url("my_check_ins")},
        follow=True,
    )
    assert response.redirect_chain == [(url("my_check_ins"), 302)]
    html = page(response)
    assert f"Checked in: “{objs.key_result.title}” is at 60 % (35 %)." in html
    assert "Checked in this week" in html
    check_in = CheckIn.objects.latest("created_at")
    assert (check_in.value, check_in.confidence, check_in.note, check_in.author) == (
        Decimal(35),
        8,
        "Slot picker live",
        member.user,
    )


def test_a_check_in_refuses_an_outside_next_address(as_role, objs):
    client, _ = as_role("member")
    response = client.post(
        url("check_in", objs.key_result.pk),
        {"value": "30", "confidence": "5", "next": "https://evil.example/"},
    )
    assert (
        response.url == f"{url('objective_detail', objs.team_objective.pk)}#kr-{objs.key_result.pk}"
    )


def test_a_yes_no_check_in_asks_yes_or_no(as_role, objs, member):
    kr = KeyResultFactory(
        objective=objs.team_objective,
        owner=member.user,
        metric_kind="boolean",
        start_value=0,
        target_value=1,
    )
    client, _ = as_role("member")
    html = page(client.get(url("check_in", kr.pk)))
    assert "Reached?" in html
    assert 'type="radio"' in html
    client.post(url("check_in", kr.pk), {"value": "1", "confidence": "9"})
    assert CheckIn.objects.get(key_result=kr).value == 1


def test_linking_and_unlinking_work_that_feeds_a_key_result(as_role, objs):
    client, _ = as_role("member")
    client.post(
        url("contribution_add", objs.key_result.pk), {"work_package": str(objs.work_package.pk)}
    )
    assert list(objs.key_result.work_packages.all()) == [objs.work_package]
    html = page(client.get(url("objective_detail", objs.team_objective.pk)))
    assert "“Slot picker” now feeds this key result." in html
    client.post(url("contribution_remove", objs.key_result.pk, objs.work_package.pk))
    assert not Contribution.objects.exists()


def test_grading_and_closing_a_cycle_carries_unfinished_results_over(as_role, objs):
    following = CycleFactory(
        organization=objs.cycle.organization,
        name="Q1 2027",
        start_date=objs.cycle.end_date + datetime.timedelta(days=1),
        end_date=objs.cycle.end_date + datetime.timedelta(days=90),
        status="planning",
    )
    client, _ = as_role("leader")
    form = page(client.get(url("cycle_close", objs.cycle.pk)))
    assert f'name="carry_{objs.key_result.pk}"' in form
    assert 'value="0.2"' in form  # the suggested grade: the team objective's progress
    response = client.post(
        url("cycle_close", objs.cycle.pk),
        {
            f"grade_{objs.objective.pk}": "0.6",
            f"note_{objs.objective.pk}": "Calls fell late.",
            f"grade_{objs.team_objective.pk}": "0.3",
            f"note_{objs.team_objective.pk}": "Slot picker shipped late.",
            f"carry_{objs.key_result.pk}": "on",
            "next_cycle": str(following.pk),
        },
    )
    assert response.status_code == 302
    assert response.url == url("cycle_board", objs.cycle.pk)
    objs.cycle.refresh_from_db()
    assert objs.cycle.status == "closed"
    assert Objective.objects.get(pk=objs.objective.pk).grade == Decimal("0.60")
    copy = KeyResult.objects.get(objective__cycle=following)
    assert (copy.carried_from, copy.start_value) == (objs.key_result, Decimal(25))
    html = page(client.get(response.url))
    assert "is closed and graded. 1 key result carried over." in html
    assert "Grade 0.6" in html
    assert url("objective_create", objs.cycle.pk) not in html


def test_a_leader_defines_a_kpi_and_records_a_value(as_role, objs):
    client, _ = as_role("leader")
    response = client.post(url("kpi_create"), kpi_data(objs))
    measure = OutcomeMeasure.objects.get(name="Calls per 100 appointments")
    assert response.url == url("kpi_detail", measure.pk)
    response = client.post(
        url("kpi_record_value", measure.pk),
        {"observed_on": "2026-11-01", "value": "29", "note": "From the phone system"},
        follow=True,
    )
    assert "Value recorded." in page(response)
    value = OutcomeMeasureValue.objects.get(measure=measure)
    assert (value.value, value.source, value.observed_on) == (
        Decimal(29),
        "page",
        datetime.date(2026, 11, 1),
    )
    assert "Calls per 100 appointments over time" in page(response)


def test_the_editor_gives_advice_as_people_type_and_writes_nothing(as_role, objs):
    client, _ = as_role("team_lead")
    before = state()
    response = client.post(
        url("objective_advice"),
        {"statement": "Roll out the new CRM", "level": "team"},
        HTTP_HX_REQUEST="true",
    )
    html = page(response)
    assert response.status_code == 200
    assert "This reads like a project (“roll out”)" in html
    assert "not linked to strategy" in html
    assert "<html" not in html  # a partial
    response = client.post(
        url("key_result_advice"),
        {"title": "Hold 10 webinars", "metric_kind": "number", "owner": ""},
    )
    assert "(“10 webinars, hold”)" in page(response)
    assert "No owner" in page(response)
    assert client.post(url("objective_advice"), {"statement": ""}).content.strip() == b""
    assert state() == before


def test_live_advice_on_an_edited_objective_counts_its_key_results(as_role, objs, foreign):
    for _i in range(5):
        KeyResultFactory(objective=objs.objective)
    client, _ = as_role("leader")
    target = f"{url('objective_advice')}?objective={objs.objective.pk}"
    html = page(
        client.post(
            target,
            {
                "statement": objs.objective.statement,
                "level": "organization",
                "strategic_objective": str(objs.strategy.pk),
            },
        )
    )
    assert "6 key results: more than 5 dilutes focus." in html
    for junk in (foreign.objective.pk, "not-an-id"):
        response = client.post(f"{url('objective_advice')}?objective={junk}", {"statement": "x"})
        assert response.status_code == 404


def test_the_objective_editor_wires_its_live_advice(as_role, objs):
    client, _ = as_role("leader")
    html = page(client.get(url("objective_edit", objs.objective.pk)))
    assert f'hx-post="{url("objective_advice")}?objective={objs.objective.pk}"' in html
    assert 'id="live-advice"' in html


def test_advice_never_blocks_saving(as_role, objs):
    client, _ = as_role("leader")
    response = client.post(
        url("objective_create", objs.cycle.pk),
        objective_data(objs, statement="Launch the mobile app"),
    )
    assert response.status_code == 302
    assert "This reads like a project (“launch”)" in page(client.get(response.url))


# --- query counts --------------------------------------------------------------------------
# Each page is built at 1 and at 50 rows, every row with its own owner, team and links, so a
# lookup per row would show up as a different count.


def _person(make_member, role=Role.MEMBER, teams=()):
    return make_member(role, teams=teams).user


def build_board(n, *, org, cycle, make_member, **_):
    for i in range(n):
        strategy = StrategicObjectiveFactory(organization=org, priority=i + 1)
        parent = ObjectiveFactory(
            cycle=cycle, strategic_objective=strategy, owner=_person(make_member, Role.LEADER)
        )
        check_in(KeyResultFactory(objective=parent))
        team = TeamFactory(organization=org)
        child = ObjectiveFactory(
            cycle=cycle, level="team", team=team, parent=parent, owner=_person(make_member)
        )
        check_in(KeyResultFactory(objective=child))
    loose = ObjectiveFactory(cycle=cycle, level="team", team=TeamFactory(organization=org))
    KeyResultFactory(objective=loose)
    return url("cycle_board", cycle.pk), 'class="okr-card__statement"'


def check_in(kr, days_ago=3):
    CheckInFactory(key_result=kr, checked_in_at=timezone.now() - datetime.timedelta(days=days_ago))
    CheckInFactory(
        key_result=kr,
        value=20,
        checked_in_at=timezone.now() - datetime.timedelta(days=days_ago + 7),
    )


def build_objective_detail(n, *, org, cycle, make_member, **_):
    objective = ObjectiveFactory(cycle=cycle, owner=_person(make_member, Role.LEADER))
    kpi = OutcomeMeasureFactory(strategic_objective=objective.strategic_objective)
    for _i in range(n):
        kr = KeyResultFactory(objective=objective, owner=_person(make_member), outcome_measure=kpi)
        check_in(kr)
        work = WorkPackageFactory(team=TeamFactory(organization=org), owner=_person(make_member))
        Contribution.objects.create(organization=org, key_result=kr, work_package=work)
        ObjectiveFactory(
            cycle=cycle, level="team", team=TeamFactory(organization=org), parent=objective
        )
    return url("objective_detail", objective.pk), 'class="kr__title"'


def build_my_check_ins(n, *, org, cycle, make_member, me, **_):
    for i in range(n):
        objective = ObjectiveFactory(cycle=cycle, owner=_person(make_member, Role.LEADER))
        kr = KeyResultFactory(objective=objective, owner=me)
        if i % 2:
            check_in(kr, days_ago=1 if i % 4 == 1 else 10)
    return url("my_check_ins"), 'class="kr-item__title"'


def build_cycle_close(n, *, org, cycle, make_member, **_):
    for _i in range(n):
        objective = ObjectiveFactory(
            cycle=cycle,
            level="team",
            team=TeamFactory(organization=org),
            owner=_person(make_member),
        )
        check_in(KeyResultFactory(objective=objective))
    return url("cycle_close", cycle.pk), 'class="okr-close__row"'


def build_kpi_detail(n, *, org, cycle, make_member, **_):
    kpi = OutcomeMeasureFactory(strategic_objective=StrategicObjectiveFactory(organization=org))
    for i in range(n):
        OutcomeMeasureValueFactory(
            measure=kpi, observed_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=7 * i)
        )
        KeyResultFactory(
            objective=ObjectiveFactory(cycle=cycle), outcome_measure=kpi, owner=_person(make_member)
        )
    return url("kpi_detail", kpi.pk), '<td data-label="Observed">'


def build_strategy_detail(n, *, org, cycle, make_member, **_):
    strategy = StrategicObjectiveFactory(organization=org)
    for _i in range(n):
        kpi = OutcomeMeasureFactory(strategic_objective=strategy)
        OutcomeMeasureValueFactory(measure=kpi, observed_on=datetime.date(2026, 1, 1))
        OutcomeMeasureValueFactory(measure=kpi, observed_on=datetime.date(2026, 2, 1), value=105)
        parent = ObjectiveFactory(
            cycle=cycle, strategic_objective=strategy, owner=_person(make_member)
        )
        check_in(KeyResultFactory(objective=parent))
        ObjectiveFactory(
            cycle=cycle, level="team", team=TeamFactory(organization=org), parent=parent
        )
    return reverse("planning:strategy_detail", args=[strategy.pk]), 'class="kpi__name"'


def build_work_detail(n, *, org, cycle, make_member, **_):
    work = WorkPackageFactory(team=TeamFactory(organization=org))
    for _i in range(n):
        kr = KeyResultFactory(objective=ObjectiveFactory(cycle=cycle))
        Contribution.objects.create(organization=org, key_result=kr, work_package=work)
    return reverse("planning:work_detail", args=[work.pk]), 'href="/okrs/objectives/'


def build_objective_create(n, *, org, cycle, make_member, **_):
    for _i in range(n):
        ObjectiveFactory(cycle=cycle, owner=_person(make_member))
    return url("objective_create", cycle.pk), "<option value="


def build_key_result_create(n, *, org, cycle, make_member, **_):
    objective = ObjectiveFactory(cycle=cycle)
    for _i in range(n):
        OutcomeMeasureFactory(strategic_objective=StrategicObjectiveFactory(organization=org))
        _person(make_member)
    return url("key_result_create", objective.pk), "<option value="


def build_check_in(n, *, org, cycle, make_member, me, **_):
    kr = KeyResultFactory(objective=ObjectiveFactory(cycle=cycle), owner=me)
    for _i in range(n):
        check_in(kr)
    return url("check_in", kr.pk), 'name="value"'


def build_objective_edit(n, *, org, cycle, make_member, **_):
    build_objective_create(n, org=org, cycle=cycle, make_member=make_member)
    objective = ObjectiveFactory(
        cycle=cycle, level="team", team=TeamFactory(organization=org), owner=_person(make_member)
    )
    return url("objective_edit", objective.pk), "<option value="


def build_key_result_edit(n, *, org, cycle, make_member, **_):
    _target, marker = build_key_result_create(n, org=org, cycle=cycle, make_member=make_member)
    kr = KeyResultFactory(objective=ObjectiveFactory(cycle=cycle), owner=_person(make_member))
    return url("key_result_edit", kr.pk), marker


def build_cycle_create(n, *, org, **_):
    for i in range(n):
        CycleFactory(organization=org, name=f"Old {i}", status="closed")
    return url("cycle_create"), 'name="start_date"'


def build_cycle_edit(n, *, org, cycle, **_):
    build_cycle_create(n, org=org)
    return url("cycle_edit", cycle.pk), 'name="start_date"'


def build_kpi_create(n, *, org, **_):
    for _i in range(n):
        StrategicObjectiveFactory(organization=org)
    return url("kpi_create"), "<option value="


def build_kpi_edit(n, *, org, **_):
    build_kpi_create(n, org=org)
    kpi = OutcomeMeasureFactory(strategic_objective=StrategicObjectiveFactory(organization=org))
    return url("kpi_edit", kpi.pk), "<option value="


QUERY_PAGES = {
    # page: (builder, signed-in role, queries whatever the number of rows)
    "board": (build_board, "leader", 8),
    "objective_detail": (build_objective_detail, "leader", 10),
    "my_check_ins": (build_my_check_ins, "member", 5),
    "cycle_close": (build_cycle_close, "leader", 9),
    "kpi_detail": (build_kpi_detail, "leader", 7),
    "strategy_detail": (build_strategy_detail, "leader", 12),
    "work_detail": (build_work_detail, "leader", 12),
    "objective_create": (build_objective_create, "leader", 9),
    "key_result_create": (build_key_result_create, "leader", 7),
    "check_in": (build_check_in, "member", 5),
    "objective_edit": (build_objective_edit, "leader", 9),
    "key_result_edit": (build_key_result_edit, "leader", 7),
    "cycle_create": (build_cycle_create, "leader", 4),
    "cycle_edit": (build_cycle_edit, "leader", 5),
    "kpi_create": (build_kpi_create, "leader", 5),
    "kpi_edit": (build_kpi_edit, "leader", 7),
}
ROW_COUNTED = {
    "board",
    "objective_detail",
    "my_check_ins",
    "cycle_close",
    "kpi_detail",
    "strategy_detail",
}


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("name", QUERY_PAGES)
def test_page_query_count_does_not_grow_with_rows(
    django_assert_num_queries, as_role, org, make_member, name, rows
):
    builder, role, expected = QUERY_PAGES[name]
    client, membership = as_role(role)
    cycle = CycleFactory(organization=org)
    target, row_marker = builder(
        rows, org=org, cycle=cycle, make_member=make_member, me=membership.user
    )

    with django_assert_num_queries(expected):
        response = client.get(target)

    assert response.status_code == 200
    html = page(response)
    if name in ROW_COUNTED:
        assert html.count(row_marker) == rows
    else:
        assert row_marker in html
