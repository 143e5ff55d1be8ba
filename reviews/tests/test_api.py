"""The REST contract of the cadence (DESIGN.md, "REST API contract"): cadences, review sessions
and their agendas, decisions, learnings and one's own notifications, over HTTP with a token.

Checked: the wire format, tenancy, roles as on the pages, the services' rules, conditional
requests, idempotency, problem+json errors, filters, pages and the changes feed.
"""

from __future__ import annotations

import datetime
from typing import cast

import pytest
from django.utils import timezone

from core.models import Role
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
from planning.tests.factories import StrategicObjectiveFactory, WorkPackageFactory
from reviews import services
from reviews.models import Cadence, Decision, Learning, Notification, ReviewSession
from reviews.tests.factories import (
    CadenceFactory,
    DecisionFactory,
    LearningFactory,
    ReviewSessionFactory,
)

pytestmark = pytest.mark.django_db

CADENCES = f"{API}/cadences/"
SESSIONS = f"{API}/review-sessions/"
DECISIONS = f"{API}/decisions/"
LEARNINGS = f"{API}/learnings/"
NOTIFICATIONS = f"{API}/notifications/"

CADENCE_FIELDS = {
    "id",
    "team",
    "name",
    "kind",
    "frequency",
    "weekday",
    "week_of_month",
    "day_of_month",
    "month_of_quarter",
    "time_of_day",
    "duration_minutes",
    "starts_on",
    "ends_on",
    "reminder_lead_hours",
    "location",
    "participants",
    "archived",
    "archived_at",
    "version",
    "created_at",
    "updated_at",
}
DECISION_FIELDS = {
    "id",
    "session",
    "subject",
    "verdict",
    "work_package",
    "initiative",
    "strategic_objective",
    "team",
    "subject_title",
    "summary",
    "reason",
    "owner",
    "status",
    "done_at",
    "recorded_by",
    "version",
    "created_at",
    "updated_at",
}


# --- helpers -------------------------------------------------------------------------------


def kinds(client, cursor: str) -> list[tuple[str, str]]:
    return [(c["type"], c["op"]) for c in changes_after(client, cursor)]


def cadence_body(**fields) -> dict:
    return {
        "name": "Weekly delivery review",
        "kind": "weekly_delivery",
        "frequency": "weekly",
        "weekday": 2,
        "time_of_day": "09:30",
        "starts_on": str(timezone.localdate()),
        **fields,
    }


@pytest.fixture
def past_session(cadence):
    """A session of the weekly review that took place yesterday, still open."""
    return ReviewSessionFactory(
        cadence=cadence, scheduled_at=timezone.now() - datetime.timedelta(days=1)
    )


@pytest.fixture
def foreign(other_org, make_member):
    """Another organization's leader, review, session, decision, learning and notification."""
    leader = make_member(Role.LEADER, organization=other_org)
    objective = StrategicObjectiveFactory(organization=other_org, statement="Foreign objective")
    cadence = CadenceFactory(organization=other_org, participants=[leader])
    session = ReviewSessionFactory(cadence=cadence)
    team = TeamFactory(organization=other_org)
    decision = DecisionFactory(
        session=session, owner=leader.user, subject="capacity", team=team, summary="Rebalance"
    )
    learning = cast(
        Learning, LearningFactory(strategic_objective=objective, recorded_by=leader.user)
    )
    notification = Notification.objects.create(
        organization=other_org,
        recipient=leader.user,
        kind="weekly_digest",
        title="Foreign week",
        created_at=timezone.now(),
    )
    return {
        "leader": leader,
        "objective": objective,
        "cadence": cadence,
        "session": session,
        "decision": decision,
        "learning": learning,
        "notification": notification,
        "team": team,
    }


# --- cadences ------------------------------------------------------------------------------


def test_a_leader_sets_up_a_review_and_its_next_session_is_prepared(api, leader, team_lead):
    client = api(leader)
    feed = head(client)
    response = client.post(CADENCES, cadence_body(participants=[str(team_lead.pk)]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == CADENCE_FIELDS
    assert body["participants"] == [str(team_lead.pk)]
    assert body["time_of_day"] == "09:30"
    assert etag_version(response) == 1
    cadence = Cadence.objects.get()
    session = cadence.sessions.get()
    assert kinds(client, feed) == [("cadence", "created"), ("review_session", "created")]
    listed = client.get(SESSIONS, {"cadence": str(cadence.pk)}).json()["results"]
    assert [s["id"] for s in listed] == [str(session.pk)]


def test_a_cadence_changes_and_is_archived(api, leader, cadence, member):
    client = api(leader)
    feed = head(client)
    renamed = client.patch(
        url(CADENCES, cadence), {"name": "Delivery review", "location": "Room 2"}
    )
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["version"] == 2
    people = client.patch(url(CADENCES, cadence), {"participants": [str(member.pk)]})
    assert people.json()["participants"] == [str(member.pk)]
    assert people.json()["version"] == 3
    same = client.patch(url(CADENCES, cadence), {"name": "Delivery review"})
    assert same.json()["version"] == 3  # nothing changed, nothing moves
    archived = client.post(url(CADENCES, cadence, "archive/"), {}, HTTP_IF_MATCH='"3"')
    assert archived.status_code == 200, archived.content
    assert archived.json()["archived"] is True
    assert not cadence.sessions.filter(status="scheduled").exists()
    assert kinds(client, feed) == [
        ("cadence", "updated"),
        ("cadence", "updated"),
        ("cadence", "updated"),
        ("review_session", "deleted"),
    ]


def test_cadence_rules_are_400s_naming_the_field_and_write_nothing(api, leader):
    client = api(leader)
    feed = head(client)
    assert_problem(client.post(CADENCES, cadence_body(frequency="monthly")), 400, "frequency")
    assert_problem(client.post(CADENCES, cadence_body(name=" ")), 400, "name")
    assert_problem(client.post(CADENCES, cadence_body(time_of_day="25:00")), 400, "time_of_day")
    for bad in ("9:30", "09:30+01:00", "09:30:00.5", "T09:30", "09:30\n"):
        assert_problem(client.post(CADENCES, cadence_body(time_of_day=bad)), 400, "time_of_day")
    assert_problem(client.post(CADENCES, cadence_body(kind="daily")), 400, "kind")
    assert_problem(client.post(CADENCES, cadence_body(participants=["nope"])), 400, "participants")
    assert_problem(client.post(CADENCES, cadence_body(agenda="x")), 400, "agenda")
    assert not Cadence.objects.exists()
    assert changes_after(client, feed) == []


def test_cadence_roles(api, team_lead, member, team, other_team, cadence):
    assert_problem(api(member).post(CADENCES, cadence_body(team=str(team.pk))), 403)
    assert_problem(api(team_lead).post(CADENCES, cadence_body()), 403)  # the organization's
    assert_problem(api(team_lead).post(CADENCES, cadence_body(team=str(other_team.pk))), 403)
    assert_problem(api(team_lead).patch(url(CADENCES, cadence), {"name": "Mine"}), 403)
    assert_problem(api(team_lead).post(url(CADENCES, cadence, "archive/"), {}), 403)
    assert Cadence.objects.count() == 1
    own = api(team_lead).post(CADENCES, cadence_body(team=str(team.pk)))
    assert own.status_code == 201, own.content


def test_cadence_etag_and_stale_if_match(api, leader, cadence):
    client = api(leader)
    detail = url(CADENCES, cadence)
    got = client.get(detail)
    assert etag_version(got) == 1
    assert client.get(detail, HTTP_IF_NONE_MATCH=got["ETag"]).status_code == 304
    feed = head(client)
    stale = client.patch(detail, {"name": "Late"}, HTTP_IF_MATCH='"5"')
    assert stale.status_code == 412
    assert stale.json()["name"] == cadence.name
    assert_problem(client.delete(detail), 405)
    assert changes_after(client, feed) == []


# --- review sessions -----------------------------------------------------------------------


def test_a_session_has_its_agenda_and_notes(api, member, session, work_package):
    client = api(member)
    got = client.get(url(SESSIONS, session))
    assert got.status_code == 200
    assert got.json()["status"] == "scheduled"
    agenda = client.get(url(SESSIONS, session, "agenda/"))
    assert agenda.status_code == 200, agenda.content
    body = agenda.json()
    assert body["session"] == str(session.pk)
    assert body["live"] is True
    assert body["layer"] == "tactical"
    overdue = next(s for s in body["sections"] if s["key"] == "overdue")
    assert str(work_package.pk) in {i["id"] for i in overdue["items"]}
    feed = head(client)
    noted = client.patch(url(SESSIONS, session), {"notes": "Talk about the booking flow"})
    assert noted.status_code == 200, noted.content
    assert noted.json()["notes"] == "Talk about the booking flow"
    assert noted.json()["version"] == 2
    assert kinds(client, feed) == [("review_session", "updated")]


def test_closing_a_session_keeps_its_agenda_and_a_stale_if_match_is_a_412(
    api, team_lead, past_session
):
    client = api(team_lead)
    feed = head(client)
    stale = client.post(url(SESSIONS, past_session, "close/"), {}, HTTP_IF_MATCH='"4"')
    assert stale.status_code == 412
    assert stale.json()["status"] == "scheduled"
    assert changes_after(client, feed) == []
    closed = client.post(url(SESSIONS, past_session, "close/"), {}, HTTP_IF_MATCH='"1"')
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "held"
    assert closed.json()["closed_by"] == str(team_lead.user_id)
    assert client.get(url(SESSIONS, past_session, "agenda/")).json()["live"] is False
    assert ("review_session", "updated") in kinds(client, feed)
    assert_problem(client.patch(url(SESSIONS, past_session), {"notes": "late"}), 400, "notes")
    assert_problem(client.post(url(SESSIONS, past_session, "close/"), {}), 400, "session")


def test_a_session_that_has_not_started_cannot_be_closed(api, leader, session):
    assert_problem(api(leader).post(url(SESSIONS, session, "close/"), {}), 400, "session")
    session.refresh_from_db()
    assert session.status == ReviewSession.Status.SCHEDULED


def test_cancelling_a_session(api, leader, member, session):
    assert_problem(api(member).post(url(SESSIONS, session, "cancel/"), {}), 403)
    cancelled = api(leader).post(url(SESSIONS, session, "cancel/"), {})
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"


def test_sessions_are_not_created_or_deleted_over_the_api(api, leader, session):
    assert_problem(api(leader).post(SESSIONS, {"cadence": str(session.cadence_id)}), 405)
    assert_problem(api(leader).delete(url(SESSIONS, session)), 405)
    assert ReviewSession.objects.filter(pk=session.pk).exists()


def test_a_viewer_reads_a_review_but_does_not_write_in_it(api, viewer, session):
    client = api(viewer)
    assert client.get(url(SESSIONS, session)).status_code == 200
    assert_problem(client.patch(url(SESSIONS, session), {"notes": "Mine"}), 403)
    session.refresh_from_db()
    assert session.notes == ""


# --- decisions -----------------------------------------------------------------------------


def test_a_decision_on_work_is_recorded_and_stops_it(api, team_lead, member, session, work_package):
    client = api(team_lead)
    feed = head(client)
    response = client.post(
        DECISIONS,
        {
            "session": str(session.pk),
            "subject": "work_package",
            "work_package": str(work_package.pk),
            "verdict": "stop",
            "reason": "Nobody uses the link",
            "owner": str(member.user_id),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == DECISION_FIELDS
    assert (body["verdict"], body["status"], body["owner"]) == ("stop", "done", str(member.user_id))
    work_package.refresh_from_db()
    assert work_package.status == WorkPackage.Status.STOPPED
    assert kinds(client, feed) == [("work_package", "updated"), ("decision", "created")]


def test_an_adjustment_stays_open_until_its_owner_marks_it_done(
    api, leader, member, team_lead, session, initiative
):
    decision = services.decision_record(
        actor=leader,
        session=session,
        subject="initiative",
        initiative=initiative,
        summary="Cut scope to two clinics",
        reason="Capacity",
        owner=member.user,
    )
    assert_problem(api(team_lead).post(url(DECISIONS, decision, "done/"), {}), 403)
    client = api(member)
    feed = head(client)
    done = client.post(url(DECISIONS, decision, "done/"), {}, HTTP_IF_MATCH='"1"')
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    assert done.json()["version"] == 2
    reopened = client.post(url(DECISIONS, decision, "done/"), {"done": False})
    assert reopened.json()["status"] == "open"
    assert kinds(client, feed) == [("decision", "updated"), ("decision", "updated")]
    stale = client.post(url(DECISIONS, decision, "done/"), {}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["status"] == "open"


def test_decision_rules_are_400s_naming_the_field_and_write_nothing(
    api, leader, session, work_package, initiative, member
):
    client = api(leader)
    feed = head(client)
    base = {"session": str(session.pk), "owner": str(member.user_id), "reason": "Because"}
    on_work = {**base, "subject": "work_package", "work_package": str(work_package.pk)}
    assert_problem(client.post(DECISIONS, on_work), 400, "verdict")
    assert_problem(client.post(DECISIONS, {**on_work, "verdict": "pause"}), 400, "verdict")
    assert_problem(
        client.post(DECISIONS, {**on_work, "verdict": "stop", "reason": ""}), 400, "reason"
    )
    assert_problem(client.post(DECISIONS, {**base, "subject": "initiative"}), 400, "initiative")
    adjust = {**base, "subject": "initiative", "initiative": str(initiative.pk)}
    assert_problem(client.post(DECISIONS, adjust), 400, "summary")
    assert_problem(client.post(DECISIONS, {**adjust, "summary": "x", "owner": None}), 400, "owner")
    assert_problem(client.post(DECISIONS, {**base, "subject": "mood"}), 400, "subject")
    assert not Decision.objects.exists()
    work_package.refresh_from_db()
    assert work_package.status == WorkPackage.Status.IN_PROGRESS
    assert changes_after(client, feed) == []


def test_decisions_cannot_be_edited_or_deleted_over_the_api(api, leader, session, initiative):
    decision = DecisionFactory(session=session, initiative=initiative, owner=leader.user)
    assert_problem(api(leader).patch(url(DECISIONS, decision), {"reason": "x"}), 405)
    assert_problem(api(leader).delete(url(DECISIONS, decision)), 405)


def test_decision_filters(api, leader, member, session, initiative, cadence):
    mine = DecisionFactory(session=session, initiative=initiative, owner=member.user)
    done = DecisionFactory(session=session, initiative=initiative, owner=leader.user, status="done")
    client = api(leader)

    def ids(**params):
        response = client.get(DECISIONS, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(owner=str(member.user_id)) == {str(mine.pk)}
    assert ids(status="done") == {str(done.pk)}
    assert ids(session=str(session.pk)) == {str(mine.pk), str(done.pk)}
    assert ids(cadence=str(cadence.pk)) == {str(mine.pk), str(done.pk)}
    assert ids(initiative=str(initiative.pk)) == {str(mine.pk), str(done.pk)}
    assert ids(updated_since="2999-01-01T00:00:00Z") == set()
    assert_problem(client.get(DECISIONS, {"status": "maybe"}), 400, "status")
    assert_problem(client.get(DECISIONS, {"updated_since": "yesterday"}), 400, "updated_since")


# --- learnings -----------------------------------------------------------------------------


def test_a_learning_is_recorded_in_a_review_and_updated(
    api, member, session, objective, work_package
):
    client = api(member)
    feed = head(client)
    response = client.post(
        LEARNINGS,
        {
            "session": str(session.pk),
            "strategic_objective": str(objective.pk),
            "statement": "Clinics reschedule by e-mail, not by phone",
            "work_packages": [str(work_package.pk)],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["work_packages"] == [str(work_package.pk)]
    assert body["recorded_by"] == str(member.user_id)
    learning = Learning.objects.get()
    patched = client.patch(url(LEARNINGS, learning), {"evidence": "40 of 52 used the link"})
    assert patched.status_code == 200, patched.content
    assert patched.json()["evidence"] == "40 of 52 used the link"
    assert patched.json()["work_packages"] == [str(work_package.pk)]  # PATCH keeps the links
    assert patched.json()["version"] == 2
    unlinked = client.patch(url(LEARNINGS, learning), {"work_packages": []})
    assert unlinked.json()["work_packages"] == []
    assert unlinked.json()["version"] == 3
    assert kinds(client, feed) == [
        ("learning", "created"),
        ("learning", "updated"),
        ("learning", "updated"),
    ]
    listed = client.get(LEARNINGS, {"strategic_objective": str(objective.pk)}).json()
    assert [r["id"] for r in listed["results"]] == [str(learning.pk)]


def test_learning_rules_are_400s_naming_the_field(api, leader, objective, foreign):
    client = api(leader)
    assert_problem(client.post(LEARNINGS, {"statement": "x"}), 400, "strategic_objective")
    body = {"strategic_objective": str(objective.pk), "statement": " "}
    assert_problem(client.post(LEARNINGS, body), 400, "statement")
    foreign_objective = {"strategic_objective": str(foreign["objective"].pk), "statement": "x"}
    assert_problem(client.post(LEARNINGS, foreign_objective), 400, "strategic_objective")
    assert not Learning.objects.filter(organization=leader.organization).exists()


def test_a_member_records_learnings_only_in_a_review(api, member, objective):
    body = {"strategic_objective": str(objective.pk), "statement": "A thing we learned"}
    assert_problem(api(member).post(LEARNINGS, body), 403)
    assert not Learning.objects.exists()


# --- notifications -------------------------------------------------------------------------


def _notify(membership, title="Review tomorrow", **fields):
    return Notification.objects.create(
        organization=membership.organization,
        recipient=membership.user,
        kind=fields.pop("kind", "review_upcoming"),
        title=title,
        created_at=fields.pop("created_at", timezone.now()),
        **fields,
    )


def test_notifications_are_the_callers_own(api, member, leader):
    mine = _notify(member)
    theirs = _notify(leader, title="Not yours")
    client = api(member)
    listed = client.get(NOTIFICATIONS).json()["results"]
    assert [n["id"] for n in listed] == [str(mine.pk)]
    assert listed[0]["read"] is False
    assert_problem(client.get(url(NOTIFICATIONS, theirs)), 404)
    assert_problem(client.post(url(NOTIFICATIONS, theirs, "read/"), {}), 404)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_notifications_read(api, member):
    first, second, _third = _notify(member, "A"), _notify(member, "B"), _notify(member, "C")
    client = api(member)
    read = client.post(url(NOTIFICATIONS, first, "read/"), {})
    assert read.status_code == 200, read.content
    assert read.json()["read"] is True
    assert {n["id"] for n in client.get(NOTIFICATIONS, {"unread": "true"}).json()["results"]} == {
        str(second.pk),
        str(_third.pk),
    }
    feed = head(client)
    marked = client.post(f"{NOTIFICATIONS}read-all/", {})
    assert marked.json() == {"marked": 2}
    assert client.get(NOTIFICATIONS, {"unread": "true"}).json()["results"] == []
    assert changes_after(client, feed) == []  # one person's notifications are not on the feed
    assert_problem(client.get(NOTIFICATIONS, {"unread": "perhaps"}), 400, "unread")
    assert_problem(client.post(NOTIFICATIONS, {"title": "x"}), 405)


# --- tenancy -------------------------------------------------------------------------------


def test_another_organizations_objects_are_404_on_every_verb_and_never_listed(
    api, leader, session, foreign
):
    client = api(leader)
    objects = {
        CADENCES: foreign["cadence"],
        SESSIONS: foreign["session"],
        DECISIONS: foreign["decision"],
        LEARNINGS: foreign["learning"],
        NOTIFICATIONS: foreign["notification"],
    }
    for base, obj in objects.items():
        assert_problem(client.get(url(base, obj)), 404)
        if base in (CADENCES, SESSIONS, LEARNINGS):
            assert_problem(client.patch(url(base, obj), {}), 404)
            assert_problem(client.put(url(base, obj), {}), 404)
        listing = client.get(base)
        assert listing.status_code == 200
        assert str(obj.pk) not in {row["id"] for row in listing.json()["results"]}
    actions = [
        url(CADENCES, foreign["cadence"], "archive/"),
        url(SESSIONS, foreign["session"], "close/"),
        url(SESSIONS, foreign["session"], "cancel/"),
        url(DECISIONS, foreign["decision"], "done/"),
        url(NOTIFICATIONS, foreign["notification"], "read/"),
    ]
    for action in actions:
        assert_problem(client.post(action, {}), 404)
    assert_problem(client.get(url(SESSIONS, foreign["session"], "agenda/")), 404)
    body = {
        "session": str(foreign["session"].pk),
        "subject": "capacity",
        "team": str(foreign["team"].pk),
        "summary": "x",
        "reason": "y",
        "owner": str(leader.user_id),
    }
    assert_problem(client.post(DECISIONS, body), 400, "session", "team")
    foreign["cadence"].refresh_from_db()
    foreign["decision"].refresh_from_db()
    assert foreign["cadence"].archived_at is None
    assert foreign["decision"].status == "open"


def test_a_replayed_decision_is_recorded_once(api, leader, member, session, initiative):
    client = api(leader)
    body = {
        "session": str(session.pk),
        "subject": "initiative",
        "initiative": str(initiative.pk),
        "summary": "Pause hiring",
        "reason": "Budget",
        "owner": str(member.user_id),
    }
    first = client.post(DECISIONS, body, HTTP_IDEMPOTENCY_KEY="d-1")
    replay = client.post(DECISIONS, body, HTTP_IDEMPOTENCY_KEY="d-1")
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Decision.objects.count() == 1
    assert_problem(
        client.post(DECISIONS, {**body, "reason": "Other"}, HTTP_IDEMPOTENCY_KEY="d-1"), 422
    )


# --- pages and query counts ----------------------------------------------------------------


def _make_rows(resource: str, leader, objective, n: int) -> None:
    org = leader.organization
    if resource == "cadences":
        for _ in range(n):
            CadenceFactory(organization=org, participants=[leader])
    elif resource == "review-sessions":
        cadence = CadenceFactory(organization=org)
        start = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)
        for i in range(n):
            ReviewSessionFactory(cadence=cadence, scheduled_at=start + datetime.timedelta(days=i))
    elif resource == "decisions":
        session = ReviewSessionFactory(cadence=CadenceFactory(organization=org))
        for _ in range(n):
            DecisionFactory(session=session, owner=leader.user)
    elif resource == "learnings":
        work = cast(WorkPackage, WorkPackageFactory(team=TeamFactory(organization=org)))
        for _ in range(n):
            learning = cast(
                Learning, LearningFactory(strategic_objective=objective, recorded_by=leader.user)
            )
            learning.work_packages.set([work])
    elif resource == "notifications":
        for i in range(n):
            _notify(leader, f"N{i}")
    else:
        raise AssertionError(resource)


RESOURCES = ["cadences", "review-sessions", "decisions", "learnings", "notifications"]


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_query_count_does_not_grow_with_the_page(
    api, leader, objective, resource, django_assert_num_queries
):
    _make_rows(resource, leader, objective, 101)
    base = f"{API}/{resource}/"
    assert_list_queries_do_not_grow(api(leader), base, {}, django_assert_num_queries)


@pytest.mark.parametrize("resource", RESOURCES)
def test_cursor_pages_walk_every_row_exactly_once(api, leader, objective, resource):
    _make_rows(resource, leader, objective, 12)
    rows = walk_pages(api(leader), f"{API}/{resource}/", {"page_size": 5})
    seen = [row["id"] for row in rows]
    assert len(seen) == len(set(seen)) >= 12


@pytest.mark.parametrize("starts_on", ["9999-12-25", "9999-12-31"])
@pytest.mark.parametrize("frequency", ["weekly", "quarterly"])
def test_a_schedule_at_the_end_of_the_calendar_is_a_400_not_a_500(
    api, leader, starts_on, frequency
):
    body = cadence_body(starts_on=starts_on, ends_on=starts_on, frequency=frequency, kind="custom")
    if frequency == "quarterly":
        body.update(weekday=0, week_of_month=-1)
    problem = assert_problem(api(leader).post(CADENCES, body), 400)
    assert {"starts_on", "ends_on"} & set(problem["errors"])
    assert not Cadence.objects.exists()


def test_webhooks_offer_the_review_objects_of_the_feed_but_not_notifications():
    from core.webhooks import event_type_groups

    groups = dict(event_type_groups())
    for object_type in ("cadence", "review_session", "decision", "learning"):
        assert f"{object_type}.updated" in groups[object_type]
    assert "notification" not in groups
