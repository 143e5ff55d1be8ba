"""Every write to OKRs and KPIs goes through here: pages, the API, the admin and commands alike.

Each service checks tenancy (another organization's object is not found), the role
(``NotPermittedError``), the rules of the domain (``DomainValidationError`` naming the field), and
that the cycle is still open: a closed cycle is read-only. ``version`` moves only on a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from core import changelog
from core.errors import DomainValidationError, NotPermittedError, require_same_organization
from core.models import ChangeLogEntry, Membership, Team, User
from core.services import model_update
from okrs import rules, selectors
from okrs.models import (
    CheckIn,
    Contribution,
    Cycle,
    Direction,
    KeyResult,
    Objective,
    OutcomeMeasure,
    OutcomeMeasureValue,
)
from planning.models import StrategicObjective, WorkPackage

CLOSED_MESSAGE = "This cycle is closed: its OKRs are read-only."
# Every write is recorded on the changes feed (core.changelog) in its own transaction.
CREATED, UPDATED, DELETED = (
    ChangeLogEntry.Op.CREATED,
    ChangeLogEntry.Op.UPDATED,
    ChangeLogEntry.Op.DELETED,
)
Errors = dict[str, str | list[str]]

# --- shared checks -------------------------------------------------------------------------


def _require_open(cycle: Cycle, field: str = "cycle") -> None:
    if cycle.is_closed:
        raise DomainValidationError({field: CLOSED_MESSAGE})


def _require_cycle_manager(actor: Membership) -> None:
    if not rules.can_manage_cycles(actor):
        raise NotPermittedError("Only leaders plan, open and close OKR cycles.")


def _to_decimal(value: Any, field: str, errors: Errors, *, required: bool = True) -> Decimal | None:
    """A number from whatever door it came through (form, JSON, command); else a field error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = "Enter a number."
        return None
    if isinstance(value, bool):
        value = int(value)
    try:
        number = Decimal(str(value).strip().replace(" ", ""))
    except (InvalidOperation, ValueError):
        errors[field] = "Enter a number."
        return None
    if not number.is_finite():
        errors[field] = "Enter a number."
        return None
    if abs(number) >= Decimal("1e14"):
        errors[field] = "Enter a number below 100,000,000,000,000."
        return None
    return number.quantize(Decimal("0.0001"))


def _check_person(
    actor: Membership, user: User | None, field: str, errors: Errors, current: User | None = None
) -> None:
    """A new owner must be an active member; keeping a since-deactivated one is allowed."""
    if user is None or (current is not None and user.pk == current.pk):
        return
    if not Membership.objects.filter(
        organization_id=actor.organization_id, user=user, is_active=True
    ).exists():
        errors[field] = "Choose an active member of this organization."


def _raise(errors: Errors) -> None:
    if errors:
        raise DomainValidationError(errors)


# --- cycles --------------------------------------------------------------------------------

CYCLE_FIELDS = ("name", "start_date", "end_date")


def _check_cycle(data: dict[str, Any], errors: Errors) -> None:
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            errors["name"] = "Give the cycle a name, for example “Q1 2027”."
    start, end = data.get("start_date"), data.get("end_date")
    if start is None and "start_date" in data:
        errors["start_date"] = "Enter the first day of the cycle."
    if end is None and "end_date" in data:
        errors["end_date"] = "Enter the last day of the cycle."
    if start and end and end <= start:
        errors["end_date"] = "The cycle must end after it starts."


@transaction.atomic
def cycle_create(
    *,
    actor: Membership,
    name: str,
    start_date: date,
    end_date: date,
    status: str = Cycle.Status.PLANNING,
) -> Cycle:
    _require_cycle_manager(actor)
    data = {"name": name, "start_date": start_date, "end_date": end_date}
    errors: Errors = {}
    _check_cycle(data, errors)
    if status not in (Cycle.Status.PLANNING, Cycle.Status.ACTIVE):
        errors["status"] = "A new cycle starts in planning or active."
    _raise(errors)
    cycle = Cycle(organization=actor.organization, status=status, **data)
    cycle.full_clean(exclude=["organization"])
    cycle.save()
    changelog.record(cycle, CREATED)
    return cycle


@transaction.atomic
def cycle_update(*, actor: Membership, cycle: Cycle, **data: Any) -> Cycle:
    require_same_organization(actor, cycle)
    _require_cycle_manager(actor)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_open(cycle)
    data = {k: v for k, v in data.items() if k in CYCLE_FIELDS}
    errors: Errors = {}
    _check_cycle({**{f: getattr(cycle, f) for f in CYCLE_FIELDS}, **data}, errors)
    _raise(errors)
    if "name" in data:
        data["name"] = data["name"].strip()
    if model_update(instance=cycle, data=data, fields=data.keys()):
        changelog.record(cycle, UPDATED)
    return cycle


@transaction.atomic
def cycle_activate(*, actor: Membership, cycle: Cycle) -> Cycle:
    require_same_organization(actor, cycle)
    _require_cycle_manager(actor)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_open(cycle, "status")
    if model_update(instance=cycle, data={"status": Cycle.Status.ACTIVE}, fields=["status"]):
        changelog.record(cycle, UPDATED)
    return cycle


@transaction.atomic
def cycle_close(
    *,
    actor: Membership,
    cycle: Cycle,
    grades: Mapping[Any, tuple[Any, str]] | None = None,
    carry_over: Iterable[KeyResult] = (),
    next_cycle: Cycle | None = None,
) -> Cycle:
    """Grade every objective, carry unfinished key results into a later cycle, and close.

    ``grades`` maps an objective's id to (grade 0.0-1.0, retrospective note); objectives graded
    before keep their grade unless given a new one. Carried key results are copied, linked to their
    origin, under a copy of their objective (made once per objective) in ``next_cycle``; the copy
    starts from the value the original reached.
    """
    require_same_organization(actor, cycle)
    _require_cycle_manager(actor)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_open(cycle, "status")
    grades = {str(k): v for k, v in (grades or {}).items()}
    objectives = list(cycle.objectives.order_by("level", "created_at"))
    errors: Errors = {}

    grading: list[tuple[Objective, Decimal, str]] = []
    grade_errors: list[str] = []
    for objective in objectives:
        if str(objective.pk) not in grades:
            if objective.grade is None:
                grade_errors.append(f"Grade “{objective.statement}” before closing.")
            continue
        raw_grade, note = grades[str(objective.pk)]
        problems: Errors = {}
        grade = _to_decimal(raw_grade, "grade", problems)
        if grade is None or not Decimal(0) <= grade <= Decimal(1):
            grade_errors.append(f"Grade “{objective.statement}” between 0.0 and 1.0.")
            continue
        if not (note or "").strip():
            grade_errors.append(f"Write a line on what “{objective.statement}” taught you.")
            continue
        grading.append((objective, grade.quantize(Decimal("0.01")), note.strip()))
    if grade_errors:
        errors["grades"] = grade_errors

    carried = list(carry_over)
    if carried:
        ids = [kr.pk for kr in carried]
        found: list[Any] = list(
            selectors.with_progress(
                KeyResult.objects.filter(
                    pk__in=ids, objective__cycle=cycle, organization_id=actor.organization_id
                ).select_related("objective")
            )
        )
        if len(found) != len(set(ids)):
            errors["carry_over"] = "Choose key results of this cycle."
        elif any(kr.progress >= 1 for kr in found):
            errors["carry_over"] = "Only unfinished key results can be carried over."
        carried = found
        if next_cycle is None:
            errors["next_cycle"] = "Choose the cycle to carry the unfinished key results into."
    if next_cycle is not None and (
        next_cycle.organization_id != actor.organization_id
        or next_cycle.pk == cycle.pk
        or next_cycle.is_closed
        or next_cycle.start_date <= cycle.start_date
    ):
        errors["next_cycle"] = "Choose a later cycle that is not closed."
    _raise(errors)

    now = timezone.now()
    changes: list[tuple[Any, str]] = []
    for objective, grade, note in grading:
        if model_update(
            instance=objective,
            data={"grade": grade, "retrospective": note, "graded_at": now},
            fields=["grade", "retrospective", "graded_at"],
        ):
            changes.append((objective, UPDATED))
    if carried:
        assert next_cycle is not None  # noqa: S101  # checked above
        changes += [(copy, CREATED) for copy in _carry_over(carried, next_cycle)]
    model_update(
        instance=cycle,
        data={"status": Cycle.Status.CLOSED, "closed_at": now},
        fields=["status", "closed_at"],
    )
    changelog.record_many([*changes, (cycle, UPDATED)])
    return cycle


def _carry_over(key_results: list[KeyResult], next_cycle: Cycle) -> list[Objective | KeyResult]:
    """Copy each key result, and its objective once, into the next cycle, linked to the origin.
    Returns the new rows, in the order they were made."""
    made: list[Objective | KeyResult] = []
    copies: dict[Any, Objective] = {
        o.carried_from_id: o
        for o in Objective.objects.filter(cycle=next_cycle, carried_from__isnull=False)
    }

    def copy_of(objective: Objective) -> Objective:
        if objective.pk in copies:
            return copies[objective.pk]
        copy = Objective(
            organization_id=objective.organization_id,
            cycle=next_cycle,
            level=objective.level,
            team_id=objective.team_id,
            statement=objective.statement,
            description=objective.description,
            owner_id=objective.owner_id,
            strategic_objective_id=objective.strategic_objective_id,
            # Its parent's copy, when the parent carried something over too.
            parent=copies.get(objective.parent_id),
            carried_from=objective,
        )
        copy.full_clean(validate_constraints=False)
        copy.save()
        copies[objective.pk] = copy
        made.append(copy)
        return copy

    # Organization objectives first, so a team objective's copy can hang under its parent's copy.
    for kr in sorted(
        key_results, key=lambda k: (k.objective.level != "organization", k.created_at)
    ):
        copy = KeyResult.objects.create(
            organization_id=kr.organization_id,
            objective=copy_of(kr.objective),
            title=kr.title,
            metric_kind=kr.metric_kind,
            unit=kr.unit,
            start_value=kr.current_value,  # type: ignore[attr-defined]
            target_value=kr.target_value,
            direction=kr.direction,
            weight=kr.weight,
            owner_id=kr.owner_id,
            outcome_measure_id=kr.outcome_measure_id,
            carried_from=kr,
        )
        made.append(copy)
    return made


# --- objectives ----------------------------------------------------------------------------

OBJECTIVE_FIELDS = (
    "level",
    "team",
    "statement",
    "description",
    "owner",
    "strategic_objective",
    "parent",
)
Level = Objective.Level


def _prepare_objective(
    actor: Membership, cycle: Cycle, data: dict[str, Any], current: Objective | None = None
) -> dict[str, Any]:
    """Check an objective's fields (merged over ``current``); report every problem at once."""
    data = {k: v for k, v in data.items() if k in OBJECTIVE_FIELDS}
    merged = {f: data.get(f, getattr(current, f) if current else None) for f in OBJECTIVE_FIELDS}
    errors: Errors = {}
    if "statement" in data or current is None:
        data["statement"] = (data.get("statement") or "").strip()
        if not data["statement"]:
            errors["statement"] = "Write the outcome you want to reach."
    if "description" in data:
        data["description"] = (data["description"] or "").strip()
    level = merged["level"] or Level.ORGANIZATION
    data["level"] = level
    if level not in Level.values:
        errors["level"] = "Choose organization or team."
    team: Team | None = merged["team"]
    parent: Objective | None = merged["parent"]
    strategic: StrategicObjective | None = merged["strategic_objective"]
    if level == Level.ORGANIZATION:
        data["team"] = None
        if parent is not None:
            errors["parent"] = "An organization objective tops the cascade: it has no parent."
        if strategic is None:
            errors["strategic_objective"] = "Choose the strategic objective it serves."
    elif level == Level.TEAM:
        if team is None:
            errors["team"] = "Choose the team."
        elif team.organization_id != actor.organization_id or team.is_archived:
            errors["team"] = "Choose an active team of this organization."
    if strategic is not None and strategic.organization_id != actor.organization_id:
        errors["strategic_objective"] = "Choose a strategic objective of this organization."
    if parent is not None and level == Level.TEAM:
        if parent.organization_id != actor.organization_id:
            errors["parent"] = "Choose an organization objective of this organization."
        elif parent.level != Level.ORGANIZATION:
            errors["parent"] = (
                "Choose an organization objective: team objectives cascade from those."
            )
        elif parent.cycle_id != cycle.pk:
            errors["parent"] = "Choose an organization objective of the same cycle."
    if current is not None and current.level == Level.ORGANIZATION and level == Level.TEAM:
        if current.children.exists():
            errors["level"] = (
                "Team objectives cascade from it: move them before making it a team's."
            )
    _check_person(
        actor, data.get("owner"), "owner", errors, current.owner if current is not None else None
    )
    _raise(errors)
    return data


def _require_objective_writer(actor: Membership, level: str, team: Team | None) -> None:
    if not rules.can_write_objective(actor, level=level, team_id=team.pk if team else None):
        if level == Level.ORGANIZATION:
            raise NotPermittedError("Only leaders write organization objectives.")
        raise NotPermittedError("You can write objectives only for your own team.")


@transaction.atomic
def objective_create(*, actor: Membership, cycle: Cycle, **data: Any) -> Objective:
    require_same_organization(actor, cycle)
    if not rules.can_add_objectives(actor):
        raise NotPermittedError("Only leaders and team leads write objectives.")
    _require_open(cycle)
    data = _prepare_objective(actor, cycle, data)
    _require_objective_writer(actor, data["level"], data.get("team"))
    objective = Objective(organization=actor.organization, cycle=cycle, **data)
    objective.full_clean(exclude=["organization"])
    objective.save()
    changelog.record(objective, CREATED)
    return objective


@transaction.atomic
def objective_update(*, actor: Membership, objective: Objective, **data: Any) -> Objective:
    require_same_organization(actor, objective)
    objective = (
        Objective.objects.select_for_update(of=("self",))
        .select_related("cycle", "team", "owner")
        .get(pk=objective.pk)
    )
    _require_objective_writer(actor, objective.level, objective.team)
    _require_open(objective.cycle)
    data = _prepare_objective(actor, objective.cycle, data, objective)
    level = data.get("level", objective.level)
    _require_objective_writer(
        actor, level, data.get("team", objective.team) if level == Level.TEAM else None
    )
    if model_update(instance=objective, data=data, fields=data.keys()):
        changelog.record(objective, UPDATED)
    return objective


@transaction.atomic
def objective_grade(
    *, actor: Membership, objective: Objective, grade: Any, retrospective: str
) -> Objective:
    """Score an objective 0.0-1.0 with a line on what it taught; usually done at the cycle's close."""
    require_same_organization(actor, objective)
    objective = Objective.objects.select_for_update().select_related("cycle").get(pk=objective.pk)
    if not (rules.can_manage_cycles(actor) or rules.can_edit_objective(actor, objective)):
        raise NotPermittedError("Only whoever writes this objective (or a leader) grades it.")
    _require_open(objective.cycle)
    errors: Errors = {}
    value = _to_decimal(grade, "grade", errors)
    if value is not None and not Decimal(0) <= value <= Decimal(1):
        errors["grade"] = "Grade between 0.0 and 1.0."
    if not (retrospective or "").strip():
        errors["retrospective"] = "Write a line on what this objective taught you."
    _raise(errors)
    assert value is not None  # noqa: S101  # a missing grade raised above
    grade_value, note = value.quantize(Decimal("0.01")), retrospective.strip()
    # Grading again with the same grade and note changes nothing (not even graded_at).
    if (objective.grade, objective.retrospective) != (grade_value, note) and model_update(
        instance=objective,
        data={"grade": grade_value, "retrospective": note, "graded_at": timezone.now()},
        fields=["grade", "retrospective", "graded_at"],
    ):
        changelog.record(objective, UPDATED)
    return objective


# --- key results ---------------------------------------------------------------------------

KEY_RESULT_FIELDS = (
    "title",
    "metric_kind",
    "unit",
    "start_value",
    "target_value",
    "direction",
    "weight",
    "owner",
    "outcome_measure",
)
Kind = KeyResult.Kind


def _prepare_key_result(
    actor: Membership, data: dict[str, Any], current: KeyResult | None = None
) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k in KEY_RESULT_FIELDS}
    errors: Errors = {}

    def merged(field: str) -> Any:
        return data[field] if field in data else getattr(current, field, None)

    if "title" in data or current is None:
        data["title"] = (data.get("title") or "").strip()
        if not data["title"]:
            errors["title"] = "Say what you will measure."
    kind = merged("metric_kind") or Kind.NUMBER
    data["metric_kind"] = kind
    if kind not in Kind.values:
        errors["metric_kind"] = "Choose number, percentage, currency, yes/no or milestones."
    unit = (merged("unit") or "").strip()
    if kind == Kind.BOOLEAN:
        # Yes/no runs from 0 (no) to 1 (yes); nothing else to choose.
        data.update(
            start_value=Decimal(0), target_value=Decimal(1), direction=Direction.INCREASE, unit=""
        )
    else:
        start = _to_decimal(merged("start_value"), "start_value", errors)
        target = _to_decimal(merged("target_value"), "target_value", errors)
        if kind == Kind.PERCENTAGE:
            unit = "%"
        if kind == Kind.CURRENCY and not unit:
            errors["unit"] = "Name the currency, for example EUR."
        data["unit"] = unit
        if kind == Kind.MILESTONE:
            for field, value in (("start_value", start), ("target_value", target)):
                if value is not None and (value != value.to_integral_value() or value < 0):
                    errors[field] = "Milestones are counted in whole steps from 0."
        if start is not None and target is not None:
            direction = merged("direction") or (
                Direction.INCREASE if target > start else Direction.DECREASE
            )
            data["direction"] = direction
            if target == start:
                errors["target_value"] = "The target must differ from the start value."
            elif direction not in Direction.values:
                errors["direction"] = "Choose increase or decrease."
            elif direction == Direction.INCREASE and target < start:
                errors["direction"] = (
                    "The target is below the start: choose “decrease”, or raise the target."
                )
            elif direction == Direction.DECREASE and target > start:
                errors["direction"] = (
                    "The target is above the start: choose “increase”, or lower the target."
                )
        data["start_value"], data["target_value"] = start, target
    if "weight" in data or current is None:
        weight = _to_decimal(data.get("weight", 1), "weight", errors)
        if weight is not None and weight < 0:
            errors["weight"] = "A weight cannot be negative; 0 leaves it out of the progress."
        elif weight is not None and weight >= 10000:
            errors["weight"] = "Keep weights below 10,000."
        data["weight"] = weight.quantize(Decimal("0.01")) if weight is not None else None
    measure: OutcomeMeasure | None = data.get("outcome_measure")
    if measure is not None and measure.organization_id != actor.organization_id:
        errors["outcome_measure"] = "Choose a KPI of this organization."
    _check_person(
        actor, data.get("owner"), "owner", errors, current.owner if current is not None else None
    )
    _raise(errors)
    return data


def _require_key_result_writer(actor: Membership, objective: Objective) -> None:
    if not rules.can_edit_objective(actor, objective):
        raise NotPermittedError("Only whoever writes the objective sets its key results.")


@transaction.atomic
def key_result_create(*, actor: Membership, objective: Objective, **data: Any) -> KeyResult:
    require_same_organization(actor, objective)
    objective = Objective.objects.select_related("cycle").get(pk=objective.pk)
    _require_key_result_writer(actor, objective)
    _require_open(objective.cycle, "objective")
    data = _prepare_key_result(actor, data)
    key_result = KeyResult(organization=actor.organization, objective=objective, **data)
    key_result.full_clean(exclude=["organization", "objective"])
    key_result.save()
    changelog.record(key_result, CREATED)
    return key_result


@transaction.atomic
def key_result_update(*, actor: Membership, key_result: KeyResult, **data: Any) -> KeyResult:
    require_same_organization(actor, key_result)
    key_result = (
        KeyResult.objects.select_for_update(of=("self",))
        .select_related("objective__cycle", "owner")
        .get(pk=key_result.pk)
    )
    _require_key_result_writer(actor, key_result.objective)
    _require_open(key_result.objective.cycle, "objective")
    data = _prepare_key_result(actor, data, key_result)
    if model_update(instance=key_result, data=data, fields=data.keys()):
        changelog.record(key_result, UPDATED)
    return key_result


# --- check-ins -----------------------------------------------------------------------------

# A little slack for clocks that disagree between a phone and the server.
FUTURE_SLACK = timedelta(minutes=5)


@transaction.atomic
def check_in_create(
    *,
    actor: Membership,
    key_result: KeyResult,
    value: Any,
    confidence: Any,
    note: str = "",
    checked_in_at: datetime | None = None,
) -> CheckIn:
    """Record where a key result stands and how confident its owner is (0-10)."""
    require_same_organization(actor, key_result)
    key_result = KeyResult.objects.select_related("objective__cycle").get(pk=key_result.pk)
    if not rules.can_check_in(actor, key_result):
        raise NotPermittedError(
            "Only the key result's owner, or whoever writes its objective, checks in on it."
        )
    cycle = key_result.objective.cycle
    _require_open(cycle, "key_result")
    if cycle.status == Cycle.Status.PLANNING:
        raise DomainValidationError(
            {"key_result": "This cycle has not started: check in once it is active."}
        )
    errors: Errors = {}
    number = _to_decimal(value, "value", errors)
    if number is not None and key_result.metric_kind == Kind.BOOLEAN and number not in (0, 1):
        errors["value"] = "Answer yes (1) or no (0)."
    if number is not None and key_result.metric_kind == Kind.MILESTONE:
        if number != number.to_integral_value() or number < 0:
            errors["value"] = "Count the milestones reached, in whole steps."
    try:
        level = int(confidence)
    except (TypeError, ValueError):
        level = -1
    if (
        isinstance(confidence, bool)
        or not 0 <= level <= 10
        or str(confidence).strip() != str(level)
    ):
        errors["confidence"] = "Give a confidence from 0 (no chance) to 10 (certain)."
    now = timezone.now()
    when = checked_in_at or now
    if timezone.is_naive(when):
        errors["checked_in_at"] = "Give the time with its time zone."
    elif when > now + FUTURE_SLACK:
        errors["checked_in_at"] = "A check-in cannot be in the future."
    _raise(errors)
    assert number is not None  # noqa: S101  # a missing value raised above
    check_in = CheckIn(
        organization=actor.organization,
        key_result=key_result,
        value=number,
        confidence=level,
        note=(note or "").strip(),
        author=actor.user,
        checked_in_at=when,
    )
    check_in.full_clean(exclude=["organization", "key_result", "author"])
    check_in.save()
    changelog.record(check_in, CREATED)
    return check_in


# --- contributions -------------------------------------------------------------------------


def _require_linker(actor: Membership, key_result: KeyResult) -> None:
    if not rules.can_check_in(actor, key_result):
        raise NotPermittedError(
            "Only the key result's owner, or whoever writes its objective, links work to it."
        )


@transaction.atomic
def contribution_add(
    *, actor: Membership, key_result: KeyResult, work_package: WorkPackage | None
) -> Contribution:
    """Say that a work package feeds a key result (the tactic names the outcome it should move)."""
    require_same_organization(actor, key_result)
    key_result = KeyResult.objects.select_related("objective__cycle").get(pk=key_result.pk)
    _require_linker(actor, key_result)
    _require_open(key_result.objective.cycle, "key_result")
    if work_package is None or work_package.organization_id != actor.organization_id:
        raise DomainValidationError({"work_package": "Choose a work package of this organization."})
    if Contribution.objects.filter(key_result=key_result, work_package=work_package).exists():
        raise DomainValidationError(
            {"work_package": "This work package already feeds this key result."}
        )
    contribution = Contribution.objects.create(
        organization=actor.organization, key_result=key_result, work_package=work_package
    )
    changelog.record(contribution, CREATED)
    return contribution


@transaction.atomic
def contribution_remove(
    *, actor: Membership, key_result: KeyResult, work_package: WorkPackage
) -> None:
    require_same_organization(actor, key_result, work_package)
    key_result = KeyResult.objects.select_related("objective__cycle").get(pk=key_result.pk)
    _require_linker(actor, key_result)
    _require_open(key_result.objective.cycle, "key_result")
    for contribution in Contribution.objects.select_for_update().filter(
        key_result=key_result, work_package=work_package
    ):
        changelog.record(contribution, DELETED)
        contribution.delete()


# --- outcome measures (KPIs) ---------------------------------------------------------------

OUTCOME_MEASURE_FIELDS = (
    "strategic_objective",
    "name",
    "unit",
    "direction",
    "target_value",
    "target_date",
    "description",
)


def _require_kpi_writer(actor: Membership) -> None:
    if not rules.can_write_kpis(actor):
        raise NotPermittedError("Only leaders define KPIs and record their values.")


def _prepare_outcome_measure(
    actor: Membership, data: dict[str, Any], creating: bool
) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k in OUTCOME_MEASURE_FIELDS}
    errors: Errors = {}
    if "name" in data or creating:
        data["name"] = (data.get("name") or "").strip()
        if not data["name"]:
            errors["name"] = "Name the business outcome you will measure."
    for key in ("unit", "description"):
        if key in data:
            data[key] = (data[key] or "").strip()
    if "strategic_objective" in data or creating:
        objective = data.get("strategic_objective")
        if objective is None or objective.organization_id != actor.organization_id:
            errors["strategic_objective"] = "Choose a strategic objective of this organization."
    if "direction" in data and data["direction"] not in Direction.values:
        errors["direction"] = "Choose increase or decrease."
    if "target_value" in data or creating:
        data["target_value"] = _to_decimal(data.get("target_value"), "target_value", errors)
    _raise(errors)
    return data


@transaction.atomic
def outcome_measure_create(*, actor: Membership, **data: Any) -> OutcomeMeasure:
    _require_kpi_writer(actor)
    data = _prepare_outcome_measure(actor, data, creating=True)
    measure = OutcomeMeasure(organization=actor.organization, **data)
    measure.full_clean(exclude=["organization"])
    measure.save()
    changelog.record(measure, CREATED)
    return measure


@transaction.atomic
def outcome_measure_update(
    *, actor: Membership, measure: OutcomeMeasure, **data: Any
) -> OutcomeMeasure:
    require_same_organization(actor, measure)
    _require_kpi_writer(actor)
    measure = OutcomeMeasure.objects.select_for_update().get(pk=measure.pk)
    data = _prepare_outcome_measure(actor, data, creating=False)
    if model_update(instance=measure, data=data, fields=data.keys()):
        changelog.record(measure, UPDATED)
    return measure


@transaction.atomic
def outcome_measure_record_value(
    *,
    actor: Membership,
    measure: OutcomeMeasure,
    value: Any,
    observed_on: date | None = None,
    note: str = "",
    source: str = "",
) -> tuple[OutcomeMeasureValue, bool]:
    """Record a KPI's value for a day; a second value for the same day replaces the first.

    Returns the row and whether it was created. Repeating the same value changes nothing.
    """
    require_same_organization(actor, measure)
    _require_kpi_writer(actor)
    errors: Errors = {}
    number = _to_decimal(value, "value", errors)
    day = observed_on or timezone.localdate()
    if day > timezone.localdate() + timedelta(days=1):
        errors["observed_on"] = "A value cannot be observed in the future."
    _raise(errors)
    assert number is not None  # noqa: S101  # a missing value raised above
    existing = (
        OutcomeMeasureValue.objects.select_for_update()
        .filter(measure=measure, observed_on=day)
        .first()
    )
    if existing is not None:
        if model_update(
            instance=existing,
            data={"value": number, "note": (note or "").strip(), "source": source},
            fields=["value", "note", "source"],
        ):
            changelog.record(existing, UPDATED)
        return existing, False
    row = OutcomeMeasureValue(
        organization=actor.organization,
        measure=measure,
        observed_on=day,
        value=number,
        note=(note or "").strip(),
        source=source,
        recorded_by=actor.user,
    )
    row.full_clean(exclude=["organization", "measure", "recorded_by"])
    row.save()
    changelog.record(row, CREATED)
    return row, True
