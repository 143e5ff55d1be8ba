"""The domain rules of the planning spine, through its services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from core.models import Role
from core.tests.factories import TeamFactory, UserFactory
from planning import services
from planning.models import StrategicObjective, WorkPackage
from planning.rules import strategic_objective_advice
from planning.tests.factories import (
    InitiativeFactory,
    StrategicObjectiveFactory,
    WorkPackageFactory,
)

pytestmark = pytest.mark.django_db
S = WorkPackage.Status
DUE = datetime.date(2026, 12, 15)
CHECK_ON = datetime.date(2026, 12, 20)


def complete(owner):
    return {
        "owner": owner,
        "due_date": DUE,
        "success_criterion": "Bookings grow 10 %",
        "success_review_date": CHECK_ON,
    }


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- readiness -----------------------------------------------------------------------------


def test_incomplete_work_starts_as_an_intention(team_lead, team):
    wp = services.work_package_create(actor=team_lead, title="Idea", team=team)
    assert wp.status == S.INTENTION
    assert wp.version == 1


def test_complete_work_starts_ready(team_lead, team, member):
    wp = services.work_package_create(
        actor=team_lead, title="Real work", team=team, **complete(member.user)
    )
    assert wp.status == S.READY


@pytest.mark.parametrize("target", [S.READY, S.IN_PROGRESS])
def test_an_intention_cannot_leave_intention_while_incomplete(team_lead, team, member, target):
    wp = services.work_package_create(actor=team_lead, title="Idea", team=team, owner=member.user)
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_update(actor=team_lead, work_package=wp, status=target)
    errors = errors_of(excinfo)
    assert set(errors) == {"status", "due_date", "success_criterion", "success_review_date"}
    assert "owner" not in errors
    wp.refresh_from_db()
    assert (wp.status, wp.version) == (S.INTENTION, 1)


def test_an_intention_becomes_ready_once_complete(team_lead, team, member):
    wp = services.work_package_create(actor=team_lead, title="Idea", team=team)
    wp = services.work_package_update(
        actor=team_lead, work_package=wp, status=S.READY, **complete(member.user)
    )
    assert wp.status == S.READY
    assert wp.version == 2


def test_ready_work_cannot_lose_its_owner(team_lead, team, member):
    wp = services.work_package_create(
        actor=team_lead, title="Work", team=team, **complete(member.user)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_update(actor=team_lead, work_package=wp, owner=None)
    assert "owner" in errors_of(excinfo)


def test_the_database_holds_the_readiness_rule_too(team):
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkPackageFactory(team=team, status=S.READY)


def test_creating_work_as_done_is_refused(team_lead, team, member):
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_create(
            actor=team_lead, title="x", team=team, status=S.DONE, **complete(member.user)
        )
    assert "status" in errors_of(excinfo)
    assert not WorkPackage.objects.exists()


# --- transitions ---------------------------------------------------------------------------


def ready_package(team_lead, team, member):
    return services.work_package_create(
        actor=team_lead, title="Work", team=team, **complete(member.user)
    )


def test_in_progress_then_done_records_start_and_finish(team_lead, team, member):
    wp = ready_package(team_lead, team, member)
    wp = services.work_package_update(actor=team_lead, work_package=wp, status=S.IN_PROGRESS)
    assert wp.started_at is not None
    assert wp.finished_at is None
    wp = services.work_package_update(actor=team_lead, work_package=wp, status=S.DONE)
    assert wp.finished_at is not None
    assert wp.version == 3


def test_done_is_terminal_unless_reopened_with_a_reason(team_lead, team, member):
    wp = ready_package(team_lead, team, member)
    for status in (S.IN_PROGRESS, S.DONE):
        wp = services.work_package_update(actor=team_lead, work_package=wp, status=status)
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_update(actor=team_lead, work_package=wp, status=S.IN_PROGRESS)
    assert "reopen_reason" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_update(actor=team_lead, work_package=wp, status=S.READY)
    assert "status" in errors_of(excinfo)
    wp = services.work_package_update(
        actor=team_lead, work_package=wp, status=S.IN_PROGRESS, reopen_reason="Bug found in review"
    )
    assert wp.status == S.IN_PROGRESS
    assert wp.reopen_reason == "Bug found in review"
    assert wp.finished_at is None


def test_an_incomplete_intention_can_be_stopped(team_lead, team):
    wp = services.work_package_create(actor=team_lead, title="Idea", team=team)
    wp = services.work_package_update(actor=team_lead, work_package=wp, status=S.STOPPED)
    assert wp.status == S.STOPPED


def test_intention_cannot_jump_to_done(team_lead, team, member):
    wp = services.work_package_create(
        actor=team_lead, title="Idea", team=team, status=S.INTENTION, **complete(member.user)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_update(actor=team_lead, work_package=wp, status=S.DONE)
    assert "status" in errors_of(excinfo)


# --- versioning ----------------------------------------------------------------------------


def test_version_moves_only_when_something_changes(team_lead, team, member):
    wp = ready_package(team_lead, team, member)
    same = services.work_package_update(
        actor=team_lead, work_package=wp, title="Work", status=S.READY
    )
    assert same.version == 1
    changed = services.work_package_update(actor=team_lead, work_package=wp, title="Better title")
    assert changed.version == 2
    assert WorkPackage.objects.get(pk=wp.pk).title == "Better title"


def test_strategy_version_moves_on_edit(leader):
    objective = StrategicObjectiveFactory(organization=leader.organization)
    services.strategic_objective_update(
        actor=leader, objective=objective, statement="Sharper outcome"
    )
    objective.refresh_from_db()
    assert (objective.statement, objective.version) == ("Sharper outcome", 2)
    services.strategic_objective_update(
        actor=leader, objective=objective, statement="Sharper outcome"
    )
    objective.refresh_from_db()
    assert objective.version == 2


# --- decisions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "expected_status"),
    [("continue", S.IN_PROGRESS), ("revise", S.IN_PROGRESS), ("stop", S.STOPPED)],
)
def test_decision_at_the_success_check(team_lead, team, member, decision, expected_status):
    wp = ready_package(team_lead, team, member)
    wp = services.work_package_update(actor=team_lead, work_package=wp, status=S.IN_PROGRESS)
    wp = services.work_package_record_decision(
        actor=team_lead, work_package=wp, decision=decision, reason="The numbers say so"
    )
    assert (wp.decision, wp.decision_reason, wp.status) == (
        decision,
        "The numbers say so",
        expected_status,
    )
    assert wp.decided_at is not None
    assert wp.version == 3


def test_a_decision_needs_a_reason(team_lead, team, member):
    wp = ready_package(team_lead, team, member)
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_record_decision(
            actor=team_lead, work_package=wp, decision="stop", reason="  "
        )
    assert "decision_reason" in errors_of(excinfo)
    wp.refresh_from_db()
    assert (wp.decision, wp.status, wp.version) == ("", S.READY, 1)


def test_an_intention_has_no_success_check_to_decide_on(team_lead, team):
    wp = services.work_package_create(actor=team_lead, title="Idea", team=team)
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_record_decision(
            actor=team_lead, work_package=wp, decision="continue", reason="ok"
        )
    assert "decision" in errors_of(excinfo)


def test_stopping_done_work_keeps_it_done(team_lead, team, member):
    wp = ready_package(team_lead, team, member)
    for status in (S.IN_PROGRESS, S.DONE):
        wp = services.work_package_update(actor=team_lead, work_package=wp, status=status)
    wp = services.work_package_record_decision(
        actor=team_lead, work_package=wp, decision="stop", reason="No follow-up"
    )
    assert (wp.status, wp.decision) == (S.DONE, "stop")


# --- roles and tenancy ---------------------------------------------------------------------


def test_members_edit_only_what_they_own(team_lead, team, member, make_member):
    mine = ready_package(team_lead, team, member)
    services.work_package_update(actor=member, work_package=mine, status=S.IN_PROGRESS)
    colleague = make_member(Role.MEMBER, teams=[team])
    theirs = services.work_package_create(
        actor=team_lead, title="Theirs", team=team, **complete(colleague.user)
    )
    with pytest.raises(PermissionDenied):
        services.work_package_update(actor=member, work_package=theirs, title="Mine now")


def test_members_cannot_give_their_work_away(team_lead, team, member, make_member):
    wp = ready_package(team_lead, team, member)
    colleague = make_member(Role.MEMBER, teams=[team])
    with pytest.raises(PermissionDenied):
        services.work_package_update(actor=member, work_package=wp, owner=colleague.user)


def test_team_leads_write_only_their_teams_work(team_lead, other_team, leader):
    with pytest.raises(PermissionDenied):
        services.work_package_create(actor=team_lead, title="Not my team", team=other_team)
    wp = services.work_package_create(actor=leader, title="Leader may", team=other_team)
    with pytest.raises(PermissionDenied):
        services.work_package_update(actor=team_lead, work_package=wp, title="x")


def test_viewers_write_nothing(viewer, team):
    with pytest.raises(PermissionDenied):
        services.work_package_create(actor=viewer, title="x", team=team)
    with pytest.raises(PermissionDenied):
        services.strategic_objective_create(
            actor=viewer,
            statement="x",
            horizon_start=DUE,
            horizon_end=DUE + datetime.timedelta(days=400),
        )


def test_only_leaders_write_strategy(team_lead, leader):
    data = {
        "statement": "Own the mid-market",
        "horizon_start": DUE,
        "horizon_end": DUE + datetime.timedelta(days=400),
    }
    with pytest.raises(PermissionDenied):
        services.strategic_objective_create(actor=team_lead, **data)
    objective = services.strategic_objective_create(actor=leader, **data)
    assert objective.organization == leader.organization
    with pytest.raises(PermissionDenied):
        services.initiative_create(actor=team_lead, strategic_objective=objective, title="x")


def test_links_to_another_organization_are_refused(leader, team, other_org):
    foreign_team = TeamFactory(organization=other_org)
    foreign_initiative = InitiativeFactory(
        strategic_objective=StrategicObjectiveFactory(organization=other_org)
    )
    outsider = UserFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_create(actor=leader, title="x", team=foreign_team)
    assert "team" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_create(
            actor=leader, title="x", team=team, initiative=foreign_initiative
        )
    assert "initiative" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_create(actor=leader, title="x", team=team, owner=outsider)
    assert "owner" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.initiative_create(
            actor=leader, strategic_objective=foreign_initiative.strategic_objective, title="x"
        )
    assert "strategic_objective" in errors_of(excinfo)
    assert not WorkPackage.objects.filter(organization=leader.organization).exists()


def test_external_id_is_unique_per_organization_and_source(leader, team, other_org):
    services.work_package_create(
        actor=leader, title="a", team=team, source="jira", external_id="X-1"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_create(
            actor=leader, title="b", team=team, source="jira", external_id="X-1"
        )
    assert "external_id" in errors_of(excinfo)
    services.work_package_create(
        actor=leader, title="c", team=team, source="linear", external_id="X-1"
    )
    WorkPackageFactory(team=TeamFactory(organization=other_org), source="jira", external_id="X-1")


def test_unlinked_work_is_allowed(team_lead, team):
    wp = services.work_package_create(actor=team_lead, title="Keep the lights on", team=team)
    assert not wp.is_linked


# --- strategy rules and advice -------------------------------------------------------------


def test_horizon_must_end_after_it_starts(leader):
    with pytest.raises(ValidationError) as excinfo:
        services.strategic_objective_create(
            actor=leader, statement="Own the mid-market", horizon_start=DUE, horizon_end=DUE
        )
    assert "horizon_end" in errors_of(excinfo)
    assert not StrategicObjective.objects.exists()


def test_trade_offs_are_stored_as_clean_lines(leader):
    objective = services.strategic_objective_create(
        actor=leader,
        statement="Own the mid-market",
        horizon_start=DUE,
        horizon_end=DUE + datetime.timedelta(days=400),
        trade_offs=["  No enterprise ", "", "No on-prem"],
    )
    assert objective.trade_offs == ["No enterprise", "No on-prem"]


def test_advice_for_a_tactic_written_as_strategy():
    advice = strategic_objective_advice(
        statement="Launch the mobile app",
        trade_offs=[],
        horizon_start=DUE,
        horizon_end=DUE + datetime.timedelta(days=60),
    )
    assert len(advice) == 3
    assert "launch" in advice[0]
    assert "trade-off" in advice[1]
    assert "two quarters" in advice[2]


def test_no_advice_for_a_well_formed_objective():
    assert (
        strategic_objective_advice(
            statement="Clinics run their week without calling us",
            trade_offs=["No hospitals"],
            horizon_start=DUE,
            horizon_end=DUE + datetime.timedelta(days=500),
        )
        == []
    )


def test_delivery_as_a_noun_is_not_a_tactic_verb():
    assert (
        strategic_objective_advice(
            statement="Improve delivery reliability for clinics",
            trade_offs=["x"],
            horizon_start=DUE,
            horizon_end=DUE + datetime.timedelta(days=500),
        )
        == []
    )


def test_objects_of_another_organization_do_not_exist_for_the_services(
    leader, other_org, make_member
):
    from django.core.exceptions import ObjectDoesNotExist

    foreign_leader = make_member(Role.LEADER, organization=other_org)
    objective = StrategicObjectiveFactory(organization=other_org)
    initiative = InitiativeFactory(strategic_objective=objective)
    wp = WorkPackageFactory(team=TeamFactory(organization=other_org))
    calls = [
        lambda: services.strategic_objective_update(
            actor=leader, objective=objective, statement="x"
        ),
        lambda: services.initiative_update(actor=leader, initiative=initiative, title="x"),
        lambda: services.work_package_update(actor=leader, work_package=wp, title="x"),
        lambda: services.work_package_record_decision(
            actor=leader, work_package=wp, decision="stop", reason="x"
        ),
    ]
    for call in calls:
        with pytest.raises(ObjectDoesNotExist):
            call()
    objective.refresh_from_db()
    wp.refresh_from_db()
    assert (objective.version, wp.version, wp.title) == (1, 1, wp.title)
    assert foreign_leader.organization == other_org


def test_editing_work_keeps_a_since_deactivated_owner(team_lead, team, member, make_member):
    wp = ready_package(team_lead, team, member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    wp = services.work_package_update(
        actor=team_lead, work_package=wp, title="Renamed", owner=member.user
    )
    assert (wp.title, wp.owner_id, wp.version) == ("Renamed", member.user_id, 2)
    newcomer = make_member(Role.MEMBER, teams=[team])
    newcomer.is_active = False
    newcomer.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_update(actor=team_lead, work_package=wp, owner=newcomer.user)
    assert "owner" in errors_of(excinfo)


def test_nul_characters_are_refused_by_field(team_lead, team, leader):
    with pytest.raises(ValidationError) as excinfo:
        services.work_package_create(actor=team_lead, title="bad\x00title", team=team)
    assert "title" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.strategic_objective_create(
            actor=leader,
            statement="Own it",
            horizon_start=DUE,
            horizon_end=DUE + datetime.timedelta(days=400),
            trade_offs=["ok", "no\x00pe"],
        )
    assert "trade_offs" in errors_of(excinfo)
    assert not WorkPackage.objects.exists()
