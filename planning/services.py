"""Every write to strategy and work goes through here: pages, the admin, commands and tasks alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import bulk, changelog
from core.errors import (
    DomainValidationError,
    NotPermittedError,
    reject_nul_characters,
    require_same_organization,
)
from core.models import ChangeLogEntry, Membership, Role, Team, User
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
CREATED, UPDATED, DELETED = (
    ChangeLogEntry.Op.CREATED,
    ChangeLogEntry.Op.UPDATED,
    ChangeLogEntry.Op.DELETED,
)


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
    reject_nul_characters(data)
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
    changelog.record(objective, CREATED)
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
    if model_update(instance=objective, data=data, fields=data.keys()):
        changelog.record(objective, UPDATED)
    return objective


@transaction.atomic
def strategic_objective_delete(*, actor: Membership, objective: StrategicObjective) -> None:
    """Delete a strategic objective that nothing hangs off yet (else retire it)."""
    require_same_organization(actor, objective)
    _require_strategy_writer(actor)
    if objective.initiatives.exists():
        raise DomainValidationError(
            {"strategic_objective": "It has initiatives: retire it instead of deleting it."}
        )
    changelog.record(objective, DELETED)
    objective.delete()


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
    reject_nul_characters(data)
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
    changelog.record(initiative, CREATED)
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
            changed = True
    if changed:
        changelog.record(initiative, UPDATED)
    return initiative


@transaction.atomic
def initiative_delete(*, actor: Membership, initiative: Initiative) -> None:
    """Delete an initiative with no work yet (else cancel it)."""
    require_same_organization(actor, initiative)
    _require_strategy_writer(actor)
    if initiative.work_packages.exists():
        raise DomainValidationError(
            {"initiative": "Work packages are linked to it: cancel it instead of deleting it."}
        )
    changelog.record(initiative, DELETED)
    initiative.delete()


# --- work packages -------------------------------------------------------------------------
#
# One set of rules for every door: the page's form, the API's single writes and the bulk
# upsert all go through ``_apply_work_package_changes``, which checks roles, links, status
# transitions and readiness on an in-memory object without touching the database (everything
# it needs is loaded beforehand, in a constant number of queries however many items there are).

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
WORK_PACKAGE_CLEAN_EXCLUDE = ["organization", "team", "initiative", "owner"]
_CLEANED_FIELDS = [
    f.name for f in WorkPackage._meta.concrete_fields if f.name not in WORK_PACKAGE_CLEAN_EXCLUDE
]
_STATUS_VALUES = frozenset(Status.values)  # the enum's .values builds a new list on each call


class ActiveMembers:
    """Which of some people are active members of the actor's organization (one query)."""

    def __init__(self, actor: Membership, users) -> None:
        ids = {u.pk for u in users if u is not None}
        self.ids = (
            set(
                Membership.objects.filter(
                    organization_id=actor.organization_id, user_id__in=ids, is_active=True
                ).values_list("user_id", flat=True)
            )
            if ids
            else set()
        )

    def __contains__(self, user) -> bool:
        return user.pk in self.ids


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


def _check_links(actor: Membership, changes: dict[str, Any], members: ActiveMembers) -> None:
    if "team" in changes:
        _check_team(actor, changes["team"])
    initiative = changes.get("initiative")
    if initiative is not None and initiative.organization_id != actor.organization_id:
        raise DomainValidationError({"initiative": "Choose an initiative of this organization."})
    owner = changes.get("owner")
    if owner is not None and owner not in members:
        raise DomainValidationError({"owner": "Choose an active member of this organization."})


def _differs(work_package: WorkPackage, name: str, value: Any) -> bool:
    """Compare related rows by id, so checking a change never loads them (one query each)."""
    if name in ("team", "initiative", "owner"):
        return getattr(work_package, f"{name}_id") != (value.pk if value is not None else None)
    return getattr(work_package, name) != value


def _apply_work_package_changes(
    *,
    actor: Membership,
    work_package: WorkPackage,
    data: dict[str, Any],
    members: ActiveMembers,
    creating: bool,
    reopen_reason: str = "",
) -> list[str]:
    """Check and set a change on an in-memory work package; return the fields that changed.

    Raises the domain's errors and leaves nothing written: the caller saves.
    """
    data = {k: v for k, v in data.items() if k in WORK_PACKAGE_FIELDS}
    reject_nul_characters({**data, "reopen_reason": reopen_reason})
    requested = data.pop("status", None) or None
    if creating:
        team = data.get("team")
        _check_team(actor, team)
        if not rules.can_create_work_package(actor, team.pk):  # type: ignore[union-attr]
            raise NotPermittedError("You can add work only to your own team.")
        changes = data
    else:
        if not rules.can_edit_work_package(actor, work_package):
            raise NotPermittedError("You can edit only work you own or your team's work.")
        changes = {k: v for k, v in data.items() if _differs(work_package, k, v)}
        if ("team" in changes or "owner" in changes) and not rules.can_reassign_work_package(
            actor, work_package
        ):
            raise NotPermittedError(
                "Only the team's lead or a leader can move this work to someone else."
            )
        if "team" in changes and not actor.is_leader:
            if changes["team"] is None or not rules.can_create_work_package(
                actor, changes["team"].pk
            ):
                raise DomainValidationError(
                    {"team": "You can move work only between your own teams."}
                )
    # Only what changes is checked: keeping a since-deactivated owner is not a new assignment.
    _check_links(actor, changes, members)
    for name, value in changes.items():
        setattr(work_package, name, value)
    changed = list(changes)
    start, due = work_package.start_date, work_package.due_date
    if start is not None and due is not None and due < start:
        # The database refuses it too (work_package_dates_order); say so on the field first.
        raise DomainValidationError({"due_date": "The due date cannot be before the start date."})

    old_status = None if creating else work_package.status
    if creating:
        # Unless told otherwise, complete work starts ready and incomplete work as an intention.
        new_status = requested or (Status.READY if work_package.is_ready else Status.INTENTION)
        if new_status not in (Status.INTENTION, Status.READY, Status.IN_PROGRESS, Status.STOPPED):
            raise DomainValidationError(
                {"status": "New work starts as an intention, ready or in progress."}
            )
    else:
        new_status = requested or work_package.status
        if new_status not in _STATUS_VALUES:
            raise DomainValidationError({"status": "Choose one of the statuses."})
        _check_transition(work_package.status, new_status, reopen_reason)
    if new_status not in (Status.INTENTION, Status.STOPPED) and not work_package.is_ready:
        raise _readiness_error(work_package, new_status)
    if creating or new_status != old_status:
        work_package.status = new_status
        changed.append("status")
        changed += _apply_status_side_effects(work_package, old_status, new_status)
        if old_status in REOPENING:
            work_package.reopen_reason = reopen_reason.strip()
            changed.append("reopen_reason")
    if changed:
        # Field-level checks only (lengths, choices): the database holds the constraints. An
        # update checks the fields it changes (the others passed when they were written).
        exclude = WORK_PACKAGE_CLEAN_EXCLUDE
        if not creating:
            exclude = [*exclude, *(f for f in _CLEANED_FIELDS if f not in changed)]
        work_package.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    return sorted(set(changed))


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


def _apply_decision(work_package: WorkPackage, decision: str, reason: str) -> list[str]:
    """Check and set the decision at the success check on an in-memory package; return the fields."""
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
    return fields


@transaction.atomic
def work_package_create(
    *, actor: Membership, decision: str = "", decision_reason: str = "", **data: Any
) -> WorkPackage:
    """Create a work package; with ``decision``, its success-check decision in the same write."""
    work_package = WorkPackage(organization=actor.organization)
    _apply_work_package_changes(
        actor=actor,
        work_package=work_package,
        data=data,
        members=ActiveMembers(actor, [data.get("owner")]),
        creating=True,
    )
    if decision:
        _apply_decision(work_package, decision, decision_reason or "")
    _save_work_package(work_package)
    changelog.record(work_package, CREATED)
    return work_package


@transaction.atomic
def work_package_update(
    *,
    actor: Membership,
    work_package: WorkPackage,
    reopen_reason: str = "",
    decision: str = "",
    decision_reason: str = "",
    **data: Any,
) -> WorkPackage:
    """Edit a work package, status included, and with ``decision`` a new decision at its success
    check: one write, one version, one change entry. Bumps ``version`` only when something changed."""
    require_same_organization(actor, work_package)
    work_package = WorkPackage.objects.select_for_update().get(pk=work_package.pk)
    changed = _apply_work_package_changes(
        actor=actor,
        work_package=work_package,
        data=data,
        members=ActiveMembers(actor, [data.get("owner")]),
        creating=False,
        reopen_reason=reopen_reason,
    )
    decision_reason = decision_reason or ""
    if decision and (decision, decision_reason.strip()) != (
        work_package.decision,
        work_package.decision_reason,
    ):
        changed = sorted({*changed, *_apply_decision(work_package, decision, decision_reason)})
    if not changed:
        return work_package
    work_package.version += 1
    _save_work_package(work_package, update_fields=[*changed, "version", "updated_at"])
    changelog.record(work_package, UPDATED)
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
    fields = _apply_decision(work_package, decision, reason)
    work_package.version += 1
    work_package.save(update_fields=[*fields, "version", "updated_at"])
    changelog.record(work_package, UPDATED)
    return work_package


@transaction.atomic
def work_package_delete(*, actor: Membership, work_package: WorkPackage) -> None:
    """Delete a work package; the feed keeps a tombstone so synced copies go too."""
    require_same_organization(actor, work_package)
    work_package = WorkPackage.objects.select_for_update().get(pk=work_package.pk)
    if not rules.can_reassign_work_package(actor, work_package):
        raise NotPermittedError("Only the team's lead or a leader can delete this work.")
    changelog.record(work_package, DELETED)
    work_package.delete()


# --- upsert by external id, one or a thousand at a time ------------------------------------

RELATED = {"team": Team, "initiative": Initiative, "owner": User}


@dataclass
class UpsertResult:
    index: int
    status: str  # created, updated, unchanged or error
    work_package: WorkPackage | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    forbidden: bool = False  # the error is the actor's role, not the item's content


def _resolve_related(actor: Membership, items: list[dict]) -> dict[str, dict]:
    """Load every team, initiative and person the items name, one query per kind."""
    wanted: dict[str, set] = {name: set() for name in RELATED}
    for item in items:
        for name in RELATED:
            if item.get(name) is not None:
                wanted[name].add(item[name])
    found: dict[str, dict] = {}
    for name, model in RELATED.items():
        if not wanted[name]:
            found[name] = {}
            continue
        rows: QuerySet[Any]
        if model is User:
            rows = User.objects.filter(
                pk__in=wanted[name], memberships__organization_id=actor.organization_id
            )
        else:
            rows = model._default_manager.filter(
                pk__in=wanted[name], organization_id=actor.organization_id
            )
        found[name] = {row.pk: row for row in rows}
    return found


@transaction.atomic
def work_package_bulk_upsert(
    *, actor: Membership, items: list[dict[str, Any]], _retry: bool = True
) -> list[UpsertResult]:
    """Create or update work packages keyed by (source, external_id), all rules applied per item.

    Each valid item is written and each invalid one changes nothing. Fields an item leaves out
    keep their value on an existing package. Repeating the same items changes nothing, not
    even ``version``. A constant number of statements however many items: lookups in batch,
    one insert, one update, one change-log insert.
    """
    if actor.role == Role.VIEWER:
        raise NotPermittedError("Viewers cannot change work packages.")
    results = [UpsertResult(index=i, status="error") for i in range(len(items))]
    related = _resolve_related(actor, items)
    keys: dict[tuple[str, str], int] = {}
    for i, item in enumerate(items):
        key = (item.get("source") or "", item.get("external_id") or "")
        if not key[0] or not key[1]:
            results[i].errors = {"external_id": ["Give both source and external_id."]}
        elif key in keys:
            results[i].errors = {"external_id": [f"Repeats item {keys[key]} of this request."]}
        else:
            keys[key] = i
    existing: dict[tuple[str, str], WorkPackage] = {}
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    for source, external_ids in by_source.items():
        for wp in WorkPackage.objects.select_for_update().filter(
            organization_id=actor.organization_id, source=source, external_id__in=external_ids
        ):
            existing[(wp.source, wp.external_id)] = wp

    data_by_index: dict[int, dict] = {}
    for i in keys.values():
        item = items[i]
        data: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, value in item.items():
            if name in RELATED:
                if value is None:
                    data[name] = None
                elif value in related[name]:
                    data[name] = related[name][value]
                else:
                    errors[name] = [f"No such {name} in this organization."]
            elif name in WORK_PACKAGE_FIELDS:
                data[name] = value
        if errors:
            results[i].errors = errors
            continue
        data_by_index[i] = data
    members = ActiveMembers(actor, [d.get("owner") for d in data_by_index.values()])

    to_create: list[WorkPackage] = []
    to_update: list[WorkPackage] = []
    update_fields: set[str] = set()
    now = timezone.now()
    for i, data in data_by_index.items():
        key = (data["source"], data["external_id"])
        current = existing.get(key)
        creating = current is None
        work_package = current or WorkPackage(organization_id=actor.organization_id)
        snapshot = (
            None
            if creating
            else {f.attname: getattr(work_package, f.attname) for f in _CONCRETE_FIELDS}
        )
        try:
            changed = _apply_work_package_changes(
                actor=actor,
                work_package=work_package,
                data=data,
                members=members,
                creating=creating,
                reopen_reason=items[i].get("reopen_reason") or "",
            )
        except ValidationError as exc:
            results[i].errors = exc.message_dict
            _restore(work_package, snapshot)
            continue
        except PermissionDenied as exc:
            results[i].errors = {"team": [str(exc)]}
            results[i].forbidden = True
            _restore(work_package, snapshot)
            continue
        results[i].work_package = work_package
        if creating:
            work_package.created_at = work_package.updated_at = now
            to_create.append(work_package)
            results[i].status = "created"
        elif changed:
            work_package.version += 1
            work_package.updated_at = now
            to_update.append(work_package)
            update_fields.update(changed)
            results[i].status = "updated"
        else:
            results[i].status = "unchanged"

    if to_create:
        try:
            with transaction.atomic():
                bulk.insert(to_create)
        except IntegrityError:
            if not _retry:
                raise
            # Another request created one of these external ids since we looked: once more,
            # and those items become updates.
            return work_package_bulk_upsert(actor=actor, items=items, _retry=False)
    if to_update:
        bulk.update(to_update, [*sorted(update_fields), "version", "updated_at"])
    changelog.record_many([(wp, CREATED) for wp in to_create] + [(wp, UPDATED) for wp in to_update])
    return results


_CONCRETE_FIELDS = WorkPackage._meta.concrete_fields


def _restore(work_package: WorkPackage, snapshot: dict[str, Any] | None) -> None:
    """Undo in-memory changes of a refused item (nothing was written for it)."""
    if snapshot is None:
        return
    for attname, value in snapshot.items():
        setattr(work_package, attname, value)
