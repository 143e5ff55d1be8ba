"""The OKR and KPI services: who may write what, the domain rules, and what is written."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.errors import NotInOrganizationError
from core.models import Role
from core.tests.factories import TeamFactory
from okrs import selectors, services
from okrs.models import CheckIn, Contribution, Cycle, KeyResult, Objective, OutcomeMeasureValue
from okrs.tests.factories import (
    CheckInFactory,
    CycleFactory,
    KeyResultFactory,
    ObjectiveFactory,
    OutcomeMeasureFactory,
)
from planning.tests.factories import StrategicObjectiveFactory, WorkPackageFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
CLOSED = "This cycle is closed: its OKRs are read-only."


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def snapshot(*models) -> tuple:
    return tuple(
        sorted(
            m.objects.values_list("pk", "version")
            if hasattr(m, "version")
            else m.objects.values_list("pk")
        )
        for m in models
    )


EVERYTHING = (Cycle, Objective, KeyResult, CheckIn, Contribution, OutcomeMeasureValue)


@pytest.fixture
def cycle(org):
    return CycleFactory(organization=org, name="Q4")


@pytest.fixture
def strategy(org):
    return StrategicObjectiveFactory(organization=org)


@pytest.fixture
def org_objective(cycle, strategy, leader):
    return ObjectiveFactory(cycle=cycle, strategic_objective=strategy, owner=leader.user)


@pytest.fixture
def team_objective(cycle, team, org_objective, team_lead):
    return ObjectiveFactory(
        cycle=cycle, level="team", team=team, parent=org_objective, owner=team_lead.user
    )


@pytest.fixture
def member_kr(team_objective, member):
    """A key result of the team's objective, owned by the member."""
    return KeyResultFactory(
        objective=team_objective, owner=member.user, start_value=0, target_value=50
    )


# --- cycles --------------------------------------------------------------------------------


def test_a_leader_creates_a_cycle_in_planning(leader):
    cycle = services.cycle_create(
        actor=leader,
        name=" Q1 2027 ",
        start_date=datetime.date(2027, 1, 1),
        end_date=datetime.date(2027, 3, 31),
    )
    assert (cycle.name, cycle.status, cycle.version) == ("Q1 2027", "planning", 1)
    assert cycle.organization_id == leader.organization_id


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2027, 3, 31), datetime.date(2027, 1, 1)),
        (datetime.date(2027, 1, 1), datetime.date(2027, 1, 1)),
    ],
)
def test_a_cycle_must_end_after_it_starts(leader, start, end):
    with pytest.raises(ValidationError) as excinfo:
        services.cycle_create(actor=leader, name="Q1", start_date=start, end_date=end)
    assert errors_of(excinfo) == {"end_date": ["The cycle must end after it starts."]}
    assert not Cycle.objects.exists()


@pytest.mark.parametrize("role", ["team_lead", "member", "viewer"])
def test_only_leaders_plan_cycles(request, role):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.cycle_create(
            actor=actor, name="Q1", start_date=TODAY, end_date=TODAY + datetime.timedelta(days=90)
        )
    assert not Cycle.objects.exists()


def test_editing_a_cycle_bumps_its_version_only_on_a_change(leader, cycle):
    services.cycle_update(actor=leader, cycle=cycle, name="Q4")
    cycle.refresh_from_db()
    assert cycle.version == 1
    services.cycle_update(
        actor=leader,
        cycle=cycle,
        name="Q4 2026",
        end_date=cycle.end_date + datetime.timedelta(days=1),
    )
    cycle.refresh_from_db()
    assert (cycle.name, cycle.version) == ("Q4 2026", 2)


def test_an_edited_cycle_still_must_end_after_it_starts(leader, cycle):
    with pytest.raises(ValidationError) as excinfo:
        services.cycle_update(
            actor=leader, cycle=cycle, end_date=cycle.start_date - datetime.timedelta(days=1)
        )
    assert errors_of(excinfo) == {"end_date": ["The cycle must end after it starts."]}


# --- objectives ----------------------------------------------------------------------------


def test_a_leader_sets_an_organization_objective_serving_strategy(leader, cycle, strategy):
    objective = services.objective_create(
        actor=leader,
        cycle=cycle,
        level="organization",
        statement="  Clinics renew on their own ",
        strategic_objective=strategy,
        owner=leader.user,
    )
    assert objective.statement == "Clinics renew on their own"
    assert (objective.level, objective.team, objective.parent) == ("organization", None, None)
    assert objective.strategic_objective == strategy
    assert objective.version == 1


def test_an_organization_objective_needs_a_strategic_objective(leader, cycle):
    with pytest.raises(ValidationError) as excinfo:
        services.objective_create(
            actor=leader, cycle=cycle, level="organization", statement="Clinics renew"
        )
    assert errors_of(excinfo) == {
        "strategic_objective": ["Choose the strategic objective it serves."]
    }
    assert not Objective.objects.exists()


def test_a_team_lead_cascades_a_team_objective_under_an_organization_one(
    team_lead, team, cycle, org_objective
):
    objective = services.objective_create(
        actor=team_lead,
        cycle=cycle,
        level="team",
        team=team,
        parent=org_objective,
        statement="Patients rebook in a minute",
    )
    assert (objective.team, objective.parent, objective.strategic_objective) == (
        team,
        org_objective,
        None,
    )


def test_a_team_lead_cannot_write_an_organization_objective(team_lead, cycle, strategy):
    with pytest.raises(PermissionDenied):
        services.objective_create(
            actor=team_lead,
            cycle=cycle,
            level="organization",
            statement="Ours",
            strategic_objective=strategy,
        )
    assert not Objective.objects.exists()


def test_a_team_lead_cannot_write_another_teams_objective(team_lead, other_team, cycle):
    with pytest.raises(PermissionDenied):
        services.objective_create(
            actor=team_lead, cycle=cycle, level="team", team=other_team, statement="Theirs"
        )
    assert not Objective.objects.exists()


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_write_no_objectives(request, role, cycle, team):
    with pytest.raises(PermissionDenied):
        services.objective_create(
            actor=request.getfixturevalue(role),
            cycle=cycle,
            level="team",
            team=team,
            statement="Mine",
        )


def test_a_parent_from_another_cycle_is_refused(leader, cycle, team, strategy):
    earlier = CycleFactory(organization=cycle.organization, name="Q3")
    parent = ObjectiveFactory(cycle=earlier, strategic_objective=strategy)
    with pytest.raises(ValidationError) as excinfo:
        services.objective_create(
            actor=leader, cycle=cycle, level="team", team=team, parent=parent, statement="x"
        )
    assert errors_of(excinfo) == {"parent": ["Choose an organization objective of the same cycle."]}
    assert Objective.objects.count() == 1


def test_a_parent_from_another_organization_is_refused(leader, cycle, team, other_org):
    foreign = ObjectiveFactory(cycle=CycleFactory(organization=other_org))
    with pytest.raises(ValidationError) as excinfo:
        services.objective_create(
            actor=leader, cycle=cycle, level="team", team=team, parent=foreign, statement="x"
        )
    assert errors_of(excinfo) == {
        "parent": ["Choose an organization objective of this organization."]
    }


def test_a_team_objective_cannot_be_a_parent(leader, cycle, team, team_objective):
    with pytest.raises(ValidationError) as excinfo:
        services.objective_create(
            actor=leader, cycle=cycle, level="team", team=team, parent=team_objective, statement="x"
        )
    assert errors_of(excinfo) == {
        "parent": ["Choose an organization objective: team objectives cascade from those."]
    }


def test_another_organizations_cycle_is_not_found(leader, other_org, strategy):
    with pytest.raises(NotInOrganizationError):
        services.objective_create(
            actor=leader,
            cycle=CycleFactory(organization=other_org),
            level="organization",
            statement="x",
            strategic_objective=strategy,
        )


def test_every_problem_is_reported_at_once(leader, cycle, other_org):
    with pytest.raises(ValidationError) as excinfo:
        services.objective_create(
            actor=leader,
            cycle=cycle,
            level="team",
            statement=" ",
            team=None,
            strategic_objective=StrategicObjectiveFactory(organization=other_org),
        )
    assert set(errors_of(excinfo)) == {"statement", "team", "strategic_objective"}


def test_editing_an_objective_bumps_its_version_once(leader, org_objective):
    services.objective_update(
        actor=leader, objective=org_objective, statement=org_objective.statement
    )
    org_objective.refresh_from_db()
    assert org_objective.version == 1
    services.objective_update(
        actor=leader, objective=org_objective, statement="Sharper", description="Why"
    )
    org_objective.refresh_from_db()
    assert (org_objective.statement, org_objective.description, org_objective.version) == (
        "Sharper",
        "Why",
        2,
    )


def test_an_objective_with_team_objectives_beneath_cannot_become_a_teams(
    leader, org_objective, team_objective, team
):
    with pytest.raises(ValidationError) as excinfo:
        services.objective_update(actor=leader, objective=org_objective, level="team", team=team)
    assert "level" in errors_of(excinfo)


# --- key results ---------------------------------------------------------------------------


def kr_data(**overrides):
    data = {
        "title": "Share of bookings made online",
        "metric_kind": "percentage",
        "start_value": "45",
        "target_value": "60",
        "direction": "increase",
        "weight": "1",
    }
    data.update(overrides)
    return data


def test_a_key_result_is_set_by_whoever_writes_its_objective(team_lead, team_objective, member):
    kr = services.key_result_create(
        actor=team_lead, objective=team_objective, owner=member.user, **kr_data()
    )
    assert (kr.start_value, kr.target_value, kr.unit, kr.weight, kr.owner) == (
        Decimal(45),
        Decimal(60),
        "%",
        Decimal(1),
        member.user,
    )


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_set_no_key_results(request, role, team_objective):
    with pytest.raises(PermissionDenied):
        services.key_result_create(
            actor=request.getfixturevalue(role), objective=team_objective, **kr_data()
        )
    assert not KeyResult.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"target_value": "45"},
            {"target_value": ["The target must differ from the start value."]},
        ),
        ({"start_value": "lots"}, {"start_value": ["Enter a number."]}),
        ({"target_value": None}, {"target_value": ["Enter a number."]}),
        (
            {"direction": "decrease"},
            {
                "direction": [
                    "The target is above the start: choose “increase”, or lower the target."
                ]
            },
        ),
        (
            {"direction": "increase", "target_value": "30"},
            {
                "direction": [
                    "The target is below the start: choose “decrease”, or raise the target."
                ]
            },
        ),
        (
            {"metric_kind": "currency", "unit": ""},
            {"unit": ["Name the currency, for example EUR."]},
        ),
        (
            {"metric_kind": "milestone", "start_value": "0", "target_value": "2.5"},
            {"target_value": ["Milestones are counted in whole steps from 0."]},
        ),
        (
            {"weight": "-1"},
            {"weight": ["A weight cannot be negative; 0 leaves it out of the progress."]},
        ),
        ({"title": " "}, {"title": ["Say what you will measure."]}),
    ],
)
def test_bad_key_results_are_refused_beside_the_field(leader, org_objective, overrides, errors):
    with pytest.raises(ValidationError) as excinfo:
        services.key_result_create(actor=leader, objective=org_objective, **kr_data(**overrides))
    assert errors_of(excinfo) == errors
    assert not KeyResult.objects.exists()


def test_a_yes_no_key_result_runs_from_no_to_yes_whatever_was_typed(leader, org_objective):
    kr = services.key_result_create(
        actor=leader,
        objective=org_objective,
        **kr_data(metric_kind="boolean", start_value="7", target_value="7", unit="x"),
    )
    assert (kr.start_value, kr.target_value, kr.direction, kr.unit) == (0, 1, "increase", "")


def test_a_decreasing_key_result_without_a_direction_takes_it_from_the_numbers(
    leader, org_objective
):
    kr = services.key_result_create(
        actor=leader,
        objective=org_objective,
        **kr_data(
            metric_kind="number",
            start_value="140",
            target_value="60",
            direction=None,
            unit="seconds",
        ),
    )
    assert kr.direction == "decrease"


def test_a_kpi_of_another_organization_is_refused(leader, org_objective, other_org):
    foreign = OutcomeMeasureFactory(
        strategic_objective=StrategicObjectiveFactory(organization=other_org)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.key_result_create(
            actor=leader, objective=org_objective, outcome_measure=foreign, **kr_data()
        )
    assert errors_of(excinfo) == {"outcome_measure": ["Choose a KPI of this organization."]}


def test_an_owner_from_another_organization_is_refused(
    leader, org_objective, make_member, other_org
):
    outsider = make_member(Role.LEADER, organization=other_org)
    with pytest.raises(ValidationError) as excinfo:
        services.key_result_create(
            actor=leader, objective=org_objective, owner=outsider.user, **kr_data()
        )
    assert errors_of(excinfo) == {"owner": ["Choose an active member of this organization."]}


# --- check-ins -----------------------------------------------------------------------------


def test_the_owner_checks_in_and_the_progress_follows(member, member_kr):
    check_in = services.check_in_create(
        actor=member, key_result=member_kr, value="20", confidence=7, note=" Slot picker live "
    )
    assert (check_in.value, check_in.confidence, check_in.note, check_in.author) == (
        Decimal(20),
        7,
        "Slot picker live",
        member.user,
    )
    assert selectors.key_result_get(
        membership=member, key_result_id=member_kr.pk
    ).progress == pytest.approx(0.4)


def test_the_team_lead_may_check_in_on_the_teams_key_results(team_lead, member_kr):
    services.check_in_create(actor=team_lead, key_result=member_kr, value=5, confidence=5)
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize("role", ["viewer", "other_member"])
def test_others_cannot_check_in(request, make_member, team, role, member_kr):
    actor = (
        make_member(Role.MEMBER, teams=[team])
        if role == "other_member"
        else request.getfixturevalue(role)
    )
    with pytest.raises(PermissionDenied):
        services.check_in_create(actor=actor, key_result=member_kr, value=5, confidence=5)
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("value", "confidence", "errors"),
    [
        ("twelve", 5, {"value": ["Enter a number."]}),
        ("", 5, {"value": ["Enter a number."]}),
        ("NaN", 5, {"value": ["Enter a number."]}),
        ("5", 11, {"confidence": ["Give a confidence from 0 (no chance) to 10 (certain)."]}),
        ("5", "high", {"confidence": ["Give a confidence from 0 (no chance) to 10 (certain)."]}),
        (
            "x",
            -1,
            {
                "value": ["Enter a number."],
                "confidence": ["Give a confidence from 0 (no chance) to 10 (certain)."],
            },
        ),
    ],
)
def test_bad_check_ins_are_refused_beside_the_field(member, member_kr, value, confidence, errors):
    with pytest.raises(ValidationError) as excinfo:
        services.check_in_create(
            actor=member, key_result=member_kr, value=value, confidence=confidence
        )
    assert errors_of(excinfo) == errors
    assert not CheckIn.objects.exists()


def test_a_yes_no_check_in_takes_yes_or_no(member, team_objective):
    kr = KeyResultFactory(
        objective=team_objective,
        owner=member.user,
        metric_kind="boolean",
        start_value=0,
        target_value=1,
    )
    with pytest.raises(ValidationError) as excinfo:
        services.check_in_create(actor=member, key_result=kr, value=2, confidence=5)
    assert errors_of(excinfo) == {"value": ["Answer yes (1) or no (0)."]}
    services.check_in_create(actor=member, key_result=kr, value=1, confidence=9)


def test_a_milestone_check_in_counts_whole_steps(member, team_objective):
    kr = KeyResultFactory(
        objective=team_objective,
        owner=member.user,
        metric_kind="milestone",
        start_value=0,
        target_value=5,
    )
    with pytest.raises(ValidationError) as excinfo:
        services.check_in_create(actor=member, key_result=kr, value="2.5", confidence=5)
    assert errors_of(excinfo) == {"value": ["Count the milestones reached, in whole steps."]}


def test_a_check_in_cannot_be_in_the_future(member, member_kr):
    with pytest.raises(ValidationError) as excinfo:
        services.check_in_create(
            actor=member,
            key_result=member_kr,
            value=1,
            confidence=5,
            checked_in_at=timezone.now() + datetime.timedelta(hours=1),
        )
    assert errors_of(excinfo) == {"checked_in_at": ["A check-in cannot be in the future."]}


def test_a_check_in_on_a_closed_cycle_is_refused(member, member_kr, cycle):
    Cycle.objects.filter(pk=cycle.pk).update(status="closed")
    with pytest.raises(ValidationError) as excinfo:
        services.check_in_create(actor=member, key_result=member_kr, value=10, confidence=5)
    assert errors_of(excinfo) == {"key_result": [CLOSED]}
    assert not CheckIn.objects.exists()


def test_a_check_in_before_the_cycle_opens_is_refused(member, member_kr, cycle):
    Cycle.objects.filter(pk=cycle.pk).update(status="planning")
    with pytest.raises(ValidationError) as excinfo:
        services.check_in_create(actor=member, key_result=member_kr, value=10, confidence=5)
    assert errors_of(excinfo) == {
        "key_result": ["This cycle has not started: check in once it is active."]
    }


def test_another_organizations_key_result_is_not_found(member, other_org):
    foreign = KeyResultFactory(
        objective=ObjectiveFactory(cycle=CycleFactory(organization=other_org))
    )
    with pytest.raises(NotInOrganizationError):
        services.check_in_create(actor=member, key_result=foreign, value=1, confidence=5)


# --- contributions -------------------------------------------------------------------------


def test_work_packages_are_linked_to_the_key_results_they_feed(member, member_kr, team):
    work = WorkPackageFactory(team=team, title="Slot picker")
    services.contribution_add(actor=member, key_result=member_kr, work_package=work)
    assert list(member_kr.work_packages.all()) == [work]
    with pytest.raises(ValidationError) as excinfo:
        services.contribution_add(actor=member, key_result=member_kr, work_package=work)
    assert errors_of(excinfo) == {
        "work_package": ["This work package already feeds this key result."]
    }
    services.contribution_remove(actor=member, key_result=member_kr, work_package=work)
    assert not Contribution.objects.exists()


def test_another_organizations_work_package_cannot_be_linked(member, member_kr, other_org):
    foreign = WorkPackageFactory(team=TeamFactory(organization=other_org))
    with pytest.raises(ValidationError) as excinfo:
        services.contribution_add(actor=member, key_result=member_kr, work_package=foreign)
    assert errors_of(excinfo) == {"work_package": ["Choose a work package of this organization."]}


# --- KPIs ----------------------------------------------------------------------------------


def test_a_leader_defines_a_kpi_and_records_values_one_per_day(leader, strategy):
    measure = services.outcome_measure_create(
        actor=leader,
        strategic_objective=strategy,
        name="Net revenue retention",
        unit="%",
        direction="increase",
        target_value="110",
    )
    day = datetime.date(2026, 11, 1)
    row, created = services.outcome_measure_record_value(
        actor=leader, measure=measure, value="103.5", observed_on=day
    )
    assert created
    assert row.value == Decimal("103.5")
    assert row.version == 1
    same, created = services.outcome_measure_record_value(
        actor=leader, measure=measure, value="103.5", observed_on=day
    )
    assert (same.pk, created, same.version) == (row.pk, False, 1)  # the same push changes nothing
    same, created = services.outcome_measure_record_value(
        actor=leader, measure=measure, value="104", observed_on=day, source="warehouse"
    )
    assert (same.pk, created, same.value, same.version, same.source) == (
        row.pk,
        False,
        Decimal(104),
        2,
        "warehouse",
    )
    assert OutcomeMeasureValue.objects.count() == 1


@pytest.mark.parametrize("role", ["team_lead", "member", "viewer"])
def test_only_leaders_define_kpis(request, role, strategy):
    with pytest.raises(PermissionDenied):
        services.outcome_measure_create(
            actor=request.getfixturevalue(role),
            strategic_objective=strategy,
            name="x",
            target_value=1,
        )


def test_a_kpi_value_must_be_a_number_and_not_in_the_future(leader, strategy):
    measure = OutcomeMeasureFactory(strategic_objective=strategy)
    with pytest.raises(ValidationError) as excinfo:
        services.outcome_measure_record_value(
            actor=leader,
            measure=measure,
            value="n/a",
            observed_on=TODAY + datetime.timedelta(days=7),
        )
    assert errors_of(excinfo) == {
        "value": ["Enter a number."],
        "observed_on": ["A value cannot be observed in the future."],
    }


# --- grading and closing -------------------------------------------------------------------


@pytest.fixture
def next_cycle(org, cycle):
    return CycleFactory(
        organization=org,
        name="Q1",
        start_date=cycle.end_date + datetime.timedelta(days=1),
        end_date=cycle.end_date + datetime.timedelta(days=90),
        status="planning",
    )


def grades_for(*objectives, grade="0.7"):
    return {o.pk: (grade, "We learned it.") for o in objectives}


def test_closing_grades_every_objective_and_makes_the_cycle_read_only(
    leader, member, cycle, org_objective, team_objective, member_kr
):
    services.cycle_close(
        actor=leader,
        cycle=cycle,
        grades={
            org_objective.pk: ("0.8", " Good "),
            team_objective.pk: (Decimal("0.35"), "Late start"),
        },
    )
    cycle.refresh_from_db()
    org_objective.refresh_from_db()
    assert (cycle.status, cycle.version) == ("closed", 2)
    assert cycle.closed_at is not None
    assert (org_objective.grade, org_objective.retrospective, org_objective.version) == (
        Decimal("0.80"),
        "Good",
        2,
    )
    assert Objective.objects.get(pk=team_objective.pk).grade == Decimal("0.35")

    with pytest.raises(ValidationError) as excinfo:
        services.check_in_create(actor=member, key_result=member_kr, value=1, confidence=5)
    assert errors_of(excinfo) == {"key_result": [CLOSED]}
    with pytest.raises(ValidationError):
        services.objective_update(actor=leader, objective=org_objective, statement="Rewritten")
    with pytest.raises(ValidationError):
        services.key_result_update(actor=leader, key_result=member_kr, title="Rewritten")
    with pytest.raises(ValidationError):
        services.cycle_close(actor=leader, cycle=cycle)


def test_closing_needs_a_grade_and_a_note_for_every_objective(
    leader, cycle, org_objective, team_objective
):
    before = snapshot(*EVERYTHING)
    with pytest.raises(ValidationError) as excinfo:
        services.cycle_close(
            actor=leader, cycle=cycle, grades={org_objective.pk: ("1.2", "Too good")}
        )
    assert errors_of(excinfo) == {
        "grades": [
            f"Grade “{org_objective.statement}” between 0.0 and 1.0.",
            f"Grade “{team_objective.statement}” before closing.",
        ]
    }
    with pytest.raises(ValidationError) as excinfo:
        services.cycle_close(
            actor=leader,
            cycle=cycle,
            grades={**grades_for(team_objective), org_objective.pk: ("0.5", " ")},
        )
    assert errors_of(excinfo) == {
        "grades": [f"Write a line on what “{org_objective.statement}” taught you."]
    }
    assert snapshot(*EVERYTHING) == before


def test_an_objective_graded_before_the_close_keeps_its_grade(
    leader, team_lead, cycle, org_objective, team_objective
):
    services.objective_grade(
        actor=team_lead, objective=team_objective, grade="0.6", retrospective="Shipped late"
    )
    services.cycle_close(actor=leader, cycle=cycle, grades=grades_for(org_objective))
    assert Objective.objects.get(pk=team_objective.pk).grade == Decimal("0.60")


@pytest.mark.parametrize("role", ["team_lead", "member", "viewer"])
def test_only_leaders_close_a_cycle(request, role, cycle, org_objective):
    with pytest.raises(PermissionDenied):
        services.cycle_close(
            actor=request.getfixturevalue(role), cycle=cycle, grades=grades_for(org_objective)
        )
    assert Cycle.objects.get(pk=cycle.pk).status == "active"


def test_unfinished_key_results_are_carried_over_as_linked_copies(
    leader, member, cycle, next_cycle, org_objective, team_objective, member_kr
):
    CheckInFactory(key_result=member_kr, value=30)  # 30 of 50
    done = KeyResultFactory(objective=org_objective, start_value=0, target_value=10)
    CheckInFactory(key_result=done, value=10)

    services.cycle_close(
        actor=leader,
        cycle=cycle,
        grades=grades_for(org_objective, team_objective),
        carry_over=[member_kr],
        next_cycle=next_cycle,
    )

    copy = KeyResult.objects.get(objective__cycle=next_cycle)
    assert copy.carried_from == member_kr
    assert (copy.title, copy.start_value, copy.target_value, copy.owner) == (
        member_kr.title,
        Decimal(30),
        Decimal(50),
        member.user,
    )
    objective_copy = copy.objective
    assert (objective_copy.carried_from, objective_copy.team, objective_copy.statement) == (
        team_objective,
        team_objective.team,
        team_objective.statement,
    )
    assert objective_copy.parent is None  # its parent carried nothing over
    assert Objective.objects.filter(cycle=next_cycle).count() == 1
    assert not CheckIn.objects.filter(key_result=copy).exists()


def test_a_team_objective_copy_hangs_under_its_parents_copy(
    leader, cycle, next_cycle, org_objective, team_objective, member_kr
):
    org_kr = KeyResultFactory(objective=org_objective)
    services.cycle_close(
        actor=leader,
        cycle=cycle,
        grades=grades_for(org_objective, team_objective),
        carry_over=[member_kr, org_kr],
        next_cycle=next_cycle,
    )
    team_copy = Objective.objects.get(cycle=next_cycle, carried_from=team_objective)
    assert team_copy.parent == Objective.objects.get(cycle=next_cycle, carried_from=org_objective)


def test_finished_key_results_are_not_carried_and_nothing_is_written(
    leader, cycle, next_cycle, org_objective, team_objective, member_kr
):
    CheckInFactory(key_result=member_kr, value=50)
    before = snapshot(*EVERYTHING)
    with pytest.raises(ValidationError) as excinfo:
        services.cycle_close(
            actor=leader,
            cycle=cycle,
            grades=grades_for(org_objective, team_objective),
            carry_over=[member_kr],
            next_cycle=next_cycle,
        )
    assert errors_of(excinfo) == {
        "carry_over": ["Only unfinished key results can be carried over."]
    }
    assert snapshot(*EVERYTHING) == before


@pytest.mark.parametrize("which", ["none", "same", "earlier", "closed", "foreign"])
def test_carrying_needs_a_later_open_cycle(
    leader, org, other_org, cycle, org_objective, team_objective, member_kr, which
):
    target = {
        "none": None,
        "same": cycle,
        "earlier": CycleFactory(
            organization=org,
            start_date=cycle.start_date - datetime.timedelta(days=90),
            end_date=cycle.start_date - datetime.timedelta(days=1),
        ),
        "closed": CycleFactory(
            organization=org,
            start_date=cycle.end_date + datetime.timedelta(days=1),
            end_date=cycle.end_date + datetime.timedelta(days=90),
            status="closed",
        ),
        "foreign": CycleFactory(
            organization=other_org,
            start_date=cycle.end_date + datetime.timedelta(days=1),
            end_date=cycle.end_date + datetime.timedelta(days=90),
        ),
    }[which]
    with pytest.raises(ValidationError) as excinfo:
        services.cycle_close(
            actor=leader,
            cycle=cycle,
            grades=grades_for(org_objective, team_objective),
            carry_over=[member_kr],
            next_cycle=target,
        )
    assert "next_cycle" in errors_of(excinfo)
    assert Cycle.objects.get(pk=cycle.pk).status == "active"
