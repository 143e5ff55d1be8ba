"""The rules of the backlog, through its services and selectors, on the real database."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError

from backlog import selectors, services
from backlog.models import (
    CapacityPolicy,
    Idea,
    RankChange,
    ScoringModel,
    Sprint,
    SprintCommitment,
    WorkPackageScore,
)
from core.models import Role
from planning.models import Initiative, StrategicObjective, WorkPackage
from planning.tests.factories import (
    InitiativeFactory,
    StrategicObjectiveFactory,
    WorkPackageFactory,
)

pytestmark = pytest.mark.django_db
S = WorkPackage.Status
START = datetime.date(2026, 3, 2)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def ranked(membership, team) -> list[WorkPackage]:
    model = selectors.scoring_model_for_team(membership=membership, team=team)
    return list(selectors.ranked_backlog(membership=membership, team=team, model=model))


def score_of(membership, team) -> dict[str, float]:
    return {wp.title: round(wp.score, 4) for wp in ranked(membership, team)}  # type: ignore[attr-defined]


def titles(membership, team) -> list[str]:
    return [wp.title for wp in ranked(membership, team)]


def only(criterion: str) -> dict:
    """Weights that count one criterion alone."""
    weights = {f: 0 for f in services.WEIGHT_FIELDS}
    weights[f"{criterion}_weight"] = 1
    return {"preset": "weighted", **weights}


def sprint_for(team_lead, team, capacity=20, **kw):
    return services.sprint_create(
        actor=team_lead,
        team=team,
        name=kw.pop("name", "Sprint 1"),
        start_date=kw.pop("start_date", START),
        end_date=kw.pop("end_date", START + datetime.timedelta(days=13)),
        capacity_points=capacity,
        **kw,
    )


# --- scoring -------------------------------------------------------------------------------


def test_a_team_without_a_scoring_model_gets_the_weighted_default(team_lead, team):
    model = selectors.scoring_model_for_team(membership=team_lead, team=team)
    assert model._state.adding  # not saved
    assert model.preset == ScoringModel.Preset.WEIGHTED
    assert model.weights == {
        "impact": 3,
        "urgency": 2,
        "effort": 2,
        "strategic_fit": 3,
        "risk": 1,
        "dependencies": 1,
    }


@pytest.mark.parametrize(
    ("priority", "status", "fit"),
    [
        (1, "active", 100.0),
        (2, "active", 75.0),
        (3, "active", 50.0),
        (7, "active", 25.0),
        (1, "draft", 0.0),
        (1, "retired", 0.0),
    ],
)
def test_strategic_fit_comes_from_the_linked_objective_and_its_priority(
    team_lead, team, make_work, org, priority, status, fit
):
    objective = StrategicObjectiveFactory(organization=org, priority=priority, status=status)
    make_work("Linked", initiative=InitiativeFactory(strategic_objective=objective))
    make_work("Unlinked")
    services.scoring_model_update(actor=team_lead, team=team, **only("strategic_fit"))

    assert score_of(team_lead, team) == {"Linked": fit, "Unlinked": 0.0}


def test_work_for_a_cancelled_initiative_has_no_strategic_fit(team_lead, team, make_work, org):
    objective = StrategicObjectiveFactory(organization=org, priority=1)
    cancelled = InitiativeFactory(strategic_objective=objective, status=Initiative.Status.CANCELLED)
    make_work("Old", initiative=cancelled)
    services.scoring_model_update(actor=team_lead, team=team, **only("strategic_fit"))
    assert score_of(team_lead, team) == {"Old": 0.0}


def test_strategic_fit_cannot_be_typed_in(team_lead, make_work):
    wp = make_work("Work")
    services.backlog_item_update(actor=team_lead, work_package=wp, strategic_fit=5, fit=5)
    score = WorkPackageScore.objects.get(work_package=wp)
    assert not hasattr(score, "strategic_fit")


@pytest.mark.parametrize(
    ("effort", "estimate", "expected"),
    [
        (1, 8, 100.0),  # scored effort wins over the estimate
        (5, 1, 0.0),
        (None, 1, 100.0),  # blank effort comes from the estimate
        (None, 3, 75.0),
        (None, 13, 0.0),
        (None, None, 50.0),  # neither: the middle
    ],
)
def test_effort_is_a_cost(team_lead, team, make_work, effort, estimate, expected):
    wp = make_work("Work", estimate=estimate)
    if effort:
        services.backlog_item_update(actor=team_lead, work_package=wp, effort=effort)
    services.scoring_model_update(actor=team_lead, team=team, **only("effort"))
    assert score_of(team_lead, team) == {"Work": expected}


def test_weighted_score_is_the_weighted_mean_on_0_to_100(team_lead, team, make_work, initiative):
    wp = make_work("Work", initiative=initiative, estimate=5)  # fit 1.0; effort from estimate: 3
    services.backlog_item_update(
        actor=team_lead, work_package=wp, impact=5, urgency=3, risk=1, dependencies=2
    )
    services.scoring_model_update(
        actor=team_lead,
        team=team,
        preset="weighted",
        impact_weight=4,
        urgency_weight=2,
        effort_weight=1,
        strategic_fit_weight=3,
        risk_weight=0,
        dependencies_weight=2,
    )
    # impact 1.0*4 + urgency .5*2 + effort .5*1 + fit 1.0*3 + deps .25*2 = 9.0 of 12 weight
    assert score_of(team_lead, team) == {"Work": 75.0}


def test_rice_preset(team_lead, team, make_work):
    wp = make_work("Work", estimate=4)
    services.backlog_item_update(
        actor=team_lead, work_package=wp, reach=100, impact=5, confidence=80
    )
    other = make_work("Unknown reach", estimate=4)
    services.backlog_item_update(actor=team_lead, work_package=other, impact=5)
    services.scoring_model_update(actor=team_lead, team=team, preset="rice")
    # 100 people × impact 3 (massive) × 80 % ÷ 4 points
    assert score_of(team_lead, team) == {"Work": 60.0, "Unknown reach": 0.0}


def test_wsjf_preset(team_lead, team, make_work):
    wp = make_work("Work", estimate=3)
    services.backlog_item_update(
        actor=team_lead, work_package=wp, impact=5, urgency=4, risk=2, dependencies=3
    )
    make_work("Blank", estimate=None)
    services.scoring_model_update(actor=team_lead, team=team, preset="wsjf")
    # cost of delay 5 + 4 + max(2, 3) = 12, job size 3; blank: (3 + 3 + 3) / 3
    assert score_of(team_lead, team) == {"Work": 4.0, "Blank": 3.0}


def test_the_whole_backlog_is_scored_and_ranked_in_one_query(
    team_lead, team, make_work, initiative, django_assert_num_queries
):
    for i in range(12):
        wp = make_work(f"Work {i}", initiative=initiative if i % 2 else None, estimate=i + 1)
        services.backlog_item_update(actor=team_lead, work_package=wp, impact=1 + i % 5)
    model = selectors.scoring_model_for_team(membership=team_lead, team=team)
    with django_assert_num_queries(1):
        rows = list(selectors.ranked_backlog(membership=team_lead, team=team, model=model))
        assert [wp.position for wp in rows] == list(range(1, 13))
        assert [wp.rank_value for wp in rows] == sorted((wp.score for wp in rows), reverse=True)


def test_the_backlog_is_the_teams_open_work_only(team_lead, team, other_team, make_work):
    make_work("Ready")
    make_work("In progress", status=S.IN_PROGRESS)
    WorkPackageFactory(team=team, title="Intention")
    make_work("Done", status=S.DONE)
    make_work("Stopped", status=S.STOPPED)
    make_work("Other team's", team=other_team)
    assert sorted(titles(team_lead, team)) == ["In progress", "Intention", "Ready"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("impact_weight", -1, "A weight cannot be negative."),
        ("risk_weight", 11, "Give a weight from 0 to 10."),
        ("urgency_weight", None, "Give a weight from 0 to 10."),
    ],
)
def test_bad_weights_are_refused_beside_the_field(team_lead, team, field, value, message):
    with pytest.raises(ValidationError) as excinfo:
        services.scoring_model_update(actor=team_lead, team=team, **{field: value})
    assert errors_of(excinfo) == {field: [message]}
    assert not ScoringModel.objects.exists()


def test_all_weights_zero_is_refused_for_weighted_scoring(team_lead, team):
    zero = {f: 0 for f in services.WEIGHT_FIELDS}
    with pytest.raises(ValidationError) as excinfo:
        services.scoring_model_update(actor=team_lead, team=team, preset="weighted", **zero)
    assert errors_of(excinfo) == {
        "impact_weight": ["All weights are zero: give at least one criterion a weight."]
    }
    assert not ScoringModel.objects.exists()
    # RICE and WSJF do not use the weights.
    model = services.scoring_model_update(actor=team_lead, team=team, preset="rice", **zero)
    assert model.preset == "rice"


def test_scoring_model_version_moves_only_on_change(team_lead, team):
    model = services.scoring_model_update(actor=team_lead, team=team, impact_weight=5)
    assert (model.version, model.updated_by) == (1, team_lead.user)
    model = services.scoring_model_update(actor=team_lead, team=team, impact_weight=5)
    assert model.version == 1
    model = services.scoring_model_update(actor=team_lead, team=team, impact_weight=4)
    assert model.version == 2


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_only_leads_and_leaders_change_scoring(make_member, team, role):
    actor = make_member(role, teams=[team])
    with pytest.raises(PermissionDenied):
        services.scoring_model_update(actor=actor, team=team, preset="rice")
    assert not ScoringModel.objects.exists()


def test_a_lead_cannot_change_another_teams_scoring(other_lead, team):
    with pytest.raises(PermissionDenied):
        services.scoring_model_update(actor=other_lead, team=team, preset="rice")


def test_a_leader_changes_any_teams_scoring(leader, team):
    assert services.scoring_model_update(actor=leader, team=team, preset="wsjf").preset == "wsjf"


def test_another_organizations_team_does_not_exist(team_lead, foreign):
    with pytest.raises(ObjectDoesNotExist):
        services.scoring_model_update(actor=team_lead, team=foreign.team, preset="rice")


# --- scoring inputs, category and estimate -------------------------------------------------


def test_categorizing_and_estimating_goes_through_planning(team_lead, make_work):
    wp = make_work("Work", estimate=3, category="strategic")
    services.backlog_item_update(
        actor=team_lead, work_package=wp, category="technical_debt", estimate=5, impact=4
    )
    wp.refresh_from_db()
    assert (wp.category, wp.estimate, wp.version) == ("technical_debt", 5, 2)
    score = WorkPackageScore.objects.get(work_package=wp)
    assert (score.impact, score.version, score.updated_by) == (4, 1, team_lead.user)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"estimate": -3}, "estimate", "An estimate cannot be negative."),
        ({"impact": 0}, "impact", "Score it 1 to 5, or leave it blank."),
        ({"urgency": 6}, "urgency", "Score it 1 to 5, or leave it blank."),
        ({"reach": -10}, "reach", "Reach cannot be negative."),
        ({"confidence": 120}, "confidence", "Give confidence from 0 to 100 %."),
        ({"category": "urgent"}, "category", "Choose one of the categories."),
    ],
)
def test_bad_scoring_input_names_the_field_and_writes_nothing(
    team_lead, make_work, data, field, message
):
    wp = make_work("Work", estimate=3)
    with pytest.raises(ValidationError) as excinfo:
        services.backlog_item_update(
            actor=team_lead, work_package=wp, **{"category": "tactical", "impact": 4, **data}
        )
    assert errors_of(excinfo) == {field: [message]}
    wp.refresh_from_db()
    assert (wp.category, wp.estimate, wp.version) == ("strategic", 3, 1)
    assert not WorkPackageScore.objects.exists()


def test_a_member_cannot_score(member, make_work):
    wp = make_work("Work")
    with pytest.raises(PermissionDenied):
        services.backlog_item_update(actor=member, work_package=wp, impact=5)


# --- ranking by hand -----------------------------------------------------------------------


@pytest.fixture
def five(team_lead, team, make_work):
    """Five work packages with distinct scores, A highest."""
    for i, title in enumerate("ABCDE"):
        wp = make_work(title)
        services.backlog_item_update(actor=team_lead, work_package=wp, impact=5 - i)
    assert titles(team_lead, team) == list("ABCDE")
    return {wp.title: wp for wp in WorkPackage.objects.all()}


def test_moving_up_places_it_above_its_neighbour_and_records_who_when_why(team_lead, team, five):
    position = services.backlog_move(
        actor=team_lead, work_package=five["D"], direction="up", reason="  Customer waiting  "
    )
    assert position == 3
    assert titles(team_lead, team) == ["A", "B", "D", "C", "E"]
    score = WorkPackageScore.objects.get(work_package=five["D"])
    assert (score.ranked_by, score.rank_reason) == (team_lead.user, "Customer waiting")
    assert score.ranked_at is not None
    change = RankChange.objects.get()
    assert (change.work_package, change.team, change.changed_by) == (
        five["D"],
        team,
        team_lead.user,
    )
    assert (change.from_position, change.to_position, change.reason) == (4, 3, "Customer waiting")


def test_moving_down_and_to_a_position(team_lead, team, five):
    services.backlog_move(actor=team_lead, work_package=five["A"], direction="down")
    assert titles(team_lead, team) == ["B", "A", "C", "D", "E"]
    services.backlog_move(actor=team_lead, work_package=five["E"], position=1)
    assert titles(team_lead, team) == ["E", "B", "A", "C", "D"]
    services.backlog_move(actor=team_lead, work_package=five["E"], position=99)
    assert titles(team_lead, team) == ["B", "A", "C", "D", "E"]
    assert RankChange.objects.count() == 3


def test_a_hand_placed_item_stays_put_as_others_are_moved_around_it(team_lead, team, five):
    services.backlog_move(actor=team_lead, work_package=five["E"], position=2)
    services.backlog_move(actor=team_lead, work_package=five["D"], position=2)
    services.backlog_move(actor=team_lead, work_package=five["C"], position=2)
    assert titles(team_lead, team) == ["A", "C", "D", "E", "B"]


def test_moving_the_top_item_up_changes_and_records_nothing(team_lead, team, five):
    assert services.backlog_move(actor=team_lead, work_package=five["A"], direction="up") == 1
    assert not RankChange.objects.exists()
    assert not WorkPackageScore.objects.filter(rank_key__isnull=False).exists()


def test_items_with_equal_scores_move_past_each_other(team_lead, team, make_work):
    for title in ("P", "Q", "R"):
        make_work(title)  # unscored, same estimate: equal scores, ordered by title
    assert titles(team_lead, team) == ["P", "Q", "R"]
    services.backlog_move(
        actor=team_lead, work_package=WorkPackage.objects.get(title="R"), direction="up"
    )
    assert titles(team_lead, team)[0] == "R"
    services.backlog_move(
        actor=team_lead, work_package=WorkPackage.objects.get(title="P"), direction="down"
    )
    assert titles(team_lead, team)[-1] == "P"


def test_back_to_score_forgets_the_hand_placement_and_records_it(team_lead, team, five):
    services.backlog_move(actor=team_lead, work_package=five["E"], position=1)
    services.backlog_rank_reset(actor=team_lead, work_package=five["E"])
    assert titles(team_lead, team) == list("ABCDE")
    change = RankChange.objects.order_by("changed_at").last()
    assert (change.from_position, change.to_position) == (1, None)


def test_changing_the_preset_clears_hand_placements(team_lead, team, five):
    services.backlog_move(actor=team_lead, work_package=five["E"], position=1)
    services.scoring_model_update(actor=team_lead, team=team, impact_weight=1)
    assert titles(team_lead, team)[0] == "E"  # same scale: kept
    services.scoring_model_update(actor=team_lead, team=team, preset="wsjf")
    assert not WorkPackageScore.objects.filter(rank_key__isnull=False).exists()


def test_closed_work_cannot_be_ranked(team_lead, make_work):
    done = make_work("Done", status=S.DONE)
    with pytest.raises(ValidationError) as excinfo:
        services.backlog_move(actor=team_lead, work_package=done, direction="up")
    assert "work_package" in errors_of(excinfo)


def test_another_teams_lead_cannot_rank(other_lead, five):
    with pytest.raises(PermissionDenied):
        services.backlog_move(actor=other_lead, work_package=five["C"], direction="up")
    assert not RankChange.objects.exists()


# --- capacity policy -----------------------------------------------------------------------


def test_the_default_policy_is_70_strategic_30_tactical(team_lead, team):
    policy = selectors.capacity_policy_for_team(membership=team_lead, team=team)
    assert policy._state.adding
    assert policy.targets == {"strategic": 70, "tactical": 30}


def test_a_finer_split(team_lead, team):
    policy = services.capacity_policy_set(
        actor=team_lead,
        team=team,
        split="detailed",
        strategic_share=50,
        tactical_share=20,
        urgent_share=10,
        experimentation_share=10,
        maintenance_share=10,
    )
    assert policy.targets == {
        "strategic": 50,
        "tactical": 20,
        "urgent": 10,
        "experimentation": 10,
        "maintenance": 10,
    }
    assert policy.group_of("stakeholder_request") == "urgent"
    assert policy.group_of("technical_debt") == "maintenance"


def test_the_simple_split_ignores_finer_shares(team_lead, team):
    policy = services.capacity_policy_set(
        actor=team_lead,
        team=team,
        split="simple",
        strategic_share=60,
        tactical_share=40,
        urgent_share=30,
    )
    assert (policy.urgent_share, policy.targets) == (0, {"strategic": 60, "tactical": 40})
    assert policy.group_of("stakeholder_request") == "tactical"


@pytest.mark.parametrize(
    ("shares", "field", "message"),
    [
        (
            {"strategic_share": 70, "tactical_share": 20},
            "strategic_share",
            "The shares add up to 90 %; they must add up to 100 %.",
        ),
        (
            {"strategic_share": 80, "tactical_share": 30},
            "strategic_share",
            "The shares add up to 110 %; they must add up to 100 %.",
        ),
        (
            {"strategic_share": 110, "tactical_share": -10},
            "tactical_share",
            "A share cannot be negative.",
        ),
    ],
)
def test_shares_that_do_not_add_to_100_are_refused(team_lead, team, shares, field, message):
    with pytest.raises(ValidationError) as excinfo:
        services.capacity_policy_set(actor=team_lead, team=team, split="simple", **shares)
    assert errors_of(excinfo)[field] == [message]
    assert not CapacityPolicy.objects.exists()


def test_a_member_cannot_set_the_policy(member, team):
    with pytest.raises(PermissionDenied):
        services.capacity_policy_set(
            actor=member, team=team, split="simple", strategic_share=50, tactical_share=50
        )


# --- sprints -------------------------------------------------------------------------------


def test_a_sprint_that_ends_before_it_starts_is_refused(team_lead, team):
    with pytest.raises(ValidationError) as excinfo:
        sprint_for(team_lead, team, end_date=START - datetime.timedelta(days=1))
    assert errors_of(excinfo) == {"end_date": ["A sprint cannot end before it starts."]}
    assert not Sprint.objects.exists()


@pytest.mark.parametrize(
    ("start", "days", "field", "message"),
    [
        (START, 13 * 7 + 1, "end_date", "A sprint lasts at most 13 weeks; this one is 92 days."),
        (datetime.date(9999, 12, 1), 14, "start_date", "check the year"),
    ],
)
def test_a_sprint_is_short_and_not_years_ahead(team_lead, team, start, days, field, message):
    with pytest.raises(ValidationError) as excinfo:
        sprint_for(
            team_lead, team, start_date=start, end_date=start + datetime.timedelta(days=days - 1)
        )
    errors = errors_of(excinfo)
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not Sprint.objects.exists()
    # Thirteen weeks exactly is a sprint.
    sprint_for(team_lead, team, end_date=START + datetime.timedelta(days=13 * 7 - 1))


def test_an_old_long_sprint_can_still_be_renamed(team_lead, team):
    sprint = sprint_for(team_lead, team)
    Sprint.objects.filter(pk=sprint.pk).update(end_date=START + datetime.timedelta(days=200))
    sprint.refresh_from_db()
    renamed = services.sprint_update(actor=team_lead, sprint=sprint, name="Long one")
    assert renamed.name == "Long one"


@pytest.mark.parametrize("capacity", [0, -5, None])
def test_a_sprint_needs_capacity(team_lead, team, capacity):
    with pytest.raises(ValidationError) as excinfo:
        sprint_for(team_lead, team, capacity=capacity)
    assert errors_of(excinfo) == {"capacity_points": ["Give the capacity in points, at least 1."]}
    assert not Sprint.objects.exists()


def test_sprints_of_a_team_do_not_overlap(team_lead, team, other_team, leader):
    sprint_for(team_lead, team)
    with pytest.raises(ValidationError) as excinfo:
        sprint_for(team_lead, team, name="Sprint 2", start_date=START + datetime.timedelta(days=7))
    assert list(errors_of(excinfo)) == ["start_date"]
    # Another team may run a sprint on the same dates.
    sprint_for(leader, other_team)
    assert Sprint.objects.count() == 2


def test_editing_a_sprint(team_lead, team):
    sprint = sprint_for(team_lead, team)
    sprint = services.sprint_update(actor=team_lead, sprint=sprint, capacity_points=24)
    assert (sprint.capacity_points, sprint.version) == (24, 2)
    with pytest.raises(ValidationError):
        services.sprint_update(
            actor=team_lead, sprint=sprint, end_date=START - datetime.timedelta(days=3)
        )
    sprint.refresh_from_db()
    assert sprint.end_date == START + datetime.timedelta(days=13)


def test_committing_ready_work(team_lead, team, make_work):
    sprint = sprint_for(team_lead, team)
    wp = make_work("Work", estimate=5, category="strategic")
    commitment = services.sprint_commit(actor=team_lead, sprint=sprint, work_package=wp)
    assert (commitment.points, commitment.category) == (5, "strategic")
    assert (commitment.over_capacity, commitment.below_strategic_target, commitment.reason) == (
        False,
        False,
        "",
    )
    assert commitment.committed_by == team_lead.user
    wp.refresh_from_db()
    assert (wp.status, wp.version) == (S.READY, 1)  # committing is not starting


def test_an_intention_cannot_be_committed(team_lead, team):
    sprint = sprint_for(team_lead, team)
    intention = WorkPackageFactory(team=team, title="Maybe", estimate=3)
    with pytest.raises(ValidationError) as excinfo:
        services.sprint_commit(actor=team_lead, sprint=sprint, work_package=intention)
    assert errors_of(excinfo) == {
        "work_package": [
            "“Maybe” is still an intention (it needs owner, due date, success check (criterion "
            "and review date)): only ready work can be committed."
        ]
    }
    assert not SprintCommitment.objects.exists()


@pytest.mark.parametrize("status", [S.DONE, S.STOPPED])
def test_closed_work_cannot_be_committed(team_lead, team, make_work, status):
    sprint = sprint_for(team_lead, team)
    with pytest.raises(ValidationError) as excinfo:
        services.sprint_commit(
            actor=team_lead, sprint=sprint, work_package=make_work("Closed", status=status)
        )
    assert "only ready or in-progress work" in errors_of(excinfo)["work_package"][0]


def test_another_teams_work_cannot_be_committed(team_lead, team, other_team, make_work):
    sprint = sprint_for(team_lead, team)
    theirs = make_work("Their work", team=other_team)
    with pytest.raises(ValidationError) as excinfo:
        services.sprint_commit(actor=team_lead, sprint=sprint, work_package=theirs)
    assert errors_of(excinfo) == {
        "work_package": ["“Their work” is Platform's work: commit it to a Platform sprint."]
    }
    assert not SprintCommitment.objects.exists()


def test_another_organizations_work_does_not_exist(team_lead, team, foreign):
    sprint = sprint_for(team_lead, team)
    with pytest.raises(ObjectDoesNotExist):
        services.sprint_commit(actor=team_lead, sprint=sprint, work_package=foreign.work)
    with pytest.raises(ObjectDoesNotExist):
        services.sprint_commit(actor=team_lead, sprint=foreign.sprint, work_package=foreign.work)


def test_unestimated_work_cannot_be_committed(team_lead, team, make_work):
    sprint = sprint_for(team_lead, team)
    with pytest.raises(ValidationError) as excinfo:
        services.sprint_commit(
            actor=team_lead, sprint=sprint, work_package=make_work("Vague", estimate=None)
        )
    assert errors_of(excinfo) == {
        "work_package": ["Estimate “Vague” first: capacity is planned in points."]
    }


def test_work_is_in_one_open_sprint_at_a_time(team_lead, team, make_work):
    first = sprint_for(team_lead, team)
    second = sprint_for(
        team_lead,
        team,
        name="Sprint 2",
        start_date=START + datetime.timedelta(days=14),
        end_date=START + datetime.timedelta(days=27),
    )
    wp = make_work("Work")
    services.sprint_commit(actor=team_lead, sprint=first, work_package=wp)
    for sprint, where in ((first, "this sprint"), (second, "Sprint 1")):
        with pytest.raises(ValidationError) as excinfo:
            services.sprint_commit(actor=team_lead, sprint=sprint, work_package=wp)
        assert errors_of(excinfo) == {"work_package": [f"“Work” is already committed to {where}."]}
    assert SprintCommitment.objects.count() == 1


def test_going_past_capacity_needs_a_recorded_reason(team_lead, team, make_work):
    sprint = sprint_for(team_lead, team, capacity=10)
    services.sprint_commit(actor=team_lead, sprint=sprint, work_package=make_work("A", estimate=8))
    big = make_work("B", estimate=5)

    with pytest.raises(services.CommitNeedsReasonError) as excinfo:
        services.sprint_commit(actor=team_lead, sprint=sprint, work_package=big)
    assert excinfo.value.warnings == ["It would plan 13 points into a capacity of 10 (3 over)."]
    assert errors_of(excinfo) == {
        "reason": [
            "This goes past the plan: It would plan 13 points into a capacity of 10 (3 over). "
            "Give a reason to commit it anyway."
        ]
    }
    with pytest.raises(services.CommitNeedsReasonError):
        services.sprint_commit(actor=team_lead, sprint=sprint, work_package=big, reason="   ")
    assert SprintCommitment.objects.count() == 1

    commitment = services.sprint_commit(
        actor=team_lead, sprint=sprint, work_package=big, reason=" Launch date is fixed "
    )
    assert (commitment.over_capacity, commitment.reason) == (True, "Launch date is fixed")
    assert not commitment.below_strategic_target


def test_letting_tactical_work_crowd_out_strategy_needs_a_recorded_reason(
    team_lead, team, make_work
):
    # Capacity 10 at the default 70 % strategic target leaves 3 points for the rest.
    sprint = sprint_for(team_lead, team, capacity=10)
    services.sprint_commit(
        actor=team_lead,
        sprint=sprint,
        work_package=make_work("Bug", estimate=2, category="tactical"),
    )
    request = make_work("Request", estimate=2, category="stakeholder_request")
    with pytest.raises(services.CommitNeedsReasonError) as excinfo:
        services.sprint_commit(actor=team_lead, sprint=sprint, work_package=request)
    assert excinfo.value.warnings == [
        "Non-strategic work would take 40 % of capacity, leaving less than the 70 % target for "
        "strategic work."
    ]
    commitment = services.sprint_commit(
        actor=team_lead, sprint=sprint, work_package=request, reason="Key account renewal"
    )
    assert (commitment.below_strategic_target, commitment.over_capacity) == (True, False)
    # Strategic work never trips the split, only capacity.
    strategic = services.sprint_commit(
        actor=team_lead, sprint=sprint, work_package=make_work("Strategy", estimate=6)
    )
    assert not strategic.below_strategic_target


def test_the_split_check_follows_the_teams_policy(team_lead, team, make_work):
    services.capacity_policy_set(
        actor=team_lead, team=team, split="simple", strategic_share=20, tactical_share=80
    )
    sprint = sprint_for(team_lead, team, capacity=10)
    commitment = services.sprint_commit(
        actor=team_lead,
        sprint=sprint,
        work_package=make_work("Ops", estimate=8, category="operational"),
    )
    assert not commitment.below_strategic_target


def test_both_warnings_at_once(team_lead, team, make_work):
    sprint = sprint_for(team_lead, team, capacity=4)
    with pytest.raises(services.CommitNeedsReasonError) as excinfo:
        services.sprint_commit(
            actor=team_lead,
            sprint=sprint,
            work_package=make_work("Big fix", estimate=5, category="tactical"),
        )
    assert len(excinfo.value.warnings) == 2


def test_taking_work_out_of_a_sprint(team_lead, team, make_work):
    sprint = sprint_for(team_lead, team)
    wp = make_work("Work")
    services.sprint_commit(actor=team_lead, sprint=sprint, work_package=wp)
    services.sprint_uncommit(actor=team_lead, sprint=sprint, work_package=wp)
    assert not SprintCommitment.objects.exists()
    with pytest.raises(ValidationError):
        services.sprint_uncommit(actor=team_lead, sprint=sprint, work_package=wp)


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_only_leads_and_leaders_plan_sprints(make_member, team, team_lead, make_work, role):
    actor = make_member(role, teams=[team])
    with pytest.raises(PermissionDenied):
        sprint_for(actor, team)
    sprint = sprint_for(team_lead, team)
    with pytest.raises(PermissionDenied):
        services.sprint_commit(actor=actor, sprint=sprint, work_package=make_work("W"))
    with pytest.raises(PermissionDenied):
        services.sprint_close(actor=actor, sprint=sprint)


def test_closing_records_done_carried_over_and_stopped(team_lead, team, make_work):
    sprint = sprint_for(team_lead, team)
    done = make_work("Done", estimate=3)
    started = make_work("Started", estimate=5, status=S.IN_PROGRESS, category="tactical")
    dropped = make_work("Dropped", estimate=2)
    for wp in (done, started, dropped):
        services.sprint_commit(actor=team_lead, sprint=sprint, work_package=wp)
    WorkPackage.objects.filter(pk=started.pk).update(estimate=8)  # re-estimated mid-sprint

    services.sprint_close(
        actor=team_lead,
        sprint=sprint,
        outcomes={str(done.pk): "done", str(dropped.pk): "stopped"},  # started: the default
        note=" Learned a lot ",
    )

    sprint.refresh_from_db()
    assert (sprint.status, sprint.closed_by, sprint.close_note) == (
        "closed",
        team_lead.user,
        "Learned a lot",
    )
    assert sprint.closed_at is not None
    assert sprint.version == 2
    outcomes = {c.work_package.title: (c.outcome, c.points) for c in sprint.commitments.all()}
    assert outcomes == {
        "Done": ("done", 3),
        "Started": ("carried_over", 8),
        "Dropped": ("stopped", 2),
    }
    for wp in (done, started, dropped):
        wp.refresh_from_db()
    # Status changes went through planning: timestamps and versions moved with them.
    assert (done.status, done.version) == (S.DONE, 2)
    assert done.finished_at is not None
    assert (dropped.status, dropped.version) == (S.STOPPED, 2)
    assert (started.status, started.version) == (S.IN_PROGRESS, 1)
    # Carried-over work is back in the backlog, free for the next sprint.
    following = sprint_for(
        team_lead,
        team,
        name="Sprint 2",
        start_date=START + datetime.timedelta(days=14),
        end_date=START + datetime.timedelta(days=27),
    )
    services.sprint_commit(
        actor=team_lead, sprint=following, work_package=started, reason="Carried over"
    )
    # A closed sprint takes no more work and keeps its numbers.
    with pytest.raises(ValidationError) as excinfo:
        services.sprint_commit(actor=team_lead, sprint=sprint, work_package=make_work("Late"))
    assert errors_of(excinfo) == {"sprint": ["This sprint is closed."]}
    closed = selectors.sprint_get(membership=team_lead, sprint_id=sprint.pk)
    assert (closed.planned_points, closed.done_points, closed.strategic_points) == (13, 3, 5)


def test_closing_with_a_bad_outcome_changes_nothing(team_lead, team, make_work):
    sprint = sprint_for(team_lead, team)
    a, b = make_work("A"), make_work("B", status=S.DONE)
    services.sprint_commit(actor=team_lead, sprint=sprint, work_package=a)
    SprintCommitment.objects.create(
        organization=team.organization,
        sprint=sprint,
        work_package=b,
        points=3,
        category="strategic",
    )
    with pytest.raises(ValidationError) as excinfo:
        services.sprint_close(
            actor=team_lead,
            sprint=sprint,
            outcomes={str(a.pk): "done", str(b.pk): "carried_over"},
        )
    assert errors_of(excinfo) == {f"outcome_{b.pk}": ["“B” is done: record it as done."]}
    with pytest.raises(ValidationError) as excinfo:
        services.sprint_close(actor=team_lead, sprint=sprint, outcomes={str(a.pk): "finished"})
    assert errors_of(excinfo) == {f"outcome_{a.pk}": ["Choose done, carried over or stopped."]}
    sprint.refresh_from_db()
    a.refresh_from_db()
    assert (sprint.status, a.status) == ("open", S.READY)
    assert not SprintCommitment.objects.exclude(outcome="").exists()


def test_a_closed_sprint_cannot_be_edited_or_closed_again(team_lead, team):
    sprint = sprint_for(team_lead, team)
    services.sprint_close(actor=team_lead, sprint=sprint)
    with pytest.raises(ValidationError):
        services.sprint_update(actor=team_lead, sprint=sprint, name="Renamed")
    with pytest.raises(ValidationError):
        services.sprint_close(actor=team_lead, sprint=sprint)


def test_the_sprint_board_splits_planned_points_by_the_policy(team_lead, team, make_work):
    sprint = sprint_for(team_lead, team, capacity=20)
    for title, points, category in (
        ("S", 6, "strategic"),
        ("T", 2, "tactical"),
        ("R", 2, "stakeholder_request"),
    ):
        services.sprint_commit(
            actor=team_lead,
            sprint=sprint,
            work_package=make_work(title, estimate=points, category=category),
            reason="Needed",
        )
    board = selectors.sprint_board(
        membership=team_lead, sprint=selectors.sprint_get(membership=team_lead, sprint_id=sprint.pk)
    )
    split = {row.group: (row.points, row.actual, row.target, row.below) for row in board.split}
    assert split == {"strategic": (6, 0.6, 70, True), "tactical": (4, 0.4, 30, False)}
    assert board.sprint.planned_points == 10


# --- ideas ---------------------------------------------------------------------------------


def propose(actor, team, **kw):
    data = {"title": "Waitlist", "rationale": "Patients stop calling.", **kw}
    return services.idea_propose(actor=actor, team=team, **data)


def test_a_member_proposes_an_idea_with_its_rationale(member, team, objective):
    idea = propose(member, team, strategic_objective=objective, title="  Waitlist  ")
    assert (idea.title, idea.status, idea.proposer, idea.source) == (
        "Waitlist",
        "new",
        member.user,
        "",
    )
    assert idea.strategic_objective == objective
    assert idea.version == 1


def test_an_idea_from_another_tool_records_its_source(member, team):
    idea = propose(member, team, source="miro", external_id="sticky-1")
    assert (idea.source, idea.external_id) == ("miro", "sticky-1")
    with pytest.raises(ValidationError) as excinfo:
        propose(member, team, source="miro", external_id="sticky-1")
    assert list(errors_of(excinfo)) == ["external_id"]
    assert Idea.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"rationale": "   "},
            "rationale",
            "Say why it matters: which strategic choice it serves, and how.",
        ),
        ({"title": ""}, "title", "Give the idea a title."),
    ],
)
def test_an_idea_needs_a_title_and_a_rationale(member, team, data, field, message):
    with pytest.raises(ValidationError) as excinfo:
        propose(member, team, **data)
    assert errors_of(excinfo) == {field: [message]}
    assert not Idea.objects.exists()


def test_an_idea_serves_an_active_or_draft_objective_of_this_organization(
    member, team, org, foreign
):
    retired = StrategicObjectiveFactory(organization=org, status=StrategicObjective.Status.RETIRED)
    for objective in (retired, foreign.objective):
        with pytest.raises(ValidationError) as excinfo:
            propose(member, team, strategic_objective=objective)
        assert list(errors_of(excinfo)) == ["strategic_objective"]
    assert not Idea.objects.filter(organization=org).exists()


def test_viewers_do_not_propose(viewer, team):
    with pytest.raises(PermissionDenied):
        propose(viewer, team)


def test_shortlisting_then_promoting_makes_linked_work(
    team_lead, member, team, objective, initiative
):
    idea = propose(member, team, strategic_objective=objective, description="A list of patients.")
    with pytest.raises(ValidationError) as excinfo:
        services.idea_promote(actor=team_lead, idea=idea)
    assert errors_of(excinfo) == {
        "status": ["Shortlist it first: ideas are selected from the shortlist."]
    }

    idea = services.idea_shortlist(actor=team_lead, idea=idea)
    assert (idea.status, idea.shortlisted_by, idea.version) == ("shortlisted", team_lead.user, 2)
    wp = services.idea_promote(actor=team_lead, idea=idea, initiative=initiative, estimate=5)

    idea.refresh_from_db()
    assert (idea.status, idea.work_package, idea.decided_by) == ("promoted", wp, team_lead.user)
    assert (wp.title, wp.team, wp.initiative, wp.estimate) == ("Waitlist", team, initiative, 5)
    assert (wp.status, wp.category) == (S.INTENTION, "strategic")
    assert wp.description == "A list of patients.\n\nWhy: Patients stop calling."
    assert wp.idea == idea


def test_promoting_with_a_negative_estimate_writes_nothing(team_lead, member, team):
    idea = services.idea_shortlist(actor=team_lead, idea=propose(member, team))
    with pytest.raises(ValidationError) as excinfo:
        services.idea_promote(actor=team_lead, idea=idea, estimate=-1)
    assert errors_of(excinfo) == {"estimate": ["An estimate cannot be negative."]}
    assert not WorkPackage.objects.exists()
    idea.refresh_from_db()
    assert idea.status == "shortlisted"


def test_rejecting_needs_a_reason(team_lead, member, team):
    idea = propose(member, team)
    with pytest.raises(ValidationError) as excinfo:
        services.idea_reject(actor=team_lead, idea=idea, reason="  ")
    assert errors_of(excinfo) == {
        "rejection_reason": ["Say why it is rejected: the proposer deserves to know."]
    }
    idea = services.idea_reject(actor=team_lead, idea=idea, reason="Not this year")
    assert (idea.status, idea.rejection_reason, idea.decided_by) == (
        "rejected",
        "Not this year",
        team_lead.user,
    )
    with pytest.raises(ValidationError):
        services.idea_shortlist(actor=team_lead, idea=idea)


@pytest.mark.parametrize("action", ["shortlist", "reject", "promote"])
def test_members_and_other_leads_do_not_decide_on_ideas(member, other_lead, team, action):
    idea = propose(member, team)
    decide = {
        "shortlist": lambda actor: services.idea_shortlist(actor=actor, idea=idea),
        "reject": lambda actor: services.idea_reject(actor=actor, idea=idea, reason="No"),
        "promote": lambda actor: services.idea_promote(actor=actor, idea=idea),
    }[action]
    for actor in (member, other_lead):
        with pytest.raises(PermissionDenied):
            decide(actor)
    idea.refresh_from_db()
    assert idea.status == "new"


def test_the_proposer_edits_their_idea_until_it_is_shortlisted(
    member, team_lead, make_member, team
):
    idea = propose(member, team)
    idea = services.idea_update(actor=member, idea=idea, rationale="Sharper reason")
    assert (idea.rationale, idea.version) == ("Sharper reason", 2)
    colleague = make_member(Role.MEMBER, teams=[team])
    with pytest.raises(PermissionDenied):
        services.idea_update(actor=colleague, idea=idea, title="Mine now")
    services.idea_shortlist(actor=team_lead, idea=idea)
    with pytest.raises(PermissionDenied):
        services.idea_update(actor=member, idea=idea, title="Changed")
    assert services.idea_update(actor=team_lead, idea=idea, title="Changed").title == "Changed"


# --- the work package panel ----------------------------------------------------------------


def test_backlog_facts_of_a_work_package(team_lead, team, five):
    sprint = sprint_for(team_lead, team)
    services.sprint_commit(actor=team_lead, sprint=sprint, work_package=five["C"])
    facts = selectors.work_package_backlog_facts(membership=team_lead, work_package=five["C"])
    assert (facts.position, facts.total) == (3, 5)
    assert [c.sprint for c in facts.commitments] == [sprint]
    assert facts.idea is None


def test_deleting_work_takes_its_scoring_along_but_not_its_sprint_history(team_lead, team, five):
    from django.db.models import RestrictedError

    services.backlog_move(actor=team_lead, work_package=five["E"], position=1)
    five["E"].delete()
    assert not WorkPackageScore.objects.filter(work_package_id=five["E"].pk).exists()
    assert not RankChange.objects.exists()

    services.sprint_commit(
        actor=team_lead, sprint=sprint_for(team_lead, team), work_package=five["A"]
    )
    with pytest.raises(RestrictedError):
        five["A"].delete()
