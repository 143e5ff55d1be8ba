"""Demo cadences for Acme and Globex: four Acme reviews, two of them held with decisions and
learnings, and the upcoming ones with live agendas. Written through the services."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.demo import DemoOrg
from okrs import selectors as okr_selectors
from okrs.models import Cycle
from planning import selectors as planning_selectors
from planning.models import WorkPackage
from reviews import schedule, services
from reviews.models import Cadence, NotificationKind, ReviewSession


def seed(context: dict) -> None:
    now = timezone.now()
    _seed_acme(context["acme"], now)
    _seed_globex(context["globex"], now)


def _work(demo: DemoOrg, title: str) -> WorkPackage:
    return planning_selectors.work_package_list(membership=demo.member("leader")).get(title=title)


def _key_result(demo: DemoOrg, objective_key: str):
    """A key result of the current cycle that serves one of the demo's strategic objectives."""
    return (
        okr_selectors.key_result_list(
            membership=demo.member("leader"), cycle_status=Cycle.Status.ACTIVE
        )
        .filter(objective__strategic_objective=_strategy(demo, objective_key))
        .first()
    )


def _strategy(demo: DemoOrg, key: str) -> Any:
    """A strategic objective (or initiative) the planning demo made, by its key."""
    return cast(Any, demo.objects[key])


def _held(demo: DemoOrg, cadence: Cadence, at: datetime) -> ReviewSession:
    return services.review_session_prepare(
        actor=demo.member("leader"), cadence=cadence, scheduled_at=at
    )


def _seed_acme(acme: DemoOrg, now: datetime) -> None:
    leader, today = acme.member("leader"), timezone.localdate(now)
    p = acme.member
    leads = [p(k) for k in ("leader", "cto", "admin", "lead", "platform_lead", "success_lead")]
    weekly = services.cadence_create(
        actor=leader,
        now=now,
        name="Weekly delivery review",
        kind=Cadence.Kind.WEEKLY_DELIVERY,
        team=None,
        frequency=schedule.WEEKLY,
        weekday=0,
        time_of_day=time(10, 0),
        duration_minutes=45,
        starts_on=today - timedelta(days=70),
        reminder_lead_hours=24,
        location="Boardroom, or meet.acme.example/weekly",
        participants=leads,
    )
    services.cadence_create(
        actor=p("lead"),
        now=now,
        name="Growth team check-in",
        kind=Cadence.Kind.WEEKLY_DELIVERY,
        team=acme.teams["growth"],
        frequency=schedule.WEEKLY,
        weekday=3,
        time_of_day=time(9, 30),
        duration_minutes=30,
        starts_on=today - timedelta(days=40),
        reminder_lead_hours=2,
        location="Growth corner",
        participants=[p("lead"), p("member"), p("designer")],
    )
    services.cadence_create(
        actor=leader,
        now=now,
        name="Monthly performance review",
        kind=Cadence.Kind.MONTHLY_PERFORMANCE,
        team=None,
        frequency=schedule.MONTHLY,
        weekday=1,
        week_of_month=1,
        time_of_day=time(14, 0),
        duration_minutes=90,
        starts_on=today - timedelta(days=70),
        reminder_lead_hours=48,
        location="Boardroom",
        participants=leads,
    )
    services.cadence_create(
        actor=leader,
        now=now,
        name="Quarterly strategy review",
        kind=Cadence.Kind.QUARTERLY_STRATEGY,
        team=None,
        frequency=schedule.QUARTERLY,
        weekday=2,
        week_of_month=2,
        month_of_quarter=1,
        time_of_day=time(9, 0),
        duration_minutes=180,
        starts_on=today - timedelta(days=70),
        reminder_lead_hours=72,
        location="Offsite room, 4th floor",
        participants=[p("leader"), p("cto"), p("admin")],
    )

    # Two weekly reviews already held, with what they decided and learned.
    earlier, last = schedule.previous_occurrences(weekly.as_schedule(), before=now, count=2)
    first = _held(acme, weekly, earlier)
    services.decision_record(
        actor=leader,
        session=first,
        subject="work_package",
        work_package=_work(acme, "Usability test: rescheduling with 8 patients"),
        verdict="continue",
        reason="7 of 8 patients finished unaided; the slot picker is the one obstacle left.",
        owner=acme.user("designer"),
    )
    partner = services.decision_record(
        actor=leader,
        session=first,
        subject="initiative",
        initiative=_strategy(acme, "partners"),
        summary="Integrate Medatixx first; the second vendor waits for its new API",
        reason="Discovery showed Medatixx covers 60 % of our pilot clinics and has a stable API.",
        owner=acme.user("platform_lead"),
    )
    services.decision_set_done(actor=p("platform_lead"), decision=partner)
    services.learning_record(
        actor=leader,
        session=first,
        strategic_objective=_strategy(acme, "onboarding"),
        statement="Clinic managers finish setup with a checklist, not with a chatbot",
        evidence="Only 2 of 10 test clinics used the setup chatbot; 8 of 10 ticked through the "
        "checklist prototype in their first session.",
        work_packages=[
            _work(acme, "Setup wizard chatbot"),
            _work(acme, "German onboarding checklist in the app"),
        ],
    )
    services.review_session_update_notes(
        actor=leader,
        session=first,
        notes="Good pace on self-service rescheduling. Platform asked for help with partner APIs.",
    )
    services.review_session_close(actor=leader, session=first, now=earlier + timedelta(minutes=50))

    second = _held(acme, weekly, last)
    services.decision_record(
        actor=leader,
        session=second,
        subject="capacity",
        team=acme.teams["platform"],
        summary="Give Platform's next two sprints back to partner integrations: 70 % strategic",
        reason="The database upgrade took most of the last sprint; partner work slipped a week.",
        owner=acme.user("platform_lead"),
    )
    services.decision_record(
        actor=leader,
        session=second,
        subject="strategic_objective",
        strategic_objective=_strategy(acme, "booking"),
        summary="Track calls per 100 appointments weekly, not monthly",
        reason="Calls move within days of a release; a monthly number hides which change worked.",
        owner=acme.user("cto"),
    )
    services.decision_record(
        actor=leader,
        session=second,
        subject="work_package",
        work_package=_work(acme, "Welcome video for clinic managers"),
        verdict="revise",
        reason="Cut it to 90 seconds and lead with the booking page: managers stop watching at 1:40.",
        owner=acme.user("member"),
    )
    kr = _key_result(acme, "booking")
    services.learning_record(
        actor=leader,
        session=second,
        strategic_objective=_strategy(acme, "booking"),
        statement="Patients reschedule from the e-mail link far more than from the portal",
        evidence="In the first 10 days, 23 % of reschedules came through the confirmation e-mail "
        "link against 4 % through the patient portal.",
        work_packages=[_work(acme, "Reschedule link in confirmation e-mails")],
        key_results=[kr] if kr is not None else [],
    )
    services.learning_record(
        actor=leader,
        session=second,
        strategic_objective=_strategy(acme, "dach"),
        statement="Practice-software sync decides deals: pilots ask for it before signing",
        evidence="3 of 5 pilot clinics asked for Medatixx sync in the sales call, before price.",
        work_packages=[_work(acme, "Connector for Medatixx practice software")],
    )
    services.review_session_close(actor=leader, session=second, now=last + timedelta(minutes=45))

    upcoming = schedule.next_occurrence(weekly.as_schedule(), after=now)
    if upcoming is not None:
        services.notification_create(
            organization=acme.organization,
            recipient=acme.user("leader"),
            kind=NotificationKind.REVIEW_UPCOMING,
            title="Weekly delivery review: "
            f"{upcoming.astimezone(ZoneInfo(acme.organization.timezone)):%A %d %B, %H:%M}",
            body="The agenda is built from live data; decisions from last week that are still open "
            "come back on it.",
            url=f"/reviews/sessions/{_held(acme, weekly, upcoming).pk}/",
            now=now - timedelta(hours=1),
        )


def _seed_globex(globex: DemoOrg, now: datetime) -> None:
    leader = globex.member("leader")
    services.cadence_create(
        actor=leader,
        now=now,
        name="Ops weekly",
        kind=Cadence.Kind.WEEKLY_DELIVERY,
        team=globex.teams["ops"],
        frequency=schedule.WEEKLY,
        weekday=2,
        time_of_day=time(9, 0),
        duration_minutes=30,
        starts_on=timezone.localdate(now) - timedelta(days=14),
        reminder_lead_hours=24,
        participants=[leader, globex.member("member")],
    )
