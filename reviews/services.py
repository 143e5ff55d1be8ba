"""Every write of the cadence: reviews and what they decide and learn, notifications, reminders.

Pages, the API, the admin, commands and the Celery tasks all call these functions.

Reminders, the road of one:
1. A beat task runs one sweep per kind (``sweep_*``). The sweep finds what is due across all
   organizations in a few queries (selectors.due_*), and composes what each reminder says.
2. In one transaction it *claims* every reminder: one row per (kind, target, recipient, period)
   in SentReminder, inserted with ``ON CONFLICT DO NOTHING ... RETURNING``. Only the rows this
   sweep inserted go on; a reminder claimed before (by an earlier tick, a concurrent sweep, a
   retried task) is left alone. The in-app notifications of the claimed rows are written in the
   same transaction, so they exist exactly once.
3. After commit, the claimed rows that are wanted by e-mail are queued in batches
   (tasks.send_reminder_emails, ids only). A broker that is away fails nothing: the rows stay
   pending, marked "not queued", and the requeue task queues them once it is back.
4. The task (``reminder_emails_send``) takes the rows one at a time: it moves the row from
   pending to sending and commits that *before* its message goes to the mail server, then marks
   it sent. A row that is not pending is skipped, so a redelivered or duplicated task sends
   nothing twice; a worker killed mid-batch leaves the one row in flight "sending", never sent
   again (at most once), and the rest pending for the re-run. A mail server error puts the row
   back to pending and the task retries it with backoff and jitter; after the last retry it is
   "failed".
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import uuid
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core import changelog
from core.errors import (
    DomainValidationError,
    NotPermittedError,
    reject_nul_characters,
    require_same_organization,
)
from core.links import id_url
from core.models import ChangeLogEntry, Membership, Organization, Team, User
from core.services import model_update
from okrs.models import KeyResult
from planning import services as planning_services
from planning.models import Initiative, StrategicObjective, WorkPackage
from reviews import rules, schedule, selectors
from reviews.models import (
    Cadence,
    CalendarFeed,
    Channel,
    Decision,
    Learning,
    Notification,
    NotificationKind,
    NotificationOptOut,
    ReviewSession,
    SentReminder,
)

logger = logging.getLogger(__name__)
Kind = NotificationKind
EmailState = SentReminder.EmailState
CREATED, UPDATED, DELETED = (
    ChangeLogEntry.Op.CREATED,
    ChangeLogEntry.Op.UPDATED,
    ChangeLogEntry.Op.DELETED,
)

# Which frequencies each kind of review may run at.
KIND_FREQUENCIES: dict[str, tuple[str, ...]] = {
    Cadence.Kind.WEEKLY_DELIVERY: (schedule.WEEKLY, schedule.BIWEEKLY),
    Cadence.Kind.MONTHLY_PERFORMANCE: (schedule.MONTHLY,),
    Cadence.Kind.QUARTERLY_STRATEGY: (schedule.QUARTERLY,),
    Cadence.Kind.CUSTOM: schedule.FREQUENCIES,
}


# --- cadences ------------------------------------------------------------------------------

CADENCE_FIELDS = (
    "name",
    "kind",
    "team",
    "frequency",
    "weekday",
    "week_of_month",
    "day_of_month",
    "month_of_quarter",
    "time_of_day",
    "duration_minutes",
    "starts_on",
    "ends_on",
    "reminder_lead_hours",
    "location",
)
SCHEDULE_FIELDS = (
    "frequency",
    "weekday",
    "week_of_month",
    "day_of_month",
    "month_of_quarter",
    "time_of_day",
    "duration_minutes",
    "starts_on",
    "ends_on",
)


def _check_participants(actor: Membership, participants: Iterable[Membership]) -> list[Membership]:
    chosen = list(participants)
    if any(p.organization_id != actor.organization_id or not p.is_active for p in chosen):
        raise DomainValidationError({"participants": "Choose active members of this organization."})
    return chosen


def _check_cadence(
    actor: Membership, data: dict[str, Any], *, now: datetime, current: Cadence | None = None
) -> dict[str, Any]:
    """Validate a cadence's fields (merged over ``current``); return the cleaned changes."""
    data = {k: v for k, v in data.items() if k in CADENCE_FIELDS}
    reject_nul_characters(data)
    for key in ("name", "location"):
        if key in data:
            data[key] = (data[key] or "").strip()
    merged: dict[str, Any] = {f: data.get(f, getattr(current, f, None)) for f in CADENCE_FIELDS}
    if not merged["name"]:
        raise DomainValidationError({"name": "Name the review, e.g. “Weekly delivery review”."})
    team = merged["team"]
    if team is not None and (team.organization_id != actor.organization_id or team.is_archived):
        raise DomainValidationError({"team": "Choose an active team of this organization."})
    if not rules.can_manage_cadence(actor, team.pk if team is not None else None):
        raise NotPermittedError(
            "Leaders set up the organization's reviews; a team lead sets up their own team's."
        )
    if merged["kind"] not in Cadence.Kind.values:
        raise DomainValidationError({"kind": "Choose one of the kinds of review."})
    if merged["frequency"] not in KIND_FREQUENCIES[merged["kind"]]:
        allowed = ", ".join(
            Cadence.Frequency(f).label.lower() for f in KIND_FREQUENCIES[merged["kind"]]
        )
        raise DomainValidationError(
            {
                "frequency": f"A {Cadence.Kind(merged['kind']).label.lower()} runs {allowed}; "
                "choose a custom review for another rhythm."
            }
        )
    if merged["time_of_day"] is None:
        raise DomainValidationError({"time_of_day": "Choose the time the review starts."})
    if merged["starts_on"] is None:
        raise DomainValidationError({"starts_on": "Choose the date of the first review."})
    merged["month_of_quarter"] = merged["month_of_quarter"] or 1
    merged["duration_minutes"] = merged["duration_minutes"] or 60
    plan = schedule.Schedule(
        frequency=merged["frequency"],
        time_of_day=merged["time_of_day"],
        starts_on=merged["starts_on"],
        timezone=actor.organization.timezone,
        weekday=merged["weekday"],
        week_of_month=merged["week_of_month"],
        day_of_month=merged["day_of_month"],
        month_of_quarter=int(merged["month_of_quarter"]),
        ends_on=merged["ends_on"],
        duration_minutes=int(merged["duration_minutes"]),
    )
    try:
        errors = schedule.schedule_errors(plan, now=now)
    except (OverflowError, ValueError):  # its next date would fall past the year 9999
        errors = {"starts_on": "Choose dates this schedule can keep (before the year 9999)."}
    if errors:
        raise DomainValidationError(errors)
    lead = merged["reminder_lead_hours"]
    if lead is None:
        raise DomainValidationError({"reminder_lead_hours": "Say how long ahead to remind people."})
    lead_error = schedule.lead_time_error(merged["frequency"], lead)
    if lead_error:
        raise DomainValidationError({"reminder_lead_hours": lead_error})
    for key in ("month_of_quarter", "duration_minutes"):
        if key in data or current is None:
            data[key] = merged[key]
    return data


@transaction.atomic
def cadence_create(
    *,
    actor: Membership,
    participants: Iterable[Membership] = (),
    now: datetime | None = None,
    **data: Any,
) -> Cadence:
    """Set up a recurring review; its next session is prepared at once."""
    now = now or timezone.now()
    if not actor.can_write:
        raise NotPermittedError("Viewers cannot set up reviews.")
    data = _check_cadence(actor, data, now=now)
    people = _check_participants(actor, participants)
    cadence = Cadence(organization=actor.organization, **data)
    cadence.full_clean(exclude=["organization", "team"])
    cadence.save()
    cadence.participants.set(people)
    changelog.record(cadence, CREATED)
    _prepare_sessions([cadence], now=now)
    return cadence


@transaction.atomic
def cadence_update(
    *,
    actor: Membership,
    cadence: Cadence,
    participants: Iterable[Membership] | None = None,
    now: datetime | None = None,
    **data: Any,
) -> Cadence:
    """Change a review. A new schedule moves the upcoming sessions that hold nothing yet."""
    now = now or timezone.now()
    require_same_organization(actor, cadence)
    cadence = (
        Cadence.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=cadence.pk)
    )
    if not rules.can_manage_cadence(actor, cadence.team_id):
        raise NotPermittedError("Only a leader or the team's lead changes this review.")
    data = _check_cadence(actor, data, now=now, current=cadence)
    changed = model_update(instance=cadence, data=data, fields=data.keys())
    if participants is not None:
        people = _check_participants(actor, participants)
        if {p.pk for p in people} != set(cadence.participants.values_list("pk", flat=True)):
            cadence.participants.set(people)
            if not changed:
                cadence.version += 1
                cadence.save(update_fields=["version", "updated_at"])
                changed = True
    if changed:
        changelog.record(cadence, UPDATED)
    if any(f in data for f in SCHEDULE_FIELDS):
        _drop_stale_sessions(cadence, now=now)
    _prepare_sessions([cadence], now=now)
    return cadence


def _drop_stale_sessions(cadence: Cadence, *, now: datetime) -> None:
    """Upcoming sessions at times the new schedule no longer has, and that hold nothing yet."""
    plan = cadence.as_schedule()
    for session in ReviewSession.objects.filter(
        cadence=cadence, status=ReviewSession.Status.SCHEDULED, scheduled_at__gt=now, notes=""
    ).exclude(Q(decisions__isnull=False) | Q(learnings__isnull=False)):
        if not schedule.is_occurrence(plan, session.scheduled_at):
            changelog.record(session, DELETED)
            session.delete()


@transaction.atomic
def cadence_archive(*, actor: Membership, cadence: Cadence, now: datetime | None = None) -> Cadence:
    """Stop a review: no more sessions or reminders. Its past sessions stay."""
    require_same_organization(actor, cadence)
    if not rules.can_manage_cadence(actor, cadence.team_id):
        raise NotPermittedError("Only a leader or the team's lead stops this review.")
    if cadence.archived_at is None:
        now = now or timezone.now()
        cadence.archived_at = now
        cadence.version += 1
        cadence.save(update_fields=["archived_at", "version", "updated_at"])
        dropped = list(
            ReviewSession.objects.filter(
                cadence=cadence,
                status=ReviewSession.Status.SCHEDULED,
                scheduled_at__gt=now,
                notes="",
            ).exclude(Q(decisions__isnull=False) | Q(learnings__isnull=False))
        )
        changelog.record_many([(cadence, UPDATED), *((s, DELETED) for s in dropped)])
        ReviewSession.objects.filter(pk__in=[s.pk for s in dropped]).delete()
    return cadence


# --- sessions ------------------------------------------------------------------------------


def _prepare_sessions(cadences: Sequence[Cadence], *, now: datetime) -> int:
    """Make sure each active cadence's next session exists (one insert for all of them)."""
    rows = []
    for cadence in cadences:
        if cadence.archived_at is not None:
            continue
        upcoming = schedule.next_occurrence(cadence.as_schedule(), after=now)
        if upcoming is not None:
            rows.append(
                ReviewSession(
                    organization_id=cadence.organization_id,
                    cadence=cadence,
                    scheduled_at=upcoming,
                )
            )
    if not rows:
        return 0
    ReviewSession.objects.bulk_create(rows, ignore_conflicts=True)
    # A conflict keeps the row already there (another id): only the new ids were inserted.
    inserted = list(ReviewSession.objects.filter(pk__in=[r.pk for r in rows]))
    changelog.record_many([(session, CREATED) for session in inserted])
    return len(inserted)


@transaction.atomic
def review_session_prepare(
    *, actor: Membership, cadence: Cadence, scheduled_at: datetime | None = None, now=None
) -> ReviewSession:
    """The session of one occurrence of a cadence (the next one by default), created if needed."""
    require_same_organization(actor, cadence)
    if not rules.can_run_session(actor, cadence):
        raise NotPermittedError("Only the review's participants and leads prepare its sessions.")
    plan = cadence.as_schedule()
    if scheduled_at is None:
        scheduled_at = schedule.next_occurrence(plan, after=now or timezone.now())
        if scheduled_at is None:
            raise DomainValidationError({"scheduled_at": "This review has no more dates."})
    elif not schedule.is_occurrence(plan, scheduled_at):
        raise DomainValidationError(
            {"scheduled_at": f"The review does not take place then ({cadence.schedule_text})."}
        )
    session, created = ReviewSession.objects.get_or_create(
        cadence=cadence,
        scheduled_at=scheduled_at,
        defaults={"organization_id": cadence.organization_id},
    )
    if created:
        changelog.record(session, CREATED)
    return session


def _require_runner(actor: Membership, session: ReviewSession) -> None:
    require_same_organization(actor, session)
    if not rules.can_run_session(actor, session.cadence):
        raise NotPermittedError("Only the review's participants and leads write in it.")


def _require_open(session: ReviewSession, field: str = "session") -> None:
    if not session.is_open:
        raise DomainValidationError(
            {
                field: f"This review is {session.get_status_display().lower()}: it takes no more changes."
            }
        )


@transaction.atomic
def review_session_update_notes(
    *, actor: Membership, session: ReviewSession, notes: str
) -> ReviewSession:
    _require_runner(actor, session)
    reject_nul_characters({"notes": notes})
    session = (
        ReviewSession.objects.select_for_update(of=("self",))
        .select_related("cadence")
        .get(pk=session.pk)
    )
    _require_open(session, "notes")
    if model_update(instance=session, data={"notes": notes.strip()}, fields=["notes"]):
        changelog.record(session, UPDATED)
    return session


@transaction.atomic
def review_session_close(
    *, actor: Membership, session: ReviewSession, now: datetime | None = None
) -> ReviewSession:
    """Mark a review held: its agenda is kept as it stood, and the next session is prepared."""
    _require_runner(actor, session)
    now = now or timezone.now()
    session = (
        ReviewSession.objects.select_for_update(of=("self",))
        .select_related("cadence", "cadence__organization", "cadence__team")
        .get(pk=session.pk)
    )
    _require_open(session)
    if session.scheduled_at - now > timedelta(hours=12):
        raise DomainValidationError(
            {"session": "This review has not started yet: close it on the day it takes place."}
        )
    agenda = selectors.session_agenda(membership=actor, session=session, now=now)
    session.agenda_snapshot = agenda.to_snapshot()
    session.status = ReviewSession.Status.HELD
    session.held_at = now
    session.closed_by = actor.user
    session.version += 1
    session.save(
        update_fields=["agenda_snapshot", "status", "held_at", "closed_by", "version", "updated_at"]
    )
    changelog.record(session, UPDATED)
    _prepare_sessions([session.cadence], now=max(now, session.scheduled_at))
    return session


@transaction.atomic
def review_session_cancel(*, actor: Membership, session: ReviewSession) -> ReviewSession:
    """This one meeting does not take place; the cadence goes on."""
    require_same_organization(actor, session)
    if not rules.can_manage_cadence(actor, session.cadence.team_id):
        raise NotPermittedError("Only a leader or the team's lead cancels a review.")
    session = ReviewSession.objects.select_for_update().get(pk=session.pk)
    _require_open(session)
    if session.decisions.exists() or session.learnings.exists():
        raise DomainValidationError(
            {"session": "Decisions or learnings were recorded here: close it instead."}
        )
    session.status = ReviewSession.Status.CANCELLED
    session.version += 1
    session.save(update_fields=["status", "version", "updated_at"])
    changelog.record(session, UPDATED)
    return session


# --- decisions -----------------------------------------------------------------------------

_SUBJECT_FIELD = {
    Decision.Subject.WORK_PACKAGE: "work_package",
    Decision.Subject.INITIATIVE: "initiative",
    Decision.Subject.STRATEGIC_OBJECTIVE: "strategic_objective",
    Decision.Subject.CAPACITY: "team",
}
_SUBJECT_MISSING = {
    "work_package": "Choose the work package this decision is about.",
    "initiative": "Choose the initiative to adjust.",
    "strategic_objective": "Choose the strategic objective to adjust.",
    "team": "Choose the team whose capacity is rebalanced.",
}
_SUBJECT_FOREIGN = {
    "work_package": "Choose a work package of this organization.",
    "initiative": "Choose an initiative of this organization.",
    "strategic_objective": "Choose a strategic objective of this organization.",
    "team": "Choose a team of this organization.",
}


def _check_member(actor: Membership, user: User | None, field_name: str) -> None:
    if user is None:
        raise DomainValidationError({field_name: "Choose who carries it out."})
    if not Membership.objects.filter(
        organization_id=actor.organization_id, user=user, is_active=True, user__is_active=True
    ).exists():
        raise DomainValidationError({field_name: "Choose an active member of this organization."})


@transaction.atomic
def decision_record(
    *,
    actor: Membership,
    session: ReviewSession,
    subject: str,
    owner: User | None,
    reason: str,
    verdict: str = "",
    summary: str = "",
    work_package: WorkPackage | None = None,
    initiative: Initiative | None = None,
    strategic_objective: StrategicObjective | None = None,
    team: Team | None = None,
) -> Decision:
    """Record what a review decided. On a work package (continue, revise or stop) it is also the
    package's decision at its success check, and stop stops it; the other subjects are adjusted
    by the decision's owner, and the decision stays open until they mark it done."""
    _require_runner(actor, session)
    session = (
        ReviewSession.objects.select_for_update(of=("self",))
        .select_related("cadence")
        .get(pk=session.pk)
    )
    _require_open(session)
    reason = (reason or "").strip()
    summary = (summary or "").strip()
    reject_nul_characters({"reason": reason, "summary": summary})
    if subject not in Decision.Subject.values:
        raise DomainValidationError({"subject": "Choose what the decision is about."})
    targets: dict[str, Any] = {
        "work_package": work_package,
        "initiative": initiative,
        "strategic_objective": strategic_objective,
        "team": team,
    }
    target_field = _SUBJECT_FIELD[Decision.Subject(subject)]
    target = targets[target_field]
    if target is None:
        raise DomainValidationError({target_field: _SUBJECT_MISSING[target_field]})
    if target.organization_id != actor.organization_id:
        raise DomainValidationError({target_field: _SUBJECT_FOREIGN[target_field]})
    if subject == Decision.Subject.WORK_PACKAGE:
        if verdict not in Decision.Verdict.values:
            raise DomainValidationError({"verdict": "Choose continue, revise or stop."})
    else:
        verdict = ""
        if not summary:
            raise DomainValidationError({"summary": "Say what changes."})
    if not reason:
        raise DomainValidationError({"reason": "Give the reason for the decision."})
    _check_member(actor, owner, "owner")
    if subject == Decision.Subject.CAPACITY and target.is_archived:
        raise DomainValidationError({"team": "Choose an active team."})

    if subject == Decision.Subject.WORK_PACKAGE:
        try:
            planning_services.work_package_record_decision(
                actor=actor, work_package=target, decision=verdict, reason=reason
            )
        except DomainValidationError as exc:
            # The package's rules speak of its own fields; say it with this form's names.
            renamed = {"decision": "verdict", "decision_reason": "reason"}
            raise DomainValidationError(
                {renamed.get(k, k): v for k, v in exc.message_dict.items()}
            ) from exc
    # Continue and stop take effect now; revising, adjusting and rebalancing are follow-ups.
    done = verdict in (Decision.Verdict.CONTINUE, Decision.Verdict.STOP)
    decision = Decision(
        organization_id=actor.organization_id,
        session=session,
        subject=subject,
        verdict=verdict,
        summary=summary,
        reason=reason,
        owner=owner,
        subject_title=str(target)[:300],
        recorded_by=actor.user,
        status=Decision.Status.DONE if done else Decision.Status.OPEN,
        done_at=timezone.now() if done else None,
        **{target_field: target},
    )
    decision.full_clean(
        exclude=["organization", "session", "owner", "recorded_by", *_SUBJECT_FIELD.values()]
    )
    decision.save()
    changelog.record(decision, CREATED)
    return decision


@transaction.atomic
def decision_set_done(*, actor: Membership, decision: Decision, done: bool = True) -> Decision:
    """The owner (or a leader) says a decision was carried out, or takes that back."""
    require_same_organization(actor, decision)
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if not rules.can_close_decision(actor, decision):
        raise NotPermittedError("Only the decision's owner or a leader marks it done.")
    status = Decision.Status.DONE if done else Decision.Status.OPEN
    if decision.status != status:
        decision.status = status
        decision.done_at = timezone.now() if done else None
        decision.version += 1
        decision.save(update_fields=["status", "done_at", "version", "updated_at"])
        changelog.record(decision, UPDATED)
    return decision


# --- learnings -----------------------------------------------------------------------------


def _check_learning(
    actor: Membership,
    *,
    strategic_objective: StrategicObjective | None,
    statement: str,
    evidence: str,
    work_packages: list[WorkPackage],
    key_results: list[KeyResult],
) -> None:
    reject_nul_characters({"statement": statement, "evidence": evidence})
    if not statement:
        raise DomainValidationError({"statement": "Say what was learned, in one sentence."})
    if strategic_objective is None:
        raise DomainValidationError(
            {"strategic_objective": "Choose the strategic objective this learning informs."}
        )
    if strategic_objective.organization_id != actor.organization_id:
        raise DomainValidationError(
            {"strategic_objective": "Choose a strategic objective of this organization."}
        )
    if any(wp.organization_id != actor.organization_id for wp in work_packages):
        raise DomainValidationError({"work_packages": "Choose work packages of this organization."})
    if any(kr.organization_id != actor.organization_id for kr in key_results):
        raise DomainValidationError({"key_results": "Choose key results of this organization."})


@transaction.atomic
def learning_record(
    *,
    actor: Membership,
    strategic_objective: StrategicObjective | None,
    statement: str,
    evidence: str = "",
    session: ReviewSession | None = None,
    work_packages: Iterable[WorkPackage] = (),
    key_results: Iterable[KeyResult] = (),
) -> Learning:
    """Evidence from tactics, fed back to the strategic objective it informs."""
    if session is not None:
        _require_runner(actor, session)
        _require_open(session)
    elif not (actor.is_leader or actor.is_team_lead):
        raise NotPermittedError("Learnings are recorded in a review, or by leads and leaders.")
    statement, evidence = (statement or "").strip(), (evidence or "").strip()
    wps, krs = list(work_packages), list(key_results)
    _check_learning(
        actor,
        strategic_objective=strategic_objective,
        statement=statement,
        evidence=evidence,
        work_packages=wps,
        key_results=krs,
    )
    learning = Learning(
        organization_id=actor.organization_id,
        session=session,
        strategic_objective=strategic_objective,
        statement=statement,
        evidence=evidence,
        recorded_by=actor.user,
    )
    learning.full_clean(exclude=["organization", "session", "strategic_objective", "recorded_by"])
    learning.save()
    learning.work_packages.set(wps)
    learning.key_results.set(krs)
    changelog.record(learning, CREATED)
    return learning


@transaction.atomic
def learning_update(
    *,
    actor: Membership,
    learning: Learning,
    strategic_objective: StrategicObjective | None,
    statement: str,
    evidence: str = "",
    work_packages: Iterable[WorkPackage] = (),
    key_results: Iterable[KeyResult] = (),
) -> Learning:
    require_same_organization(actor, learning)
    learning = (
        Learning.objects.select_for_update(of=("self",))
        .select_related("session__cadence")
        .get(pk=learning.pk)
    )
    if learning.session is not None:
        _require_runner(actor, learning.session)
    elif not (actor.is_leader or learning.recorded_by_id == actor.user_id):
        raise NotPermittedError("Only a leader or whoever recorded it edits this learning.")
    statement, evidence = (statement or "").strip(), (evidence or "").strip()
    wps, krs = list(work_packages), list(key_results)
    _check_learning(
        actor,
        strategic_objective=strategic_objective,
        statement=statement,
        evidence=evidence,
        work_packages=wps,
        key_results=krs,
    )
    changed = model_update(
        instance=learning,
        data={
            "strategic_objective": strategic_objective,
            "statement": statement,
            "evidence": evidence,
        },
        fields=["strategic_objective", "statement", "evidence"],
    )
    links_changed = {w.pk for w in wps} != set(
        learning.work_packages.values_list("pk", flat=True)
    ) or {k.pk for k in krs} != set(learning.key_results.values_list("pk", flat=True))
    if links_changed:
        learning.work_packages.set(wps)
        learning.key_results.set(krs)
        if not changed:
            learning.version += 1
            learning.save(update_fields=["version", "updated_at"])
    if changed or links_changed:
        changelog.record(learning, UPDATED)
    return learning


# --- notifications, preferences, the calendar address --------------------------------------


def notification_create(
    *,
    organization: Organization,
    recipient: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    now: datetime | None = None,
) -> Notification:
    """One in-app notification (reminders make theirs in bulk, in their sweep)."""
    if kind not in Kind.values:
        raise DomainValidationError({"kind": "Unknown kind of notification."})
    return Notification.objects.create(
        organization=organization,
        recipient=recipient,
        kind=kind,
        title=title[:200],
        body=body,
        url=url[:300],
        created_at=now or timezone.now(),
    )


def notification_mark_read(*, membership: Membership, notification_id) -> Notification:
    """Mark one of one's own notifications read; another person's is DoesNotExist."""
    notification = Notification.objects.get(
        pk=notification_id,
        recipient_id=membership.user_id,
        organization_id=membership.organization_id,
    )
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, membership: Membership) -> int:
    return Notification.objects.filter(
        recipient_id=membership.user_id,
        organization_id=membership.organization_id,
        read_at__isnull=True,
    ).update(read_at=timezone.now())


@transaction.atomic
def notification_preferences_set(
    *, membership: Membership, disabled: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which (kind, channel) pairs a person turned off; everything else stays on."""
    wanted = set(disabled)
    for kind, channel in wanted:
        if kind not in Kind.values or channel not in Channel.values:
            raise DomainValidationError({"preferences": "Unknown kind or channel."})
    current = NotificationOptOut.objects.filter(
        organization_id=membership.organization_id, user_id=membership.user_id
    )
    existing = {(o.kind, o.channel): o.pk for o in current}
    stale = [pk for pair, pk in existing.items() if pair not in wanted]
    if stale:
        NotificationOptOut.objects.filter(pk__in=stale).delete()
    NotificationOptOut.objects.bulk_create(
        [
            NotificationOptOut(
                organization_id=membership.organization_id,
                user_id=membership.user_id,
                kind=kind,
                channel=channel,
            )
            for kind, channel in sorted(wanted - set(existing))
        ],
        ignore_conflicts=True,
    )
    return wanted


def calendar_token(membership: Membership, nonce: str) -> str:
    """The secret part of a person's calendar address: an HMAC, so only we can make one."""
    message = f"reviews.calendar:{membership.pk}:{nonce}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:40]


@transaction.atomic
def calendar_feed_reset(*, membership: Membership) -> CalendarFeed:
    """A new private calendar address; the old one stops working."""
    feed, _ = CalendarFeed.objects.select_for_update().get_or_create(
        membership=membership, defaults={"nonce": secrets.token_hex(16)}
    )
    feed.nonce = secrets.token_hex(16)
    feed.save(update_fields=["nonce"])
    return feed


# --- reminders: claiming -------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A reminder that is due: who gets it, about what, for which period, and what it says."""

    organization_id: uuid.UUID
    target_id: uuid.UUID
    recipient_id: uuid.UUID
    period: str
    subject: str
    body: str
    url: str


@dataclass
class SweepResult:
    kind: str
    due: int = 0  # reminders found due (claimed before or not)
    claimed: int = 0  # newly claimed by this sweep
    notifications: int = 0
    emails_queued: int = 0
    batches: list[list[str]] = field(default_factory=list)


# The claims of one sweep are copied into a temporary table, then one statement inserts those
# not claimed before and, for them, the in-app notifications: four statements however many rows.
_CLAIM_INPUT = "reviews_claim_input"
_CLAIM_INPUT_COLUMNS = (
    "organization_id uuid, kind varchar(24), target_id uuid, recipient_id uuid, "
    "period varchar(40), subject varchar(200), body text, url varchar(300), "
    "email_state varchar(8), in_app boolean"
)


def _insert_claims(rows: list[tuple], *, now: datetime) -> list[tuple[uuid.UUID, bool, bool]]:
    """Claim reminders; return (id, wanted by e-mail, notified in the app) of those this call
    claimed. A row claimed before, by this or a concurrent sweep, is left out (ON CONFLICT DO
    NOTHING waits for a concurrent claim of the same key to commit or roll back)."""
    reminders = connection.ops.quote_name(SentReminder._meta.db_table)
    notifications = connection.ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        # The commit need not wait for the disk: claims lost in a crash are simply due again,
        # and the e-mail tasks queued for them find no row to send (still at most once).
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_CLAIM_INPUT} ({_CLAIM_INPUT_COLUMNS}) "
            "ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {_CLAIM_INPUT}")
        with cursor.copy(f"COPY {_CLAIM_INPUT} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"""
            WITH claimed AS (
                INSERT INTO {reminders} (id, organization_id, kind, target_id, recipient_id,
                    period, subject, body, url, email_state, email_attempts, last_error,
                    created_at)
                SELECT gen_random_uuid(), organization_id, kind, target_id, recipient_id, period,
                    subject, body, url, email_state, 0, '', %(now)s
                FROM {_CLAIM_INPUT}
                ON CONFLICT ON CONSTRAINT sent_reminder_unique DO NOTHING
                RETURNING id, kind, target_id, recipient_id, period
            ), input AS (
                SELECT claimed.id, i.*
                FROM claimed JOIN {_CLAIM_INPUT} i USING (kind, target_id, recipient_id, period)
            ), notified AS (
                INSERT INTO {notifications} (id, organization_id, recipient_id, kind, title, body,
                    url, created_at)
                SELECT gen_random_uuid(), organization_id, recipient_id, kind, subject, body, url,
                    %(now)s
                FROM input WHERE in_app
            )
            SELECT id, email_state = %(pending)s, in_app FROM input
            """,  # noqa: S608 - table names are ours
            {"now": now, "pending": EmailState.PENDING},
        )
        return [(row[0], row[1], row[2]) for row in cursor.fetchall()]


def _queue_emails(batches: list[list[str]]) -> None:
    """Publish the e-mail tasks, one message per batch, over one broker connection.

    Runs after commit, so a broker that is away must not fail what committed: the batches that
    could not be published are marked "not queued" and stay pending, and the requeue task (beat,
    every minute) queues them again once the broker is back."""
    from reviews.tasks import send_reminder_emails

    published = 0
    try:
        with send_reminder_emails.app.producer_or_acquire() as producer:
            for batch in batches:
                send_reminder_emails.apply_async(args=[batch], producer=producer)
                published += 1
    except Exception as exc:  # the broker is away (kombu.exceptions.OperationalError), or worse
        lost = [pk for batch in batches[published:] for pk in batch]
        logger.warning("Reminder e-mails: could not queue %d: %s", len(lost), exc)
        reminder_emails_mark_not_queued(reminder_ids=lost, error=exc)


def reminders_claim(*, kind: str, candidates: Sequence[Candidate], now: datetime) -> SweepResult:
    """Claim due reminders, write the in-app ones, and queue the e-mails after commit.

    Runs in its caller's transaction (or its own). Candidates that a person turned off on both
    channels are not claimed at all; the claim of one turned off by e-mail is marked skipped.
    """
    result = SweepResult(kind=kind, due=len(candidates))
    if not candidates:
        return result
    off = selectors.opt_outs(kind=kind)
    rows: list[tuple] = []
    for c in candidates:
        in_app = (c.organization_id, c.recipient_id, Channel.IN_APP) not in off
        by_email = (c.organization_id, c.recipient_id, Channel.EMAIL) not in off
        if in_app or by_email:
            rows.append(
                (
                    c.organization_id,
                    kind,
                    c.target_id,
                    c.recipient_id,
                    c.period,
                    c.subject[:200],
                    c.body,
                    c.url[:300],
                    EmailState.PENDING if by_email else EmailState.SKIPPED,
                    in_app,
                )
            )
    if not rows:
        return result
    with transaction.atomic():
        claimed = _insert_claims(rows, now=now)
        result.claimed = len(claimed)
        result.notifications = sum(1 for _, _, in_app in claimed if in_app)
        email_ids = [str(claim_id) for claim_id, by_email, _ in claimed if by_email]
        result.emails_queued = len(email_ids)
        result.batches = [
            email_ids[i : i + rules.EMAIL_BATCH]
            for i in range(0, len(email_ids), rules.EMAIL_BATCH)
        ]
        if result.batches:
            transaction.on_commit(partial(_queue_emails, result.batches))
    return result


# --- reminders: what each kind says --------------------------------------------------------


@functools.cache
def _id_url(name: str):
    return id_url(name)


def _path(name: str, pk) -> str:
    """reverse() for one id, without resolving the pattern again for every reminder."""
    return _id_url(name)(pk)


def _base_url() -> str:
    return str(getattr(settings, "THROUGHLINE_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def _local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(zoneinfo.ZoneInfo(tz))


def _when(instant: datetime, tz: str) -> str:
    local = _local(instant, tz)
    return f"{local:%A %d %B, %H:%M} ({tz})"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


# --- reminders: the sweeps -----------------------------------------------------------------


@transaction.atomic
def sweep_review_upcoming(*, now: datetime | None = None) -> SweepResult:
    """Review sessions whose reminder lead time has begun: each participant hears once.

    Also prepares each active cadence's next session, so the reminder (and the review room)
    has a session to point at.
    """
    now = now or timezone.now()
    cadences = selectors.active_cadences_for_sweep()
    _prepare_sessions(cadences, now=now)
    sessions = selectors.due_review_sessions(now=now)
    participants = selectors.cadence_participant_users([s.cadence_id for s in sessions])
    candidates = []
    for session in sessions:
        cadence = session.cadence
        tz = cadence.organization.timezone
        url = _path("reviews:session_detail", session.pk)
        hours = max(1, round((session.scheduled_at - now).total_seconds() / 3600))
        subject = f"{cadence.name}: {_when(session.scheduled_at, tz)}"
        body = (
            f"{cadence.name} starts in about {hours} hour{'s' if hours != 1 else ''}, "
            f"on {_when(session.scheduled_at, tz)}"
            + (f", {cadence.location}" if cadence.location else "")
            + ".\nThe agenda is built from live data: open it to see what needs deciding."
        )
        for user_id in participants.get(cadence.pk, ()):
            candidates.append(
                Candidate(
                    organization_id=cadence.organization_id,
                    target_id=session.pk,
                    recipient_id=user_id,
                    period=session.scheduled_at.isoformat(),
                    subject=subject,
                    body=body,
                    url=url,
                )
            )
    return reminders_claim(kind=Kind.REVIEW_UPCOMING, candidates=candidates, now=now)


@transaction.atomic
def sweep_work_package_overdue(*, now: datetime | None = None) -> SweepResult:
    """Open work past its due date (in its organization's calendar): its owner hears once per
    due date, from 08:00 their organization's time."""
    now = now or timezone.now()
    clocks = selectors.organization_clocks(now=now)
    candidates = []
    for row in selectors.due_overdue_work(clocks=clocks):
        late = (clocks[row["organization_id"]].local_date - row["due_date"]).days
        candidates.append(
            Candidate(
                organization_id=row["organization_id"],
                target_id=row["id"],
                recipient_id=row["owner_id"],
                period=row["due_date"].isoformat(),
                subject=f"Overdue: {row['title']}",
                body=(
                    f"“{row['title']}” ({row['team__name']}) was due on "
                    f"{row['due_date']:%d %B %Y}, {_days(late)} ago. Finish it, move the date "
                    "with a reason, or decide at its success check to revise or stop it."
                ),
                url=_path("planning:work_detail", row["id"]),
            )
        )
    return reminders_claim(kind=Kind.WORK_PACKAGE_OVERDUE, candidates=candidates, now=now)


@transaction.atomic
def sweep_success_check_due(*, now: datetime | None = None) -> SweepResult:
    """Work whose success check date has come with no decision yet: its owner hears once per
    check date."""
    now = now or timezone.now()
    clocks = selectors.organization_clocks(now=now)
    candidates = [
        Candidate(
            organization_id=row["organization_id"],
            target_id=row["id"],
            recipient_id=row["owner_id"],
            period=row["success_review_date"].isoformat(),
            subject=f"Success check due: {row['title']}",
            body=(
                f"The success check of “{row['title']}” was set for "
                f"{row['success_review_date']:%d %B %Y}: “{row['success_criterion']}”. "
                "Decide whether to continue, revise or stop it, and say why."
            ),
            url=_path("planning:work_detail", row["id"]) + "#decision",
        )
        for row in selectors.due_success_checks(clocks=clocks)
    ]
    return reminders_claim(kind=Kind.SUCCESS_CHECK_DUE, candidates=candidates, now=now)


@transaction.atomic
def sweep_intention_not_ready(*, now: datetime | None = None) -> SweepResult:
    """Intentions that have not become tactics after rules.INTENTION_STALE_AFTER: their owner
    hears once, or, with no owner, the team's leads."""
    now = now or timezone.now()
    clocks = selectors.organization_clocks(now=now)
    rows = selectors.due_stale_intentions(clocks=clocks, now=now)
    leads = selectors.team_lead_users({r["team_id"] for r in rows if r["owner_id"] is None})
    period = selectors.INTENTION_PERIOD
    candidates = []
    for row in rows:
        age = (now - row["created_at"]).days
        recipients = [row["owner_id"]] if row["owner_id"] else leads.get(row["team_id"], [])
        missing = [
            label
            for present, label in (
                (row["owner_id"] is not None, "an owner"),
                (row["due_date"] is not None, "a due date"),
                (
                    bool(row["success_criterion"]) and row["success_review_date"] is not None,
                    "a success check",
                ),
            )
            if not present
        ]
        body = (
            f"“{row['title']}” ({row['team__name']}) has been an intention for {_days(age)}. "
            f"It needs {', '.join(missing) or 'to be marked ready'} to become a tactic — "
            "or stop it if it no longer matters."
        )
        for user_id in recipients:
            candidates.append(
                Candidate(
                    organization_id=row["organization_id"],
                    target_id=row["id"],
                    recipient_id=user_id,
                    period=period,
                    subject=f"Still an intention: {row['title']}",
                    body=body,
                    url=_path("planning:work_detail", row["id"]),
                )
            )
    return reminders_claim(kind=Kind.INTENTION_NOT_READY, candidates=candidates, now=now)


@transaction.atomic
def sweep_check_in_due(*, now: datetime | None = None) -> SweepResult:
    """Key results in active cycles not checked in for their cadence's period: the owner hears
    once per period missed (the period starts at the last check-in, or at the key result's
    creation)."""
    now = now or timezone.now()
    clocks = selectors.organization_clocks(now=now)
    candidates = []
    for row in selectors.due_check_ins(clocks=clocks, now=now):
        since = row["last_check_in_at"] or row["created_at"]
        days = (now - since).days
        when = (
            "never checked in"
            if row["last_check_in_at"] is None
            else f"last checked in {_days(days)} ago"
        )
        candidates.append(
            Candidate(
                organization_id=row["organization_id"],
                target_id=row["id"],
                recipient_id=row["owner_id"],
                period=f"{since.isoformat()}+{row['period_days']}d",
                subject=f"Check-in due: {row['title']}",
                body=(
                    f"“{row['title']}” ({row['objective_statement']}) was {when}; "
                    f"{row['cadence_name']} expects one every {_days(row['period_days'])}. "
                    "Record where the number is and how confident you are."
                ),
                url=_path("okrs:check_in", row["id"]),
            )
        )
    return reminders_claim(kind=Kind.CHECK_IN_DUE, candidates=candidates, now=now)


@transaction.atomic
def sweep_weekly_digest(*, now: datetime | None = None) -> SweepResult:
    """Once a week (Monday from 08:00 in each organization's time), every active member gets
    their week: overdue work, success checks and reviews coming up, decisions they owe."""
    now = now or timezone.now()
    clocks = selectors.organization_clocks(now=now)
    digests = selectors.weekly_digests(clocks=clocks, now=now)
    my_work = reverse("planning:my_work")
    candidates = []
    for d in digests:
        lines = [f"Your week at {d.organization_name}:"]
        lines.append(f"- {d.overdue} work package{'s' if d.overdue != 1 else ''} overdue")
        lines.append(f"- {d.due_this_week} due in the next 7 days")
        lines.append(f"- {d.checks_due} success check{'s' if d.checks_due != 1 else ''} due")
        lines.append(
            f"- {d.intentions} intention{'s' if d.intentions != 1 else ''} still not ready"
        )
        lines.append(
            f"- {d.open_decisions} open decision{'s' if d.open_decisions != 1 else ''} you own"
        )
        if d.check_ins_due:
            lines.append(
                f"- {d.check_ins_due} key result{'s' if d.check_ins_due != 1 else ''} to check in"
            )
        for name, at in d.reviews:
            lines.append(f"- Review: {name}, {_when(at, d.timezone)}")
        busy = d.overdue + d.checks_due + d.open_decisions
        candidates.append(
            Candidate(
                organization_id=d.organization_id,
                target_id=d.membership_id,
                recipient_id=d.user_id,
                period=selectors.digest_period(d.local_date),
                subject=(
                    f"Your week: {d.overdue} overdue, {d.checks_due} checks due, "
                    f"{len(d.reviews)} review{'s' if len(d.reviews) != 1 else ''}"
                    if busy or d.reviews
                    else "Your week: nothing overdue"
                ),
                body="\n".join(lines),
                url=my_work,
            )
        )
    return reminders_claim(kind=Kind.WEEKLY_DIGEST, candidates=candidates, now=now)


SWEEPS = {
    Kind.REVIEW_UPCOMING: sweep_review_upcoming,
    Kind.CHECK_IN_DUE: sweep_check_in_due,
    Kind.WORK_PACKAGE_OVERDUE: sweep_work_package_overdue,
    Kind.SUCCESS_CHECK_DUE: sweep_success_check_due,
    Kind.INTENTION_NOT_READY: sweep_intention_not_ready,
    Kind.WEEKLY_DIGEST: sweep_weekly_digest,
}


# --- reminders: sending e-mail -------------------------------------------------------------


@dataclass
class EmailOutcome:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry_ids: list[str] = field(default_factory=list)


def _message(row: SentReminder, connection_) -> mail.EmailMessage:
    base = _base_url()
    link = f"{base}{row.url}" if row.url.startswith("/") else row.url
    settings_link = f"{base}{reverse('reviews:notification_settings')}"
    body = (
        f"{row.body}\n\n{link}\n\n--\nThroughline reminders. "
        f"Choose which ones you get, and how: {settings_link}\n"
    )
    return mail.EmailMessage(
        subject=row.subject,
        body=body,
        to=[row.recipient.email],
        connection=connection_,
        headers={"Auto-Submitted": "auto-generated", "X-Throughline-Reminder": str(row.pk)},
    )


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def reminder_emails_send(
    *, reminder_ids: Sequence[str], final_attempt: bool = False, now: datetime | None = None
) -> EmailOutcome:
    """Send the e-mails of some claimed reminders, one at a time. Safe to run twice, or at once in
    two workers.

    Each row moves from pending to sending (committed) just before its message goes out, and to
    sent just after. A worker killed mid-batch so leaves at most the message in flight "sending"
    (it may have gone out: it is never sent again) and the rest of the batch pending, sent by the
    task's re-run (acks late) or the requeue. A message that fails goes back to pending for the
    task's retry, or is "failed" on the last attempt.
    """
    now = now or timezone.now()
    outcome = EmailOutcome()
    rows = list(
        SentReminder.objects.select_related("recipient")
        .filter(pk__in=list(reminder_ids), email_state=EmailState.PENDING)
        .order_by("created_at", "pk")
    )
    inactive = [r.pk for r in rows if not r.recipient.is_active]
    if inactive:
        outcome.skipped = SentReminder.objects.filter(
            pk__in=inactive, email_state=EmailState.PENDING
        ).update(email_state=EmailState.SKIPPED)
    rows = [r for r in rows if r.recipient.is_active]
    if not rows:
        return outcome
    after_failure = EmailState.FAILED if final_attempt else EmailState.PENDING
    failed: list[uuid.UUID] = []
    smtp = mail.get_connection(fail_silently=False)
    try:
        smtp.open()
    except Exception as exc:  # the server cannot be reached at all: one attempt for every row
        logger.warning("Reminder e-mails: cannot reach the mail server: %s", exc)
        failed = [r.pk for r in rows]
        SentReminder.objects.filter(pk__in=failed, email_state=EmailState.PENDING).update(
            email_state=after_failure,
            email_attempts=F("email_attempts") + 1,
            last_error=_error_text(exc),
        )
        rows = []
    try:
        for row in rows:
            # Claimed and committed before the first byte of its message goes to the server:
            # from here on a crash leaves this row "sending", and nothing sends it again.
            with transaction.atomic():
                claimed = SentReminder.objects.filter(
                    pk=row.pk, email_state=EmailState.PENDING
                ).update(
                    email_state=EmailState.SENDING,
                    email_attempts=F("email_attempts") + 1,
                    email_claimed_at=now,
                )
            if not claimed:
                continue  # sent, skipped or taken by another worker since it was read
            try:
                _message(row, smtp).send()
            except Exception as exc:  # any failure of one message: retry it later
                logger.warning("Reminder e-mail %s failed: %s", row.pk, exc)
                failed.append(row.pk)
                SentReminder.objects.filter(pk=row.pk).update(
                    email_state=after_failure, last_error=_error_text(exc)
                )
            else:
                SentReminder.objects.filter(pk=row.pk).update(
                    email_state=EmailState.SENT, email_sent_at=timezone.now()
                )
                outcome.sent += 1
    finally:
        try:
            smtp.close()
        except Exception:  # noqa: S110 - closing a broken connection may fail too
            pass
    if final_attempt:
        outcome.failed = len(failed)
    else:
        outcome.retry_ids = [str(pk) for pk in failed]
    return outcome


NOT_QUEUED = rules.EMAIL_NOT_QUEUED


def reminder_emails_mark_not_queued(*, reminder_ids: Sequence[str], error: BaseException) -> int:
    """Note that the e-mail tasks of these reminders were never queued; they stay pending and the
    next requeue queues them. Never raises: it runs where the broker just failed, after commit,
    and a row it cannot mark is still found by the requeue, later (``lost_pending_emails``)."""
    if not reminder_ids:
        return 0
    try:
        return SentReminder.objects.filter(
            pk__in=list(reminder_ids), email_state=EmailState.PENDING
        ).update(last_error=(NOT_QUEUED + _error_text(error))[:300])
    except Exception:
        logger.exception("Reminder e-mails: could not mark %d as not queued", len(reminder_ids))
        return 0


def reminder_emails_requeue(
    *, now: datetime | None = None, older_than=timedelta(minutes=15)
) -> int:
    """Queue again the pending e-mails whose task was lost: at once those whose task could not be
    queued (the broker was away), and those pending for longer than ``older_than`` (a broker that
    lost its messages, a crash between commit and publish). A second task for a row that is still
    queued sends nothing twice: the claim decides."""
    now = now or timezone.now()
    not_queued = selectors.not_queued_emails()
    if not_queued:
        # Queued now; if this publish fails too, _queue_emails marks them again.
        SentReminder.objects.filter(pk__in=not_queued, email_state=EmailState.PENDING).update(
            last_error=""
        )
    ids = list(dict.fromkeys(not_queued + selectors.lost_pending_emails(before=now - older_than)))
    batches = [ids[i : i + rules.EMAIL_BATCH] for i in range(0, len(ids), rules.EMAIL_BATCH)]
    if batches:
        transaction.on_commit(partial(_queue_emails, batches))
    return len(ids)
