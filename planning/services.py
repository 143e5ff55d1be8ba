"""Every write to strategy and work goes through here: pages, the admin, commands and tasks alike."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainValidationError, NotPermittedError, require_same_organization
from core.models import Membership, Team, User
from core.services import model_update
from planning import rules
from planning.models import Initiative, StrategicObjective, WorkPackage

Status = WorkPackage.Status

# Where a work package may go from each status. Done and stopped are terminal unless reopened
# with a reason (the entries marked in REOPENING).
TRANSITIONS: dict[str, set[str]] = {
    Status.INTENTION: {Status.READY, Status.IN_PROGRESS, Status.STOPPED},
    Status.READY: {Status.INTENTION, Status.IN_PROGRESS, Status.DONE, Status.STOPPED},
    Status.IN_PROGRESS: {Status.READY, Status.DONE, Status.STOPPED},
    Status.DONE: {Status.IN_PROGRESS},
    Status.STOPPED: {Status.INTENTION, Status.READY},
}
REOPENING = {Status.DONE, Status.STOPPED}


# --- shared checks -------------------------------------------------------------------------


def _require_strategy_writer(actor: Membership) -> None:
    if not rules.can_write_strategy(actor):
        raise NotPermittedError("Only leaders can change strategy and initiatives.")


def _check_person(
    actor: Membership, user: User | None, field: str, current: User | None = None
) -> None:
    """A new owner must be an active member; keeping a since-deactivated one is allowed."""
    if user is None or (current is not None and user.pk == current.pk):
        return
    if not Membership.objects.filter(
        organization_id=actor.organization_id, user=user, is_active=True
    ).exists():
        raise DomainValidationError({field: "Choose an active member of this organization."})


def _check_team(actor: Membership, team: Team | None, field: str = "team") -> None:
    if team is None:
        raise DomainValidationError({field: "Choose a team."})
    if team.organization_id != actor.organization_id or team.is_archived:
        raise DomainValidationError({field: "Choose an active team of this organization."})


def _clean_lines(lines: list[str] | None) -> list[str]:
    return [line.strip() for line in (lines or []) if line and line.strip()]


# --- strategic objectives ------------------------------------------------------------------

STRATEGIC_OBJECTIVE_FIELDS = (
    "statement",
    "rationale",
    "horizon_start",
    "horizon_end",
    "trade_offs",
    "outcome_measures",
    "owner",
    "priority",
    "status",
)


def _prepare_strategic_objective(
    actor: Membership, data: dict[str, Any], current: StrategicObjective | None = None
) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k in STRATEGIC_OBJECTIVE_FIELDS}
    for key in ("trade_offs", "outcome_measures"):
        if key in data:
            data[key] = _clean_lines(data[key])
    if "statement" in data:
        data["statement"] = (data["statement"] or "").strip()
    _check_person(actor, data.get("owner"), "owner", current.owner if current else None)
    start, end = data.get("horizon_start"), data.get("horizon_end")
    if start and end and end <= start:
        raise DomainValidationError({"horizon_end": "The horizon must end after it starts."})
    return data


@transaction.atomic
def strategic_objective_create(*, actor: Membership, **data: Any) -> StrategicObjective:
    _require_strategy_writer(actor)
    data = _prepare_strategic_objective(actor, data)
    objective = StrategicObjective(organization=actor.organization, **data)
    objective.full_clean(exclude=["organization"])
    objective.save()
    return objective


@transaction.atomic
def strategic_objective_update(
    *, actor: Membership, objective: StrategicObjective, **data: Any
) -> StrategicObjective:
    require_same_organization(actor, objective)
    _require_strategy_writer(actor)
    data = _prepare_strategic_objective(actor, data, objective)
    merged = {f: data.get(f, getattr(objective, f)) for f in ("horizon_start", "horizon_end")}
    if merged["horizon_end"] <= merged["horizon_start"]:
        raise DomainValidationError({"horizon_end": "The horizon must end after it starts."})
    model_update(instance=objective, data=data, fields=data.keys())
    return objective


# --- initiatives ---------------------------------------------------------------------------

INITIATIVE_FIELDS = (
    "strategic_objective",
    "title",
    "description",
    "owner",
    "start_date",
    "end_date",
    "status",
)


def _prepare_initiative(
    actor: Membership, data: dict[str, Any], current: Initiative | None = None
) -> tuple[dict[str, Any], list | None]:
    teams = data.pop("teams", None)
    data = {k: v for k, v in data.items() if k in INITIATIVE_FIELDS}
    objective = data.get("strategic_objective")
    if "strategic_objective" in data and (
        objective is None or objective.organization_id != actor.organization_id
    ):
        raise DomainValidationError(
            {"strategic_objective": "Choose a strategic objective of this organization."}
        )
    _check_person(actor, data.get("owner"), "owner", current.owner if current else None)
    if teams is not None:
        teams = list(teams)
        for team in teams:
            _check_team(actor, team, "teams")
    return data, teams


def _check_initiative_dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise DomainValidationError({"end_date": "The end date cannot be before the start date."})


@transaction.atomic
def initiative_create(*, actor: Membership, **data: Any) -> Initiative:
    _require_strategy_writer(actor)
    data, teams = _prepare_initiative(actor, data)
    if data.get("strategic_objective") is None:
        raise DomainValidationError(
            {"strategic_objective": "Choose the strategic objective it serves."}
        )
    _check_initiative_dates(data.get("start_date"), data.get("end_date"))
    initiative = Initiative(organization=actor.organization, **data)
    initiative.full_clean(exclude=["organization"])
    initiative.save()
    if teams:
        initiative.teams.set(teams)
    return initiative


@transaction.atomic
def initiative_update(*, actor: Membership, initiative: Initiative, **data: Any) -> Initiative:
    require_same_organization(actor, initiative)
    _require_strategy_writer(actor)
    data, teams = _prepare_initiative(actor, data, initiative)
    _check_initiative_dates(
        data.get("start_date", initiative.start_date), data.get("end_date", initiative.end_date)
    )
    changed = model_update(instance=initiative, data=data, fields=data.keys())
    if teams is not None and {t.pk for t in teams} != set(
        initiative.teams.values_list("pk", flat=True)
    ):
        initiative.teams.set(teams)
        if not changed:
            initiative.version += 1
            initiative.save(update_fields=["version", "updated_at"])
    return initiative


# --- work packages -------------------------------------------------------------------------

WORK_PACKAGE_FIELDS = (
    "title",
    "description",
    "initiative",
    "team",
    "owner",
    "start_date",
    "due_date",
    "output_kind",
    "outputs",
    "success_criterion",
    "success_review_date",
    "category",
    "estimate",
    "status",
    "source",
    "external_id",
)


def _check_work_package_links(actor: Membership, data: dict[str, Any]) -> None:
    if "team" in data:
        _check_team(actor, data["team"])
    initiative = data.get("initiative")
    if initiative is not None and initiative.organization_id != actor.organization_id:
        raise DomainValidationError({"initiative": "Choose an initiative of this organization."})
    _check_person(actor, data.get("owner"), "owner")


def _readiness_error(work_package: WorkPackage, target: str) -> DomainValidationError:
    """Name each missing piece on its own field, so the form shows it where it belongs."""
    label = Status(target).label
    errors: dict[str, str] = {}
    if work_package.owner_id is None:
        errors["owner"] = f"Choose an owner before moving it to {label}."
    if work_package.due_date is None:
        errors["due_date"] = f"Set a due date before moving it to {label}."
    if not work_package.success_criterion:
        errors["success_criterion"] = f"Say how you will judge success before moving it to {label}."
    if work_package.success_review_date is None:
        errors["success_review_date"] = (
            f"Set when you will check success before moving it to {label}."
        )
    errors["status"] = (
        "Still an intention: it needs "
        + ", ".join(m.lower() for m in work_package.missing_for_readiness)
        + f" before it can be {label.lower()}."
    )
    return DomainValidationError(errors)


def _apply_status_side_effects(work_package: WorkPackage, old: str | None, new: str) -> list[str]:
    """Timestamps that follow a status change (cycle time is measured from them)."""
    now = timezone.now()
    touched = []
    if new == Status.IN_PROGRESS and work_package.started_at is None:
        work_package.started_at = now
        touched.append("started_at")
    if new in REOPENING and old not in REOPENING:
        work_package.finished_at = now
        touched.append("finished_at")
    if old in REOPENING and new not in REOPENING:
        work_package.finished_at = None
        touched.append("finished_at")
    return touched


def _check_transition(old: str, new: str, reason: str) -> None:
    if old == new:
        return
    if new not in TRANSITIONS[old]:
        raise DomainValidationError(
            {"status": f"A work package cannot go from {Status(old).label} to {Status(new).label}."}
        )
    if old in REOPENING and not reason.strip():
        raise DomainValidationError(
            {
                "reopen_reason": f"Say why you are reopening work that is {Status(old).label.lower()}."
            }
        )


def _save_work_package(work_package: WorkPackage, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            work_package.save(update_fields=update_fields)
    except IntegrityError as exc:
        if "external_id" in str(exc):
            raise DomainValidationError(
                {"external_id": "Another work package already has this source and external id."}
            ) from exc
        raise


@transaction.atomic
def work_package_create(*, actor: Membership, **data: Any) -> WorkPackage:
    data = {k: v for k, v in data.items() if k in WORK_PACKAGE_FIELDS}
    team = data.get("team")
    _check_team(actor, team)
    assert team is not None  # noqa: S101  # _check_team refuses a missing team
    if not rules.can_create_work_package(actor, team.pk):
        raise NotPermittedError("You can add work only to your own team.")
    _check_work_package_links(actor, data)
    requested = data.pop("status", None) or None
    work_package = WorkPackage(organization=actor.organization, **data)
    # Unless told otherwise, complete work starts ready and incomplete work as an intention.
    status = requested or (Status.READY if work_package.is_ready else Status.INTENTION)
    if status in (Status.DONE,) or status not in Status.values:
        raise DomainValidationError(
            {"status": "New work starts as an intention, ready or in progress."}
        )
    if status not in (Status.INTENTION, Status.STOPPED) and not work_package.is_ready:
        raise _readiness_error(work_package, status)
    work_package.status = status
    _apply_status_side_effects(work_package, None, status)
    work_package.full_clean(exclude=["organization"], validate_constraints=False)
    _save_work_package(work_package)
    return work_package


@transaction.atomic
def work_package_update(
    *, actor: Membership, work_package: WorkPackage, reopen_reason: str = "", **data: Any
) -> WorkPackage:
    """Edit a work package, status included. Bumps ``version`` only when something changed."""
    require_same_organization(actor, work_package)
    work_package = WorkPackage.objects.select_for_update().get(pk=work_package.pk)
    if not rules.can_edit_work_package(actor, work_package):
        raise NotPermittedError("You can edit only work you own or your team's work.")
    data = {k: v for k, v in data.items() if k in WORK_PACKAGE_FIELDS}
    reassigning = any(k in data and getattr(work_package, k) != data[k] for k in ("team", "owner"))
    if reassigning and not rules.can_reassign_work_package(actor, work_package):
        raise NotPermittedError(
            "Only the team's lead or a leader can move this work to someone else."
        )
    if "team" in data and data["team"] != work_package.team and not actor.is_leader:
        if not rules.can_create_work_package(actor, data["team"].pk):
            raise DomainValidationError({"team": "You can move work only between your own teams."})
    # Only what changes is checked: keeping a since-deactivated owner is not a new assignment.
    _check_work_package_links(
        actor, {k: v for k, v in data.items() if getattr(work_package, k) != v}
    )

    old_status = work_package.status
    new_status = data.pop("status", None) or old_status
    if new_status not in Status.values:
        raise DomainValidationError({"status": "Choose one of the statuses."})
    _check_transition(old_status, new_status, reopen_reason)

    fields = [f for f in data if getattr(work_package, f) != data[f]]
    for field in fields:
        setattr(work_package, field, data[field])
    if new_status not in (Status.INTENTION, Status.STOPPED) and not work_package.is_ready:
        raise _readiness_error(work_package, new_status)
    if new_status != old_status:
        work_package.status = new_status
        fields.append("status")
        fields += _apply_status_side_effects(work_package, old_status, new_status)
        if old_status in REOPENING:
            work_package.reopen_reason = reopen_reason.strip()
            fields.append("reopen_reason")
    if not fields:
        return work_package
    work_package.version += 1
    work_package.full_clean(exclude=["organization"], validate_constraints=False)
    _save_work_package(work_package, update_fields=[*set(fields), "version", "updated_at"])
    return work_package


@transaction.atomic
def work_package_record_decision(
    *, actor: Membership, work_package: WorkPackage, decision: str, reason: str
) -> WorkPackage:
    """The decision at the success check: continue, revise or stop, always with its reason."""
    require_same_organization(actor, work_package)
    work_package = WorkPackage.objects.select_for_update().get(pk=work_package.pk)
    if not rules.can_edit_work_package(actor, work_package):
        raise NotPermittedError("You can decide only on work you own or your team's work.")
    if decision not in WorkPackage.Decision.values:
        raise DomainValidationError({"decision": "Choose continue, revise or stop."})
    if not reason.strip():
        raise DomainValidationError({"decision_reason": "Give the reason for the decision."})
    if work_package.status in (Status.INTENTION, Status.STOPPED):
        raise DomainValidationError(
            {
                "decision": "Only work that is ready, in progress or done has a success check to decide on."
            }
        )
    fields = ["decision", "decision_reason", "decided_at"]
    work_package.decision = decision
    work_package.decision_reason = reason.strip()
    work_package.decided_at = timezone.now()
    if decision == WorkPackage.Decision.STOP and not work_package.is_closed:
        old = work_package.status
        work_package.status = Status.STOPPED
        fields += ["status", *_apply_status_side_effects(work_package, old, Status.STOPPED)]
    work_package.version += 1
    work_package.save(update_fields=[*fields, "version", "updated_at"])
    return work_package
