"""The cadence's writes through its services: rules, field errors, tenancy, side effects."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils import timezone

from core.models import Role
from core.tests.factories import TeamFactory
from planning.models import WorkPackage
from planning.tests.factories import (
    InitiativeFactory,
    StrategicObjectiveFactory,
    WorkPackageFactory,
)
from reviews import schedule, selectors, services
from reviews.models import Cadence, Decision, Learning, ReviewSession

pytestmark = pytest.mark.django_db


def cadence_data(**overrides):
    data = {
        "name": "Weekly delivery review",
        "kind": "weekly_delivery",
        "team": None,
        "frequency": "weekly",
        "weekday": 0,
        "week_of_month": None,
        "day_of_month": None,
        "month_of_quarter": 1,
        "time_of_day": datetime.time(10, 0),
        "duration_minutes": 60,
        "starts_on": timezone.localdate(),
        "ends_on": None,
        "reminder_lead_hours": 24,
        "location": "",
    }
    data.update(overrides)
    return data


def field_errors(exc_info) -> dict:
    return exc_info.value.message_dict


# --- cadences ------------------------------------------------------------------------------


def test_a_leader_sets_up_a_review_and_its_next_session_is_prepared(leader, member):
    now = timezone.now()
    cadence = services.cadence_create(actor=leader, participants=[member], **cadence_data())
    session = cadence.sessions.get()
    assert session.status == ReviewSession.Status.SCHEDULED
    assert session.scheduled_at == schedule.next_occurrence(cadence.as_schedule(), after=now)
    assert list(cadence.participants.all()) == [member]
    assert cadence.version == 1
    assert cadence.schedule_text == "Every Monday at 10:00"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        # A schedule that can never fire: Mondays between a Tuesday and the Saturday after it.
        (
            {"starts_on": datetime.date(2030, 1, 1), "ends_on": datetime.date(2030, 1, 5)},
            "ends_on",
            "never fires",
        ),
        ({"weekday": None}, "weekday", "Choose the day of the week"),
        ({"reminder_lead_hours": 24 * 7}, "reminder_lead_hours", "before the previous review"),
        (
            {
                "kind": "monthly_performance",
                "frequency": "monthly",
                "weekday": None,
                "day_of_month": 1,
                "reminder_lead_hours": 24 * 30,
            },
            "reminder_lead_hours",
            "before the previous review",
        ),
        ({"kind": "quarterly_strategy"}, "frequency", "runs quarterly"),
        ({"name": "  "}, "name", "Name the review"),
        ({"name": "Weekly\x00"}, "name", "NUL"),
    ],
)
def test_bad_cadences_are_refused_with_a_field_error_and_nothing_written(
    leader, overrides, field, words
):
    with pytest.raises(ValidationError) as exc_info:
        services.cadence_create(actor=leader, **cadence_data(**overrides))
    assert field in field_errors(exc_info)
    assert words in " ".join(field_errors(exc_info)[field])
    assert not Cadence.objects.exists()
    assert not ReviewSession.objects.exists()


def test_participants_and_team_must_belong_to_the_organization(leader, make_member, other_org):
    outsider = make_member(Role.MEMBER, organization=other_org)
    with pytest.raises(ValidationError) as exc_info:
        services.cadence_create(actor=leader, participants=[outsider], **cadence_data())
    assert "participants" in field_errors(exc_info)
    foreign_team = TeamFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc_info:
        services.cadence_create(actor=leader, **cadence_data(team=foreign_team))
    assert "team" in field_errors(exc_info)


def test_team_leads_set_up_their_own_teams_reviews_only(team_lead, team, other_team, member):
    cadence = services.cadence_create(
        actor=team_lead, participants=[member], **cadence_data(team=team)
    )
    assert cadence.team == team
    with pytest.raises(PermissionDenied):
        services.cadence_create(actor=team_lead, **cadence_data(team=other_team))
    with pytest.raises(PermissionDenied):
        services.cadence_create(actor=team_lead, **cadence_data(team=None))


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_cannot_set_up_reviews(request, role):
    with pytest.raises(PermissionDenied):
        services.cadence_create(actor=request.getfixturevalue(role), **cadence_data())


def test_changing_the_schedule_moves_the_empty_upcoming_session(leader, cadence, session):
    services.cadence_update(actor=leader, cadence=cadence, weekday=2)
    cadence.refresh_from_db()
    assert cadence.version == 2
    moved = cadence.sessions.get()
    assert moved.pk != session.pk
    assert moved.scheduled_at.astimezone(cadence.as_schedule().zone).weekday() == 2


def test_an_update_that_changes_nothing_keeps_the_version(leader, cadence):
    services.cadence_update(
        actor=leader,
        cadence=cadence,
        participants=list(cadence.participants.all()),
        name=cadence.name,
    )
    cadence.refresh_from_db()
    assert cadence.version == 1


def test_archiving_stops_the_review_and_drops_its_empty_upcoming_session(leader, cadence):
    services.cadence_archive(actor=leader, cadence=cadence)
    cadence.refresh_from_db()
    assert cadence.archived_at is not None
    assert not cadence.sessions.exists()


def test_another_organizations_cadence_does_not_exist_for_the_caller(
    make_member, other_org, cadence
):
    outsider = make_member(Role.LEADER, organization=other_org)
    with pytest.raises(ObjectDoesNotExist):
        services.cadence_update(actor=outsider, cadence=cadence, name="Hijacked")


# --- decisions -----------------------------------------------------------------------------


def test_a_stop_decision_on_work_records_it_and_stops_the_work(
    leader, session, work_package, member
):
    decision = services.decision_record(
        actor=leader,
        session=session,
        subject="work_package",
        work_package=work_package,
        verdict="stop",
        reason="  Nobody used the link.  ",
        owner=member.user,
    )
    work_package.refresh_from_db()
    assert work_package.status == WorkPackage.Status.STOPPED
    assert (work_package.decision, work_package.decision_reason) == (
        "stop",
        "Nobody used the link.",
    )
    assert work_package.version == 2
    assert decision.status == Decision.Status.DONE  # stopping takes effect at once
    assert decision.subject_title == work_package.title
    assert decision.reason == "Nobody used the link."


def test_a_revise_decision_stays_open_until_its_owner_marks_it_done(
    session, work_package, member, leader
):
    decision = services.decision_record(
        actor=leader,
        session=session,
        subject="work_package",
        work_package=work_package,
        verdict="revise",
        reason="Move it to the booking page.",
        owner=member.user,
    )
    assert decision.status == Decision.Status.OPEN
    services.decision_set_done(actor=member, decision=decision)
    decision.refresh_from_db()
    assert (decision.status, decision.version) == (Decision.Status.DONE, 2)
    assert decision.done_at is not None


def test_someone_else_cannot_mark_a_decision_done(session, initiative, member, team_lead, leader):
    decision = services.decision_record(
        actor=leader,
        session=session,
        subject="initiative",
        initiative=initiative,
        summary="Cut scope to rescheduling",
        reason="Cancellations are rare.",
        owner=member.user,
    )
    with pytest.raises(PermissionDenied):
        services.decision_set_done(actor=team_lead, decision=decision)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"reason": "   "}, "reason", "Give the reason"),
        ({"verdict": ""}, "verdict", "continue, revise or stop"),
        ({"work_package": None}, "work_package", "Choose the work package"),
        ({"owner": None}, "owner", "Choose who carries it out"),
        ({"subject": "whatever"}, "subject", "Choose what the decision is about"),
    ],
)
def test_bad_decisions_name_their_field_and_change_nothing(
    leader, session, work_package, member, changes, field, words
):
    data = {
        "subject": "work_package",
        "work_package": work_package,
        "verdict": "stop",
        "reason": "It did not work.",
        "owner": member.user,
    }
    data.update(changes)
    before = WorkPackage.objects.filter(pk=work_package.pk).values().get()
    with pytest.raises(ValidationError) as exc_info:
        services.decision_record(actor=leader, session=session, **data)
    assert words in " ".join(field_errors(exc_info)[field])
    assert WorkPackage.objects.filter(pk=work_package.pk).values().get() == before
    assert not Decision.objects.exists()


def test_the_work_packages_own_rules_come_back_under_this_forms_field_names(
    leader, session, team, member
):
    intention = WorkPackageFactory(team=team, title="Half an idea")
    with pytest.raises(ValidationError) as exc_info:
        services.decision_record(
            actor=leader,
            session=session,
            subject="work_package",
            work_package=intention,
            verdict="stop",
            reason="Never started.",
            owner=member.user,
        )
    assert "verdict" in field_errors(exc_info)
    assert not Decision.objects.exists()


def test_a_decision_on_another_organizations_objective_is_a_field_error(
    leader, session, other_org, member
):
    foreign = StrategicObjectiveFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc_info:
        services.decision_record(
            actor=leader,
            session=session,
            subject="strategic_objective",
            strategic_objective=foreign,
            summary="Adjust it",
            reason="Because.",
            owner=member.user,
        )
    assert field_errors(exc_info) == {
        "strategic_objective": ["Choose a strategic objective of this organization."]
    }


def test_capacity_and_strategy_decisions_need_to_say_what_changes(leader, session, team, member):
    with pytest.raises(ValidationError) as exc_info:
        services.decision_record(
            actor=leader,
            session=session,
            subject="capacity",
            team=team,
            reason="r",
            owner=member.user,
        )
    assert "summary" in field_errors(exc_info)
    decision = services.decision_record(
        actor=leader,
        session=session,
        subject="capacity",
        team=team,
        summary="70 % strategic for two sprints",
        reason="Partner work slipped.",
        owner=member.user,
    )
    assert (decision.subject_title, decision.status) == (team.name, Decision.Status.OPEN)


def test_viewers_and_outsiders_of_the_review_do_not_write_in_it(
    session, work_package, viewer, make_member, member
):
    with pytest.raises(PermissionDenied):
        services.decision_record(
            actor=viewer,
            session=session,
            subject="work_package",
            work_package=work_package,
            verdict="continue",
            reason="Fine",
            owner=member.user,
        )
    bystander = make_member(Role.MEMBER)
    with pytest.raises(PermissionDenied):
        services.learning_record(
            actor=bystander,
            session=session,
            strategic_objective=work_package.initiative.strategic_objective,
            statement="Something",
        )


def test_a_held_review_takes_no_more_decisions(leader, session, initiative, member):
    services.review_session_close(actor=leader, session=session, now=session.scheduled_at)
    with pytest.raises(ValidationError) as exc_info:
        services.decision_record(
            actor=leader,
            session=session,
            subject="initiative",
            initiative=initiative,
            summary="x",
            reason="y",
            owner=member.user,
        )
    assert "held" in " ".join(field_errors(exc_info)["session"])


# --- learnings -----------------------------------------------------------------------------


def test_a_learning_links_its_evidence_and_the_objective_it_informs(
    leader, session, objective, work_package
):
    learning = services.learning_record(
        actor=leader,
        session=session,
        strategic_objective=objective,
        statement=" Patients reschedule from e-mail ",
        evidence="23 % of reschedules through the link.",
        work_packages=[work_package],
    )
    assert learning.statement == "Patients reschedule from e-mail"
    assert list(learning.work_packages.all()) == [work_package]
    rows, total = selectors.learnings_for_objective(membership=leader, objective=objective)
    assert (rows, total) == ([learning], 1)


def test_a_learning_linked_to_another_organizations_objective_is_a_field_error(
    leader, session, other_org
):
    foreign = StrategicObjectiveFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc_info:
        services.learning_record(
            actor=leader, session=session, strategic_objective=foreign, statement="Something"
        )
    assert field_errors(exc_info) == {
        "strategic_objective": ["Choose a strategic objective of this organization."]
    }
    assert not Learning.objects.exists()


def test_a_learning_linked_to_another_organizations_work_is_a_field_error(
    leader, session, objective, other_org
):
    foreign_work = WorkPackageFactory(team=TeamFactory(organization=other_org))
    with pytest.raises(ValidationError) as exc_info:
        services.learning_record(
            actor=leader,
            session=session,
            strategic_objective=objective,
            statement="Something",
            work_packages=[foreign_work],
        )
    assert "work_packages" in field_errors(exc_info)


def test_a_learning_needs_a_statement_and_an_objective(leader, session, objective):
    with pytest.raises(ValidationError) as exc_info:
        services.learning_record(
            actor=leader, session=session, strategic_objective=objective, statement=" "
        )
    assert "statement" in field_errors(exc_info)
    with pytest.raises(ValidationError) as exc_info:
        services.learning_record(
            actor=leader, session=session, strategic_objective=None, statement="x"
        )
    assert "strategic_objective" in field_errors(exc_info)


def test_updating_a_learning_moves_its_version_only_when_something_changed(
    leader, session, objective, work_package
):
    learning = services.learning_record(
        actor=leader, session=session, strategic_objective=objective, statement="A"
    )
    services.learning_update(
        actor=leader, learning=learning, strategic_objective=objective, statement="A"
    )
    learning.refresh_from_db()
    assert learning.version == 1
    services.learning_update(
        actor=leader,
        learning=learning,
        strategic_objective=objective,
        statement="A",
        work_packages=[work_package],
    )
    learning.refresh_from_db()
    assert learning.version == 2


# --- sessions ------------------------------------------------------------------------------


def test_closing_a_review_keeps_its_agenda_and_prepares_the_next(
    leader, cadence, session, work_package
):
    services.review_session_close(actor=leader, session=session, now=session.scheduled_at)
    session.refresh_from_db()
    assert session.status == ReviewSession.Status.HELD
    assert session.held_at == session.scheduled_at
    overdue = next(s for s in session.agenda_snapshot["sections"] if s["key"] == "overdue")
    assert [i["title"] for i in overdue["items"]] == [work_package.title]
    # The kept agenda does not change when the work does.
    WorkPackage.objects.filter(pk=work_package.pk).update(due_date=timezone.localdate())
    agenda = selectors.session_agenda(membership=leader, session=session)
    assert not agenda.live
    assert [i.title for i in agenda.section("overdue").items] == [work_package.title]
    assert cadence.sessions.filter(
        status="scheduled", scheduled_at__gt=session.scheduled_at
    ).exists()


def test_a_review_cannot_be_closed_days_before_it_takes_place(leader, session):
    with pytest.raises(ValidationError) as exc_info:
        services.review_session_close(
            actor=leader, session=session, now=session.scheduled_at - datetime.timedelta(days=2)
        )
    assert "has not started yet" in " ".join(field_errors(exc_info)["session"])


def test_preparing_a_session_at_a_time_the_schedule_does_not_have_is_refused(leader, cadence):
    with pytest.raises(ValidationError) as exc_info:
        services.review_session_prepare(
            actor=leader,
            cadence=cadence,
            scheduled_at=datetime.datetime(2030, 1, 2, 9, tzinfo=datetime.UTC),
        )
    assert "does not take place then" in " ".join(field_errors(exc_info)["scheduled_at"])


def test_open_decisions_of_earlier_sessions_are_on_the_next_agenda(
    leader, cadence, session, initiative, member
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
    services.review_session_close(actor=leader, session=session, now=session.scheduled_at)
    following = cadence.sessions.get(status="scheduled")
    agenda = selectors.session_agenda(membership=leader, session=following)
    assert [i.id for i in agenda.section("open_decisions").items] == [str(decision.pk)]
    services.decision_set_done(actor=member, decision=decision)
    agenda = selectors.session_agenda(membership=leader, session=following)
    assert agenda.section("open_decisions").items == []


def test_the_quarterly_agenda_is_strategic_with_learnings_since_the_last_one(leader, objective):
    quarterly = services.cadence_create(
        actor=leader,
        **cadence_data(
            name="Quarterly strategy review",
            kind="quarterly_strategy",
            frequency="quarterly",
            weekday=None,
            day_of_month=15,
            starts_on=timezone.localdate() - datetime.timedelta(days=200),
        ),
    )
    session = quarterly.sessions.get()
    learning = services.learning_record(
        actor=leader, strategic_objective=objective, statement="Clinics want SMS"
    )
    agenda = selectors.session_agenda(membership=leader, session=session)
    assert agenda.layer == "strategic"
    assert [s.key for s in agenda.sections][:3] == ["open_decisions", "objectives", "learnings"]
    assert [i.id for i in agenda.section("learnings").items] == [str(learning.pk)]
    objectives = agenda.section("objectives").items
    assert objectives[0].title == objective.statement
    assert objectives[0].lines == ["Not doing: No enterprise deals"]


def test_a_team_review_looks_at_its_teams_work_only(leader, team, other_team, member, initiative):
    today = timezone.localdate()
    mine = WorkPackageFactory(
        team=team,
        owner=member.user,
        ready=True,
        due_date=today - datetime.timedelta(days=2),
        initiative=initiative,
    )
    WorkPackageFactory(
        team=other_team, owner=member.user, ready=True, due_date=today - datetime.timedelta(days=2)
    )
    team_cadence = services.cadence_create(actor=leader, **cadence_data(team=team))
    agenda = selectors.session_agenda(membership=leader, session=team_cadence.sessions.get())
    assert [i.id for i in agenda.section("overdue").items] == [str(mine.pk)]


def test_intentions_older_than_a_week_are_on_the_weekly_agenda(leader, session, team):
    old = WorkPackageFactory(team=team, title="Old idea")
    WorkPackage.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    WorkPackageFactory(team=team, title="Fresh idea")
    agenda = selectors.session_agenda(membership=leader, session=session)
    assert [i.title for i in agenda.section("intentions").items] == ["Old idea"]
    assert "owner" in agenda.section("intentions").items[0].note


def test_the_agenda_of_an_upcoming_review_judges_dates_as_of_its_day(
    leader, cadence, team, member, initiative
):
    session = cadence.sessions.get()
    meeting_day = session.scheduled_at.astimezone(cadence.as_schedule().zone).date()
    due_before_meeting = WorkPackageFactory(
        team=team,
        owner=member.user,
        ready=True,
        initiative=initiative,
        status="in_progress",
        due_date=meeting_day - datetime.timedelta(days=1),
    )
    agenda = selectors.session_agenda(membership=leader, session=session)
    if meeting_day - timezone.localdate() > datetime.timedelta(days=1):
        assert due_before_meeting.due_date >= timezone.localdate()
    assert str(due_before_meeting.pk) in [i.id for i in agenda.section("overdue").items]


# --- notifications and the calendar address -------------------------------------------------


def test_notification_preferences_are_stored_as_opt_outs(member):
    services.notification_preferences_set(
        membership=member, disabled={("weekly_digest", "email"), ("review_upcoming", "in_app")}
    )
    assert selectors.opted_out(membership=member) == {
        ("weekly_digest", "email"),
        ("review_upcoming", "in_app"),
    }
    services.notification_preferences_set(membership=member, disabled={("weekly_digest", "email")})
    assert selectors.opted_out(membership=member) == {("weekly_digest", "email")}
    with pytest.raises(ValidationError):
        services.notification_preferences_set(membership=member, disabled={("nope", "email")})


def test_resetting_the_calendar_address_changes_its_token(member):
    before = services.calendar_token(member, selectors.calendar_nonce(membership=member))
    services.calendar_feed_reset(membership=member)
    after = services.calendar_token(member, selectors.calendar_nonce(membership=member))
    assert before != after
    assert len(after) == 40


def test_other_peoples_notifications_cannot_be_marked_read(member, team_lead, org):
    notification = services.notification_create(
        organization=org, recipient=member.user, kind="weekly_digest", title="Your week"
    )
    with pytest.raises(ObjectDoesNotExist):
        services.notification_mark_read(membership=team_lead, notification_id=notification.pk)
    services.notification_mark_read(membership=member, notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_initiative_factory_is_usable_for_other_tests(objective):
    assert InitiativeFactory(strategic_objective=objective).organization == objective.organization


def test_a_review_weeks_ahead_judges_due_dates_as_of_today(leader, team, member, initiative):
    quarterly = services.cadence_create(
        actor=leader,
        **cadence_data(
            kind="quarterly_strategy",
            frequency="quarterly",
            weekday=None,
            day_of_month=1,
            month_of_quarter=1,
            starts_on=timezone.localdate() + datetime.timedelta(days=40),
        ),
    )
    session = quarterly.sessions.get()
    due_tomorrow = WorkPackageFactory(
        team=team,
        owner=member.user,
        ready=True,
        initiative=initiative,
        due_date=timezone.localdate() + datetime.timedelta(days=1),
    )
    custom = services.cadence_create(
        actor=leader,
        **cadence_data(
            name="Later",
            kind="custom",
            frequency="quarterly",
            weekday=None,
            day_of_month=1,
            starts_on=timezone.localdate() + datetime.timedelta(days=40),
        ),
    )
    agenda = selectors.session_agenda(membership=leader, session=custom.sessions.get())
    assert agenda.as_of == timezone.localdate()
    assert str(due_tomorrow.pk) not in [i.id for i in agenda.section("overdue").items]
    assert session.scheduled_at > timezone.now() + datetime.timedelta(days=30)
