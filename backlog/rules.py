"""Rules of the backlog that are pure functions: who may do what, and the sprint commit checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.models import Membership, Role
from planning.rules import team_ids_of

# --- who may write what --------------------------------------------------------------------


def can_manage_backlog(membership: Membership, team_id) -> bool:
    """Scoring, ranking, the capacity policy, sprints and deciding on ideas: the team's lead,
    or a leader for every team."""
    if membership.is_leader:
        return True
    return membership.role == Role.TEAM_LEAD and team_id in team_ids_of(membership)


def can_propose_idea(membership: Membership) -> bool:
    """Anyone who writes may propose an idea, to any team: collecting is not selecting."""
    return membership.can_write


def can_edit_idea(membership: Membership, idea) -> bool:
    """Its proposer while nobody has decided on it yet; the team's lead or a leader until then."""
    if idea.status not in ("new", "shortlisted"):
        return False
    if can_manage_backlog(membership, idea.team_id):
        return True
    return membership.can_write and idea.status == "new" and idea.proposer_id == membership.user_id


# --- sprint dates --------------------------------------------------------------------------

# A sprint is a short, fixed box of time; a longer one is a plan, not a sprint.
SPRINT_MAX_DAYS = 13 * 7
# How far ahead a sprint may be planned (a typo like 2062 for 2026 is caught, not stored).
SPRINT_PLAN_AHEAD_DAYS = 2 * 366


def sprint_date_errors(start: date, end: date, *, today: date) -> dict[str, str]:
    """What is wrong with a sprint's dates, by field (empty when nothing is)."""
    if end < start:
        return {"end_date": "A sprint cannot end before it starts."}
    errors = {}
    if (end - start).days + 1 > SPRINT_MAX_DAYS:
        errors["end_date"] = (
            f"A sprint lasts at most {SPRINT_MAX_DAYS // 7} weeks; this one is "
            f"{(end - start).days + 1} days. Split it into shorter sprints."
        )
    if (start - today).days > SPRINT_PLAN_AHEAD_DAYS:
        errors["start_date"] = (
            f"It starts more than two years from today ({start:%d %b %Y}): check the year."
        )
    return errors


# --- strategic fit -------------------------------------------------------------------------

FIT_BY_PRIORITY = {1: 1.0, 2: 0.75, 3: 0.5}
FIT_FLOOR = 0.25


def strategic_fit_explained() -> str:
    return (
        "Strategic fit comes from the work package's link: work for the #1 active strategic "
        "objective counts 100 %, #2 75 %, #3 50 %, any lower 25 %. Unlinked work, and work for an "
        "objective that is not active (or an initiative that is over), counts 0 %."
    )


# --- committing to a sprint ----------------------------------------------------------------


@dataclass(frozen=True)
class CommitCheck:
    """What committing one more work package would do to a sprint's plan."""

    capacity: int
    planned_after: int
    strategic_after: int
    strategic_target: int  # percent
    adds_strategic: bool

    @property
    def over_capacity(self) -> bool:
        return self.planned_after > self.capacity

    @property
    def tactical_after(self) -> int:
        return self.planned_after - self.strategic_after

    @property
    def below_strategic_target(self) -> bool:
        """Non-strategic work takes more of the capacity than the policy leaves it.

        Measured against capacity, not against what is planned so far, so the order in which
        work is committed does not matter: the first tactical item of an empty sprint is fine,
        the one that lets tactical work crowd out the strategic share is not.
        """
        if self.adds_strategic:
            return False
        allowed = self.capacity * (100 - self.strategic_target) / 100
        return self.tactical_after > allowed

    @property
    def warnings(self) -> list[str]:
        found = []
        if self.over_capacity:
            found.append(
                f"It would plan {self.planned_after} points into a capacity of {self.capacity} "
                f"({self.planned_after - self.capacity} over)."
            )
        if self.below_strategic_target:
            share = round(100 * self.tactical_after / self.capacity) if self.capacity else 100
            found.append(
                f"Non-strategic work would take {share} % of capacity, leaving less than the "
                f"{self.strategic_target} % target for strategic work."
            )
        return found


def commit_check(
    *,
    capacity: int,
    planned_points: int,
    strategic_points: int,
    points: int,
    is_strategic: bool,
    strategic_target: int,
) -> CommitCheck:
    return CommitCheck(
        capacity=capacity,
        planned_after=planned_points + points,
        strategic_after=strategic_points + (points if is_strategic else 0),
        strategic_target=strategic_target,
        adds_strategic=is_strategic,
    )
