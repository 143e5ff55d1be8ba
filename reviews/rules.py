"""Pure rules of the cadence: who may do what, and the few numbers the method fixes."""

from __future__ import annotations

import random
from datetime import timedelta

from core.models import Membership, Role
from planning.rules import team_ids_of

# An intention this old is a reminder (and an agenda item): it never became a tactic.
INTENTION_STALE_AFTER = timedelta(days=7)
# Reminders about work go out from this hour of the organization's morning, not at midnight.
REMINDER_LOCAL_HOUR = 8
# The weekly digest goes out on this weekday (0 = Monday), from REMINDER_LOCAL_HOUR.
DIGEST_WEEKDAY = 0
# Rows shown per agenda section (the section says how many there are in all).
AGENDA_ROWS = 12
# E-mails per Celery task: a batch is one SMTP connection and a handful of queries.
EMAIL_BATCH = 100
# A reminder whose e-mail task could not be queued (the broker was away) carries this in
# last_error, so the requeue takes it at its next run instead of after the usual grace.
EMAIL_NOT_QUEUED = "Not queued: "
# E-mail retries: exponential backoff from RETRY_BASE, capped, with full jitter.
EMAIL_MAX_RETRIES = 6
RETRY_BASE_SECONDS = 30.0
RETRY_CAP_SECONDS = 3600.0
_random = random.SystemRandom()


def retry_delay(retries: int) -> float:
    """Seconds before the next e-mail attempt: full jitter over an exponential backoff."""
    ceiling = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * (2**retries))
    return _random.uniform(RETRY_BASE_SECONDS / 2, ceiling)


# --- who may do what -----------------------------------------------------------------------


def can_manage_cadence(membership: Membership, team_id) -> bool:
    """Leaders set up any review; a team lead sets up their own team's."""
    if membership.is_leader:
        return True
    return (
        membership.role == Role.TEAM_LEAD
        and team_id is not None
        and team_id in team_ids_of(membership)
    )


def can_run_session(membership: Membership, cadence, participant_ids: set | None = None) -> bool:
    """Who records decisions and learnings in a review: whoever manages the cadence, and its
    participants who may write (viewers read along)."""
    if not membership.can_write:
        return False
    if can_manage_cadence(membership, cadence.team_id):
        return True
    if participant_ids is None:
        participant_ids = {p.pk for p in cadence.participants.all()}
    return membership.pk in participant_ids


def can_close_decision(membership: Membership, decision) -> bool:
    """The decision's owner marks it done, or a leader."""
    return membership.can_write and (
        membership.is_leader or decision.owner_id == membership.user_id
    )
