"""What the cadence reads from okrs and backlog, through their selectors: key results at risk or
with stale check-ins, capacity split drift, strategy progress, and the check-in reminder."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from backlog.tests.factories import SprintCommitmentFactory, SprintFactory
from okrs.models import CheckIn, KeyResult, Objective
from okrs.tests.factories import CheckInFactory, CycleFactory, KeyResultFactory, ObjectiveFactory
from planning.tests.factories import WorkPackageFactory
from reviews import selectors, services
from reviews.models import SentReminder

pytestmark = pytest.mark.django_db
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TODAY = timezone.localdate()
MORNING = datetime.datetime.combine(TODAY, datetime.time(10), tzinfo=BERLIN)


@pytest.fixture
def cycle(org):
    return CycleFactory(organization=org)


def _key_result(cycle, objective, owner, *, title, checked_days_ago=None, value=50, confidence=8):
    kr = KeyResultFactory(objective=objective, owner=owner, title=title)
    KeyResult.objects.filter(pk=kr.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    if checked_days_ago is not None:
        CheckInFactory(
            key_result=kr,
            value=Decimal(value),
            confidence=confidence,
            checked_in_at=timezone.now() - datetime.timedelta(days=checked_days_ago),
        )
    return kr


def test_key_results_at_risk_off_track_or_stale_are_on_the_agenda(
    cycle, objective, leader, member, session
):
    okr = ObjectiveFactory(cycle=cycle, strategic_objective=objective)
    # Half-way through the cycle: 50 % is on the line.
    on_track = _key_result(cycle, okr, member.user, title="On track", checked_days_ago=2, value=55)
    at_risk = _key_result(cycle, okr, member.user, title="At risk", checked_days_ago=2, value=38)
    off_track = _key_result(cycle, okr, member.user, title="Off track", checked_days_ago=2, value=5)
    stale = _key_result(cycle, okr, member.user, title="Stale", checked_days_ago=20, value=55)
    agenda = selectors.session_agenda(membership=leader, session=session)
    section = agenda.section("key_results")
    assert [i.id for i in section.items] == [str(off_track.pk), str(at_risk.pk), str(stale.pk)]
    assert str(on_track.pk) not in [i.id for i in section.items]
    flags = {i.title: (i.flag, i.tone) for i in section.items}
    assert flags == {
        "Off track": ("Off track", "bad"),
        "At risk": ("At risk", "warn"),
        "Stale": ("Stale check-in", "warn"),
    }
    assert "last check-in 20 days ago" in section.items[2].note


def test_a_team_review_shows_its_teams_key_results_only(
    cycle, objective, leader, member, team, other_team
):
    from reviews.tests.test_services import cadence_data

    org_okr = ObjectiveFactory(cycle=cycle, strategic_objective=objective)
    team_okr = ObjectiveFactory(cycle=cycle, level=Objective.Level.TEAM, team=team, parent=org_okr)
    other_okr = ObjectiveFactory(
        cycle=cycle, level=Objective.Level.TEAM, team=other_team, parent=org_okr
    )
    mine = _key_result(cycle, team_okr, member.user, title="Ours")
    _key_result(cycle, other_okr, member.user, title="Theirs")
    team_cadence = services.cadence_create(actor=leader, **cadence_data(team=team))
    agenda = selectors.session_agenda(membership=leader, session=team_cadence.sessions.get())
    assert [i.id for i in agenda.section("key_results").items] == [str(mine.pk)]


def test_capacity_drift_per_team_is_on_the_agenda(leader, session, team, other_team, member):
    sprint = SprintFactory(
        team=team,
        start_date=TODAY - datetime.timedelta(days=3),
        end_date=TODAY + datetime.timedelta(days=10),
        capacity_points=20,
    )
    for category, estimate in (("tactical", 8), ("operational", 6), ("strategic", 4)):
        wp = WorkPackageFactory(
            team=team, owner=member.user, ready=True, category=category, estimate=estimate
        )
        SprintCommitmentFactory(sprint=sprint, work_package=wp)
    balanced = SprintFactory(
        team=other_team,
        start_date=TODAY - datetime.timedelta(days=3),
        end_date=TODAY + datetime.timedelta(days=10),
    )
    for category, estimate in (("strategic", 7), ("tactical", 3)):
        wp = WorkPackageFactory(
            team=other_team, owner=member.user, ready=True, category=category, estimate=estimate
        )
        SprintCommitmentFactory(sprint=balanced, work_package=wp)
    agenda = selectors.session_agenda(membership=leader, session=session)
    section = agenda.section("capacity")
    assert [i.title for i in section.items] == [team.name]
    item = section.items[0]
    assert "Strategic 22 % (target 70 %)" in item.note
    assert (item.tone, item.flag) == ("bad", "48 points off the split")
    assert item.url == f"/sprints/{sprint.pk}/"


def test_a_team_review_weighs_its_own_teams_capacity_alone(leader, team, other_team, member):
    """Both teams drift; the team's review lists its own team (read for that team alone)."""
    from reviews.tests.test_services import cadence_data

    sprints = {}
    for t in (team, other_team):
        sprints[t] = SprintFactory(
            team=t,
            start_date=TODAY - datetime.timedelta(days=3),
            end_date=TODAY + datetime.timedelta(days=10),
            capacity_points=20,
        )
        wp = WorkPackageFactory(
            team=t, owner=member.user, ready=True, category="tactical", estimate=8
        )
        SprintCommitmentFactory(sprint=sprints[t], work_package=wp)
    team_cadence = services.cadence_create(actor=leader, **cadence_data(team=team))
    agenda = selectors.session_agenda(membership=leader, session=team_cadence.sessions.get())
    section = agenda.section("capacity")
    assert [i.title for i in section.items] == [team.name]
    assert section.total == 1
    assert section.items[0].url == f"/sprints/{sprints[team].pk}/"


def test_the_quarterly_agenda_shows_key_result_progress_of_each_strategic_objective(
    cycle, objective, leader, member
):
    from reviews.tests.test_services import cadence_data

    okr = ObjectiveFactory(cycle=cycle, strategic_objective=objective)
    _key_result(cycle, okr, member.user, title="Half way", checked_days_ago=1, value=50)
    quarterly = services.cadence_create(
        actor=leader,
        **cadence_data(
            kind="quarterly_strategy", frequency="quarterly", weekday=None, day_of_month=15
        ),
    )
    agenda = selectors.session_agenda(membership=leader, session=quarterly.sessions.get())
    [item] = agenda.section("objectives").items
    assert item.flag == "Key results"
    assert item.progress == pytest.approx(0.5)


def test_check_in_due_follows_the_cadences_period_and_reminds_once(
    cycle, objective, leader, member, cadence, django_capture_on_commit_callbacks, send_emails_now
):
    okr = ObjectiveFactory(cycle=cycle, strategic_objective=objective)
    due = _key_result(cycle, okr, member.user, title="Bookings made online", checked_days_ago=8)
    _key_result(cycle, okr, member.user, title="Checked in this week", checked_days_ago=3)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.sweep_check_in_due(now=MORNING)
    assert result.claimed == 1
    reminder = SentReminder.objects.get()
    assert (reminder.target_id, reminder.recipient_id) == (due.pk, member.user_id)
    [email] = mail.outbox
    assert email.subject == "Check-in due: Bookings made online"
    assert "Weekly delivery review expects one every 7 days" in email.body
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_check_in_due(now=MORNING).claimed == 0
    # A new check-in starts a new period: the next reminder comes a week after it.
    CheckInFactory(key_result=due, checked_in_at=MORNING - datetime.timedelta(days=7, hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_check_in_due(now=MORNING).claimed == 1
    assert CheckIn.objects.filter(key_result=due).count() == 2


def test_without_any_review_nobody_is_reminded_to_check_in(cycle, objective, member, queued):
    okr = ObjectiveFactory(cycle=cycle, strategic_objective=objective)
    _key_result(cycle, okr, member.user, title="Lonely", checked_days_ago=30)
    assert services.sweep_check_in_due(now=MORNING).due == 0


def test_a_monthly_review_gives_key_results_a_month(cycle, objective, leader, member, queued):
    from reviews.tests.test_services import cadence_data

    services.cadence_create(
        actor=leader,
        **cadence_data(
            kind="monthly_performance", frequency="monthly", weekday=None, day_of_month=1
        ),
    )
    okr = ObjectiveFactory(cycle=cycle, strategic_objective=objective)
    _key_result(cycle, okr, member.user, title="Three weeks", checked_days_ago=21)
    late = _key_result(cycle, okr, member.user, title="Five weeks", checked_days_ago=35)
    result = services.sweep_check_in_due(now=MORNING)
    assert result.claimed == 1
    assert SentReminder.objects.get().target_id == late.pk


def test_the_digest_counts_key_results_to_check_in(cycle, objective, member, leader, queued):
    okr = ObjectiveFactory(cycle=cycle, strategic_objective=objective)
    _key_result(cycle, okr, member.user, title="Old", checked_days_ago=16)
    _key_result(cycle, okr, member.user, title="Fresh", checked_days_ago=1)
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    services.sweep_weekly_digest(
        now=datetime.datetime.combine(monday, datetime.time(9), tzinfo=BERLIN)
    )
    digest = SentReminder.objects.get(recipient=member.user)
    assert "- 1 key result to check in" in digest.body


@pytest.mark.parametrize("rows", [1, 10])
def test_the_check_in_sweep_runs_a_constant_number_of_queries(
    django_assert_num_queries, cycle, objective, leader, make_member, cadence, queued, rows
):
    okr = ObjectiveFactory(cycle=cycle, strategic_objective=objective)
    for _ in range(rows):
        _key_result(cycle, okr, make_member().user, title="KR", checked_days_ago=10)
    with django_assert_num_queries(13):
        assert services.sweep_check_in_due(now=MORNING).claimed == rows
