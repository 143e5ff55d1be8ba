"""Demo strategy and work for Acme and Globex, written through the same services as the pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from core.demo import DemoOrg
from planning import services
from planning.models import WorkPackage

S = WorkPackage.Status


def _quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def _work(
    demo: DemoOrg,
    actor_key: str,
    *,
    status: str = "",
    decision: tuple | None = None,
    reopened: str = "",
    **fields,
) -> WorkPackage:
    """Create a work package and walk it through real transitions to the wanted status."""
    actor = demo.member(actor_key)
    path = {
        "": [],
        S.INTENTION: [],
        S.READY: [],
        S.IN_PROGRESS: [S.IN_PROGRESS],
        S.DONE: [S.IN_PROGRESS, S.DONE],
        S.STOPPED: [S.STOPPED],
    }[status]
    if decision and decision[0] == "stop":
        path = [S.IN_PROGRESS]  # the stop decision itself stops it
    first = S.INTENTION if status == S.INTENTION else None
    wp = services.work_package_create(actor=actor, status=first, **fields)
    for step in path:
        wp = services.work_package_update(actor=actor, work_package=wp, status=step)
    if decision:
        wp = services.work_package_record_decision(
            actor=actor, work_package=wp, decision=decision[0], reason=decision[1]
        )
    return wp


def seed(context: dict) -> None:
    today = timezone.localdate()
    _seed_acme(context["acme"], today)
    _seed_history(context["acme"], today)  # Insight dashboards (part 2)
    _seed_globex(context["globex"], today)


def _seed_acme(acme: DemoOrg, today: date) -> None:
    leader = acme.member("leader")
    q = _quarter_start(today)
    d = lambda days: today + timedelta(days=days)  # noqa: E731
    t = acme.teams

    dach = services.strategic_objective_create(
        actor=leader,
        statement="Become the default scheduling tool for mid-size clinics in the DACH region",
        rationale="Mid-size clinics (5–50 practitioners) are underserved: too big for spreadsheet tools, "
        "too small for hospital suites. We win them on setup speed and German-language support.",
        horizon_start=q,
        horizon_end=q + timedelta(days=730),
        trade_offs=[
            "No hospital-scale enterprise deals",
            "No custom on-premise installations",
            "No expansion outside DACH before 2028",
        ],
        outcome_measures=[
            "Share of mid-size DACH clinics on Acme: 8 % → 20 %",
            "Net revenue retention ≥ 110 %",
        ],
        owner=acme.user("leader"),
        priority=1,
        status="active",
    )
    booking = services.strategic_objective_create(
        actor=leader,
        statement="Patients book, move and cancel appointments without calling the clinic",
        rationale="Phone calls are the clinics' biggest cost and the patients' biggest annoyance.",
        horizon_start=q,
        horizon_end=q + timedelta(days=540),
        trade_offs=[
            "No native mobile apps this year: the web booking flow comes first",
            "No insurance billing features",
        ],
        outcome_measures=[
            "Share of bookings made online: 35 % → 70 %",
            "Calls per 100 appointments: 40 → 15",
        ],
        owner=acme.user("cto"),
        priority=2,
        status="active",
    )
    onboarding = services.strategic_objective_create(
        actor=leader,
        statement="Clinics reach value on their own within their first week",
        rationale="Sales-assisted onboarding does not scale to the mid-market price point.",
        horizon_start=q - timedelta(days=90),
        horizon_end=q + timedelta(days=400),
        trade_offs=["No free custom data migrations"],
        outcome_measures=["Clinics with 50 bookings in week one: 30 % → 60 %"],
        owner=acme.user("leader"),
        priority=3,
        status="active",
    )
    services.strategic_objective_create(
        actor=leader,
        statement="Launch the AI receptionist",
        rationale="Competitors are announcing assistants; we should have a view.",
        horizon_start=q,
        horizon_end=q + timedelta(days=120),
        owner=acme.user("cto"),
        priority=4,
        status="draft",
    )
    services.strategic_objective_create(
        actor=leader,
        statement="Be the leading booking tool for dental practices",
        rationale="Retired after the 2025 review: the dental market is locked up by practice-management suites.",
        horizon_start=q - timedelta(days=730),
        horizon_end=q - timedelta(days=30),
        trade_offs=["No general-medicine features"],
        outcome_measures=["Dental practices on Acme: 300 → 1,000 (reached 410)"],
        owner=acme.user("leader"),
        priority=5,
        status="retired",
    )

    def initiative(objective, title, owner, teams, start, end, status="active", description=""):
        return services.initiative_create(
            actor=leader,
            strategic_objective=objective,
            title=title,
            owner=acme.user(owner),
            teams=[t[k] for k in teams],
            start_date=start,
            end_date=end,
            status=status,
            description=description,
        )

    german = initiative(
        dach,
        "German-language onboarding and support",
        "success_lead",
        ["success", "growth"],
        q,
        q + timedelta(days=89),
        description="Everything a clinic manager reads, in German, by a person who answers.",
    )
    partners = initiative(
        dach,
        "Practice-software partner integrations",
        "platform_lead",
        ["platform"],
        q,
        q + timedelta(days=180),
    )
    selfbook = initiative(
        booking,
        "Self-service rescheduling for patients",
        "lead",
        ["growth", "platform"],
        q,
        q + timedelta(days=89),
    )
    reminders = initiative(
        booking,
        "Smart appointment reminders",
        "lead",
        ["growth"],
        q + timedelta(days=30),
        q + timedelta(days=120),
        status="planned",
    )
    guided = initiative(
        onboarding,
        "Guided setup in the first session",
        "lead",
        ["growth"],
        q - timedelta(days=60),
        q + timedelta(days=30),
    )

    acme.objects.update(
        dach=dach,
        booking=booking,
        onboarding=onboarding,
        german=german,
        partners=partners,
        selfbook=selfbook,
        reminders=reminders,
        guided=guided,
    )
    check = "Continue if it moves the outcome it serves; otherwise revise or stop."
    # Growth: the demo team lead's team; the demo member owns several.
    _work(
        acme,
        "lead",
        status=S.IN_PROGRESS,
        title="Reschedule link in confirmation e-mails",
        team=t["growth"],
        initiative=selfbook,
        owner=acme.user("member"),
        start_date=d(-10),
        due_date=d(4),
        output_kind="release",
        outputs="A one-click reschedule link in every confirmation e-mail",
        success_criterion="15 % of reschedules come through the link within 3 weeks",
        success_review_date=d(25),
        category="strategic",
        estimate=5,
    )
    _work(
        acme,
        "lead",
        status=S.READY,
        title="Patient-facing calendar view of free slots",
        team=t["growth"],
        initiative=selfbook,
        owner=acme.user("designer"),
        start_date=d(3),
        due_date=d(17),
        output_kind="release",
        outputs="Slot picker, mobile first",
        success_criterion="Median time to rebook under 60 seconds in usability tests",
        success_review_date=d(24),
        category="strategic",
        estimate=8,
    )
    _work(
        acme,
        "lead",
        status=S.DONE,
        title="Usability test: rescheduling with 8 patients",
        team=t["growth"],
        initiative=selfbook,
        owner=acme.user("designer"),
        start_date=d(-30),
        due_date=d(-16),
        output_kind="experiment",
        outputs="Test report with the top five obstacles",
        success_criterion="At least 6 of 8 patients finish without help",
        success_review_date=d(-14),
        category="experimental",
        estimate=3,
        decision=("continue", "7 of 8 finished unaided; the slot picker is the main obstacle."),
    )
    _work(
        acme,
        "lead",
        status=S.IN_PROGRESS,
        title="German onboarding checklist in the app",
        team=t["growth"],
        initiative=german,
        owner=acme.user("member"),
        start_date=d(-20),
        due_date=d(-2),
        output_kind="asset",
        outputs="In-app checklist, 7 steps",
        success_criterion="Checklist completion above 50 % for new DACH clinics",
        success_review_date=d(1),
        category="strategic",
        estimate=5,
    )
    _work(
        acme,
        "lead",
        status=S.INTENTION,
        title="SMS reminders 24 hours before appointments",
        team=t["growth"],
        initiative=reminders,
        category="strategic",
        estimate=8,
        description="Clinics keep asking. Needs an owner and a success check before it is real work.",
    )
    _work(
        acme,
        "lead",
        status=S.INTENTION,
        title="Rework the pricing page for clinics",
        team=t["growth"],
        owner=acme.user("designer"),
        category="stakeholder_request",
        estimate=3,
        description="Request from sales; not yet tied to an objective.",
    )
    _work(
        acme,
        "lead",
        status=S.READY,
        title="Welcome video for clinic managers",
        team=t["growth"],
        initiative=guided,
        owner=acme.user("member"),
        due_date=d(10),
        output_kind="asset",
        outputs="A 3-minute video, German and English",
        success_criterion="Setup sessions shorter by 20 % for viewers",
        success_review_date=d(30),
        category="strategic",
        estimate=2,
    )
    _work(
        acme,
        "lead",
        status=S.STOPPED,
        title="Setup wizard chatbot",
        team=t["growth"],
        initiative=guided,
        owner=acme.user("member"),
        start_date=d(-45),
        due_date=d(-20),
        output_kind="experiment",
        outputs="Chatbot prototype",
        success_criterion="Half of test clinics finish setup through the bot",
        success_review_date=d(-18),
        category="experimental",
        estimate=5,
        decision=("stop", "Only 2 of 10 clinics used it; they preferred the checklist."),
    )
    _work(
        acme,
        "lead",
        status=S.DONE,
        title="Fix double-booking on daylight-saving change",
        team=t["growth"],
        owner=acme.user("member"),
        start_date=d(-12),
        due_date=d(-8),
        output_kind="release",
        outputs="Patched slot calculation",
        success_criterion="No double bookings reported over the next DST change",
        success_review_date=d(60),
        category="technical_debt",
        estimate=2,
    )
    # Platform
    _work(
        acme,
        "platform_lead",
        status=S.IN_PROGRESS,
        title="Connector for Medatixx practice software",
        team=t["platform"],
        initiative=partners,
        owner=acme.user("dev"),
        start_date=d(-14),
        due_date=d(21),
        output_kind="release",
        outputs="Two-way appointment sync",
        success_criterion="3 pilot clinics sync without manual fixes for 2 weeks",
        success_review_date=d(35),
        category="strategic",
        estimate=13,
    )
    _work(
        acme,
        "platform_lead",
        status=S.READY,
        title="Public booking API rate limits",
        team=t["platform"],
        initiative=selfbook,
        owner=acme.user("dev"),
        due_date=d(12),
        output_kind="release",
        outputs="Per-clinic limits and dashboards",
        success_criterion="No clinic loses bookings during peak hours",
        success_review_date=d(30),
        category="tactical",
        estimate=5,
    )
    _work(
        acme,
        "platform_lead",
        status=S.IN_PROGRESS,
        title="Upgrade the database cluster",
        team=t["platform"],
        owner=acme.user("dev"),
        start_date=d(-5),
        due_date=d(9),
        output_kind="other",
        outputs="PostgreSQL 18 in production",
        success_criterion="No incident and p95 latency unchanged",
        success_review_date=d(14),
        category="operational",
        estimate=8,
    )
    _work(
        acme,
        "platform_lead",
        status=S.INTENTION,
        title="Evaluate a second hosting region",
        team=t["platform"],
        category="optimization",
        estimate=5,
    )
    _work(
        acme,
        "platform_lead",
        status=S.DONE,
        title="Partner API discovery with three vendors",
        team=t["platform"],
        initiative=partners,
        owner=acme.user("platform_lead"),
        start_date=d(-40),
        due_date=d(-21),
        output_kind="decision",
        outputs="Which two vendors to integrate first",
        success_criterion=check,
        success_review_date=d(-20),
        category="strategic",
        estimate=3,
        decision=("revise", "Medatixx first; the second vendor waits for their new API."),
    )
    # Customer Success
    _work(
        acme,
        "success_lead",
        status=S.IN_PROGRESS,
        title="German help centre: top 40 articles",
        team=t["success"],
        initiative=german,
        owner=acme.user("csm"),
        start_date=d(-21),
        due_date=d(14),
        output_kind="asset",
        outputs="40 translated articles",
        success_criterion="German tickets per new clinic down 25 %",
        success_review_date=d(45),
        category="strategic",
        estimate=8,
    )
    _work(
        acme,
        "success_lead",
        status=S.READY,
        title="Quarterly business reviews with top 20 clinics",
        team=t["success"],
        owner=acme.user("csm"),
        due_date=d(28),
        output_kind="other",
        outputs="20 reviews held, notes in CRM",
        success_criterion="Renewal intent captured for all 20",
        success_review_date=d(35),
        category="operational",
        estimate=5,
    )
    _work(
        acme,
        "success_lead",
        status=S.INTENTION,
        title="Onboarding webinar series",
        team=t["success"],
        initiative=german,
        owner=acme.user("csm"),
        category="strategic",
        estimate=3,
    )


def _seed_globex(globex: DemoOrg, today: date) -> None:
    leader = globex.member("leader")
    q = _quarter_start(today)
    objective = services.strategic_objective_create(
        actor=leader,
        statement="Cut order-to-delivery time for regional customers in half",
        rationale="Speed is why regional customers pick us over national carriers.",
        horizon_start=q,
        horizon_end=q + timedelta(days=365),
        trade_offs=["No new product lines while we fix delivery"],
        outcome_measures=["Median order-to-delivery: 6 days → 3 days"],
        owner=globex.user("leader"),
        priority=1,
        status="active",
    )
    initiative = services.initiative_create(
        actor=leader,
        strategic_objective=objective,
        title="Second regional warehouse",
        owner=globex.user("leader"),
        teams=[globex.teams["ops"]],
        start_date=q,
        end_date=q + timedelta(days=120),
        status="active",
    )
    globex.objects.update(delivery=objective, warehouse=initiative)
    _work(
        globex,
        "leader",
        status=S.IN_PROGRESS,
        title="Shortlist warehouse sites",
        team=globex.teams["ops"],
        initiative=initiative,
        owner=globex.user("member"),
        due_date=today + timedelta(days=10),
        output_kind="decision",
        outputs="Three sites ranked",
        success_criterion="Board picks one site",
        success_review_date=today + timedelta(days=14),
        category="strategic",
        estimate=5,
    )
    _work(
        globex,
        "leader",
        status=S.INTENTION,
        title="Renegotiate courier contract",
        team=globex.teams["ops"],
        category="operational",
        estimate=3,
    )


# --- history for the Insight dashboards (part 2) --------------------------------------------


def _backdate(wp: WorkPackage, **moments) -> None:
    """The services stamp each transition with the current time; a demo needs a past.

    Each package first walks through the real transitions (and their rules) via the services;
    only then are its timestamps (started_at, finished_at, decided_at, created_at) moved back.
    """
    WorkPackage.objects.filter(pk=wp.pk).update(**moments)


def _at(day: date, hour: int = 10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


# (team, actor, owner, title, category, points, linked initiative key or "", weeks ago it
# finished, days it took, days late (negative: early), decision at the success check)
# fmt: off
HISTORY = [
    ("growth", "lead", "member", "Clinic search by postcode", "strategic", 5, "selfbook", 11, 6, 0, ""),
    ("growth", "lead", "designer", "Booking widget colour themes", "stakeholder_request", 3, "", 10, 4, 2, ""),
    ("growth", "lead", "member", "Waiting-list sign-up for full days", "strategic", 5, "selfbook", 9, 9, 3, "continue"),
    ("growth", "lead", "designer", "Referral code field at sign-up", "tactical", 2, "", 8, 3, -1, ""),
    ("growth", "lead", "member", "German date formats everywhere", "strategic", 3, "german", 7, 5, 0, ""),
    ("growth", "lead", "member", "Appointment notes for patients", "experimental", 3, "selfbook", 6, 12, 4, "revise"),
    ("growth", "lead", "designer", "Onboarding progress bar for clinics", "strategic", 5, "guided", 5, 7, 0, ""),
    ("growth", "lead", "member", "Patient e-mail preferences page", "tactical", 2, "", 4, 2, 0, ""),
    ("growth", "lead", "member", "Cancellation reasons survey", "strategic", 3, "selfbook", 2, 6, -2, "continue"),
    ("platform", "platform_lead", "dev", "Nightly backup restore drill", "operational", 3, "", 11, 2, 0, ""),
    ("platform", "platform_lead", "dev", "Partner sandbox environment", "strategic", 8, "partners", 10, 15, 5, ""),
    ("platform", "platform_lead", "dev", "Rotate API signing keys", "technical_debt", 2, "", 9, 3, 1, ""),
    ("platform", "platform_lead", "dev", "Webhook retries with backoff", "strategic", 5, "partners", 7, 10, 0, "continue"),
    ("platform", "platform_lead", "dev", "Slow-query dashboard", "optimization", 3, "", 6, 4, 0, ""),
    ("platform", "platform_lead", "dev", "Booking API pagination", "strategic", 5, "selfbook", 4, 8, 2, ""),
    ("platform", "platform_lead", "dev", "Certificate renewal automation", "operational", 2, "", 3, 1, 0, ""),
    ("platform", "platform_lead", "dev", "Vendor API contract tests", "experimental", 3, "partners", 1, 9, 6, "stop"),
    ("success", "success_lead", "csm", "Renewal call checklist", "tactical", 2, "", 10, 5, 0, ""),
    ("success", "success_lead", "csm", "German FAQ for reception desks", "strategic", 3, "german", 8, 8, 2, "continue"),
    ("success", "success_lead", "csm", "Escalation rota for key accounts", "stakeholder_request", 3, "", 6, 3, 1, ""),
    ("success", "success_lead", "csm", "Churn interviews with five clinics", "strategic", 5, "guided", 5, 14, 7, "revise"),
    ("success", "success_lead", "csm", "Quarterly NPS mailing", "operational", 2, "", 3, 2, 0, ""),
    ("success", "success_lead", "csm", "Clinic manager office hours", "strategic", 3, "german", 1, 6, 0, ""),
]
# fmt: on
STORIES = {
    "continue": "Delivered what it promised; keep going.",
    "revise": "Useful, but slower than planned: narrower scope next round.",
    "stop": "The vendors will not commit to a contract format; stop until they do.",
}


def _seed_history(acme: DemoOrg, today: date) -> None:
    """Finished work over the last weeks, and past start and finish times for the work the demo
    already walked through, so the Alignment and Delivery dashboards have weeks to show."""
    check = "Continue if it moves the outcome it serves; otherwise revise or stop."
    this_monday = today - timedelta(days=today.weekday())
    for row in HISTORY:
        team, actor, owner, title, category, points, link, weeks_ago, took, late, decision = row
        finished = this_monday - timedelta(weeks=weeks_ago) + timedelta(days=(len(title) % 5))
        review = finished + timedelta(days=7)
        if not decision and weeks_ago > 3:
            decision = "continue"  # reviewed in its weekly delivery review
        wp = _work(
            acme,
            actor,
            status=S.DONE,
            decision=(decision, STORIES[decision]) if decision else None,
            title=title,
            team=acme.teams[team],
            initiative=acme.objects[link] if link else None,
            owner=acme.user(owner),
            category=category,
            estimate=points,
            start_date=finished - timedelta(days=took),
            due_date=finished - timedelta(days=late),
            output_kind="release",
            outputs=title,
            success_criterion=check,
            success_review_date=review,
        )
        moments = {
            "created_at": _at(finished - timedelta(days=took + 5)),
            "started_at": _at(finished - timedelta(days=took)),
            "finished_at": _at(finished, 16),
        }
        if decision:
            moments["decided_at"] = _at(finished if decision == "stop" else min(review, today), 11)
        _backdate(wp, **moments)
    # The work walked through earlier started (and finished) "now": give it its own past.
    for wp in WorkPackage.objects.filter(
        organization=acme.organization, started_at__isnull=False
    ).exclude(title__in=[h[3] for h in HISTORY]):
        started = wp.start_date or (wp.due_date or today) - timedelta(days=12)
        started = min(started, today - timedelta(days=1))
        ended: date | None = None
        if wp.finished_at is not None:
            ended = min(max(wp.due_date or today, started + timedelta(days=1)), today)
        _backdate(
            wp,
            started_at=_at(started, 9),
            finished_at=_at(ended, 15) if ended else None,
            decided_at=_at(ended or today, 17) if wp.decided_at else None,
        )
    # Two intentions that never became tactics.
    for title, days in (
        ("Rework the pricing page for clinics", 24),
        ("Evaluate a second hosting region", 12),
    ):
        WorkPackage.objects.filter(organization=acme.organization, title=title).update(
            created_at=_at(today - timedelta(days=days))
        )
