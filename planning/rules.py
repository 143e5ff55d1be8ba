"""Rules of the method that are pure functions of a row: who may write what, and advice.

Advice is never a block: it is shown in the editor and on the page, and returned by the API.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from core.models import Membership, Role

# The method's test: if it can be completed, launched, installed or delivered, it is a tactic.
_TACTIC_VERBS = (
    "complete",
    "finish",
    "launch",
    "install",
    "deliver",
    "implement",
    "roll out",
    "build",
    "ship",
    "migrate",
    "release",
    "deploy",
    "hire",
    "set up",
    "create",
)
_TACTIC_PATTERN = re.compile(
    r"\b("
    + "|".join(re.escape(v).replace(r"\ ", r"\s+") for v in _TACTIC_VERBS)
    + r")(s|d|ed|es|ing)?\b",
    re.IGNORECASE,
)
MIN_STRATEGIC_HORIZON = timedelta(days=182)  # two quarters


def tactic_words(text: str) -> list[str]:
    """Words that make a statement read like something to do rather than an outcome."""
    return sorted({m.group(0).lower() for m in _TACTIC_PATTERN.finditer(text or "")})


def strategic_objective_advice(
    *, statement: str, trade_offs: list[str], horizon_start: date | None, horizon_end: date | None
) -> list[str]:
    advice = []
    words = tactic_words(statement)
    if words:
        advice.append(
            f"This reads like a tactic (“{', '.join(words)}”): if it can be completed, launched, "
            "installed or delivered, it belongs in an initiative or a work package. "
            "State the outcome it should change instead."
        )
    if not [t for t in trade_offs if t.strip()]:
        advice.append(
            "No trade-off named: a strategy is also a choice of what you will not do. "
            "Add at least one “not doing”."
        )
    if horizon_start and horizon_end and horizon_end - horizon_start < MIN_STRATEGIC_HORIZON:
        advice.append(
            "The horizon is shorter than two quarters: that is the pace of initiatives and tactics, "
            "not of strategy."
        )
    return advice


# --- who may write what --------------------------------------------------------------------


def can_write_strategy(membership: Membership) -> bool:
    """Leaders (and admins) write strategic objectives and initiatives."""
    return membership.is_leader


def can_create_work_package(membership: Membership, team_id) -> bool:
    if membership.is_leader:
        return True
    return membership.role == Role.TEAM_LEAD and team_id in team_ids_of(membership)


def can_edit_work_package(membership: Membership, work_package) -> bool:
    if membership.is_leader:
        return True
    if membership.role == Role.TEAM_LEAD and work_package.team_id in team_ids_of(membership):
        return True
    return membership.role == Role.MEMBER and work_package.owner_id == membership.user_id


def can_reassign_work_package(membership: Membership, work_package) -> bool:
    """Moving work to another team or person is for leads and leaders, not for its owner alone."""
    return membership.is_leader or (
        membership.role == Role.TEAM_LEAD and work_package.team_id in team_ids_of(membership)
    )


def team_ids_of(membership: Membership) -> set:
    """The ids of the membership's teams, loaded once per membership object."""
    cached = getattr(membership, "_team_ids", None)
    if cached is None:
        cached = set(membership.teams.values_list("id", flat=True))
        membership._team_ids = cached  # type: ignore[attr-defined]
    return cached
