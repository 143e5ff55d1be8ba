"""The pure rules: health, the ideal line, confidence bands and quality advice."""

import datetime

import pytest

from okrs import rules
from okrs.rules import Health

D = datetime.date
NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 9, 30), 0.0),  # before the start
        (D(2026, 10, 1), 1 / 92),  # the first day counts
        (D(2026, 11, 15), 46 / 92),
        (D(2026, 12, 31), 1.0),
        (D(2027, 2, 1), 1.0),  # after the end
    ],
)
def test_the_ideal_line_is_the_share_of_the_cycle_passed(today, expected):
    assert rules.expected_progress(
        start=D(2026, 10, 1), end=D(2026, 12, 31), today=today
    ) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("progress", "expected", "confidence", "health"),
    [
        (0.5, 0.5, 8, Health.ON_TRACK),
        (0.41, 0.5, None, Health.ON_TRACK),  # 9 points behind, no check-in yet
        (0.39, 0.5, 8, Health.AT_RISK),  # 11 points behind
        (0.9, 0.5, 6, Health.AT_RISK),  # ahead, but the owner doubts it
        (0.6, 0.5, 6.5, Health.ON_TRACK),  # an objective's mean confidence
        (0.24, 0.5, 9, Health.OFF_TRACK),  # 26 points behind
        (0.9, 0.5, 3, Health.OFF_TRACK),  # ahead, but the owner gave up
        (0.0, 0.0, None, Health.ON_TRACK),  # a cycle that has not started
        (None, 0.5, 8, None),  # nothing to measure
    ],
)
def test_health_weighs_progress_against_the_ideal_line_and_the_latest_confidence(
    progress, expected, confidence, health
):
    assert rules.health(progress=progress, expected=expected, confidence=confidence) == health


def test_the_health_rule_is_written_down_for_people():
    assert "25 points" in rules.HEALTH_RULE
    assert "10 points" in rules.HEALTH_RULE
    assert "confidence 3 or lower" in rules.HEALTH_RULE


@pytest.mark.parametrize(
    ("confidence", "band"), [(None, None), (0, "low"), (3, "low"), (4, "medium"), (6.5, "high")]
)
def test_confidence_bands(confidence, band):
    assert rules.confidence_band(confidence) == band


# --- advice --------------------------------------------------------------------------------


def objective_advice(**overrides):
    data = {
        "statement": "Clinics in Austria choose us first",
        "level": "organization",
        "has_strategic_link": True,
        "has_parent": False,
        "key_result_count": 3,
    }
    data.update(overrides)
    return rules.objective_advice(**data)


def test_a_well_written_objective_gets_no_advice():
    assert objective_advice() == []


@pytest.mark.parametrize("verb", ["Launch", "Implement", "Roll out", "Hire"])
def test_an_objective_that_reads_like_a_project_is_called_one(verb):
    advice = objective_advice(statement=f"{verb} the partner programme")
    assert len(advice) == 1
    assert advice[0].startswith(f"This reads like a project (“{verb.lower()}”)")


def test_an_organization_objective_without_a_strategic_link_is_flagged():
    assert objective_advice(has_strategic_link=False) == [
        "An organization objective should say which strategic objective it serves; "
        "otherwise the quarter's work drifts away from the strategy."
    ]


def test_a_team_objective_linked_to_nothing_is_flagged_but_one_cascaded_is_not():
    assert (
        "not linked to strategy"
        in objective_advice(level="team", has_strategic_link=False, has_parent=False)[0]
    )
    assert objective_advice(level="team", has_strategic_link=True, has_parent=True) == []


@pytest.mark.parametrize(("count", "flagged"), [(5, False), (6, True)])
def test_more_than_five_key_results_dilute_focus(count, flagged):
    advice = objective_advice(key_result_count=count)
    assert bool(advice) is flagged
    if flagged:
        assert advice[0].startswith("6 key results: more than 5 dilutes focus.")


def test_key_results_that_all_weigh_zero_leave_no_progress_to_show():
    assert objective_advice(all_weights_zero=True) == [
        "Every key result has weight 0, so the objective shows no progress."
    ]


def test_no_key_results_yet_is_pointed_out_once_saved_but_not_while_typing():
    assert objective_advice(key_result_count=0) == [
        "No key results yet: add two to five that show the outcome is reached."
    ]
    assert objective_advice(key_result_count=None) == []


def kr_advice(**overrides):
    data = {"title": "Net revenue retention", "metric_kind": "percentage", "has_owner": True}
    data.update(overrides)
    return rules.key_result_advice(**data)


def test_a_well_written_key_result_gets_no_advice():
    assert kr_advice() == []
    assert kr_advice(title="Calls per 100 appointments") == []
    assert kr_advice(title="Churn held below 2 %") == []


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("Complete the CRM migration", "complete"),
        ("Publish 12 blog posts", "12 blog posts, publish"),
        ("Hold 10 workshops with clinics", "10 workshops, hold"),
        ("German help centre: 40 articles", "40 articles"),
    ],
)
def test_a_key_result_that_is_a_task_or_an_activity_count_is_flagged(title, words):
    assert kr_advice(title=title) == [
        f"This reads like a task or an activity count (“{words}”): a key result measures the "
        "outcome that the activity should cause, not the activity."
    ]


def test_yes_no_and_milestone_results_have_no_measurable_target():
    assert kr_advice(metric_kind="boolean")[0].startswith(
        "A yes/no key result has no measurable target"
    )
    assert kr_advice(metric_kind="milestone")[0].startswith("Milestones measure delivery")


def test_a_key_result_without_an_owner_is_flagged():
    assert kr_advice(has_owner=False) == [
        "No owner: name the one person who checks in on it every week."
    ]


def test_a_check_in_older_than_14_days_is_stale_in_an_active_cycle_only():
    old = NOW - datetime.timedelta(days=15)
    assert kr_advice(last_check_in_at=old, created_at=old, cycle_active=True, now=NOW) == [
        "Stale: last check-in 15 days ago. Check in every week."
    ]
    assert kr_advice(last_check_in_at=old, created_at=old, cycle_active=False, now=NOW) == []
    recent = NOW - datetime.timedelta(days=13)
    assert kr_advice(last_check_in_at=recent, created_at=old, cycle_active=True, now=NOW) == []
    assert kr_advice(last_check_in_at=None, created_at=old, cycle_active=True, now=NOW) == [
        "Stale: no check-in since it was set 15 days ago. Check in every week."
    ]
