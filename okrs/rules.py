"""Rules of the method that are pure functions of values: who may write what, how healthy a
result is, and the quality advice that helps people write OKRs that measure outcomes.

Advice is never a block: it is shown in the editor as people type, on the objective's page, and
returned by the API as ``quality_warnings``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import models

from core.models import Membership, Role
from planning.rules import tactic_words, team_ids_of

# --- health --------------------------------------------------------------------------------


class Health(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


# How far behind the ideal line (progress expected from the share of the cycle that has passed)
# a result may fall, and how low its latest confidence (0-10) may go, before it is at risk or
# off track. The words below are shown on hover wherever health is shown.
AT_RISK_GAP = 0.10
OFF_TRACK_GAP = 0.25
AT_RISK_CONFIDENCE = 6
OFF_TRACK_CONFIDENCE = 3
HEALTH_RULE = (
    "Health compares progress with the share of the cycle that has passed, and reads the latest "
    "confidence. Off track: more than 25 points behind that line, or confidence 3 or lower. "
    "At risk: more than 10 points behind, or confidence 4 to 6. On track: otherwise. "
    "An objective takes the mean confidence of its key results."
)


def expected_progress(*, start: date, end: date, today: date) -> float:
    """The share of the cycle (both ends included) that has passed by the end of ``today``."""
    total = (end - start).days + 1
    passed = (today - start).days + 1
    return max(0.0, min(1.0, passed / total))


def health(*, progress: float | None, expected: float, confidence: float | None) -> Health | None:
    """On track, at risk or off track; None when there is nothing to measure (no key results)."""
    if progress is None:
        return None
    behind = expected - progress
    if behind > OFF_TRACK_GAP or (confidence is not None and confidence <= OFF_TRACK_CONFIDENCE):
        return Health.OFF_TRACK
    if behind > AT_RISK_GAP or (confidence is not None and confidence <= AT_RISK_CONFIDENCE):
        return Health.AT_RISK
    return Health.ON_TRACK


CONFIDENCE_CHOICES = [
    (10, "10 · certain"),
    (9, "9"),
    (8, "8 · high"),
    (7, "7"),
    (6, "6"),
    (5, "5 · even odds"),
    (4, "4"),
    (3, "3"),
    (2, "2 · low"),
    (1, "1"),
    (0, "0 · no chance"),
]


def confidence_band(confidence: float | None) -> str | None:
    """Low (0-3), medium (4-6) or high (7-10), the way the confidence is read aloud."""
    if confidence is None:
        return None
    if confidence <= OFF_TRACK_CONFIDENCE:
        return "low"
    if confidence <= AT_RISK_CONFIDENCE:
        return "medium"
    return "high"


# --- quality advice ------------------------------------------------------------------------

MAX_KEY_RESULTS = 5
CHECK_IN_EVERY = timedelta(days=7)  # the weekly rhythm: a key result is due after a week
STALE_AFTER = timedelta(days=14)  # and stale after two

# Key results that count what people do rather than what changes because of it.
_ACTIVITY_VERBS = (
    "publish",
    "hold",
    "host",
    "conduct",
    "organize",
    "organise",
    "attend",
    "send",
    "write",
    "translate",
)
_ACTIVITY_NOUNS = (
    "meetings",
    "workshops",
    "webinars",
    "calls",
    "posts",
    "articles",
    "newsletters",
    "interviews",
    "demos",
    "tickets closed",
    "features",
    "trainings",
    "sessions",
    "reviews",
)
_ACTIVITY_PATTERN = re.compile(
    r"\b(" + "|".join(_ACTIVITY_VERBS) + r")(s|ed|es|ing)?\b"
    r"|\b\d[\d.,]*\s+(?:\w+\s+){0,2}?(" + "|".join(_ACTIVITY_NOUNS) + r")\b",
    re.IGNORECASE,
)


def activity_words(text: str) -> list[str]:
    """Words that make a key result read like a task or a count of activity."""
    words = set(tactic_words(text))
    words.update(match.group(0).lower() for match in _ACTIVITY_PATTERN.finditer(text or ""))
    return sorted(words)


def objective_advice(
    *,
    statement: str,
    level: str,
    has_strategic_link: bool,
    has_parent: bool,
    key_result_count: int | None = None,
    all_weights_zero: bool = False,
) -> list[str]:
    """Advice on an objective. ``key_result_count`` is None while it is being written."""
    advice = []
    words = tactic_words(statement)
    if words:
        advice.append(
            f"This reads like a project (“{', '.join(words)}”): if it can be completed, launched, "
            "implemented or hired for, it is a tactic. State the outcome it should change."
        )
    if level == "organization" and not has_strategic_link:
        advice.append(
            "An organization objective should say which strategic objective it serves; "
            "otherwise the quarter's work drifts away from the strategy."
        )
    if level == "team" and not has_strategic_link and not has_parent:
        advice.append(
            "This team objective neither cascades from an organization objective nor serves a "
            "strategic objective: it is not linked to strategy."
        )
    if key_result_count is not None:
        if key_result_count == 0:
            advice.append("No key results yet: add two to five that show the outcome is reached.")
        elif key_result_count > MAX_KEY_RESULTS:
            advice.append(
                f"{key_result_count} key results: more than {MAX_KEY_RESULTS} dilutes focus. "
                "Keep the few that best show the outcome."
            )
    if key_result_count and all_weights_zero:
        advice.append("Every key result has weight 0, so the objective shows no progress.")
    return advice


def key_result_advice(
    *,
    title: str,
    metric_kind: str,
    has_owner: bool,
    last_check_in_at: datetime | None = None,
    created_at: datetime | None = None,
    cycle_active: bool = False,
    now: datetime | None = None,
) -> list[str]:
    """Advice on a key result. Check-in staleness is judged only in an active cycle."""
    advice = []
    words = activity_words(title)
    if words:
        advice.append(
            f"This reads like a task or an activity count (“{', '.join(words)}”): a key result "
            "measures the outcome that the activity should cause, not the activity."
        )
    if metric_kind == "boolean":
        advice.append(
            "A yes/no key result has no measurable target: done or not, it is a task. "
            "Measure what doing it should change."
        )
    elif metric_kind == "milestone":
        advice.append(
            "Milestones measure delivery, not outcome: they suit work packages. "
            "Prefer a number the milestones should move."
        )
    if not has_owner:
        advice.append("No owner: name the one person who checks in on it every week.")
    if cycle_active and now is not None:
        last = last_check_in_at or created_at
        if last is not None and now - last > STALE_AFTER:
            days = (now - last).days
            what = "last check-in" if last_check_in_at else "no check-in since it was set"
            advice.append(f"Stale: {what} {days} days ago. Check in every week.")
    return advice


def is_stale(*, last_check_in_at: datetime | None, created_at: datetime, now: datetime) -> bool:
    return now - (last_check_in_at or created_at) > STALE_AFTER


# --- who may write what --------------------------------------------------------------------


def can_manage_cycles(membership: Membership) -> bool:
    """Leaders open, plan and close cycles, and grade at the close."""
    return membership.is_leader


def can_write_objective(membership: Membership, *, level: str, team_id) -> bool:
    """Leaders write organization OKRs; team leads write their own team's."""
    if membership.is_leader:
        return True
    return (
        level == "team"
        and membership.role == Role.TEAM_LEAD
        and team_id is not None
        and team_id in team_ids_of(membership)
    )


def can_edit_objective(membership: Membership, objective) -> bool:
    return can_write_objective(membership, level=objective.level, team_id=objective.team_id)


def can_add_objectives(membership: Membership) -> bool:
    """Leaders add organization and team objectives; team leads add their teams'."""
    return membership.is_leader or membership.role == Role.TEAM_LEAD


def can_check_in(membership: Membership, key_result) -> bool:
    """A key result's owner checks in on it; so may whoever writes its objective."""
    if not membership.can_write:
        return False
    if key_result.owner_id is not None and key_result.owner_id == membership.user_id:
        return True
    return can_edit_objective(membership, key_result.objective)


def can_write_kpis(membership: Membership) -> bool:
    """Outcome measures belong to strategy: leaders define them and record their values."""
    return membership.is_leader


def suggested_grade(progress: float | None) -> Decimal:
    """The progress, rounded to a tenth: where the grading conversation starts."""
    return Decimal(str(round(progress or 0.0, 1)))
