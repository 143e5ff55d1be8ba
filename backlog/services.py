"""Every write to backlogs, sprints and ideas goes through here: pages, the API, commands alike.

Work packages themselves belong to planning: a category, an estimate or a status changes through
planning.services, never by writing the row from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from backlog import rules, selectors
from backlog.models import (
    CapacityPolicy,
    CategoryGroup,
    Idea,
    RankChange,
    ScoringModel,
    Sprint,
    SprintCommitment,
    WorkPackageScore,
)
from core import changelog
from core.errors import DomainValidationError, NotPermittedError, require_same_organization
from core.models import ChangeLogEntry, Membership, Team
from core.services import model_update
from planning import services as planning_services
from planning.models import Initiative, StrategicObjective, WorkPackage

WPStatus = WorkPackage.Status
CREATED, UPDATED, DELETED = (
    ChangeLogEntry.Op.CREATED,
    ChangeLogEntry.Op.UPDATED,
    ChangeLogEntry.Op.DELETED,
)


class CommitNeedsReasonError(DomainValidationError):
    """Committing would go past the sprint's capacity or crowd out strategic work.

    Not a refusal: the same commit with a reason goes through, and the reason is recorded.
    """

    def __init__(self, warnings: list[str]):
        self.warnings = warnings
        super().__init__(
            {
                "reason": "This goes past the plan: "
                + " ".join(warnings)
                + " Give a reason to commit it anyway."
            }
        )


# --- shared checks -------------------------------------------------------------------------


def _require_manager(actor: Membership, team: Team, what: str = "its backlog") -> None:
    if not rules.can_manage_backlog(actor, team.pk):
        raise NotPermittedError(f"Only {team.name}'s team lead or a leader can change {what}.")


def _check_team(actor: Membership, team: Team | None, field: str = "team") -> Team:
    if team is None:
        raise DomainValidationError({field: "Choose a team."})
    if team.organization_id != actor.organization_id or team.is_archived:
        raise DomainValidationError({field: "Choose an active team of this organization."})
    return team


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_range(
    errors: dict[str, str | list[str]],
    field: str,
    value: Any,
    *,
    low: int,
    high: int | None,
    message: str,
    negative: str | None = None,
) -> None:
    if value is None:
        return
    if not _whole_number(value):
        errors[field] = message
    elif value < 0 and negative:
        errors[field] = negative
    elif value < low or (high is not None and value > high):
        errors[field] = message


# --- scoring model -------------------------------------------------------------------------

WEIGHT_FIELDS = tuple(f for _, f, _, _ in ScoringModel.CRITERIA)
SCORING_MODEL_FIELDS = ("preset", *WEIGHT_FIELDS)


@transaction.atomic
def scoring_model_update(*, actor: Membership, team: Team, **data: Any) -> ScoringModel:
    """Set a team's preset and weights. Changing the preset changes the scale of every score,
    so the manual positions, which are in the old scale, are cleared."""
    require_same_organization(actor, team)
    _require_manager(actor, team, "its scoring model")
    data = {k: v for k, v in data.items() if k in SCORING_MODEL_FIELDS}
    model = ScoringModel.objects.select_for_update().filter(team=team).first()
    current = model or ScoringModel(organization=actor.organization, team=team)
    errors: dict[str, str | list[str]] = {}
    if "preset" in data and data["preset"] not in ScoringModel.Preset.values:
        errors["preset"] = "Choose weighted criteria, RICE or WSJF."
    for field in WEIGHT_FIELDS:
        if field in data:
            _check_range(
                errors,
                field,
                data[field],
                low=0,
                high=ScoringModel.MAX_WEIGHT,
                message=f"Give a weight from 0 to {ScoringModel.MAX_WEIGHT}.",
                negative="A weight cannot be negative.",
            )
            if data[field] is None:
                errors[field] = f"Give a weight from 0 to {ScoringModel.MAX_WEIGHT}."
    if errors:
        raise DomainValidationError(errors)
    merged = {f: data.get(f, getattr(current, f)) for f in SCORING_MODEL_FIELDS}
    if merged["preset"] == ScoringModel.Preset.WEIGHTED and not any(
        merged[f] for f in WEIGHT_FIELDS
    ):
        raise DomainValidationError(
            {"impact_weight": "All weights are zero: give at least one criterion a weight."}
        )
    old_preset = current.preset
    if model is None:
        model = ScoringModel(
            organization=actor.organization, team=team, updated_by=actor.user, **merged
        )
        model.full_clean(exclude=["organization", "team"])
        model.save()
        changelog.record(model, CREATED)
    elif model_update(instance=model, data=merged, fields=SCORING_MODEL_FIELDS):
        model.updated_by = actor.user
        model.save(update_fields=["updated_by"])
        changelog.record(model, UPDATED)
    if model.preset != old_preset:
        WorkPackageScore.objects.filter(
            organization_id=actor.organization_id,
            work_package__team=team,
            rank_key__isnull=False,
        ).update(rank_key=None, version=F("version") + 1, updated_at=timezone.now())
    return model


# --- capacity policy -----------------------------------------------------------------------

SHARE_FIELDS = tuple(f for _, f in CapacityPolicy.SHARE_FIELDS)
CAPACITY_POLICY_FIELDS = ("split", *SHARE_FIELDS)
SIMPLE_SHARES = ("strategic_share", "tactical_share")


@transaction.atomic
def capacity_policy_set(*, actor: Membership, team: Team, **data: Any) -> CapacityPolicy:
    """Set a team's target split. In the simple split only strategic and tactical count."""
    require_same_organization(actor, team)
    _require_manager(actor, team, "its capacity policy")
    data = {k: v for k, v in data.items() if k in CAPACITY_POLICY_FIELDS}
    policy = CapacityPolicy.objects.select_for_update().filter(team=team).first()
    current = policy or CapacityPolicy(organization=actor.organization, team=team)
    split = data.get("split", current.split)
    errors: dict[str, str | list[str]] = {}
    if split not in CapacityPolicy.Split.values:
        raise DomainValidationError({"split": "Choose strategic vs tactical, or the finer split."})
    fields = SIMPLE_SHARES if split == CapacityPolicy.Split.SIMPLE else SHARE_FIELDS
    merged: dict[str, Any] = {"split": split}
    for field in SHARE_FIELDS:
        value = data.get(field, getattr(current, field)) if field in fields else 0
        if value is None:
            value = 0
        _check_range(
            errors,
            field,
            value,
            low=0,
            high=100,
            message="Give a share from 0 to 100 %.",
            negative="A share cannot be negative.",
        )
        merged[field] = value
    if errors:
        raise DomainValidationError(errors)
    total = sum(merged[f] for f in SHARE_FIELDS)
    if total != 100:
        raise DomainValidationError(
            {"strategic_share": f"The shares add up to {total} %; they must add up to 100 %."}
        )
    if policy is None:
        policy = CapacityPolicy(
            organization=actor.organization, team=team, updated_by=actor.user, **merged
        )
        policy.full_clean(exclude=["organization", "team"])
        policy.save()
        changelog.record(policy, CREATED)
    elif model_update(instance=policy, data=merged, fields=CAPACITY_POLICY_FIELDS):
        policy.updated_by = actor.user
        policy.save(update_fields=["updated_by"])
        changelog.record(policy, UPDATED)
    return policy


# --- scoring and categorizing a backlog item -----------------------------------------------

SCORE_FIELDS = ("impact", "urgency", "effort", "risk", "dependencies", "reach", "confidence")
ITEM_WORK_FIELDS = ("category", "estimate")


@transaction.atomic
def backlog_item_update(
    *, actor: Membership, work_package: WorkPackage, **data: Any
) -> WorkPackageScore:
    """Categorize, estimate and score one work package of a team's backlog.

    Category and estimate belong to the work package and change through planning; the scoring
    inputs live beside it. Everything is checked before anything is written.
    """
    require_same_organization(actor, work_package)
    _require_manager(actor, work_package.team)
    errors: dict[str, str | list[str]] = {}
    for field in WorkPackageScore.SCALE_FIELDS:
        _check_range(
            errors,
            field,
            data.get(field),
            low=1,
            high=5,
            message="Score it 1 to 5, or leave it blank.",
        )
    _check_range(
        errors,
        "reach",
        data.get("reach"),
        low=0,
        high=None,
        message="Give reach as a whole number.",
        negative="Reach cannot be negative.",
    )
    _check_range(
        errors,
        "confidence",
        data.get("confidence"),
        low=0,
        high=100,
        message="Give confidence from 0 to 100 %.",
        negative="Confidence cannot be negative.",
    )
    _check_range(
        errors,
        "estimate",
        data.get("estimate"),
        low=0,
        high=1000,
        message="Give an estimate from 0 to 1000 points.",
        negative="An estimate cannot be negative.",
    )
    if "category" in data and data["category"] not in WorkPackage.Category.values:
        errors["category"] = "Choose one of the categories."
    if errors:
        raise DomainValidationError(errors)

    work_changes = {
        k: data[k] for k in ITEM_WORK_FIELDS if k in data and getattr(work_package, k) != data[k]
    }
    if work_changes:
        planning_services.work_package_update(
            actor=actor, work_package=work_package, **work_changes
        )
        for key, value in work_changes.items():
            setattr(work_package, key, value)

    inputs = {k: data[k] for k in SCORE_FIELDS if k in data}
    score = WorkPackageScore.objects.select_for_update().filter(work_package=work_package).first()
    if score is None:
        score = WorkPackageScore(
            organization=actor.organization,
            work_package=work_package,
            updated_by=actor.user,
            **inputs,
        )
        score.full_clean(exclude=["organization", "work_package"])
        score.save()
    elif model_update(instance=score, data=inputs, fields=inputs.keys()):
        score.updated_by = actor.user
        score.save(update_fields=["updated_by"])
    return score


# --- ranking by hand -----------------------------------------------------------------------


def _key_for_slot(values: list[float], slot: int, moving_up: bool) -> float:
    """A rank key that sorts into ``slot`` of ``values`` (the others' keys, highest first).

    Between two different neighbours it is their midpoint. Items with equal keys move as one
    block: the moved item lands just above (moving up) or just below (moving down) the block.
    """
    n = len(values)
    if slot <= 0:
        return values[0] + 1
    if slot >= n:
        return values[-1] - 1
    above, below = values[slot - 1], values[slot]
    middle = (above + below) / 2
    if below < middle < above:
        return middle
    tied = below
    if moving_up:
        top = slot - 1
        while top > 0 and values[top - 1] == tied:
            top -= 1
        return tied + 1 if top == 0 else (values[top - 1] + tied) / 2
    bottom = slot
    while bottom < n - 1 and values[bottom + 1] == tied:
        bottom += 1
    return tied - 1 if bottom == n - 1 else (tied + values[bottom + 1]) / 2


def _score_row(actor: Membership, work_package: WorkPackage) -> WorkPackageScore:
    score = WorkPackageScore.objects.select_for_update().filter(work_package=work_package).first()
    if score is None:
        score = WorkPackageScore.objects.create(
            organization=actor.organization, work_package=work_package
        )
    return score


@transaction.atomic
def backlog_move(
    *,
    actor: Membership,
    work_package: WorkPackage,
    direction: str | None = None,
    position: int | None = None,
    reason: str = "",
) -> int:
    """Move a work package up or down its team's backlog (or to a position, 1 = top), by hand.

    The move is recorded (who, when, from where to where, why). Returns the new position.
    """
    require_same_organization(actor, work_package)
    _require_manager(actor, work_package.team)
    # One move at a time per team: each is computed against the order the last one left.
    Team.objects.select_for_update().filter(pk=work_package.team_id).first()
    order = selectors.backlog_order(membership=actor, team=work_package.team)
    ids = [pk for pk, _ in order]
    if work_package.pk not in ids:
        raise DomainValidationError(
            {"work_package": "Only open work of the team's backlog can be ranked."}
        )
    current = ids.index(work_package.pk)
    if direction == "up":
        target = current - 1
    elif direction == "down":
        target = current + 1
    elif position is not None and _whole_number(position) and position >= 1:
        target = position - 1
    else:
        raise DomainValidationError({"direction": "Move it up, down, or to a position from 1."})
    target = max(0, min(len(ids) - 1, target))
    if target == current:
        return current + 1
    others = [value for pk, value in order if pk != work_package.pk]
    key = _key_for_slot(others, target, moving_up=target < current)
    new_position = sum(1 for value in others if value > key) + 1
    reason = reason.strip()[:300]
    score = _score_row(actor, work_package)
    score.rank_key = key
    score.ranked_by = actor.user
    score.ranked_at = timezone.now()
    score.rank_reason = reason
    score.version += 1
    score.save(
        update_fields=["rank_key", "ranked_by", "ranked_at", "rank_reason", "version", "updated_at"]
    )
    RankChange.objects.create(
        organization=actor.organization,
        team=work_package.team,
        work_package=work_package,
        changed_by=actor.user,
        from_position=current + 1,
        to_position=new_position,
        reason=reason,
    )
    return new_position


@transaction.atomic
def backlog_rank_reset(*, actor: Membership, work_package: WorkPackage, reason: str = "") -> None:
    """Let a hand-placed work package go back to its place by score. Recorded like a move."""
    require_same_organization(actor, work_package)
    _require_manager(actor, work_package.team)
    Team.objects.select_for_update().filter(pk=work_package.team_id).first()
    score = WorkPackageScore.objects.select_for_update().filter(work_package=work_package).first()
    if score is None or score.rank_key is None:
        return
    ids = [pk for pk, _ in selectors.backlog_order(membership=actor, team=work_package.team)]
    score.rank_key = None
    score.ranked_by = actor.user
    score.ranked_at = timezone.now()
    score.rank_reason = reason.strip()[:300]
    score.version += 1
    score.save(
        update_fields=["rank_key", "ranked_by", "ranked_at", "rank_reason", "version", "updated_at"]
    )
    RankChange.objects.create(
        organization=actor.organization,
        team=work_package.team,
        work_package=work_package,
        changed_by=actor.user,
        from_position=ids.index(work_package.pk) + 1 if work_package.pk in ids else 0,
        to_position=None,
        reason=score.rank_reason,
    )


# --- sprints -------------------------------------------------------------------------------

SPRINT_FIELDS = ("name", "goal", "start_date", "end_date", "capacity_points")


def _check_sprint(
    actor: Membership, team: Team, data: dict[str, Any], current: Sprint | None = None
) -> dict[str, Any]:
    merged = {
        f: data[f] if f in data else (getattr(current, f) if current else None)
        for f in SPRINT_FIELDS
    }
    merged["name"] = (merged["name"] or "").strip()
    merged["goal"] = (merged["goal"] or "").strip()
    errors: dict[str, str | list[str]] = {}
    if not merged["name"]:
        errors["name"] = "Give the sprint a name."
    for field in ("start_date", "end_date"):
        if merged[field] is None:
            errors[field] = "Choose a date."
    capacity = merged["capacity_points"]
    if capacity is None or not _whole_number(capacity) or capacity < 1 or capacity > 10000:
        errors["capacity_points"] = "Give the capacity in points, at least 1."
    start, end = merged["start_date"], merged["end_date"]
    dates_given = current is None or "start_date" in data or "end_date" in data
    if start and end and dates_given:  # an edit of the name alone never trips on old dates
        errors.update(rules.sprint_date_errors(start, end, today=timezone.localdate()))
    if errors:
        raise DomainValidationError(errors)
    others = Sprint.objects.filter(
        organization_id=actor.organization_id, team=team, start_date__lte=end, end_date__gte=start
    )
    if current is not None:
        others = others.exclude(pk=current.pk)
    overlapping = others.order_by("start_date").first()
    if overlapping is not None:
        raise DomainValidationError(
            {
                "start_date": f"It overlaps {overlapping.name} "
                f"({overlapping.start_date:%d %b} – {overlapping.end_date:%d %b %Y}): "
                "a team runs one sprint at a time."
            }
        )
    return merged


@transaction.atomic
def sprint_create(*, actor: Membership, team: Team, **data: Any) -> Sprint:
    _check_team(actor, team)
    _require_manager(actor, team, "its sprints")
    # Serialize with other sprint writes of the team, so two overlapping sprints cannot slip in.
    Team.objects.select_for_update().filter(pk=team.pk).first()
    merged = _check_sprint(actor, team, data)
    sprint = Sprint(organization=actor.organization, team=team, **merged)
    sprint.full_clean(exclude=["organization", "team"])
    sprint.save()
    changelog.record(sprint, CREATED)
    return sprint


@transaction.atomic
def sprint_update(*, actor: Membership, sprint: Sprint, **data: Any) -> Sprint:
    require_same_organization(actor, sprint)
    _require_manager(actor, sprint.team, "its sprints")
    Team.objects.select_for_update().filter(pk=sprint.team_id).first()
    sprint = Sprint.objects.select_for_update().select_related("team").get(pk=sprint.pk)
    if not sprint.is_open:
        raise DomainValidationError({"sprint": "A closed sprint is a record: it cannot change."})
    merged = _check_sprint(actor, sprint.team, data, sprint)
    if model_update(instance=sprint, data=merged, fields=SPRINT_FIELDS):
        changelog.record(sprint, UPDATED)
    return sprint


def _lock_open_sprint(actor: Membership, sprint: Sprint) -> Sprint:
    require_same_organization(actor, sprint)
    sprint = Sprint.objects.select_for_update().select_related("team").get(pk=sprint.pk)
    _require_manager(actor, sprint.team, "its sprints")
    if not sprint.is_open:
        raise DomainValidationError({"sprint": "This sprint is closed."})
    return sprint


@transaction.atomic
def sprint_commit(
    *, actor: Membership, sprint: Sprint, work_package: WorkPackage, reason: str = ""
) -> SprintCommitment:
    """Commit ready work to a sprint.

    An intention is refused. Going past capacity, or letting non-strategic work take more of
    the capacity than the team's policy leaves it, raises CommitNeedsReasonError until a reason
    is given; the reason is recorded with the commitment.
    """
    require_same_organization(actor, work_package)
    sprint = _lock_open_sprint(actor, sprint)
    work_package = WorkPackage.objects.select_related("team").get(pk=work_package.pk)
    if work_package.team_id != sprint.team_id:
        raise DomainValidationError(
            {
                "work_package": f"“{work_package.title}” is {work_package.team.name}'s work: "
                f"commit it to a {work_package.team.name} sprint."
            }
        )
    if work_package.status == WPStatus.INTENTION or not work_package.is_ready:
        missing = ", ".join(m.lower() for m in work_package.missing_for_readiness)
        raise DomainValidationError(
            {
                "work_package": f"“{work_package.title}” is still an intention"
                + (f" (it needs {missing})" if missing else "")
                + ": only ready work can be committed."
            }
        )
    if work_package.status not in selectors.COMMITTABLE_STATUSES:
        raise DomainValidationError(
            {
                "work_package": f"“{work_package.title}” is {work_package.get_status_display().lower()}: "
                "only ready or in-progress work can be committed."
            }
        )
    if work_package.estimate is None:
        raise DomainValidationError(
            {
                "work_package": f"Estimate “{work_package.title}” first: capacity is planned in points."
            }
        )
    held = (
        SprintCommitment.objects.filter(
            work_package=work_package, sprint__status=Sprint.Status.OPEN
        )
        .select_related("sprint")
        .first()
    )
    if held is not None:
        where = "this sprint" if held.sprint_id == sprint.pk else held.sprint.name
        raise DomainValidationError(
            {"work_package": f"“{work_package.title}” is already committed to {where}."}
        )
    totals = selectors.sprint_totals(sprint=sprint)
    policy = selectors.capacity_policy_for_team(membership=actor, team=sprint.team)
    check = rules.commit_check(
        capacity=sprint.capacity_points,
        planned_points=totals.planned_points,
        strategic_points=totals.strategic_points,
        points=work_package.estimate,
        is_strategic=policy.group_of(work_package.category) == CategoryGroup.STRATEGIC,
        strategic_target=policy.strategic_share,
    )
    reason = reason.strip()
    if check.warnings and not reason:
        raise CommitNeedsReasonError(check.warnings)
    commitment = SprintCommitment(
        organization=actor.organization,
        sprint=sprint,
        work_package=work_package,
        points=work_package.estimate,
        category=work_package.category,
        over_capacity=check.over_capacity,
        below_strategic_target=check.below_strategic_target,
        reason=reason if check.warnings else "",
        committed_by=actor.user,
    )
    commitment.full_clean(exclude=["organization", "sprint", "work_package"])
    commitment.save()
    changelog.record(commitment, CREATED)
    return commitment


@transaction.atomic
def sprint_uncommit(*, actor: Membership, sprint: Sprint, work_package: WorkPackage) -> None:
    """Take work out of an open sprint; it stays in the backlog."""
    require_same_organization(actor, work_package)
    sprint = _lock_open_sprint(actor, sprint)
    commitment = SprintCommitment.objects.filter(sprint=sprint, work_package=work_package).first()
    if commitment is None:
        raise DomainValidationError({"work_package": "It is not committed to this sprint."})
    changelog.record(commitment, DELETED)
    commitment.delete()


def default_outcome(work_package: WorkPackage) -> str:
    """What closing assumes unless told otherwise: done work is done, stopped is stopped."""
    if work_package.status == WPStatus.DONE:
        return SprintCommitment.Outcome.DONE
    if work_package.status == WPStatus.STOPPED:
        return SprintCommitment.Outcome.STOPPED
    return SprintCommitment.Outcome.CARRIED_OVER


OUTCOME_STATUS: dict[str, str] = {
    SprintCommitment.Outcome.DONE: WPStatus.DONE,
    SprintCommitment.Outcome.STOPPED: WPStatus.STOPPED,
}


@transaction.atomic
def sprint_close(
    *, actor: Membership, sprint: Sprint, outcomes: Mapping[str, str] | None = None, note: str = ""
) -> Sprint:
    """Close a sprint, recording for each committed work package: done, carried over or stopped.

    ``outcomes`` maps work package ids (as strings) to outcomes; work not named gets its
    default. Done and stopped work packages change status through planning; carried-over work
    stays open in the backlog, ready for the next sprint.
    """
    sprint = _lock_open_sprint(actor, sprint)
    outcomes = {str(k): v for k, v in (outcomes or {}).items()}
    commitments = list(
        SprintCommitment.objects.select_for_update(of=("self",))
        .filter(sprint=sprint)
        .select_related("work_package")
        .order_by("committed_at", "id")
    )
    errors: dict[str, str | list[str]] = {}
    chosen: dict[Any, str] = {}
    for commitment in commitments:
        wp = commitment.work_package
        outcome = outcomes.get(str(wp.pk)) or default_outcome(wp)
        field = f"outcome_{wp.pk}"
        if outcome not in SprintCommitment.Outcome.values:
            errors[field] = "Choose done, carried over or stopped."
        elif outcome == SprintCommitment.Outcome.CARRIED_OVER and wp.status == WPStatus.DONE:
            errors[field] = f"“{wp.title}” is done: record it as done."
        elif outcome == SprintCommitment.Outcome.CARRIED_OVER and wp.status == WPStatus.STOPPED:
            errors[field] = f"“{wp.title}” was stopped: record it as stopped."
        chosen[commitment.pk] = outcome
    if errors:
        raise DomainValidationError(errors)
    for commitment in commitments:
        wp = commitment.work_package
        outcome = chosen[commitment.pk]
        status = OUTCOME_STATUS.get(outcome)
        if status is not None and wp.status != status:
            try:
                wp = planning_services.work_package_update(
                    actor=actor, work_package=wp, status=status
                )
            except ValidationError as exc:
                raise DomainValidationError(
                    {f"outcome_{wp.pk}": [f"“{wp.title}”: {m}" for m in exc.messages]}
                ) from exc
        commitment.outcome = outcome
        commitment.points = wp.estimate or 0
        commitment.category = wp.category
        commitment.version += 1
        commitment.save(update_fields=["outcome", "points", "category", "version", "updated_at"])
    sprint.status = Sprint.Status.CLOSED
    sprint.closed_at = timezone.now()
    sprint.closed_by = actor.user
    sprint.close_note = note.strip()
    sprint.version += 1
    sprint.save(
        update_fields=["status", "closed_at", "closed_by", "close_note", "version", "updated_at"]
    )
    changelog.record_many([(sprint, UPDATED), *((c, UPDATED) for c in commitments)])
    return sprint


# --- ideas ---------------------------------------------------------------------------------

IDEA_FIELDS = ("title", "description", "strategic_objective", "rationale")


def _check_idea(actor: Membership, data: dict[str, Any], current: Idea | None = None) -> None:
    errors: dict[str, str | list[str]] = {}
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
        if not data["title"]:
            errors["title"] = "Give the idea a title."
    if "rationale" in data:
        data["rationale"] = (data["rationale"] or "").strip()
        if not data["rationale"]:
            errors["rationale"] = "Say why it matters: which strategic choice it serves, and how."
    if "description" in data:
        data["description"] = (data["description"] or "").strip()
    objective = data.get("strategic_objective")
    if objective is not None:
        keeping = current is not None and current.strategic_objective_id == objective.pk
        if objective.organization_id != actor.organization_id:
            errors["strategic_objective"] = "Choose a strategic objective of this organization."
        elif not keeping and objective.status not in (
            StrategicObjective.Status.ACTIVE,
            StrategicObjective.Status.DRAFT,
        ):
            errors["strategic_objective"] = "Choose an active or draft strategic objective."
    if errors:
        raise DomainValidationError(errors)


@transaction.atomic
def idea_propose(
    *,
    actor: Membership,
    team: Team,
    title: str,
    rationale: str,
    strategic_objective: StrategicObjective | None = None,
    description: str = "",
    source: str = "",
    external_id: str = "",
) -> Idea:
    """Collect an idea for a team. It needs a rationale; selecting it comes later, separately."""
    if not rules.can_propose_idea(actor):
        raise NotPermittedError("Viewers cannot propose ideas.")
    _check_team(actor, team)
    data: dict[str, Any] = {
        "title": title,
        "rationale": rationale,
        "strategic_objective": strategic_objective,
        "description": description,
    }
    _check_idea(actor, data)
    idea = Idea(
        organization=actor.organization,
        team=team,
        proposer=actor.user,
        source=(source or "").strip(),
        external_id=(external_id or "").strip(),
        **data,
    )
    idea.full_clean(exclude=["organization", "team", "strategic_objective"])
    try:
        with transaction.atomic():
            idea.save()
    except IntegrityError as exc:
        if "idea_external_id_unique" in str(exc):
            raise DomainValidationError(
                {"external_id": "Another idea already has this source and external id."}
            ) from exc
        raise
    changelog.record(idea, CREATED)
    return idea


@transaction.atomic
def idea_update(*, actor: Membership, idea: Idea, **data: Any) -> Idea:
    require_same_organization(actor, idea)
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    if not rules.can_edit_idea(actor, idea):
        raise NotPermittedError(
            "Only its proposer (until it is shortlisted), the team's lead or a leader can edit "
            "an idea, and only before it is decided."
        )
    data = {k: v for k, v in data.items() if k in IDEA_FIELDS}
    _check_idea(actor, data, idea)
    if model_update(instance=idea, data=data, fields=data.keys()):
        changelog.record(idea, UPDATED)
    return idea


def _lock_idea_for_decision(actor: Membership, idea: Idea) -> Idea:
    require_same_organization(actor, idea)
    idea = Idea.objects.select_for_update().select_related("team").get(pk=idea.pk)
    _require_manager(actor, idea.team, "which of its ideas go ahead")
    return idea


@transaction.atomic
def idea_shortlist(*, actor: Membership, idea: Idea) -> Idea:
    idea = _lock_idea_for_decision(actor, idea)
    if idea.status != Idea.Status.NEW:
        raise DomainValidationError(
            {
                "status": f"Only a new idea can be shortlisted; this one is {idea.get_status_display().lower()}."
            }
        )
    idea.status = Idea.Status.SHORTLISTED
    idea.shortlisted_by = actor.user
    idea.shortlisted_at = timezone.now()
    idea.version += 1
    idea.save(update_fields=["status", "shortlisted_by", "shortlisted_at", "version", "updated_at"])
    changelog.record(idea, UPDATED)
    return idea


@transaction.atomic
def idea_reject(*, actor: Membership, idea: Idea, reason: str) -> Idea:
    """Turn an idea down, always with the reason: the proposer deserves to know why."""
    idea = _lock_idea_for_decision(actor, idea)
    if idea.status not in (Idea.Status.NEW, Idea.Status.SHORTLISTED):
        raise DomainValidationError(
            {"status": f"This idea is {idea.get_status_display().lower()} already."}
        )
    if not (reason or "").strip():
        raise DomainValidationError(
            {"rejection_reason": "Say why it is rejected: the proposer deserves to know."}
        )
    idea.status = Idea.Status.REJECTED
    idea.rejection_reason = reason.strip()
    idea.decided_by = actor.user
    idea.decided_at = timezone.now()
    idea.version += 1
    idea.save(
        update_fields=[
            "status",
            "rejection_reason",
            "decided_by",
            "decided_at",
            "version",
            "updated_at",
        ]
    )
    changelog.record(idea, UPDATED)
    return idea


@transaction.atomic
def idea_promote(
    *,
    actor: Membership,
    idea: Idea,
    title: str = "",
    category: str = "",
    initiative: Initiative | None = None,
    estimate: int | None = None,
) -> WorkPackage:
    """Make a shortlisted idea a work package of its team, linked back to the idea.

    The work package starts as an intention: it still needs an owner, a due date and a success
    check before it can be committed to a sprint.
    """
    idea = _lock_idea_for_decision(actor, idea)
    if idea.status != Idea.Status.SHORTLISTED:
        raise DomainValidationError(
            {
                "status": "Shortlist it first: ideas are selected from the shortlist."
                if idea.status == Idea.Status.NEW
                else f"This idea is {idea.get_status_display().lower()} already."
            }
        )
    errors: dict[str, str | list[str]] = {}
    _check_range(
        errors,
        "estimate",
        estimate,
        low=0,
        high=1000,
        message="Give an estimate from 0 to 1000 points.",
        negative="An estimate cannot be negative.",
    )
    if category and category not in WorkPackage.Category.values:
        errors["category"] = "Choose one of the categories."
    if initiative is not None and initiative.organization_id != actor.organization_id:
        errors["initiative"] = "Choose an initiative of this organization."
    if errors:
        raise DomainValidationError(errors)
    description = idea.description
    description = (description + "\n\n" if description else "") + f"Why: {idea.rationale}"
    work_package = planning_services.work_package_create(
        actor=actor,
        title=(title or "").strip() or idea.title,
        description=description,
        team=idea.team,
        initiative=initiative,
        category=category
        or (
            WorkPackage.Category.STRATEGIC
            if idea.strategic_objective_id
            else WorkPackage.Category.TACTICAL
        ),
        estimate=estimate,
        status=WPStatus.INTENTION,
    )
    idea.status = Idea.Status.PROMOTED
    idea.work_package = work_package
    idea.decided_by = actor.user
    idea.decided_at = timezone.now()
    idea.version += 1
    idea.save(
        update_fields=[
            "status",
            "work_package",
            "decided_by",
            "decided_at",
            "version",
            "updated_at",
        ]
    )
    changelog.record(idea, UPDATED)
    return work_package
