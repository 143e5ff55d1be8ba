"""Demo backlogs, capacity policies, sprints and ideas, written through the same services as pages.

Growth (the demo team lead's team) gets the full story: a scored backlog with one item placed by
hand, a sprint that kept its split, one that drifted below its strategic target (with the reasons
recorded), and a running sprint a few points short of capacity, so committing the next big item
asks for a reason.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django.utils import timezone

from backlog import services
from core.demo import DemoOrg
from core.models import Membership
from planning import services as planning_services
from planning.models import Initiative, StrategicObjective, WorkPackage

CHECK = "Continue if it moves the outcome it serves; otherwise revise or stop."


def seed(context: dict) -> None:
    today = timezone.localdate()
    _seed_acme(context["acme"], today)
    _seed_globex(context["globex"], today)


def _existing(demo: DemoOrg, title: str) -> WorkPackage:
    return WorkPackage.objects.get(organization=demo.organization, title=title)


def _work(demo: DemoOrg, actor: Membership, today: date, **fields: Any) -> WorkPackage:
    """Ready work (owner, due date, success check), unless fields say otherwise."""
    fields.setdefault("due_date", today + timedelta(days=14))
    fields.setdefault("success_criterion", CHECK)
    fields.setdefault("success_review_date", fields["due_date"] + timedelta(days=7))
    return planning_services.work_package_create(actor=actor, **fields)


def _score(actor: Membership, wp: WorkPackage, **inputs: Any) -> None:
    services.backlog_item_update(actor=actor, work_package=wp, **inputs)


def _sprint(actor: Membership, team, name: str, start: date, days: int, capacity: int, goal: str):
    return services.sprint_create(
        actor=actor,
        team=team,
        name=name,
        start_date=start,
        end_date=start + timedelta(days=days - 1),
        capacity_points=capacity,
        goal=goal,
    )


def _commit(actor: Membership, sprint, wp: WorkPackage, reason: str = "") -> None:
    services.sprint_commit(actor=actor, sprint=sprint, work_package=wp, reason=reason)


def _seed_acme(acme: DemoOrg, today: date) -> None:
    leader = acme.member("leader")
    lead = acme.member("lead")
    t = acme.teams

    # Capacity policies: every team has one.
    services.capacity_policy_set(
        actor=lead, team=t["growth"], split="simple", strategic_share=70, tactical_share=30
    )
    services.capacity_policy_set(
        actor=acme.member("platform_lead"),
        team=t["platform"],
        split="detailed",
        strategic_share=50,
        tactical_share=15,
        urgent_share=10,
        experimentation_share=10,
        maintenance_share=15,
    )
    services.capacity_policy_set(
        actor=acme.member("success_lead"),
        team=t["success"],
        split="simple",
        strategic_share=60,
        tactical_share=40,
    )
    services.capacity_policy_set(
        actor=leader, team=t["product"], split="simple", strategic_share=70, tactical_share=30
    )

    # Scoring models: Growth weighs strategic fit and impact most; Platform uses WSJF;
    # Customer Success uses RICE (they can count the clinics a change reaches).
    services.scoring_model_update(
        actor=lead,
        team=t["growth"],
        preset="weighted",
        impact_weight=3,
        urgency_weight=2,
        effort_weight=2,
        strategic_fit_weight=4,
        risk_weight=1,
        dependencies_weight=1,
    )
    services.scoring_model_update(
        actor=acme.member("platform_lead"), team=t["platform"], preset="wsjf"
    )
    services.scoring_model_update(
        actor=acme.member("success_lead"), team=t["success"], preset="rice"
    )

    _seed_growth(acme, today)
    _seed_platform(acme, today)
    _seed_success(acme, today)
    _seed_ideas(acme, today)
    _backdate_sprint_work(acme, today)  # Insight dashboards (part 2)
    # A request placed by hand above its score, with the reason on record.
    services.backlog_move(
        actor=lead,
        work_package=_existing(acme, "Clinic logo on the booking page"),
        position=5,
        reason="Promised to Praxis Müller for their relaunch on the 1st.",
    )


def _seed_growth(acme: DemoOrg, today: date) -> None:
    lead = acme.member("lead")
    growth = acme.teams["growth"]
    o = acme.objects
    member, designer = acme.user("member"), acme.user("designer")

    def work(title: str, category: str, estimate: int, owner=member, initiative=None, **kw):
        return _work(
            acme,
            lead,
            today,
            title=title,
            team=growth,
            category=category,
            estimate=estimate,
            owner=owner,
            initiative=initiative,
            **kw,
        )

    # Sprint 1 kept the split; one experiment was stopped, one item carried over.
    s1 = _sprint(
        lead, growth, "Sprint 1", today - timedelta(days=31), 14, 20, "Patients can cancel online"
    )
    confirmation = work(
        "Booking confirmation redesign",
        "strategic",
        5,
        initiative=o["selfbook"],
        due_date=today - timedelta(days=20),
    )
    script = work(
        "Clinic onboarding call script",
        "strategic",
        3,
        owner=designer,
        initiative=o["guided"],
        due_date=today - timedelta(days=22),
    )
    tz_bug = work(
        "Fix time-zone bug in reminders", "technical_debt", 2, due_date=today - timedelta(days=24)
    )
    waiting_room = work(
        "Waiting-room display prototype",
        "experimental",
        3,
        owner=designer,
        due_date=today - timedelta(days=19),
    )
    cancel = work(
        "Self-service cancellation flow",
        "strategic",
        5,
        initiative=o["selfbook"],
        due_date=today - timedelta(days=6),
    )
    for wp in (confirmation, script, tz_bug, waiting_room, cancel):
        _commit(lead, s1, wp)
    services.sprint_close(
        actor=lead,
        sprint=s1,
        outcomes={
            str(confirmation.pk): "done",
            str(script.pk): "done",
            str(tz_bug.pk): "done",
            str(waiting_room.pk): "stopped",
            str(cancel.pk): "carried_over",
        },
        note="Waiting-room displays need hardware clinics do not have; stopped after two pilots.",
    )

    # Sprint 2 drifted: two key-account requests and an outage took most of it.
    s2 = _sprint(
        lead, growth, "Sprint 2", today - timedelta(days=17), 14, 20, "Finish online cancellation"
    )
    _commit(lead, s2, cancel)
    report = work(
        "Custom booking report for Vitalis Kliniken",
        "stakeholder_request",
        5,
        due_date=today - timedelta(days=8),
    )
    sso = work(
        "Single sign-on for Vitalis Kliniken",
        "stakeholder_request",
        5,
        due_date=today - timedelta(days=6),
    )
    outage = work(
        "Follow-up fixes after the booking outage",
        "operational",
        3,
        due_date=today - timedelta(days=10),
    )
    _commit(lead, s2, report)
    _commit(
        lead,
        s2,
        sso,
        reason="Vitalis renewal (12 % of revenue) depends on SSO this month; agreed with Ada.",
    )
    _commit(lead, s2, outage, reason="Outage follow-up: patients could not book for 3 hours.")
    services.sprint_close(
        actor=lead,
        sprint=s2,
        outcomes={str(wp.pk): "done" for wp in (cancel, report, sso, outage)},
        note="Strategic work got 28 % against a 70 % target. Next sprint: back to rescheduling.",
    )

    # The backlog: existing work scored, plus the requests that keep arriving.
    reschedule = _existing(acme, "Reschedule link in confirmation e-mails")
    calendar = _existing(acme, "Patient-facing calendar view of free slots")
    checklist = _existing(acme, "German onboarding checklist in the app")
    video = _existing(acme, "Welcome video for clinic managers")
    sms = _existing(acme, "SMS reminders 24 hours before appointments")
    pricing = _existing(acme, "Rework the pricing page for clinics")
    flaky = work("Fix flaky reminder e-mail delivery", "technical_debt", 2)
    sequence = work(
        "German onboarding e-mail sequence",
        "strategic",
        5,
        owner=designer,
        initiative=o["german"],
        due_date=today + timedelta(days=20),
    )
    csv_export = work("Export bookings to CSV for Praxis Müller", "stakeholder_request", 3)
    speed = work(
        "Speed up the booking page on slow phones", "optimization", 3, initiative=o["selfbook"]
    )
    ab_test = work(
        "A/B test the booking button copy",
        "experimental",
        2,
        owner=designer,
        initiative=o["selfbook"],
    )
    logo = work("Clinic logo on the booking page", "stakeholder_request", 3, owner=designer)
    scores = [
        (reschedule, {"impact": 4, "urgency": 4, "effort": 2, "risk": 2, "dependencies": 3}),
        (calendar, {"impact": 5, "urgency": 3, "risk": 3, "dependencies": 4}),
        (checklist, {"impact": 4, "urgency": 5, "risk": 3, "dependencies": 2}),
        (video, {"impact": 3, "urgency": 2, "risk": 1, "dependencies": 1}),
        (sms, {"impact": 4, "urgency": 3, "risk": 2, "dependencies": 2}),
        (pricing, {"impact": 2, "urgency": 3, "risk": 1, "dependencies": 1}),
        (flaky, {"impact": 3, "urgency": 4, "risk": 4, "dependencies": 2}),
        (sequence, {"impact": 4, "urgency": 3, "risk": 2, "dependencies": 1}),
        (csv_export, {"impact": 2, "urgency": 4, "risk": 1, "dependencies": 1}),
        (speed, {"impact": 3, "urgency": 2, "risk": 2, "dependencies": 1}),
        (ab_test, {"impact": 2, "urgency": 1, "risk": 1, "dependencies": 1}),
        (logo, {"impact": 1, "urgency": 4, "risk": 1, "dependencies": 1}),
    ]
    for wp, inputs in scores:
        _score(lead, wp, **inputs)

    # Sprint 3 is running, a few points short of capacity.
    s3 = _sprint(
        lead,
        growth,
        "Sprint 3",
        today - timedelta(days=3),
        14,
        20,
        "Patients reschedule without calling",
    )
    for wp in (reschedule, checklist, video, flaky):
        _commit(lead, s3, wp)
    acme.objects.update(
        growth_sprint_1=s1, growth_sprint_2=s2, growth_sprint_3=s3, calendar_view=calendar
    )


def _seed_platform(acme: DemoOrg, today: date) -> None:
    lead = acme.member("platform_lead")
    platform = acme.teams["platform"]
    dev = acme.user("dev")
    connector = _existing(acme, "Connector for Medatixx practice software")
    limits = _existing(acme, "Public booking API rate limits")
    upgrade = _existing(acme, "Upgrade the database cluster")
    backups = _work(
        acme,
        lead,
        today,
        title="Restore drill for booking backups",
        team=platform,
        owner=dev,
        category="operational",
        estimate=3,
        due_date=today - timedelta(days=5),
    )
    past = _sprint(
        lead, platform, "Platform 14", today - timedelta(days=17), 14, 24, "Medatixx sync in pilot"
    )
    _commit(lead, past, backups)
    _commit(lead, past, connector)
    services.sprint_close(
        actor=lead,
        sprint=past,
        outcomes={str(backups.pk): "done", str(connector.pk): "carried_over"},
        note="Medatixx sandbox was down for four days.",
    )
    for wp, inputs in (
        (connector, {"impact": 5, "urgency": 4, "risk": 4, "dependencies": 5}),
        (limits, {"impact": 3, "urgency": 4, "risk": 4, "dependencies": 2}),
        (upgrade, {"impact": 2, "urgency": 3, "risk": 5, "dependencies": 3}),
    ):
        _score(lead, wp, **inputs)
    current = _sprint(
        lead,
        platform,
        "Platform 15",
        today - timedelta(days=3),
        14,
        24,
        "Two pilot clinics in sync",
    )
    _commit(lead, current, connector)
    _commit(lead, current, upgrade)


def _seed_success(acme: DemoOrg, today: date) -> None:
    lead = acme.member("success_lead")
    success = acme.teams["success"]
    articles = _existing(acme, "German help centre: top 40 articles")
    reviews = _existing(acme, "Quarterly business reviews with top 20 clinics")
    for wp, inputs in (
        (articles, {"impact": 4, "reach": 300, "confidence": 80}),
        (reviews, {"impact": 3, "reach": 20, "confidence": 100}),
    ):
        _score(lead, wp, **inputs)
    current = _sprint(
        lead, success, "CS sprint 9", today - timedelta(days=3), 14, 16, "German help centre live"
    )
    _commit(lead, current, articles)


def _seed_ideas(acme: DemoOrg, today: date) -> None:
    o, t = acme.objects, acme.teams
    lead = acme.member("lead")

    def idea(who: str, team: str, title: str, objective, rationale: str, **kw):
        return services.idea_propose(
            actor=acme.member(who),
            team=t[team],
            title=title,
            strategic_objective=cast(StrategicObjective | None, objective),
            rationale=rationale,
            **kw,
        )

    idea(
        "member",
        "growth",
        "Waitlist for fully booked days",
        o["booking"],
        "Patients who find no slot call the clinic instead. A waitlist that offers freed slots "
        "keeps them online.",
        description="When a day is full, patients can join a waitlist and get a link when a slot frees up.",
    )
    idea(
        "designer",
        "growth",
        "Let patients pick their practitioner",
        o["booking"],
        "In the usability test 5 of 8 patients wanted a specific practitioner; today they call.",
        source="miro",
        external_id="board-q3-sticky-4821",
    )
    branded = idea(
        "member",
        "growth",
        "Clinic-branded booking pages",
        o["dach"],
        "Mid-size clinics ask for their own look; it is the most common reason given in lost deals.",
    )
    services.idea_shortlist(actor=lead, idea=branded)
    ios = idea(
        "designer",
        "growth",
        "Native iOS app for patients",
        o["booking"],
        "An app icon on the phone could bring patients back to book again.",
    )
    services.idea_reject(
        actor=lead,
        idea=ios,
        reason="We chose no native apps this year: the web booking flow comes first (see the trade-offs).",
    )
    referral = idea(
        "member",
        "growth",
        "Referral programme for clinic managers",
        o["dach"],
        "Clinic managers talk to each other at regional meetings; a referral bonus turns that into "
        "sign-ups in the DACH mid-market.",
    )
    services.idea_shortlist(actor=lead, idea=referral)
    referral_work = services.idea_promote(
        actor=lead,
        idea=referral,
        category="strategic",
        initiative=cast(Initiative, o["german"]),
        estimate=5,
    )
    services.backlog_item_update(
        actor=lead, work_package=referral_work, impact=3, urgency=2, risk=1, dependencies=1
    )
    status_page = idea(
        "dev",
        "platform",
        "Status page for clinics",
        None,
        "During the outage clinics phoned support to ask whether it was them or us.",
    )
    services.idea_shortlist(actor=acme.member("platform_lead"), idea=status_page)
    idea(
        "csm",
        "success",
        "Monthly office hours in German",
        o["dach"],
        "New DACH clinics ask the same ten questions; an open hour answers them once for many.",
    )


def _seed_globex(globex: DemoOrg, today: date) -> None:
    leader = globex.member("leader")
    ops = globex.teams["ops"]
    services.capacity_policy_set(
        actor=leader, team=ops, split="simple", strategic_share=60, tactical_share=40
    )
    sprint = _sprint(
        leader, ops, "Ops week 1", today - timedelta(days=2), 7, 10, "Pick the warehouse site"
    )
    _commit(leader, sprint, _existing(globex, "Shortlist warehouse sites"))
    services.idea_propose(
        actor=globex.member("member"),
        team=ops,
        title="Evening delivery slots",
        strategic_objective=cast(StrategicObjective, globex.objects["delivery"]),
        rationale="Regional customers are out during the day; failed first deliveries add two days.",
    )


def _backdate_sprint_work(acme: DemoOrg, today: date) -> None:
    """Work finished in past sprints finished during those sprints, not when the demo ran.

    The services stamp each transition with the current time; after the real transitions (the
    sprint closes above), only the start and finish times move back into the sprints' days.
    """
    from backlog.models import SprintCommitment

    started: dict = {}
    commitments = (
        SprintCommitment.objects.filter(organization=acme.organization)
        .select_related("sprint", "work_package")
        .order_by("sprint__start_date", "committed_at")
    )
    for i, c in enumerate(commitments):
        wp, sprint = c.work_package, c.sprint
        worked = wp.started_at is not None or wp.status in ("done", "stopped")
        if not worked:
            continue
        start = started.setdefault(wp.pk, min(sprint.start_date + timedelta(days=i % 3), today))
        moments: dict[str, Any] = {"started_at": planning_demo_at(start, 9)}
        if c.outcome in ("done", "stopped"):
            finish = max(min(sprint.end_date - timedelta(days=i % 4), today), start)
            moments["finished_at"] = planning_demo_at(finish, 16)
        WorkPackage.objects.filter(pk=wp.pk).update(**moments)


def planning_demo_at(day: date, hour: int):
    from datetime import datetime, time

    return timezone.make_aware(datetime.combine(day, time(hour)))
