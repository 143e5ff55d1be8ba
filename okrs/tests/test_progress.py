"""Progress is normalised to 0..1 by the database: every metric kind, both directions, clamped,
weighted, and aggregated up to the strategic objective."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from okrs import selectors
from okrs.models import KeyResult, Objective
from okrs.tests.factories import CheckInFactory, CycleFactory, KeyResultFactory, ObjectiveFactory
from planning.tests.factories import StrategicObjectiveFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def key_result(objective=None, **fields):
    if objective is not None:
        fields["objective"] = objective
    return KeyResultFactory(**fields)


def check_in(kr, value, *, days_ago=0, confidence=7):
    return CheckInFactory(
        key_result=kr,
        value=Decimal(str(value)),
        confidence=confidence,
        checked_in_at=NOW - datetime.timedelta(days=days_ago),
    )


def figures(kr: KeyResult) -> Any:
    return selectors.with_progress(KeyResult.objects.filter(pk=kr.pk)).get()


def progress(kr: KeyResult) -> float:
    return figures(kr).progress


def objective_figures(objective: Objective) -> Any:
    return selectors.with_objective_figures(Objective.objects.filter(pk=objective.pk)).get()


# --- one key result ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target", "value", "expected"),
    [
        (0, 100, 0, 0.0),
        (0, 100, 25, 0.25),
        (0, 100, 100, 1.0),
        (20, 45, 30, 0.4),
        (-10, 10, 0, 0.5),  # a start below zero
        (Decimal("0.5"), Decimal("1.5"), Decimal("0.75"), 0.25),
    ],
)
def test_an_increasing_result_is_the_share_of_the_way_from_start_to_target(
    start, target, value, expected
):
    kr = key_result(start_value=start, target_value=target)
    check_in(kr, value)
    assert progress(kr) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("start", "target", "value", "expected"),
    [
        (140, 60, 140, 0.0),
        (140, 60, 100, 0.5),
        (140, 60, 60, 1.0),
        (9, 2, Decimal("3.5"), 0.785714),
        (0, -10, -4, 0.4),  # going negative is going the right way
    ],
)
def test_a_decreasing_result_counts_the_way_down(start, target, value, expected):
    kr = key_result(start_value=start, target_value=target, direction="decrease")
    check_in(kr, value)
    assert progress(kr) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("direction", "start", "target", "value", "expected"),
    [
        ("increase", 0, 100, 130, 1.0),  # beyond the target
        ("increase", 50, 100, 20, 0.0),  # slid back below the start
        ("decrease", 40, 10, 0, 1.0),  # below a decreasing target
        ("decrease", 40, 10, 55, 0.0),  # worse than where it started
    ],
)
def test_progress_is_clamped_to_zero_and_one(direction, start, target, value, expected):
    kr = key_result(direction=direction, start_value=start, target_value=target)
    check_in(kr, value)
    assert progress(kr) == expected


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (1, 1.0)])
def test_a_yes_no_result_is_all_or_nothing(value, expected):
    kr = key_result(metric_kind="boolean", start_value=0, target_value=1)
    check_in(kr, value)
    assert progress(kr) == expected


@pytest.mark.parametrize(("reached", "expected"), [(0, 0.0), (1, 0.2), (3, 0.6), (5, 1.0)])
def test_milestones_count_the_steps_reached(reached, expected):
    kr = key_result(metric_kind="milestone", start_value=0, target_value=5)
    check_in(kr, reached)
    assert progress(kr) == pytest.approx(expected)


def test_without_a_check_in_the_current_value_is_the_start_and_progress_zero():
    kr = figures(key_result(start_value=40, target_value=10, direction="decrease"))
    assert kr.current_value == Decimal(40)
    assert kr.progress == 0.0
    assert kr.confidence is None
    assert kr.last_check_in_at is None


def test_the_latest_check_in_by_time_is_the_current_value_even_when_entered_later():
    kr = key_result(start_value=0, target_value=10)
    check_in(kr, 6, days_ago=1, confidence=8)
    check_in(kr, 2, days_ago=8, confidence=3)  # history typed in afterwards
    row = figures(kr)
    assert row.current_value == Decimal(6)
    assert row.confidence == 8
    assert row.progress == pytest.approx(0.6)


# --- objectives ----------------------------------------------------------------------------


def test_an_objective_is_the_weighted_mean_of_its_key_results():
    objective = ObjectiveFactory()
    check_in(key_result(objective, weight=1), 100)  # 1.0
    check_in(
        key_result(objective, weight=3, start_value=40, target_value=10, direction="decrease"), 25
    )  # 0.5
    assert objective_figures(objective).progress == pytest.approx((1.0 * 1 + 0.5 * 3) / 4)


def test_a_zero_weight_key_result_does_not_count():
    objective = ObjectiveFactory()
    check_in(key_result(objective, weight=2), 40)  # 0.4
    check_in(key_result(objective, weight=0), 100)  # 1.0, but weighs nothing
    assert objective_figures(objective).progress == pytest.approx(0.4)


def test_an_objective_whose_key_results_all_weigh_zero_has_no_progress():
    objective = ObjectiveFactory()
    check_in(key_result(objective, weight=0), 100)
    assert objective_figures(objective).progress is None


def test_an_objective_whose_key_results_weigh_zero_is_told_so():
    objective = ObjectiveFactory()
    key_result(objective, weight=0)
    assert "Every key result has weight 0, so the objective shows no progress." in (
        selectors.objective_warnings(objective_figures(objective))
    )


def test_an_objective_without_key_results_has_no_progress():
    row = objective_figures(ObjectiveFactory())
    assert row.progress is None
    assert row.key_result_count == 0
    assert row.confidence is None


def test_an_objective_whose_key_results_have_no_check_in_is_at_zero():
    objective = ObjectiveFactory()
    key_result(objective)
    key_result(objective, metric_kind="boolean", start_value=0, target_value=1)
    assert objective_figures(objective).progress == 0.0


def test_an_objective_reads_the_mean_latest_confidence_and_counts_stale_results():
    objective = ObjectiveFactory()
    kr1, kr2, kr3 = key_result(objective), key_result(objective), key_result(objective)
    check_in(kr1, 10, days_ago=20, confidence=2)
    check_in(kr1, 20, days_ago=15, confidence=4)  # latest, but older than 14 days: stale
    check_in(kr2, 30, days_ago=1, confidence=8)
    KeyResult.objects.filter(pk=kr3.pk).update(created_at=NOW - datetime.timedelta(days=30))
    row = objective_figures(objective)
    assert row.confidence == pytest.approx(6.0)  # (4 + 8) / 2; kr3 has none yet
    assert row.key_result_count == 3
    assert row.stale_count == 2  # kr1's last check-in, and kr3 set a month ago and never checked


# --- strategic objectives ------------------------------------------------------------------


def test_a_strategic_objective_aggregates_the_objectives_serving_it_in_a_cycle(org, leader, team):
    cycle = CycleFactory(organization=org)
    strategy = StrategicObjectiveFactory(organization=org)
    parent = ObjectiveFactory(cycle=cycle, strategic_objective=strategy)
    check_in(key_result(parent), 80)  # 0.8
    child = ObjectiveFactory(cycle=cycle, level="team", team=team, parent=parent)
    check_in(key_result(child), 20)  # 0.2, serving it through its parent
    direct = ObjectiveFactory(cycle=cycle, level="team", team=team, strategic_objective=strategy)
    check_in(key_result(direct), 50)  # 0.5
    # Not counted: another strategic objective, and another cycle.
    check_in(key_result(ObjectiveFactory(cycle=cycle)), 100)
    other_cycle = CycleFactory(organization=org, name="Earlier")
    check_in(key_result(ObjectiveFactory(cycle=other_cycle, strategic_objective=strategy)), 100)

    result = selectors.strategic_objective_progress(
        membership=leader, strategic_objective=strategy, cycle=cycle
    )

    assert result == pytest.approx((0.8 + 0.2 + 0.5) / 3)
