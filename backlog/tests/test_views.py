"""The backlog, sprint and idea pages through the Django test client, on the real database.

Who may see and write what, tenancy (another organization's ids are 404s), errors shown beside
their field with nothing written, the happy paths, and query counts pinned at 1 and at 30 rows.
"""

from __future__ import annotations

import datetime
import re
from html import unescape
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from backlog import services
from backlog.models import (
    CapacityPolicy,
    Idea,
    RankChange,
    ScoringModel,
    Sprint,
    SprintCommitment,
    WorkPackageScore,
)
from backlog.tests.factories import (
    IdeaFactory,
    SprintCommitmentFactory,
    SprintFactory,
    WorkPackageScoreFactory,
)
from core.models import Role
from core.tests.factories import TeamFactory
from planning.models import WorkPackage
from planning.tests.factories import (
    InitiativeFactory,
    StrategicObjectiveFactory,
    WorkPackageFactory,
)

pytestmark = pytest.mark.django_db

S = WorkPackage.Status
ALL_ROLES = ("admin", "leader", "team_lead", "member", "viewer")
MANAGERS = ("admin", "leader", "team_lead")
REQUIRED = "This field is required."
INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."
START = datetime.date(2026, 3, 2)


# --- helpers -------------------------------------------------------------------------------


def url(name: str, *args) -> str:
    return reverse(f"backlog:{name}", args=args)


def page(response) -> str:
    return unescape(response.content.decode())


def errors_beside(response, field: str) -> list[str]:
    """The error messages rendered inside a field's own block (components/field.html)."""
    pattern = rf'<p class="field__error" role="alert" id="id_{field}_error">(.*?)</p>'
    return [unescape(m) for m in re.findall(pattern, response.content.decode(), flags=re.S)]


def send(client, method: str, target: str, data: dict | None = None):
    if method == "get":
        return client.get(target)
    return client.post(target, data or {})


def table(model) -> list[dict]:
    return sorted(model.objects.values(), key=lambda row: str(row["id"]))


def state() -> tuple:
    """Every row a backlog page could write, to prove that nothing was."""
    return tuple(
        table(model)
        for model in (
            ScoringModel,
            CapacityPolicy,
            WorkPackageScore,
            RankChange,
            Sprint,
            SprintCommitment,
            Idea,
            WorkPackage,
        )
    )


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def objs(org, team, member, team_lead):
    """Growth's strategy-linked ready work, an open sprint and two ideas."""
    objective = StrategicObjectiveFactory(
        organization=org, priority=1, statement="Clinics self-serve"
    )
    initiative = InitiativeFactory(strategic_objective=objective, title="Self-serve onboarding")
    work = WorkPackageFactory(
        team=team,
        initiative=initiative,
        owner=member.user,
        ready=True,
        estimate=3,
        category="strategic",
        title="Onboarding checklist",
    )
    second = WorkPackageFactory(
        team=team,
        owner=member.user,
        ready=True,
        estimate=5,
        category="tactical",
        title="Fix export",
    )
    sprint = SprintFactory(
        team=team, name="Sprint 7", start_date=START, end_date=START + datetime.timedelta(days=13)
    )
    idea = IdeaFactory(
        team=team,
        proposer=member.user,
        strategic_objective=objective,
        title="Waitlist for full days",
        rationale="Patients stop calling when slots free up.",
    )
    shortlisted = IdeaFactory(
        team=team, proposer=member.user, title="Branded pages", status=Idea.Status.SHORTLISTED
    )
    return SimpleNamespace(
        objective=objective,
        initiative=initiative,
        work=work,
        second=second,
        sprint=sprint,
        idea=idea,
        shortlisted=shortlisted,
        team=team,
    )


@pytest.fixture
def as_role(request, client_for):
    def sign_in(role: str):
        membership = request.getfixturevalue(role)
        return client_for(membership), membership

    return sign_in


# Each request: (name, method, the fixture object its id comes from, a valid payload)
def requests_for(o) -> dict:
    week = {"start_date": "2026-04-06", "end_date": "2026-04-19"}
    return {
        "backlog_scoring": (o.team, {"preset": "wsjf", **{f: 1 for f in services.WEIGHT_FIELDS}}),
        "backlog_capacity": (
            o.team,
            {"split": "simple", "strategic_share": 60, "tactical_share": 40},
        ),
        "backlog_item": (o.work, {"category": "tactical", "estimate": "5", "impact": "4"}),
        "backlog_move": (o.second, {"direction": "up"}),
        "backlog_rank_reset": (o.work, {}),
        "sprint_edit": (o.sprint, {"name": "Renamed", "capacity_points": 30, **week}),
        "sprint_commit": (o.sprint, {"work_package": str(o.work.pk)}),
        "sprint_uncommit": (o.sprint, {"work_package": str(o.work.pk)}),
        "sprint_close": (o.sprint, {"note": "Done"}),
        "idea_edit": (o.idea, {"title": "Sharper", "rationale": "Because"}),
        "idea_shortlist": (o.idea, {}),
        "idea_reject": (o.idea, {"rejection_reason": "Not now"}),
        "idea_promote": (o.shortlisted, {"title": "Branded pages", "category": "strategic"}),
    }


MANAGER_PAGES = [
    ("backlog_scoring", "get"),
    ("backlog_scoring", "post"),
    ("backlog_capacity", "get"),
    ("backlog_capacity", "post"),
    ("backlog_item", "get"),
    ("backlog_item", "post"),
    ("backlog_move", "post"),
    ("backlog_rank_reset", "post"),
    ("sprint_edit", "get"),
    ("sprint_edit", "post"),
    ("sprint_commit", "post"),
    ("sprint_uncommit", "post"),
    ("sprint_close", "get"),
    ("sprint_close", "post"),
    ("idea_shortlist", "post"),
    ("idea_reject", "post"),
    ("idea_promote", "get"),
    ("idea_promote", "post"),
]


def target_of(name: str, o) -> tuple[str, dict]:
    obj, payload = requests_for(o)[name]
    return url(name, obj.pk), payload


# --- anonymous -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/backlog/", "/sprints/", "/sprints/new/", "/ideas/", "/ideas/new/"],
)
def test_anonymous_people_are_sent_to_sign_in_from_lists(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize(("name", "method"), MANAGER_PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, objs, name, method):
    target, payload = target_of(name, objs)
    before = state()
    response = send(client, method, target, payload)
    assert response.status_code == 302
    assert response.url == f"{reverse('core:login')}?next={target}"
    assert state() == before


# --- reading: every role -------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_the_backlog(as_role, objs, role):
    client, _ = as_role(role)
    html = page(client.get(f"{url('backlog')}?team={objs.team.pk}"))
    assert "Backlog" in html
    assert html.index(">Onboarding checklist</a>") < html.index(">Fix export</a>")  # linked first
    assert "Strategic" in html
    assert "Tactical" in html
    assert "fit 100 %" in html


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_sprints_and_ideas(as_role, objs, role):
    client, _ = as_role(role)
    assert "Sprint 7" in page(client.get(f"{url('sprint_list')}?team={objs.team.pk}"))
    assert "Split: actual vs target" in page(client.get(url("sprint_detail", objs.sprint.pk)))
    ideas = page(client.get(url("idea_list")))
    assert "Waitlist for full days" in ideas
    assert "Branded pages" in ideas
    detail = page(client.get(url("idea_detail", objs.idea.pk)))
    assert "Patients stop calling when slots free up." in detail


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_work_package_page_shows_its_backlog_panel(as_role, objs, role):
    client, _ = as_role(role)
    html = page(client.get(reverse("planning:work_detail", args=[objs.work.pk])))
    assert "#1 of 2" in html
    assert "never committed" in html


def test_a_person_without_a_team_opens_on_the_first_team_and_sees_all_teams_sprints(
    as_role, objs, other_team
):
    client, _ = as_role("leader")
    assert (
        'Backlog <span class="muted">· Growth</span>' in client.get(url("backlog")).content.decode()
    )
    html = page(client.get(url("sprint_list")))
    assert "all teams" in html
    assert "Growth" in html
    assert "Platform" in html


def test_a_team_member_opens_on_their_own_team(as_role, objs, other_team, make_member):
    platform_member = make_member(Role.MEMBER, teams=[other_team])
    from django.test import Client

    client = Client()
    client.force_login(platform_member.user)
    assert "· Platform" in page(client.get(url("backlog")))
    assert "· Platform" in page(client.get(url("sprint_list")))


# --- writing: roles ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "viewer", "other_lead"])
@pytest.mark.parametrize(("name", "method"), MANAGER_PAGES)
def test_only_the_teams_lead_and_leaders_manage_its_backlog(as_role, objs, role, name, method):
    client, _ = as_role(role)
    target, payload = target_of(name, objs)
    before = state()
    response = send(client, method, target, payload)
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("role", ["member", "viewer", "other_lead"])
def test_only_the_teams_lead_and_leaders_plan_its_sprints(as_role, objs, role):
    client, _ = as_role(role)
    target = f"{url('sprint_create')}?team={objs.team.pk}"
    before = state()
    assert client.get(target).status_code == 403
    response = client.post(
        target,
        {"name": "S", "start_date": "2026-05-04", "end_date": "2026-05-17", "capacity_points": 9},
    )
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("role", MANAGERS)
@pytest.mark.parametrize(
    "name",
    [
        "backlog_scoring",
        "backlog_capacity",
        "backlog_item",
        "sprint_edit",
        "sprint_close",
        "idea_promote",
    ],
)
def test_managers_open_the_forms(as_role, objs, role, name):
    client, _ = as_role(role)
    target, _ = target_of(name, objs)
    assert client.get(target).status_code == 200


def test_the_backlog_offers_ranking_only_to_those_who_may(as_role, objs):
    lead, _ = as_role("team_lead")
    assert f'action="{url("backlog_move", objs.work.pk)}"' in page(
        lead.get(f"{url('backlog')}?team={objs.team.pk}")
    )
    member, _ = as_role("member")
    assert f'action="{url("backlog_move", objs.work.pk)}"' not in page(
        member.get(f"{url('backlog')}?team={objs.team.pk}")
    )


def test_viewers_do_not_propose_ideas(as_role, objs):
    client, _ = as_role("viewer")
    before = state()
    assert client.get(url("idea_create")).status_code == 403
    response = client.post(
        url("idea_create"), {"title": "X", "team": str(objs.team.pk), "rationale": "Y"}
    )
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("role", ["member", "team_lead", "leader"])
def test_anyone_who_writes_proposes_an_idea(as_role, objs, role):
    client, membership = as_role(role)
    response = client.post(
        url("idea_create"),
        {
            "title": "Reminders by WhatsApp",
            "team": str(objs.team.pk),
            "strategic_objective": str(objs.objective.pk),
            "rationale": "  Patients read WhatsApp, not e-mail.  ",
            "description": "",
        },
    )
    idea = Idea.objects.get(title="Reminders by WhatsApp")
    assert response.status_code == 302
    assert response.url == url("idea_detail", idea.pk)
    assert (idea.proposer, idea.team, idea.strategic_objective) == (
        membership.user,
        objs.team,
        objs.objective,
    )
    assert idea.rationale == "Patients read WhatsApp, not e-mail."
    assert idea.status == "new"


# --- tenancy -------------------------------------------------------------------------------


def foreign_requests(f) -> list[tuple[str, str, str, dict]]:
    """Every page, aimed at another organization's objects."""
    o = SimpleNamespace(
        team=f.team,
        work=f.work,
        second=f.work,
        sprint=f.sprint,
        idea=f.idea,
        shortlisted=f.idea,
    )
    rows = []
    for name, method in MANAGER_PAGES:
        target, payload = target_of(name, o)
        rows.append((name, method, target, payload))
    for name in ("sprint_detail", "idea_detail"):
        obj = f.sprint if name.startswith("sprint") else f.idea
        rows.append((name, "get", url(name, obj.pk), {}))
    rows.append(("idea_edit", "get", url("idea_edit", f.idea.pk), {}))
    rows.append(
        ("idea_edit", "post", url("idea_edit", f.idea.pk), {"title": "Hijack", "rationale": "x"})
    )
    for name in ("backlog", "sprint_list", "idea_list", "sprint_create"):
        rows.append((name, "get", f"{url(name)}?team={f.team.pk}", {}))
    rows.append(
        (
            "sprint_create",
            "post",
            f"{url('sprint_create')}?team={f.team.pk}",
            {
                "name": "X",
                "start_date": "2026-05-04",
                "end_date": "2026-05-17",
                "capacity_points": 5,
            },
        )
    )
    return rows


TENANT_CASES = [
    *[(name, method) for name, method in MANAGER_PAGES],
    ("sprint_detail", "get"),
    ("idea_detail", "get"),
    ("idea_edit", "get"),
    ("idea_edit", "post"),
    ("backlog", "get"),
    ("sprint_list", "get"),
    ("idea_list", "get"),
    ("sprint_create", "get"),
    ("sprint_create", "post"),
]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "method"), TENANT_CASES)
def test_another_organizations_ids_are_not_found(as_role, objs, foreign, role, name, method):
    client, _ = as_role(role)
    target, payload = next(
        (t, p) for n, m, t, p in foreign_requests(foreign) if (n, m) == (name, method)
    )
    before = state()
    response = send(client, method, target, payload)
    assert response.status_code == 404
    assert "Nothing here" in page(response)
    assert state() == before


@pytest.mark.parametrize("name", ["backlog", "sprint_list", "idea_list"])
def test_lists_never_show_another_organizations_rows(as_role, objs, foreign, name):
    client, _ = as_role("leader")
    for query in ("", "?team=all"):
        html = page(client.get(url(name) + query))
        assert "Foreign" not in html
        for obj in (foreign.team, foreign.work, foreign.sprint, foreign.idea):
            assert str(obj.pk) not in html


def test_forms_offer_no_choices_from_another_organization(as_role, objs, foreign):
    client, _ = as_role("leader")
    pages = [
        url("idea_create"),
        url("idea_promote", objs.shortlisted.pk),
        url("sprint_detail", objs.sprint.pk),
    ]
    for target in pages:
        html = page(client.get(target))
        assert "Foreign" not in html
        for obj in (foreign.team, foreign.objective, foreign.work):
            assert str(obj.pk) not in html


def test_committing_another_organizations_work_is_an_invalid_choice(as_role, objs, foreign):
    client, _ = as_role("team_lead")
    before = state()
    response = client.post(
        url("sprint_commit", objs.sprint.pk), {"work_package": str(foreign.work.pk)}
    )
    assert response.status_code == 200
    assert errors_beside(response, "work_package") == [INVALID_CHOICE]
    assert state() == before


def test_taking_out_another_organizations_work_is_not_found(as_role, objs, foreign):
    client, _ = as_role("team_lead")
    response = client.post(
        url("sprint_uncommit", objs.sprint.pk), {"work_package": str(foreign.work.pk)}
    )
    assert response.status_code == 404


# --- bad input: beside the field, nothing written ------------------------------------------


def weights(**overrides) -> dict:
    data = {"preset": "weighted", **{f: 1 for f in services.WEIGHT_FIELDS}}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (weights(impact_weight="-1"), "impact_weight", "A weight cannot be negative."),
        (weights(risk_weight="12"), "risk_weight", "Give a weight from 0 to 10."),
        (
            weights(**{f: "0" for f in services.WEIGHT_FIELDS}),
            "impact_weight",
            "All weights are zero: give at least one criterion a weight.",
        ),
        (weights(urgency_weight="lots"), "urgency_weight", "Enter a whole number."),
        (weights(urgency_weight=""), "urgency_weight", REQUIRED),
        (
            weights(preset="moscow"),
            "preset",
            "Select a valid choice. moscow is not one of the available choices.",
        ),
    ],
)
def test_scoring_form_shows_errors_beside_the_field(as_role, objs, data, field, message):
    client, _ = as_role("team_lead")
    before = state()
    response = client.post(url("backlog_scoring", objs.team.pk), data)
    assert response.status_code == 200
    assert errors_beside(response, field) == [message]
    assert state() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"split": "simple", "strategic_share": "70", "tactical_share": "20"},
            "strategic_share",
            "The shares add up to 90 %; they must add up to 100 %.",
        ),
        (
            {
                "split": "detailed",
                "strategic_share": "50",
                "tactical_share": "20",
                "urgent_share": "20",
                "experimentation_share": "20",
                "maintenance_share": "0",
            },
            "strategic_share",
            "The shares add up to 110 %; they must add up to 100 %.",
        ),
        (
            {"split": "simple", "strategic_share": "110", "tactical_share": "-10"},
            "tactical_share",
            "A share cannot be negative.",
        ),
        (
            {"split": "simple", "strategic_share": "", "tactical_share": "30"},
            "strategic_share",
            REQUIRED,
        ),
    ],
)
def test_capacity_form_shows_errors_beside_the_field(as_role, objs, data, field, message):
    client, _ = as_role("team_lead")
    before = state()
    response = client.post(url("backlog_capacity", objs.team.pk), data)
    assert response.status_code == 200
    assert errors_beside(response, field) == [message]
    assert state() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"estimate": "-2"}, "estimate", "An estimate cannot be negative."),
        ({"estimate": "two"}, "estimate", "Enter a whole number."),
        ({"confidence": "150"}, "confidence", "Give confidence from 0 to 100 %."),
        ({"reach": "-5"}, "reach", "Reach cannot be negative."),
        (
            {"impact": "9"},
            "impact",
            "Select a valid choice. 9 is not one of the available choices.",
        ),
    ],
)
def test_scoring_an_item_shows_errors_beside_the_field(as_role, objs, data, field, message):
    client, _ = as_role("team_lead")
    before = state()
    response = client.post(
        url("backlog_item", objs.work.pk), {"category": "tactical", "impact": "3", **data}
    )
    assert response.status_code == 200
    assert errors_beside(response, field) == [message]
    assert state() == before


def sprint_data(**overrides) -> dict:
    data = {
        "name": "Sprint 8",
        "goal": "",
        "start_date": "2026-03-16",
        "end_date": "2026-03-29",
        "capacity_points": "20",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            sprint_data(start_date="2026-04-10", end_date="2026-04-01"),
            "end_date",
            "A sprint cannot end before it starts.",
        ),
        (
            sprint_data(capacity_points="0"),
            "capacity_points",
            "Give the capacity in points, at least 1.",
        ),
        (
            sprint_data(capacity_points="-3"),
            "capacity_points",
            "Give the capacity in points, at least 1.",
        ),
        (sprint_data(name=""), "name", REQUIRED),
        (sprint_data(start_date="soon"), "start_date", "Enter a valid date."),
        (
            sprint_data(start_date="2026-03-09", end_date="2026-03-20"),
            "start_date",
            "It overlaps Sprint 7 (02 Mar – 15 Mar 2026): a team runs one sprint at a time.",
        ),
    ],
)
@pytest.mark.parametrize("editing", [False, True], ids=["create", "edit"])
def test_sprint_form_shows_errors_beside_the_field(as_role, objs, data, field, message, editing):
    client, _ = as_role("team_lead")
    if editing:
        # Edit a second sprint, so the overlap is with Sprint 7.
        later = SprintFactory(
            team=objs.team,
            name="Sprint 9",
            start_date=datetime.date(2026, 6, 1),
            end_date=datetime.date(2026, 6, 14),
        )
        target = url("sprint_edit", later.pk)
    else:
        target = f"{url('sprint_create')}?team={objs.team.pk}"
    before = state()
    response = client.post(target, data)
    assert response.status_code == 200
    assert errors_beside(response, field) == [message]
    assert state() == before


def test_committing_an_intention_or_another_teams_work_is_refused_beside_the_field(
    as_role, objs, other_team, member
):
    client, _ = as_role("team_lead")
    intention = WorkPackageFactory(team=objs.team, estimate=2, title="Just an idea")
    theirs = WorkPackageFactory(
        team=other_team, owner=member.user, ready=True, estimate=2, title="Platform's work"
    )
    before = state()
    response = client.post(
        url("sprint_commit", objs.sprint.pk), {"work_package": str(intention.pk)}
    )
    assert response.status_code == 200
    assert errors_beside(response, "work_package") == [
        "“Just an idea” is still an intention (it needs owner, due date, success check "
        "(criterion and review date)): only ready work can be committed."
    ]
    response = client.post(url("sprint_commit", objs.sprint.pk), {"work_package": str(theirs.pk)})
    assert errors_beside(response, "work_package") == [
        "“Platform's work” is Platform's work: commit it to a Platform sprint."
    ]
    assert state() == before


def test_an_idea_without_a_rationale_is_refused_beside_the_field(as_role, objs):
    client, _ = as_role("member")
    before = state()
    response = client.post(
        url("idea_create"), {"title": "No why", "team": str(objs.team.pk), "rationale": "   "}
    )
    assert response.status_code == 200
    assert errors_beside(response, "rationale") == [REQUIRED]
    assert state() == before


def test_rejecting_without_a_reason_is_refused_beside_the_field(as_role, objs):
    client, _ = as_role("team_lead")
    before = state()
    response = client.post(url("idea_reject", objs.idea.pk), {"rejection_reason": "  "})
    assert response.status_code == 400
    assert errors_beside(response, "rejection_reason") == [REQUIRED]
    assert state() == before


def test_promoting_with_a_negative_estimate_is_refused_beside_the_field(as_role, objs):
    client, _ = as_role("team_lead")
    before = state()
    response = client.post(
        url("idea_promote", objs.shortlisted.pk),
        {"title": "Branded pages", "category": "strategic", "estimate": "-4"},
    )
    assert response.status_code == 200
    assert errors_beside(response, "estimate") == ["An estimate cannot be negative."]
    assert state() == before


def test_promoting_a_new_idea_says_to_shortlist_it_first(as_role, objs):
    client, _ = as_role("team_lead")
    before = state()
    response = client.post(
        url("idea_promote", objs.idea.pk), {"title": "Waitlist", "category": "strategic"}
    )
    assert response.status_code == 200
    assert "Shortlist it first: ideas are selected from the shortlist." in page(response)
    assert state() == before


def test_closing_with_an_unknown_outcome_is_refused_beside_the_field(as_role, objs):
    client, lead = as_role("team_lead")
    services.sprint_commit(actor=lead, sprint=objs.sprint, work_package=objs.work)
    before = state()
    response = client.post(
        url("sprint_close", objs.sprint.pk), {f"outcome_{objs.work.pk}": "finished", "note": ""}
    )
    assert response.status_code == 200
    assert errors_beside(response, f"outcome_{objs.work.pk}") == [
        "Select a valid choice. finished is not one of the available choices."
    ]
    assert state() == before


# --- happy paths ---------------------------------------------------------------------------


def test_a_team_lead_sets_scoring_and_the_split(as_role, objs):
    client, lead = as_role("team_lead")
    response = client.post(
        url("backlog_scoring", objs.team.pk), weights(impact_weight="5", risk_weight="0")
    )
    assert response.status_code == 302
    assert response.url == f"{url('backlog')}?team={objs.team.pk}"
    model = ScoringModel.objects.get(team=objs.team)
    assert (model.impact_weight, model.risk_weight, model.updated_by) == (5, 0, lead.user)

    response = client.post(
        url("backlog_capacity", objs.team.pk),
        {
            "split": "detailed",
            "strategic_share": "60",
            "tactical_share": "10",
            "urgent_share": "10",
            "experimentation_share": "10",
            "maintenance_share": "10",
        },
    )
    assert response.status_code == 302
    policy = CapacityPolicy.objects.get(team=objs.team)
    assert policy.targets["maintenance"] == 10
    html = page(client.get(response.url))
    assert "Urgent requests <strong>10 %</strong>" in html


def test_a_team_lead_categorizes_estimates_and_scores(as_role, objs):
    client, _ = as_role("team_lead")
    response = client.post(
        url("backlog_item", objs.second.pk),
        {
            "category": "stakeholder_request",
            "estimate": "8",
            "impact": "5",
            "urgency": "5",
            "reach": "40",
        },
    )
    assert response.status_code == 302
    assert response.url == f"{url('backlog')}?team={objs.team.pk}#wp-{objs.second.pk}"
    objs.second.refresh_from_db()
    assert (objs.second.category, objs.second.estimate) == ("stakeholder_request", 8)
    score = WorkPackageScore.objects.get(work_package=objs.second)
    assert (score.impact, score.urgency, score.effort, score.reach) == (5, 5, None, 40)


def test_moving_work_up_and_back_to_its_score(as_role, objs):
    client, lead = as_role("team_lead")
    backlog_url = f"{url('backlog')}?team={objs.team.pk}"
    response = client.post(
        url("backlog_move", objs.second.pk), {"direction": "up", "next": backlog_url}, follow=True
    )
    assert response.redirect_chain == [(f"{backlog_url}#wp-{objs.second.pk}", 302)]
    html = page(response)
    assert "Moved “Fix export” to #1." in html
    assert html.index(">Fix export</a>") < html.index(">Onboarding checklist</a>")
    assert f"placed by {lead.user.display_name}" in html
    change = RankChange.objects.get()
    assert (change.changed_by, change.from_position, change.to_position) == (lead.user, 2, 1)

    response = client.post(
        url("backlog_rank_reset", objs.second.pk), {"next": backlog_url}, follow=True
    )
    html = page(response)
    assert "“Fix export” is back in its place by score." in html
    assert html.index(">Onboarding checklist</a>") < html.index(">Fix export</a>")
    assert RankChange.objects.count() == 2


def test_moving_with_nothing_to_do_explains(as_role, objs):
    client, _ = as_role("team_lead")
    response = client.post(
        url("backlog_move", objs.work.pk), {"direction": "sideways"}, follow=True
    )
    assert "Move it up, down, or to a position from 1." in page(response)
    assert not RankChange.objects.exists()


def test_the_backlog_filters_keep_each_items_rank(as_role, objs):
    client, _ = as_role("member")
    html = page(client.get(f"{url('backlog')}?team={objs.team.pk}&category=tactical"))
    assert "Fix export" in html
    assert "Onboarding checklist" not in html
    assert '<span class="rank">2</span>' in html
    html = page(client.get(f"{url('backlog')}?team={objs.team.pk}&linked=no"))
    assert "Fix export" in html
    assert "Onboarding checklist" not in html
    html = page(client.get(f"{url('backlog')}?team={objs.team.pk}&readiness=intention"))
    assert "Nothing matches these filters" in html


def test_a_team_lead_plans_a_sprint_and_commits_past_capacity_with_a_reason(as_role, objs):
    client, lead = as_role("team_lead")
    response = client.post(
        f"{url('sprint_create')}?team={objs.team.pk}",
        sprint_data(capacity_points="6", goal="Ship it"),
    )
    sprint = Sprint.objects.get(name="Sprint 8")
    assert response.status_code == 302
    assert response.url == url("sprint_detail", sprint.pk)
    assert (sprint.team, sprint.capacity_points, sprint.goal) == (objs.team, 6, "Ship it")

    commit = url("sprint_commit", sprint.pk)
    assert client.post(commit, {"work_package": str(objs.work.pk)}).status_code == 302
    before = state()
    response = client.post(commit, {"work_package": str(objs.second.pk)})
    assert response.status_code == 200
    html = page(response)
    assert "Commit past the plan?" in html
    assert "It would plan 8 points into a capacity of 6 (2 over)." in html
    assert "Non-strategic work would take 83 % of capacity" in html
    assert errors_beside(response, "reason") == [
        "Record why you commit it anyway, or leave it out."
    ]
    assert state() == before

    response = client.post(
        commit,
        {"work_package": str(objs.second.pk), "reason": "Export blocks a renewal"},
        follow=True,
    )
    assert response.redirect_chain == [(url("sprint_detail", sprint.pk), 302)]
    commitment = SprintCommitment.objects.get(sprint=sprint, work_package=objs.second)
    assert (commitment.over_capacity, commitment.below_strategic_target) == (True, True)
    assert (commitment.reason, commitment.committed_by) == ("Export blocks a renewal", lead.user)
    html = page(response)
    assert "“Export blocks a renewal”" in html
    assert "2 over capacity" in html
    assert "below target" in html


def test_taking_work_out_and_closing_a_sprint(as_role, objs):
    client, lead = as_role("team_lead")
    for wp in (objs.work, objs.second):
        services.sprint_commit(actor=lead, sprint=objs.sprint, work_package=wp)
    response = client.post(
        url("sprint_uncommit", objs.sprint.pk), {"work_package": str(objs.second.pk)}
    )
    assert response.status_code == 302
    assert not SprintCommitment.objects.filter(work_package=objs.second).exists()

    form = page(client.get(url("sprint_close", objs.sprint.pk)))
    assert f'name="outcome_{objs.work.pk}" value="carried_over"' in form
    response = client.post(
        url("sprint_close", objs.sprint.pk),
        {f"outcome_{objs.work.pk}": "done", "note": "Checklist shipped"},
        follow=True,
    )
    assert response.redirect_chain == [(url("sprint_detail", objs.sprint.pk), 302)]
    objs.work.refresh_from_db()
    assert objs.work.status == S.DONE
    html = page(response)
    assert "Done: <strong>3</strong> of 3 points." in html
    assert "Checklist shipped" in html


def test_shortlisting_rejecting_and_promoting_ideas(as_role, objs):
    client, _ = as_role("team_lead")
    response = client.post(url("idea_shortlist", objs.idea.pk), follow=True)
    assert "is on the shortlist" in page(response)
    objs.idea.refresh_from_db()
    assert objs.idea.status == "shortlisted"

    response = client.post(url("idea_reject", objs.idea.pk), {"rejection_reason": "Not this year"})
    assert response.status_code == 302
    objs.idea.refresh_from_db()
    assert (objs.idea.status, objs.idea.rejection_reason) == ("rejected", "Not this year")

    response = client.post(
        url("idea_promote", objs.shortlisted.pk),
        {
            "title": "Clinic-branded pages",
            "category": "strategic",
            "initiative": str(objs.initiative.pk),
            "estimate": "5",
        },
    )
    wp = WorkPackage.objects.get(title="Clinic-branded pages")
    assert response.status_code == 302
    assert response.url == reverse("planning:work_detail", args=[wp.pk])
    assert (wp.status, wp.initiative, wp.estimate, wp.team) == (
        S.INTENTION,
        objs.initiative,
        5,
        objs.team,
    )
    html = page(client.get(response.url))
    assert "From idea" in html
    assert "Branded pages" in html


def test_the_idea_list_filters_by_status(as_role, objs):
    client, _ = as_role("member")
    html = page(client.get(f"{url('idea_list')}?status=shortlisted"))
    assert "Branded pages" in html
    assert "Waitlist for full days" not in html


def test_the_proposer_edits_their_new_idea(as_role, objs):
    client, _ = as_role("member")
    response = client.post(
        url("idea_edit", objs.idea.pk),
        {"title": "Waitlist", "rationale": "Fewer calls", "strategic_objective": ""},
    )
    assert response.status_code == 302
    objs.idea.refresh_from_db()
    assert (objs.idea.title, objs.idea.strategic_objective, objs.idea.version) == (
        "Waitlist",
        None,
        2,
    )


# --- query counts --------------------------------------------------------------------------
# Each page is built at 1 and at 30 rows, every row with its own owner, strategy link, score,
# hand placement and sprint, so a lookup per row would show up as a different count.


def _person(make_member, team):
    return make_member(Role.MEMBER, teams=[team]).user


def build_backlog(n, *, org, team, make_member, lead):
    sprint = SprintFactory(team=team)
    for i in range(n):
        owner = _person(make_member, team)
        objective = StrategicObjectiveFactory(organization=org, priority=1 + i % 4)
        wp = WorkPackageFactory(
            team=team,
            owner=owner,
            ready=True,
            estimate=1 + i % 8,
            category=["strategic", "tactical", "technical_debt"][i % 3],
            initiative=InitiativeFactory(strategic_objective=objective) if i % 2 else None,
        )
        WorkPackageScoreFactory(
            work_package=wp,
            impact=1 + i % 5,
            rank_key=100 - i if i % 3 == 0 else None,
            ranked_by=owner if i % 3 == 0 else None,
            ranked_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC) if i % 3 == 0 else None,
        )
        if i % 4 == 0:
            SprintCommitmentFactory(sprint=sprint, work_package=wp)
    return f"{url('backlog')}?team={team.pk}", 'class="row-title"'


def build_sprint(n, *, org, team, make_member, lead):
    sprint = SprintFactory(team=team, capacity_points=10)
    for i in range(n):
        owner = _person(make_member, team)
        objective = StrategicObjectiveFactory(organization=org)
        wp = WorkPackageFactory(
            team=team,
            owner=owner,
            ready=True,
            estimate=2,
            category=["strategic", "stakeholder_request"][i % 2],
            initiative=InitiativeFactory(strategic_objective=objective),
        )
        SprintCommitmentFactory(
            sprint=sprint,
            work_package=wp,
            committed_by=owner,
            over_capacity=i > 4,
            reason="Needed" if i > 4 else "",
        )
        # and as many ready candidates and intentions in the backlog
        WorkPackageFactory(team=team, owner=owner, ready=True, estimate=3, title=f"Candidate {i}")
        WorkPackageFactory(team=team, estimate=3, title=f"Intention {i}")
    return url("sprint_detail", sprint.pk), "Take out</button>"


def build_sprint_list(n, *, org, team, make_member, lead):
    for i in range(n):
        sprint = SprintFactory(
            team=team,
            status="closed" if i else "open",
            closed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) if i else None,
        )
        wp = WorkPackageFactory(team=team, owner=_person(make_member, team), ready=True, estimate=3)
        SprintCommitmentFactory(sprint=sprint, work_package=wp, outcome="done" if i else "")
    return f"{url('sprint_list')}?team={team.pk}", 'class="row-title"'


def build_sprint_overview(n, *, org, team, make_member, lead):
    today = timezone.localdate()
    for _ in range(n):
        other = TeamFactory(organization=org)
        sprint = SprintFactory(
            team=other,
            start_date=today - datetime.timedelta(days=1),
            end_date=today + datetime.timedelta(days=1),
        )
        wp = WorkPackageFactory(
            team=other, owner=_person(make_member, other), ready=True, estimate=3
        )
        SprintCommitmentFactory(sprint=sprint, work_package=wp)
    return f"{url('sprint_list')}?team=all", "points planned"


def build_idea_list(n, *, org, team, make_member, lead):
    for i in range(n):
        proposer = _person(make_member, team)
        objective = StrategicObjectiveFactory(organization=org)
        status = ["new", "shortlisted", "rejected", "promoted"][i % 4]
        IdeaFactory(
            team=TeamFactory(organization=org),
            proposer=proposer,
            strategic_objective=objective,
            status=status,
            rejection_reason="No" if status == "rejected" else "",
            work_package=WorkPackageFactory(team=team) if status == "promoted" else None,
            source="miro" if i % 2 else "",
        )
    return url("idea_list"), 'class="idea__title"'


QUERY_PAGES = {
    # page: (builder, queries whatever the number of rows)
    "backlog": (build_backlog, 10),
    "sprint_detail": (build_sprint, 9),  # the scoring model and split in one query
    "sprint_list": (build_sprint_list, 8),
    "sprint_overview": (build_sprint_overview, 10),
    "idea_list": (build_idea_list, 9),
}


@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize("name", QUERY_PAGES)
def test_page_query_count_does_not_grow_with_rows(
    django_assert_num_queries, as_role, org, team, make_member, name, rows
):
    builder, expected = QUERY_PAGES[name]
    client, lead = as_role("team_lead")
    target, marker = builder(rows, org=org, team=team, make_member=make_member, lead=lead)

    with django_assert_num_queries(expected):
        response = client.get(target)

    assert response.status_code == 200
    assert page(response).count(marker) == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_the_work_package_panel_runs_a_constant_number_of_queries(
    django_assert_num_queries, rf, team_lead, team, make_member, rows
):
    """Measured on the panel itself: the work package page also holds other apps' panels."""
    from backlog.panels import work_package_panel

    for _ in range(rows):
        WorkPackageFactory(team=team, owner=_person(make_member, team), ready=True, estimate=2)
    wp = WorkPackage.objects.select_related("team").filter(team=team).first()
    closed = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for _ in range(rows):
        SprintCommitmentFactory(
            sprint=SprintFactory(team=team, status="closed", closed_at=closed),
            work_package=wp,
            committed_by=_person(make_member, team),
            outcome="carried_over",
        )
    IdeaFactory(team=team, proposer=team_lead.user, work_package=wp, status="promoted")
    request = rf.get("/")
    request.membership = team_lead
    request.user = team_lead.user
    request.organization = team_lead.organization

    with django_assert_num_queries(6):
        html = work_package_panel(request, wp)

    assert f"of {rows}" in html
    assert html.count("carried over") == rows
    assert "From idea" in html


# --- a long backlog comes a page at a time ---------------------------------------------------


def test_a_long_backlog_is_paged_and_keeps_each_items_rank_and_the_whole_backlogs_numbers(
    as_role, team, make_work, monkeypatch
):
    from backlog import selectors

    monkeypatch.setattr(selectors, "BACKLOG_PAGE_SIZE", 2)
    for i in range(5):  # ranked by the weighted score: more impact first
        wp = make_work(f"Item {i}", estimate=1 + i)
        WorkPackageScoreFactory(work_package=wp, impact=5 - i)
    client, _ = as_role("team_lead")
    backlog_url = f"{url('backlog')}?team={team.pk}"

    first = page(client.get(backlog_url))
    assert re.findall(r'class="row-title"[^>]*>(.*?)</a>', first) == ["Item 0", "Item 1"]
    assert "Items 1–2 of 5 · page 1 of 3" in first
    assert '<div class="stat__value">5</div>' in first  # the whole backlog's numbers
    assert "15<span" in first  # points ready: 1 + 2 + 3 + 4 + 5

    second = page(client.get(f"{backlog_url}&page=2"))
    assert re.findall(r'class="row-title"[^>]*>(.*?)</a>', second) == ["Item 2", "Item 3"]
    assert '<span class="rank">3</span>' in second
    assert '<span class="rank">4</span>' in second
    assert "← Higher ranked" in second
    assert "Lower ranked →" in second

    # Moving the top item of page 2 up lands it on page 1: the redirect follows it there.
    item2 = WorkPackage.objects.get(title="Item 2")
    response = client.post(
        url("backlog_move", item2.pk),
        {"direction": "up", "next": f"{backlog_url}&page=2"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{backlog_url}#wp-{item2.pk}"
    moved = page(client.get(backlog_url))
    assert re.findall(r'class="row-title"[^>]*>(.*?)</a>', moved) == ["Item 0", "Item 2"]


def test_a_filtered_backlog_is_paged_over_the_matching_items(as_role, team, make_work, monkeypatch):
    from backlog import selectors

    monkeypatch.setattr(selectors, "BACKLOG_PAGE_SIZE", 2)
    for i in range(4):
        wp = make_work(f"Item {i}", category="tactical" if i % 2 else "strategic")
        WorkPackageScoreFactory(work_package=wp, impact=5 - i)
    client, _ = as_role("member")

    html = page(client.get(f"{url('backlog')}?team={team.pk}&category=tactical"))

    assert re.findall(r'class="row-title"[^>]*>(.*?)</a>', html) == ["Item 1", "Item 3"]
    assert re.findall(r'<span class="rank">(\d+)</span>', html) == ["2", "4"]
    assert 'class="pagination"' not in html


def test_the_sprint_page_lists_a_dozen_intentions_and_links_to_the_rest(as_role, team):
    sprint = SprintFactory(team=team)
    for i in range(14):
        WorkPackageFactory(team=team, title=f"Intention {i}")
    client, _ = as_role("team_lead")

    html = page(client.get(url("sprint_detail", sprint.pk)))

    assert html.count("Intention ") == 12
    assert "2 more: " in html
    assert f"?team={team.pk}&readiness=intention" in html
    assert "all 14 intentions in the backlog" in html
