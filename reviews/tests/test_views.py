"""The cadence pages through the Django test client: who sees and writes what, tenancy, errors
beside their field, the calendar feed, and query counts pinned at 1 and at many rows."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from core.tests.factories import TeamFactory
from planning.models import WorkPackage
from planning.tests.factories import StrategicObjectiveFactory, WorkPackageFactory
from reviews import schedule, selectors, services
from reviews.models import Cadence, Decision, Learning, Notification

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"reviews:{name}", args=args)


def page(response) -> str:
    return unescape(response.content.decode())


def errors_beside(response, field: str) -> list[str]:
    pattern = rf'<p class="field__error" role="alert" id="id_{field}_error">(.*?)</p>'
    return [unescape(m) for m in re.findall(pattern, response.content.decode(), flags=re.S)]


def cadence_post(**overrides) -> dict:
    data = {
        "name": "Weekly delivery review",
        "kind": "weekly_delivery",
        "team": "",
        "frequency": "weekly",
        "weekday": "0",
        "week_of_month": "",
        "day_of_month": "",
        "month_of_quarter": "1",
        "time_of_day": "10:00",
        "duration_minutes": "45",
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
        "reminder_lead_hours": "24",
        "location": "Boardroom",
        "participants": [],
    }
    data.update(overrides)
    return data


# --- who may see what ----------------------------------------------------------------------

PAGES = ["home", "decision_list", "learning_list", "notification_list", "notification_settings"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(url(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize("role", ["admin", "leader", "team_lead", "member", "viewer"])
def test_the_review_room_and_a_session_render_for_every_role(request, client_for, session, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(url("home")).status_code == 200
    response = client.get(url("session_detail", session.pk))
    assert response.status_code == 200
    assert "Live agenda" in page(response)


def test_another_organizations_session_and_cadence_are_404(
    client_for, make_member, other_org, session, cadence
):
    outsider = make_member(Role.LEADER, organization=other_org)
    client = client_for(outsider)
    assert client.get(url("session_detail", session.pk)).status_code == 404
    assert client.get(url("cadence_detail", cadence.pk)).status_code == 404
    assert client.post(url("session_close", session.pk)).status_code == 404
    assert client.post(url("decision_create", session.pk), {"reason": "x"}).status_code == 404


def test_viewers_read_a_session_but_get_no_forms_and_may_not_post(
    client_for, viewer, session, work_package
):
    client = client_for(viewer)
    html = page(client.get(url("session_detail", session.pk)))
    assert work_package.title in html
    assert "Record decision" not in html
    response = client.post(
        url("decision_create", session.pk),
        {"inline_work_package": str(work_package.pk), "verdict": "stop", "reason": "x"},
    )
    assert response.status_code == 403
    work_package.refresh_from_db()
    assert work_package.status == "in_progress"


def test_members_cannot_set_up_reviews(client_for, member):
    assert client_for(member).get(url("cadence_create")).status_code == 403


# --- cadences ------------------------------------------------------------------------------


def test_a_leader_sets_up_a_review_from_the_form(client_for, leader, member):
    client = client_for(leader)
    form = page(client.get(url("cadence_create")))
    assert 'name="participants"' in form
    response = client.post(url("cadence_create"), cadence_post(participants=[str(member.pk)]))
    cadence = Cadence.objects.get()
    assert response.status_code == 302
    assert response.url == url("cadence_detail", cadence.pk)
    assert list(cadence.participants.all()) == [member]
    html = page(client.get(response.url))
    assert "Every Monday at 10:00" in html
    assert "is set up" in html


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        (
            {"starts_on": "2030-01-01", "ends_on": "2030-01-05"},
            "ends_on",
            "This schedule never fires",
        ),
        ({"reminder_lead_hours": "200"}, "reminder_lead_hours", "before the previous review"),
        ({"weekday": ""}, "weekday", "Choose the day of the week"),
        (
            {
                "kind": "monthly_performance",
                "frequency": "monthly",
                "weekday": "",
                "day_of_month": "",
            },
            "day_of_month",
            "Choose a day of the month",
        ),
        ({"time_of_day": ""}, "time_of_day", "This field is required."),
    ],
)
def test_bad_schedules_show_their_error_beside_the_field_and_write_nothing(
    client_for, leader, overrides, field, words
):
    response = client_for(leader).post(url("cadence_create"), cadence_post(**overrides))
    assert response.status_code == 200
    assert any(words in e for e in errors_beside(response, field)), page(response)[:200]
    assert not Cadence.objects.exists()


def test_editing_a_cadence_shows_its_values_and_saves(client_for, leader, cadence):
    client = client_for(leader)
    html = page(client.get(url("cadence_edit", cadence.pk)))
    assert 'value="Weekly delivery review"' in html
    data = cadence_post(
        name="Monday review",
        weekday="0",
        participants=[str(p.pk) for p in cadence.participants.all()],
    )
    data["starts_on"] = cadence.starts_on.isoformat()
    response = client.post(url("cadence_edit", cadence.pk), data)
    assert response.status_code == 302
    cadence.refresh_from_db()
    assert cadence.name == "Monday review"


def test_a_team_lead_cannot_edit_the_organizations_review(client_for, team_lead, cadence):
    assert client_for(team_lead).get(url("cadence_edit", cadence.pk)).status_code == 403


# --- the session page ----------------------------------------------------------------------


def test_the_agenda_lists_overdue_work_and_checks_due_with_a_decide_form(
    client_for, leader, session, work_package
):
    html = page(client_for(leader).get(url("session_detail", session.pk)))
    assert 'id="agenda-overdue"' in html
    assert 'id="agenda-checks_due"' in html
    assert html.count(f'data-item="work_package:{work_package.pk}"') == 2
    assert f'name="inline_work_package" value="{work_package.pk}"' in html


def test_a_stop_decision_from_the_agenda_stops_the_work(
    client_for, leader, session, work_package, member
):
    client = client_for(leader)
    response = client.post(
        url("decision_create", session.pk),
        {
            "inline_work_package": str(work_package.pk),
            "verdict": "stop",
            "reason": "Nobody used it.",
        },
    )
    assert response.status_code == 302
    assert response.url == url("session_detail", session.pk) + "#decisions"
    work_package.refresh_from_db()
    assert (work_package.status, work_package.decision) == ("stopped", "stop")
    decision = Decision.objects.get()
    assert (decision.owner, decision.session) == (member.user, session)
    html = page(client.get(response.url))
    # Stopped work leaves the agenda; the decision is listed with its reason.
    assert f'data-item="work_package:{work_package.pk}"' not in html
    assert 'class="verdict verdict--stop"' in html
    assert "Nobody used it." in html


def test_work_decided_in_the_review_says_so_on_its_row(client_for, leader, session, work_package):
    client = client_for(leader)
    client.post(
        url("decision_create", session.pk),
        {"inline_work_package": str(work_package.pk), "verdict": "continue", "reason": "On track."},
    )
    html = page(client.get(url("session_detail", session.pk)))
    assert html.count("Decided in this review") == 1  # still overdue; its check is decided
    assert f'name="inline_work_package" value="{work_package.pk}"' not in html


def test_a_decision_without_a_reason_shows_the_error_on_its_row(
    client_for, leader, session, work_package
):
    response = client_for(leader).post(
        url("decision_create", session.pk),
        {"inline_work_package": str(work_package.pk), "verdict": "stop", "reason": "  "},
    )
    assert response.status_code == 400
    html = page(response)
    assert "Give the reason for the decision." in html
    assert '<details class="decide" open>' in html
    assert not Decision.objects.exists()
    work_package.refresh_from_db()
    assert work_package.status == "in_progress"


def test_the_general_form_records_an_initiative_adjustment(
    client_for, leader, session, initiative, member
):
    response = client_for(leader).post(
        url("decision_create", session.pk),
        {
            "decision-subject": "initiative",
            "decision-initiative": str(initiative.pk),
            "decision-summary": "Cut the cancellation flow",
            "decision-reason": "Cancellations are 2 % of changes.",
            "decision-owner": str(member.user.pk),
            "decision-verdict": "",
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.subject, decision.initiative, decision.status) == (
        "initiative",
        initiative,
        "open",
    )


def test_the_general_form_without_a_reason_shows_it_beside_the_field(
    client_for, leader, session, initiative, member
):
    response = client_for(leader).post(
        url("decision_create", session.pk),
        {
            "decision-subject": "initiative",
            "decision-initiative": str(initiative.pk),
            "decision-summary": "Cut it",
            "decision-reason": "",
            "decision-owner": str(member.user.pk),
        },
    )
    assert response.status_code == 400
    assert errors_beside(response, "decision-reason") == ["Give the reason for the decision."]
    assert '<details class="side-form" open>' in page(response)


def test_a_learning_from_the_session_shows_on_its_strategic_objective(
    client_for, leader, session, objective, work_package
):
    client = client_for(leader)
    response = client.post(
        url("learning_create", session.pk),
        {
            "learning-statement": "Patients reschedule from the e-mail",
            "learning-evidence": "23 % through the link.",
            "learning-strategic_objective": str(objective.pk),
            "learning-work_packages": [str(work_package.pk)],
        },
    )
    assert response.status_code == 302
    learning = Learning.objects.get()
    assert list(learning.work_packages.all()) == [work_package]
    html = page(client.get(reverse("planning:strategy_detail", args=[objective.pk])))
    assert "Learnings from the work" in html
    assert "Patients reschedule from the e-mail" in html
    assert "23 % through the link." in html


def test_a_learning_for_another_organizations_objective_is_a_field_error(
    client_for, leader, session, other_org
):
    foreign = StrategicObjectiveFactory(organization=other_org)
    response = client_for(leader).post(
        url("learning_create", session.pk),
        {"learning-statement": "Something", "learning-strategic_objective": str(foreign.pk)},
    )
    assert response.status_code == 400
    assert errors_beside(response, "learning-strategic_objective") == [
        "Choose a draft or active strategic objective of this organization."
    ]
    assert not Learning.objects.exists()


def test_the_session_page_fetches_its_decision_and_learning_forms_when_opened(
    client_for, leader, session, initiative, objective, member
):
    client = client_for(leader)
    html = page(client.get(url("session_detail", session.pk)))
    # The panels are there, their forms (every person, initiative, key result) are not.
    assert "Record another decision" in html
    assert "Record a learning" in html
    assert 'name="decision-owner"' not in html
    assert 'name="learning-statement"' not in html
    assert f'hx-get="{url("decision_create", session.pk)}"' in html
    assert f'hx-get="{url("learning_create", session.pk)}"' in html

    # Fetched by htmx: the form alone.
    partial = page(client.get(url("decision_create", session.pk), headers={"HX-Request": "true"}))
    assert "<html" not in partial
    assert 'name="decision-owner"' in partial
    assert f'value="{initiative.pk}"' in partial
    assert f'action="{url("decision_create", session.pk)}"' in partial
    learning = page(client.get(url("learning_create", session.pk), headers={"HX-Request": "true"}))
    assert 'name="learning-statement"' in learning
    assert f'value="{objective.pk}"' in learning
    # Without JavaScript the panel's link opens the form as a page.
    full = page(client.get(url("decision_create", session.pk)))
    assert "<html" in full
    assert "Record a decision" in full
    assert 'name="decision-owner"' in full


def test_viewers_and_outsiders_get_no_session_forms(
    client_for, viewer, make_member, other_org, session
):
    client = client_for(viewer)
    html = page(client.get(url("session_detail", session.pk)))
    assert "Record another decision" not in html
    assert client.get(url("decision_create", session.pk)).status_code == 403
    assert client.get(url("learning_create", session.pk)).status_code == 403
    outsider = client_for(make_member(Role.LEADER, organization=other_org))
    assert outsider.get(url("decision_create", session.pk)).status_code == 404
    assert outsider.get(url("learning_create", session.pk)).status_code == 404


def test_notes_and_closing_keep_the_agenda(client_for, leader, cadence):
    past = schedule.previous_occurrences(cadence.as_schedule(), before=timezone.now(), count=1)[0]
    session = services.review_session_prepare(actor=leader, cadence=cadence, scheduled_at=past)
    client = client_for(leader)
    assert (
        client.post(url("session_notes", session.pk), {"notes-notes": "Good pace."}).status_code
        == 302
    )
    response = client.post(url("session_close", session.pk), follow=True)
    html = page(response)
    assert "Review closed" in html
    assert "Agenda as it stood when the review was closed" in html
    assert "Good pace." in html
    session.refresh_from_db()
    assert session.status == "held"


def test_closing_an_upcoming_review_days_ahead_is_refused(client_for, leader, session):
    # Whatever today is, the session under test lies days ahead (no date-dependent skip).
    session.scheduled_at = timezone.now() + datetime.timedelta(days=3)
    session.save(update_fields=["scheduled_at"])
    response = client_for(leader).post(url("session_close", session.pk), follow=True)
    assert "has not started yet" in page(response)
    session.refresh_from_db()
    assert session.status == "scheduled"


# --- decisions, learnings, notifications ----------------------------------------------------


def test_the_decision_owner_marks_it_done_from_the_list(
    client_for, leader, member, session, initiative
):
    decision = services.decision_record(
        actor=leader,
        session=session,
        subject="initiative",
        initiative=initiative,
        summary="Cut scope",
        reason="Focus.",
        owner=member.user,
    )
    client = client_for(member)
    html = page(client.get(url("decision_list") + "?status=open"))
    assert "Cut scope" in html
    assert "Mark done" in html
    response = client.post(
        url("decision_done", decision.pk), {"done": "1", "next": url("decision_list")}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == "done"


def test_the_bell_counts_unread_notifications_and_opening_one_marks_it_read(
    client_for, member, org
):
    services.notification_create(
        organization=org,
        recipient=member.user,
        kind="work_package_overdue",
        title="Overdue: X",
        url="/my-work/",
    )
    client = client_for(member)
    home = page(client.get(url("home")))
    assert 'hx-get="/notifications/bell/"' in home
    assert 'hx-trigger="load, every 60s"' in home
    bell = page(client.get(url("notification_bell")))
    assert 'class="bell__count" aria-hidden="true">1<' in bell
    assert 'hx-trigger="every 60s"' in bell
    notification = Notification.objects.get()
    response = client.post(url("notification_open", notification.pk))
    assert response.url == "/my-work/"
    assert "bell__count" not in page(client.get(url("notification_bell")))


def test_notification_settings_turn_kinds_off_per_channel(client_for, member):
    client = client_for(member)
    html = page(client.get(url("notification_settings")))
    assert html.count('type="checkbox"') == 12
    data = {
        f"{k}__{c}": "on"
        for k in (
            "review_upcoming",
            "check_in_due",
            "work_package_overdue",
            "success_check_due",
            "intention_not_ready",
            "weekly_digest",
        )
        for c in ("in_app", "email")
    }
    del data["weekly_digest__email"]
    assert client.post(url("notification_settings"), data).status_code == 302
    assert selectors.opted_out(membership=member) == {("weekly_digest", "email")}


# --- the calendar feed ----------------------------------------------------------------------


def _feed_url(membership, cadence=None):
    token = services.calendar_token(membership, selectors.calendar_nonce(membership=membership))
    if cadence is None:
        return url("calendar_feed", membership.pk, token)
    return url("calendar_feed_cadence", membership.pk, token, cadence.pk)


def test_the_private_calendar_lists_the_reviews_one_takes_part_in(client, member, cadence):
    response = client.get(_feed_url(member))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith("END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") >= 20  # about half a year of weekly reviews
    session = cadence.sessions.get()
    stamp = session.scheduled_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{stamp}" in body
    assert f"UID:{cadence.pk}-{stamp}@throughline" in body
    assert "SUMMARY:Weekly delivery review (Acme Test)" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert client.get(_feed_url(member, cadence)).status_code == 200


def test_a_wrong_or_reset_calendar_address_is_a_404(client, member, cadence):
    good = _feed_url(member)
    assert client.get(good.replace(good.split("/")[3], "0" * 40)).status_code == 404
    services.calendar_feed_reset(membership=member)
    assert client.get(good).status_code == 404
    assert client.get(_feed_url(member)).status_code == 200


def test_a_deactivated_member_loses_the_calendar(client, member, cadence):
    feed = _feed_url(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(feed).status_code == 404


def test_the_calendar_shows_a_daylight_saving_change_at_the_same_wall_time(client, leader, member):
    cadence = services.cadence_create(
        actor=leader,
        participants=[member],
        name="Tuesday review",
        kind="weekly_delivery",
        team=None,
        frequency="weekly",
        weekday=1,
        time_of_day=datetime.time(10, 0),
        starts_on=timezone.localdate(),
        reminder_lead_hours=24,
    )
    body = client.get(_feed_url(member, cadence)).content.decode()
    starts = re.findall(r"DTSTART:(\d{8}T\d{4})", body)
    hours = {s[-4:] for s in starts}
    # 10:00 in Berlin is 09:00 UTC in winter and 08:00 UTC in summer: both show up in half a year.
    assert hours <= {"0900", "0800"}


# --- query counts --------------------------------------------------------------------------


def _rows(n, *, org, leader, session, make_member):
    """n of every agenda row kind, each with its own team and owner, and n decisions and learnings."""
    from backlog.tests.factories import SprintCommitmentFactory, SprintFactory
    from okrs.tests.factories import CycleFactory, KeyResultFactory, ObjectiveFactory

    today = timezone.localdate()
    objective = StrategicObjectiveFactory(organization=org)
    okr = ObjectiveFactory(cycle=CycleFactory(organization=org), strategic_objective=objective)
    for _ in range(n):
        team = TeamFactory(organization=org)
        owner = make_member(Role.MEMBER, teams=[team]).user
        overdue = WorkPackageFactory(
            team=team,
            owner=owner,
            ready=True,
            status="in_progress",
            category="tactical",
            estimate=5,
            due_date=today - datetime.timedelta(days=2),
            success_review_date=today - datetime.timedelta(days=1),
        )
        KeyResultFactory(objective=okr, owner=owner)  # never checked in: at risk
        sprint = SprintFactory(
            team=team,
            start_date=today - datetime.timedelta(days=2),
            end_date=today + datetime.timedelta(days=10),
        )
        SprintCommitmentFactory(sprint=sprint, work_package=overdue)  # all tactical: drift
        old = WorkPackageFactory(team=team, owner=owner)
        WorkPackage.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=9)
        )
        services.decision_record(
            actor=leader,
            session=session,
            subject="capacity",
            team=team,
            summary="Rebalance",
            reason="Because",
            owner=owner,
        )
        services.learning_record(
            actor=leader,
            session=session,
            strategic_objective=objective,
            statement="Learned",
            work_packages=[overdue],
        )


QUERY_PAGES = {
    # page: queries, whatever the number of rows
    # The general decision and learning forms are fetched when opened (see below): the page
    # no longer reads every person, initiative and key result for their options.
    "session_detail": 21,
    "home": 9,
    "decision_list": 6,
    "learning_list": 9,
    "notification_list": 6,
}


@pytest.mark.parametrize("rows", [1, 12])
@pytest.mark.parametrize("name", QUERY_PAGES)
def test_page_query_count_does_not_grow_with_rows(
    django_assert_num_queries, client_for, org, leader, session, make_member, name, rows
):
    _rows(rows, org=org, leader=leader, session=session, make_member=make_member)
    for _ in range(rows):
        services.notification_create(
            organization=org, recipient=leader.user, kind="weekly_digest", title="Week"
        )
    client = client_for(leader)
    target = url(name, session.pk) if name == "session_detail" else url(name)
    with django_assert_num_queries(QUERY_PAGES[name]):
        response = client.get(target)
    assert response.status_code == 200
    if name == "session_detail":
        html = page(response)
        for kind in ("key_result", "team"):
            assert html.count(f'data-item="{kind}:') == rows
        assert html.count('class="decision"') == rows
        assert html.count('class="learning"') == rows


SESSION_FORMS = {
    # the form: queries, whatever the number of rows (its options are read while rendering)
    "decision_create": 21,
    "learning_create": 20,
}


@pytest.mark.parametrize("rows", [1, 12])
@pytest.mark.parametrize("name", SESSION_FORMS)
def test_session_form_query_count_does_not_grow_with_rows(
    django_assert_num_queries, client_for, org, leader, session, make_member, name, rows
):
    _rows(rows, org=org, leader=leader, session=session, make_member=make_member)
    client = client_for(leader)
    with django_assert_num_queries(SESSION_FORMS[name]):
        response = client.get(url(name, session.pk), headers={"HX-Request": "true"})
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 12])
def test_the_learnings_panel_on_the_strategy_page_runs_two_queries(
    django_assert_num_queries, rf, org, leader, session, make_member, rows
):
    from reviews.panels import strategic_objective_panel

    objective = StrategicObjectiveFactory(organization=org)
    for _ in range(rows):
        wp = WorkPackageFactory(team=TeamFactory(organization=org))
        services.learning_record(
            actor=leader,
            session=session,
            strategic_objective=objective,
            statement="Learned",
            work_packages=[wp],
        )
    request = rf.get("/")
    request.membership = leader
    with django_assert_num_queries(3):  # learnings, their work packages, their key results
        html = strategic_objective_panel(request, objective)
    assert html.count('class="learning"') == min(rows, 5)
