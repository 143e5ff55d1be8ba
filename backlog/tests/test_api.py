"""The REST contract of backlogs, sprints and ideas (DESIGN.md, "REST API contract").

Every test speaks HTTP to /api/v1/ with a bearer token and checks what a client relies on: the
wire format, tenancy, roles as on the pages, the services' rules (capacity, readiness, reasons),
conditional requests, idempotency, problem+json errors, filters, pages and the changes feed.
"""

from __future__ import annotations

import base64
import datetime
from typing import cast

import pytest

from backlog import services
from backlog.models import CapacityPolicy, Idea, RankChange, ScoringModel, Sprint, SprintCommitment
from backlog.tests.factories import IdeaFactory, SprintCommitmentFactory, SprintFactory
from core.models import ApiToken, Team
from core.tests.api_helpers import (
    API,
    assert_list_queries_do_not_grow,
    assert_problem,
    changes_after,
    etag_version,
    head,
    url,
    walk_pages,
)
from core.tests.factories import TeamFactory
from planning.models import WorkPackage
from planning.tests.factories import WorkPackageFactory

pytestmark = pytest.mark.django_db

SCORING = f"{API}/scoring-models/"
CAPACITY = f"{API}/capacity-policies/"
BACKLOG = f"{API}/backlog/"
SPRINTS = f"{API}/sprints/"
COMMITMENTS = f"{API}/sprint-commitments/"
IDEAS = f"{API}/ideas/"

SPRINT_FIELDS = {
    "id",
    "team",
    "name",
    "goal",
    "start_date",
    "end_date",
    "capacity_points",
    "status",
    "closed_at",
    "closed_by",
    "close_note",
    "version",
    "created_at",
    "updated_at",
}
IDEA_FIELDS = {
    "id",
    "team",
    "title",
    "description",
    "strategic_objective",
    "rationale",
    "proposer",
    "status",
    "source",
    "external_id",
    "shortlisted_by",
    "shortlisted_at",
    "decided_by",
    "decided_at",
    "rejection_reason",
    "work_package",
    "version",
    "created_at",
    "updated_at",
}


# --- helpers -------------------------------------------------------------------------------


def ops(client, cursor: str) -> list[tuple[str, str, str]]:
    return [(c["type"], c["op"], c["id"]) for c in changes_after(client, cursor)]


def sprint_body(team, **fields) -> dict:
    return {
        "team": str(team.pk),
        "name": "Sprint 7",
        "start_date": "2026-03-02",
        "end_date": "2026-03-15",
        "capacity_points": 10,
        **fields,
    }


def idea_body(team, **fields) -> dict:
    return {
        "team": str(team.pk),
        "title": "Self-serve rescheduling",
        "rationale": "Clinics stop calling us to move bookings.",
        **fields,
    }


@pytest.fixture
def sprint(team):
    return SprintFactory(team=team, name="Sprint 1", capacity_points=10)


# --- scoring models ------------------------------------------------------------------------


def test_a_team_lead_sets_the_scoring_model_of_their_team(api, team_lead, team):
    client = api(team_lead)
    feed = head(client)
    first = client.post(SCORING, {"team": str(team.pk), "preset": "wsjf"})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["team"] == str(team.pk)
    assert body["preset"] == "wsjf"
    assert body["version"] == 1
    assert etag_version(first) == 1
    # POST again for the same team changes the same model (200), never a second one.
    again = client.post(SCORING, {"team": str(team.pk), "impact_weight": 5})
    assert again.status_code == 200, again.content
    assert again.json()["id"] == body["id"]
    assert again.json()["version"] == 2
    assert ScoringModel.objects.count() == 1
    patched = client.patch(url(SCORING, ScoringModel.objects.get()), {"preset": "rice"})
    assert patched.status_code == 200
    assert patched.json()["preset"] == "rice"
    assert patched.json()["impact_weight"] == 5  # PATCH keeps what it leaves out
    assert ops(client, feed) == [
        ("scoring_model", "created", body["id"]),
        ("scoring_model", "updated", body["id"]),
        ("scoring_model", "updated", body["id"]),
    ]
    assert client.get(SCORING).json()["results"][0]["version"] == 3


def test_scoring_model_bad_weights_are_a_400_naming_the_field_and_write_nothing(
    api, team_lead, team
):
    client = api(team_lead)
    feed = head(client)
    assert_problem(
        client.post(SCORING, {"team": str(team.pk), "impact_weight": 11}), 400, "impact_weight"
    )
    zeros = {f: 0 for f in ("impact_weight", "urgency_weight", "effort_weight")}
    zeros.update({f: 0 for f in ("strategic_fit_weight", "risk_weight", "dependencies_weight")})
    assert_problem(client.post(SCORING, {"team": str(team.pk), **zeros}), 400, "impact_weight")
    assert_problem(client.post(SCORING, {"team": str(team.pk), "preset": "magic"}), 400, "preset")
    assert_problem(client.post(SCORING, {"preset": "rice"}), 400, "team")
    assert_problem(client.post(SCORING, {"team": str(team.pk), "colour": "red"}), 400, "colour")
    assert not ScoringModel.objects.exists()
    assert changes_after(client, feed) == []


@pytest.mark.parametrize("who", ["member", "viewer", "other_lead"])
def test_only_the_teams_lead_or_a_leader_sets_its_scoring_model(api, request, team, who):
    client = api(request.getfixturevalue(who))
    assert_problem(client.post(SCORING, {"team": str(team.pk), "preset": "rice"}), 403)
    assert not ScoringModel.objects.exists()


def test_scoring_model_etag_if_none_match_and_stale_if_match(api, team_lead, team):
    client = api(team_lead)
    model = services.scoring_model_update(actor=team_lead, team=team, preset="rice")
    detail = url(SCORING, model)
    got = client.get(detail)
    assert etag_version(got) == 1
    assert client.get(detail, HTTP_IF_NONE_MATCH=got["ETag"]).status_code == 304
    feed = head(client)
    stale = client.patch(detail, {"preset": "wsjf"}, HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412
    assert stale.json()["preset"] == "rice"
    assert changes_after(client, feed) == []
    assert client.patch(detail, {"preset": "wsjf"}, HTTP_IF_MATCH='"1"').status_code == 200


# --- capacity policies ---------------------------------------------------------------------


def test_capacity_policy_set_and_changed(api, team_lead, team):
    client = api(team_lead)
    feed = head(client)
    created = client.post(
        CAPACITY, {"team": str(team.pk), "strategic_share": 60, "tactical_share": 40}
    )
    assert created.status_code == 201, created.content
    policy = CapacityPolicy.objects.get()
    assert (policy.strategic_share, policy.tactical_share) == (60, 40)
    detail = url(CAPACITY, policy)
    changed = client.put(
        detail,
        {
            "split": "detailed",
            "strategic_share": 50,
            "tactical_share": 20,
            "urgent_share": 10,
            "experimentation_share": 10,
            "maintenance_share": 10,
        },
        HTTP_IF_MATCH='"1"',
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["split"] == "detailed"
    assert changed.json()["version"] == 2
    assert [op for _, op, _ in ops(client, feed)] == ["created", "updated"]


def test_capacity_shares_that_do_not_add_up_are_a_400_and_write_nothing(api, team_lead, team):
    client = api(team_lead)
    policy = services.capacity_policy_set(
        actor=team_lead, team=team, strategic_share=80, tactical_share=20
    )
    feed = head(client)
    assert_problem(
        client.patch(url(CAPACITY, policy), {"strategic_share": 90}), 400, "strategic_share"
    )
    assert_problem(
        client.patch(url(CAPACITY, policy), {"tactical_share": -1}), 400, "tactical_share"
    )
    assert_problem(client.patch(url(CAPACITY, policy), {"split": "both"}), 400, "split")
    policy.refresh_from_db()
    assert (policy.strategic_share, policy.version) == (80, 1)
    assert changes_after(client, feed) == []


def test_a_member_cannot_set_a_capacity_policy(api, member, team):
    assert_problem(
        api(member).post(
            CAPACITY, {"team": str(team.pk), "strategic_share": 100, "tactical_share": 0}
        ),
        403,
    )
    assert not CapacityPolicy.objects.exists()


# --- the ranked backlog --------------------------------------------------------------------


def test_the_backlog_lists_a_teams_open_work_with_score_and_rank(api, member, team, make_work):
    top = make_work("Top", estimate=1)
    low = make_work("Low", estimate=13, category="tactical")
    make_work("Done already", status="done")
    WorkPackageFactory(team=TeamFactory(organization=team.organization), title="Other team's")
    response = api(member).get(BACKLOG, {"team": str(team.pk)})
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [(r["id"], r["rank"]) for r in rows] == [(str(top.pk), 1), (str(low.pk), 2)]
    assert rows[0]["score"] > rows[1]["score"]
    assert rows[0]["hand_placed"] is False
    assert rows[0]["open_sprint"] is None
    assert {"title", "team", "status", "version", "estimate"} <= set(rows[0])
    item = api(member).get(url(BACKLOG, low))
    assert item.status_code == 200
    assert item.json()["rank"] == 2
    assert etag_version(item) == low.version


@pytest.mark.parametrize(
    "team_param", [None, "", "not-a-uuid", "3f1c1f36-5a0e-4c43-9f3c-2a4b1e7f0a11"]
)
def test_the_backlog_needs_a_team_of_the_organization(api, member, team_param):
    params = {} if team_param is None else {"team": team_param}
    assert_problem(api(member).get(BACKLOG, params), 400, "team")


def test_moving_work_by_hand_is_recorded_and_changes_the_rank(api, team_lead, team, make_work):
    first, second, third = (
        make_work("A", estimate=1),
        make_work("B", estimate=3),
        make_work("C", estimate=8),
    )
    client = api(team_lead)
    moved = client.post(
        url(BACKLOG, third, "move/"), {"position": 1, "reason": "Customer escalation"}
    )
    assert moved.status_code == 200, moved.content
    assert moved.json() == {"work_package": str(third.pk), "rank": 1}
    rows = client.get(BACKLOG, {"team": str(team.pk)}).json()["results"]
    assert [r["id"] for r in rows] == [str(third.pk), str(first.pk), str(second.pk)]
    assert rows[0]["hand_placed"] is True
    change = RankChange.objects.get()
    assert (change.from_position, change.to_position, change.reason) == (
        3,
        1,
        "Customer escalation",
    )
    down = client.post(url(BACKLOG, first, "move/"), {"direction": "down"})
    assert down.json()["rank"] == 3
    reset = client.post(url(BACKLOG, third, "reset-rank/"), {})
    assert reset.status_code == 200
    assert reset.json()["rank"] == 3
    assert RankChange.objects.count() == 3


def test_a_bad_move_is_a_400_naming_the_field(api, team_lead, make_work):
    work = make_work("A")
    client = api(team_lead)
    assert_problem(
        client.post(url(BACKLOG, work, "move/"), {"direction": "sideways"}), 400, "direction"
    )
    assert_problem(client.post(url(BACKLOG, work, "move/"), {"position": 0}), 400, "position")
    assert_problem(client.post(url(BACKLOG, work, "move/"), {}), 400, "direction")
    done = make_work("Done", status="done")
    assert_problem(
        client.post(url(BACKLOG, done, "move/"), {"direction": "up"}), 400, "work_package"
    )
    assert not RankChange.objects.exists()


@pytest.mark.parametrize("who", ["member", "other_lead", "viewer"])
def test_only_the_teams_lead_or_a_leader_ranks(api, request, make_work, who):
    work = make_work("A")
    assert_problem(
        api(request.getfixturevalue(who)).post(url(BACKLOG, work, "move/"), {"direction": "up"}),
        403,
    )
    assert not RankChange.objects.exists()


# --- sprints -------------------------------------------------------------------------------


def test_a_sprint_on_the_wire_and_its_life(api, team_lead, team, make_work):
    client = api(team_lead)
    feed = head(client)
    created = client.post(SPRINTS, sprint_body(team, goal="Booking flow"))
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == SPRINT_FIELDS
    assert body["status"] == "open"
    assert body["version"] == 1
    assert etag_version(created) == 1
    sprint = Sprint.objects.get()
    patched = client.patch(url(SPRINTS, sprint), {"capacity_points": 12})
    assert patched.status_code == 200
    assert patched.json()["version"] == 2
    work = make_work("Ready work", estimate=5)
    committed = client.post(url(SPRINTS, sprint, "commit/"), {"work_package": str(work.pk)})
    assert committed.status_code == 201, committed.content
    commitment = SprintCommitment.objects.get()
    assert committed.json()["id"] == str(commitment.pk)
    assert committed.json()["points"] == 5
    listed = client.get(COMMITMENTS, {"sprint": str(sprint.pk)}).json()["results"]
    assert [c["work_package"] for c in listed] == [str(work.pk)]
    closed = client.post(
        url(SPRINTS, sprint, "close/"), {"outcomes": {str(work.pk): "done"}, "note": "Good one"}
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    assert closed.json()["close_note"] == "Good one"
    work.refresh_from_db()
    assert work.status == WorkPackage.Status.DONE
    assert client.get(url(COMMITMENTS, commitment)).json()["outcome"] == "done"
    kinds = [(t, op) for t, op, _ in ops(client, feed)]
    assert kinds == [
        ("sprint", "created"),
        ("sprint", "updated"),
        ("sprint_commitment", "created"),
        ("work_package", "updated"),  # closing records the work as done, through planning
        ("sprint", "updated"),
        ("sprint_commitment", "updated"),
    ]


def test_committing_past_capacity_needs_a_reason_which_is_recorded(
    api, team_lead, sprint, make_work
):
    client = api(team_lead)
    big = make_work("Big", estimate=13)
    feed = head(client)
    refused = assert_problem(
        client.post(url(SPRINTS, sprint, "commit/"), {"work_package": str(big.pk)}), 400, "reason"
    )
    assert "capacity" in " ".join(refused["errors"]["reason"])
    assert not SprintCommitment.objects.exists()
    assert changes_after(client, feed) == []
    accepted = client.post(
        url(SPRINTS, sprint, "commit/"), {"work_package": str(big.pk), "reason": "Launch week"}
    )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["over_capacity"] is True
    assert accepted.json()["reason"] == "Launch week"


def test_committing_below_the_strategic_share_needs_a_reason(api, team_lead, sprint, make_work):
    tactical = make_work("Firefight", estimate=5, category="tactical")
    client = api(team_lead)
    assert_problem(
        client.post(url(SPRINTS, sprint, "commit/"), {"work_package": str(tactical.pk)}),
        400,
        "reason",
    )
    ok = client.post(
        url(SPRINTS, sprint, "commit/"), {"work_package": str(tactical.pk), "reason": "Outage"}
    )
    assert ok.status_code == 201
    assert ok.json()["below_strategic_target"] is True


def test_an_intention_cannot_be_committed(api, team_lead, team, sprint):
    intention = WorkPackageFactory(team=team, title="Vague", estimate=3)
    assert intention.status == WorkPackage.Status.INTENTION
    response = api(team_lead).post(
        url(SPRINTS, sprint, "commit/"), {"work_package": str(intention.pk)}
    )
    assert_problem(response, 400, "work_package")
    assert not SprintCommitment.objects.exists()


def test_uncommit_takes_work_out_and_leaves_a_tombstone(api, team_lead, sprint, make_work):
    work = make_work("A", estimate=3)
    commitment = services.sprint_commit(actor=team_lead, sprint=sprint, work_package=work)
    client = api(team_lead)
    feed = head(client)
    response = client.post(url(SPRINTS, sprint, "uncommit/"), {"work_package": str(work.pk)})
    assert response.status_code == 200, response.content
    assert not SprintCommitment.objects.exists()
    [change] = changes_after(client, feed)
    assert (change["type"], change["op"], change["id"], change["data"]) == (
        "sprint_commitment",
        "deleted",
        str(commitment.pk),
        None,
    )
    assert_problem(
        client.post(url(SPRINTS, sprint, "uncommit/"), {"work_package": str(work.pk)}),
        400,
        "work_package",
    )


def test_sprint_rules_are_400s_naming_the_field(api, team_lead, team, sprint):
    client = api(team_lead)
    before = Sprint.objects.count()
    assert_problem(client.post(SPRINTS, sprint_body(team, end_date="2026-02-01")), 400, "end_date")
    assert_problem(
        client.post(SPRINTS, sprint_body(team, capacity_points=0)), 400, "capacity_points"
    )
    overlapping = sprint_body(
        team, start_date=str(sprint.start_date), end_date=str(sprint.end_date)
    )
    assert_problem(client.post(SPRINTS, overlapping), 400, "start_date")
    assert_problem(client.post(SPRINTS, sprint_body(team, name="")), 400, "name")
    assert_problem(
        client.post(url(SPRINTS, sprint, "close/"), {"outcomes": {"x": "maybe"}}), 400, "outcomes"
    )
    assert Sprint.objects.count() == before
    services.sprint_close(actor=team_lead, sprint=sprint)
    assert_problem(client.patch(url(SPRINTS, sprint), {"name": "Renamed"}), 400, "sprint")


def test_closing_with_a_stale_if_match_is_a_412_and_changes_nothing(api, team_lead, sprint):
    client = api(team_lead)
    feed = head(client)
    response = client.post(url(SPRINTS, sprint, "close/"), {}, HTTP_IF_MATCH='"9"')
    assert response.status_code == 412
    assert response.json()["status"] == "open"
    sprint.refresh_from_db()
    assert sprint.status == Sprint.Status.OPEN
    assert changes_after(client, feed) == []
    assert client.post(url(SPRINTS, sprint, "close/"), {}, HTTP_IF_MATCH='"1"').status_code == 200


@pytest.mark.parametrize("who", ["member", "other_lead"])
def test_only_the_teams_lead_or_a_leader_plans_sprints(api, request, team, sprint, make_work, who):
    client = api(request.getfixturevalue(who))
    work = make_work("A")
    assert_problem(
        client.post(SPRINTS, sprint_body(team, start_date="2027-01-04", end_date="2027-01-17")), 403
    )
    assert_problem(client.patch(url(SPRINTS, sprint), {"name": "Mine"}), 403)
    assert_problem(
        client.post(url(SPRINTS, sprint, "commit/"), {"work_package": str(work.pk)}), 403
    )
    assert_problem(client.post(url(SPRINTS, sprint, "close/"), {}), 403)
    assert Sprint.objects.count() == 1
    assert not SprintCommitment.objects.exists()


def test_sprints_cannot_be_deleted_over_the_api(api, leader, sprint):
    response = api(leader).delete(url(SPRINTS, sprint))
    assert_problem(response, 405)
    assert Sprint.objects.filter(pk=sprint.pk).exists()


def test_a_replayed_sprint_create_creates_one_sprint(api, team_lead, team):
    client = api(team_lead)
    first = client.post(SPRINTS, sprint_body(team), HTTP_IDEMPOTENCY_KEY="sprint-7")
    replay = client.post(SPRINTS, sprint_body(team), HTTP_IDEMPOTENCY_KEY="sprint-7")
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert Sprint.objects.count() == 1
    other = client.post(SPRINTS, sprint_body(team, name="Other"), HTTP_IDEMPOTENCY_KEY="sprint-7")
    assert_problem(other, 422)


def test_a_replayed_commit_commits_once(api, team_lead, sprint, make_work):
    work = make_work("A")
    client = api(team_lead)
    body = {"work_package": str(work.pk)}
    first = client.post(url(SPRINTS, sprint, "commit/"), body, HTTP_IDEMPOTENCY_KEY="c-1")
    replay = client.post(url(SPRINTS, sprint, "commit/"), body, HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert SprintCommitment.objects.count() == 1


# --- ideas ---------------------------------------------------------------------------------


def test_an_idea_is_proposed_shortlisted_and_promoted_to_a_work_package(
    api, member, team_lead, team, objective
):
    feed = head(api(member))
    proposed = api(member).post(IDEAS, idea_body(team, strategic_objective=str(objective.pk)))
    assert proposed.status_code == 201, proposed.content
    body = proposed.json()
    assert set(body) == IDEA_FIELDS
    assert body["status"] == "new"
    assert body["proposer"] == str(member.user_id)
    idea = Idea.objects.get()
    edited = api(member).patch(url(IDEAS, idea), {"description": "Link in the e-mail"})
    assert edited.status_code == 200
    assert edited.json()["version"] == 2
    lead = api(team_lead)
    shortlisted = lead.post(url(IDEAS, idea, "shortlist/"), {})
    assert shortlisted.status_code == 200
    assert shortlisted.json()["status"] == "shortlisted"
    promoted = lead.post(url(IDEAS, idea, "promote/"), {"estimate": 5})
    assert promoted.status_code == 200, promoted.content
    work = WorkPackage.objects.get()
    assert promoted.json()["work_package"] == str(work.pk)
    assert promoted.json()["status"] == "promoted"
    assert (work.team_id, work.estimate, work.status) == (team.pk, 5, WorkPackage.Status.INTENTION)
    assert [(t, op) for t, op, _ in ops(lead, feed)] == [
        ("idea", "created"),
        ("idea", "updated"),
        ("idea", "updated"),
        ("work_package", "created"),
        ("idea", "updated"),
    ]


def test_rejecting_needs_the_reason(api, team_lead, team):
    idea = IdeaFactory(team=team)
    client = api(team_lead)
    assert_problem(
        client.post(url(IDEAS, idea, "reject/"), {"rejection_reason": " "}), 400, "rejection_reason"
    )
    assert_problem(client.post(url(IDEAS, idea, "reject/"), {}), 400, "rejection_reason")
    idea.refresh_from_db()
    assert idea.status == Idea.Status.NEW
    rejected = client.post(url(IDEAS, idea, "reject/"), {"rejection_reason": "Not our market"})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Not our market"


def test_idea_rules_are_400s_naming_the_field(api, member, team_lead, team):
    client = api(member)
    assert_problem(client.post(IDEAS, idea_body(team, rationale="  ")), 400, "rationale")
    assert_problem(client.post(IDEAS, idea_body(team, title="")), 400, "title")
    assert not Idea.objects.exists()
    idea = IdeaFactory(team=team)
    assert_problem(api(team_lead).post(url(IDEAS, idea, "promote/"), {}), 400, "status")
    assert_problem(
        api(team_lead).post(url(IDEAS, idea, "promote/"), {"category": "fun"}), 400, "category"
    )
    assert not WorkPackage.objects.exists()


def test_members_propose_but_do_not_select(api, member, viewer, team):
    idea = IdeaFactory(team=team)
    assert_problem(api(member).post(url(IDEAS, idea, "shortlist/"), {}), 403)
    assert_problem(api(viewer).post(IDEAS, idea_body(team)), 403)
    assert_problem(api(member).patch(url(IDEAS, idea), {"title": "Not mine"}), 403)
    idea.refresh_from_db()
    assert idea.status == Idea.Status.NEW
    assert idea.version == 1


def test_idea_filters(api, member, team, other_team, objective):
    mine = IdeaFactory(team=team, strategic_objective=objective)
    IdeaFactory(team=other_team)
    rejected = IdeaFactory(team=team, status="rejected", rejection_reason="No")
    client = api(member)

    def ids(**params):
        response = client.get(IDEAS, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(team=str(team.pk)) == {str(mine.pk), str(rejected.pk)}
    assert ids(status="rejected") == {str(rejected.pk)}
    assert ids(strategic_objective=str(objective.pk)) == {str(mine.pk)}
    assert len(ids()) == 3
    assert ids(updated_since="2999-01-01T00:00:00Z") == set()
    assert_problem(client.get(IDEAS, {"status": "maybe"}), 400, "status")
    assert_problem(client.get(IDEAS, {"team": "nope"}), 400, "team")


def test_sprint_and_commitment_filters(api, member, team, other_team, make_work):
    ours = SprintFactory(team=team)
    theirs = SprintFactory(team=other_team)
    closed = SprintFactory(
        team=team, status="closed", closed_at=datetime.datetime.now(datetime.UTC)
    )
    work = make_work("A")
    SprintCommitmentFactory(sprint=ours, work_package=work)
    client = api(member)
    listed = client.get(SPRINTS, {"team": str(team.pk)}).json()["results"]
    assert {r["id"] for r in listed} == {str(ours.pk), str(closed.pk)}
    assert [r["id"] for r in client.get(SPRINTS, {"status": "closed"}).json()["results"]] == [
        str(closed.pk)
    ]
    assert client.get(COMMITMENTS, {"sprint": str(theirs.pk)}).json()["results"] == []
    assert len(client.get(COMMITMENTS, {"work_package": str(work.pk)}).json()["results"]) == 1
    assert len(client.get(COMMITMENTS, {"team": str(team.pk)}).json()["results"]) == 1
    assert_problem(client.get(SPRINTS, {"status": "sleeping"}), 400, "status")


# --- tenancy -------------------------------------------------------------------------------


def _foreign_objects(foreign):
    lead = foreign.lead
    model = services.scoring_model_update(actor=lead, team=foreign.team, preset="rice")
    policy = services.capacity_policy_set(
        actor=lead, team=foreign.team, strategic_share=50, tactical_share=50
    )
    commitment = services.sprint_commit(
        actor=lead, sprint=foreign.sprint, work_package=foreign.work, reason="Foreign reason"
    )
    return {
        SCORING: model,
        CAPACITY: policy,
        SPRINTS: foreign.sprint,
        COMMITMENTS: commitment,
        IDEAS: foreign.idea,
        BACKLOG: foreign.work,
    }


def test_another_organizations_objects_are_404_on_every_verb_and_never_listed(
    api, leader, team, foreign
):
    objects = _foreign_objects(foreign)
    client = api(leader)
    for base, obj in objects.items():
        assert_problem(client.get(url(base, obj)), 404)
        if base not in (COMMITMENTS, BACKLOG):
            assert_problem(client.patch(url(base, obj), {}), 404)
            assert_problem(client.put(url(base, obj), {}), 404)
        listing = client.get(base, {"team": str(team.pk)} if base == BACKLOG else {})
        assert listing.status_code == 200, (base, listing.content)
        assert str(obj.pk) not in {row["id"] for row in listing.json()["results"]}
    for action in ("commit/", "uncommit/", "close/"):
        assert_problem(
            client.post(
                url(SPRINTS, foreign.sprint, action), {"work_package": str(foreign.work.pk)}
            ),
            404,
        )
    for action in ("shortlist/", "reject/", "promote/"):
        assert_problem(
            client.post(url(IDEAS, foreign.idea, action), {"rejection_reason": "x"}), 404
        )
    for action in ("move/", "reset-rank/"):
        assert_problem(client.post(url(BACKLOG, foreign.work, action), {"direction": "up"}), 404)
    assert_problem(client.get(BACKLOG, {"team": str(foreign.team.pk)}), 400, "team")
    foreign.sprint.refresh_from_db()
    foreign.idea.refresh_from_db()
    assert foreign.sprint.status == "open"
    assert foreign.idea.status == "new"


def test_another_organizations_ids_in_a_body_are_400s_naming_the_field(
    api, leader, team, sprint, foreign
):
    client = api(leader)
    assert_problem(client.post(SPRINTS, sprint_body(foreign.team)), 400, "team")
    assert_problem(client.post(SCORING, {"team": str(foreign.team.pk)}), 400, "team")
    assert_problem(
        client.post(url(SPRINTS, sprint, "commit/"), {"work_package": str(foreign.work.pk)}),
        400,
        "work_package",
    )
    assert_problem(
        client.post(IDEAS, idea_body(team, strategic_objective=str(foreign.objective.pk))),
        400,
        "strategic_objective",
    )
    assert not SprintCommitment.objects.filter(sprint=sprint).exists()


def test_a_read_token_cannot_write(api, team_lead, team):
    client = api(team_lead, scope=ApiToken.Scope.READ)
    assert client.get(SPRINTS).status_code == 200
    assert_problem(client.post(SPRINTS, sprint_body(team)), 403)
    assert not Sprint.objects.exists()


# --- pages and query counts ----------------------------------------------------------------


def _make_rows(resource: str, lead, team, n: int) -> dict:
    """n rows of a resource in lead's organization; the query params its list needs."""
    org = team.organization
    if resource == "scoring-models":
        for _ in range(n):
            extra = cast(Team, TeamFactory(organization=org))
            lead.teams.add(extra)
            services.scoring_model_update(actor=lead, team=extra, preset="rice")
        return {}
    if resource == "capacity-policies":
        for _ in range(n):
            extra = cast(Team, TeamFactory(organization=org))
            services.capacity_policy_set(
                actor=lead, team=extra, strategic_share=50, tactical_share=50
            )
        return {}
    if resource == "backlog":
        for i in range(n):
            WorkPackageFactory(
                team=team, owner=lead.user, title=f"W{i}", estimate=i % 8, ready=True
            )
        return {"team": str(team.pk)}
    if resource == "sprints":
        for _ in range(n):
            SprintFactory(team=team)
        return {}
    if resource == "sprint-commitments":
        sprint = SprintFactory(team=team, capacity_points=10000)
        for i in range(n):
            work = WorkPackageFactory(
                team=team, owner=lead.user, title=f"W{i}", estimate=1, ready=True
            )
            SprintCommitmentFactory(sprint=sprint, work_package=work)
        return {}
    if resource == "ideas":
        for _ in range(n):
            IdeaFactory(team=team)
        return {}
    raise AssertionError(resource)


RESOURCES = [
    "scoring-models",
    "capacity-policies",
    "backlog",
    "sprints",
    "sprint-commitments",
    "ideas",
]


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_query_count_does_not_grow_with_the_page(
    api, leader, team, resource, django_assert_num_queries
):
    params = _make_rows(resource, leader, team, 101)
    base = f"{API}/{resource}/"
    assert_list_queries_do_not_grow(api(leader), base, params, django_assert_num_queries)


@pytest.mark.parametrize("resource", RESOURCES)
def test_cursor_pages_walk_every_row_exactly_once(api, leader, team, resource):
    params = _make_rows(resource, leader, team, 12)
    rows = walk_pages(api(leader), f"{API}/{resource}/", {**params, "page_size": 5})
    seen = [row["id"] for row in rows]
    assert len(seen) == len(set(seen)) >= 12


def test_a_close_that_fails_part_way_writes_nothing_and_records_no_change(
    api, team_lead, sprint, make_work
):
    first, second = make_work("First", estimate=2), make_work("Second", estimate=2)
    services.sprint_commit(actor=team_lead, sprint=sprint, work_package=first)
    services.sprint_commit(actor=team_lead, sprint=sprint, work_package=second)
    # The second goes back to being an intention: it cannot jump to done.
    WorkPackage.objects.filter(pk=second.pk).update(status=WorkPackage.Status.INTENTION)
    client = api(team_lead)
    feed = head(client)
    outcomes = {str(first.pk): "done", str(second.pk): "done"}
    response = client.post(url(SPRINTS, sprint, "close/"), {"outcomes": outcomes})
    assert_problem(response, 400, f"outcome_{second.pk}")
    first.refresh_from_db()
    sprint.refresh_from_db()
    assert first.status == WorkPackage.Status.READY  # its change to done was rolled back
    assert sprint.status == Sprint.Status.OPEN
    assert not SprintCommitment.objects.exclude(outcome="").exists()
    assert changes_after(client, feed) == []


def test_a_tampered_backlog_cursor_is_a_400(api, member, team, make_work):
    make_work("A")
    tampered = base64.b64encode(b"p=abc").decode()
    response = api(member).get(BACKLOG, {"team": str(team.pk), "cursor": tampered})
    assert_problem(response, 400, "cursor")


def test_webhooks_offer_the_backlog_objects_of_the_feed():
    from core.webhooks import event_type_groups

    groups = dict(event_type_groups())
    for object_type in ("scoring_model", "capacity_policy", "sprint", "sprint_commitment", "idea"):
        assert f"{object_type}.created" in groups[object_type]
        assert f"{object_type}.deleted" in groups[object_type]
