"""Demo OKRs and KPIs for Acme and Globex, written through the same services as the pages.

Acme gets last quarter (graded, closed, two key results carried over) and this quarter (active),
with weekly check-ins that make the charts tell a story: some results on track, some at risk,
one off track, one stale, and a few written the way the quality advice warns about.
"""

from __future__ import annotations

import random
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from core.demo import DemoOrg
from okrs import rules, services
from okrs.models import Cycle, KeyResult, Objective
from planning.models import WorkPackage


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _quarter_name(start: date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


@dataclass
class Story:
    """How a key result moved, confidence going from c0 to c1. In a closed cycle ``reached`` is
    the progress at the last check-in; in an active one it is the pace against the ideal line
    (1.0 on it, 0.5 half as far), so the story holds whichever day of the quarter it is."""

    reached: float
    c0: int
    c1: int
    shape: float = 1.0  # >1 starts slow, <1 starts fast
    last_days_ago: int = 2  # in an active cycle: days since the latest check-in
    notes: tuple[str, ...] = ()


def _check_ins(demo: DemoOrg, owner: str, kr: KeyResult, cycle: Cycle, story: Story, today: date):
    """Weekly check-ins, Monday mornings in the organization's time zone, from the cycle's first
    week to the latest one the story allows."""
    tz = zoneinfo.ZoneInfo(demo.organization.timezone)
    last = (
        cycle.end_date - timedelta(days=2)
        if cycle.end_date < today
        else today - timedelta(days=story.last_days_ago)
    )
    days = []
    day = last
    while day >= cycle.start_date + timedelta(days=4):
        days.append(day)
        day -= timedelta(days=7)
    days.reverse()
    if not days:
        return
    reached = story.reached
    if cycle.end_date >= today:
        reached *= rules.expected_progress(start=cycle.start_date, end=cycle.end_date, today=last)
    rng = random.Random(f"{kr.title}-{cycle.name}")  # noqa: S311 - demo data, not security
    start, target = float(kr.start_value), float(kr.target_value)
    # Counts of things (clinics, seconds, articles) move in whole steps; rates in tenths.
    whole = kr.metric_kind in ("milestone", "boolean") or (
        abs(target - start) >= 10 and kr.metric_kind != "percentage"
    )
    notes = list(story.notes)
    for i, day in enumerate(days, start=1):
        t = i / len(days)
        share = reached * t**story.shape
        if i < len(days):
            share += rng.uniform(-0.04, 0.04)
        value = start + (target - start) * share
        value = round(value) if whole else round(value, 1)
        confidence = round(story.c0 + (story.c1 - story.c0) * t)
        note = notes.pop(0) if notes and (i == len(days) or rng.random() < 0.35) else ""
        services.check_in_create(
            actor=demo.member(owner),
            key_result=kr,
            value=Decimal(str(value)),
            confidence=confidence,
            note=note,
            checked_in_at=timezone.make_aware(datetime.combine(day, time(9, 30)), tz),
        )


def _kr(demo, objective, writer, owner, title, kind, start, target, *, unit="", kpi=None, weight=1):
    return services.key_result_create(
        actor=demo.member(writer),
        objective=objective,
        title=title,
        metric_kind=kind,
        unit=unit,
        start_value=Decimal(str(start)),
        target_value=Decimal(str(target)),
        owner=demo.user(owner) if owner else None,
        outcome_measure=kpi,
        weight=Decimal(str(weight)),
    )


def _kpi(
    demo, objective, name, unit, direction, target, history, today, source="", target_date=None
):
    """A KPI with monthly values, the last one this month."""
    measure = services.outcome_measure_create(
        actor=demo.member("leader"),
        strategic_objective=objective,
        name=name,
        unit=unit,
        direction=direction,
        target_value=Decimal(str(target)),
        target_date=target_date,
    )
    first = _add_months(today.replace(day=1), -(len(history) - 1))
    for i, value in enumerate(history):
        services.outcome_measure_record_value(
            actor=demo.member("leader"),
            measure=measure,
            value=Decimal(str(value)),
            observed_on=_add_months(first, i),
            source=source,
        )
    return measure


def _link(demo: DemoOrg, kr: KeyResult, title: str) -> None:
    work_package = WorkPackage.objects.filter(organization=demo.organization, title=title).first()
    if work_package is not None:
        services.contribution_add(
            actor=demo.member("leader"), key_result=kr, work_package=work_package
        )


def seed(context: dict) -> None:
    today = timezone.localdate()
    _seed_acme(context["acme"], today)
    _seed_globex(context["globex"], today)


def _seed_acme(acme: DemoOrg, today: date) -> None:
    leader = acme.member("leader")
    dach, booking, onboarding = (acme.objects[k] for k in ("dach", "booking", "onboarding"))
    t = acme.teams

    # KPIs: the business outcomes that judge each strategic objective, over 15 months.
    share = _kpi(
        acme,
        dach,
        "Share of mid-size DACH clinics on Acme",
        "%",
        "increase",
        20,
        [8.0, 8.2, 8.3, 8.7, 8.9, 9.0, 9.4, 9.6, 9.9, 10.1, 10.4, 10.9, 11.1, 11.4, 11.8],
        today,
        target_date=_add_months(today, 20),
    )
    nrr = _kpi(
        acme,
        dach,
        "Net revenue retention",
        "%",
        "increase",
        110,
        [99, 99, 100, 101, 100, 101, 102, 102, 101, 102, 103, 103, 103, 104, 103.5],
        today,
        source="finance export",
    )
    online = _kpi(
        acme,
        booking,
        "Share of bookings made online",
        "%",
        "increase",
        70,
        [35, 36, 37, 37, 39, 40, 41, 43, 44, 45, 47, 48, 50, 51, 53],
        today,
    )
    _kpi(
        acme,
        booking,
        "Calls per 100 appointments",
        "calls",
        "decrease",
        15,
        [40, 40, 39, 38, 38, 37, 36, 35, 35, 34, 33, 32, 31, 30, 29],
        today,
    )
    week_one = _kpi(
        acme,
        onboarding,
        "Clinics with 50 bookings in their first week",
        "%",
        "increase",
        60,
        [30, 31, 30, 33, 34, 35, 36, 37, 38, 40, 41, 41, 42, 42, 43],
        today,
    )

    current_start = _quarter_start(today)
    previous_start = _add_months(current_start, -3)
    previous = services.cycle_create(
        actor=leader,
        name=_quarter_name(previous_start),
        start_date=previous_start,
        end_date=current_start - timedelta(days=1),
        status="active",
    )
    current = services.cycle_create(
        actor=leader,
        name=_quarter_name(current_start),
        start_date=current_start,
        end_date=_add_months(current_start, 3) - timedelta(days=1),
        status="active",
    )

    # --- last quarter: checked in every week, then graded and closed ---------------------
    def objective(cycle, writer, **fields) -> Objective:
        return services.objective_create(actor=acme.member(writer), cycle=cycle, **fields)

    p_dach = objective(
        previous,
        "leader",
        level="organization",
        strategic_objective=dach,
        owner=acme.user("leader"),
        statement="Mid-size clinics in Germany pick Acme over their spreadsheet",
        description="Win the clinics that have outgrown spreadsheets before a hospital suite wins them.",
    )
    kr = _kr(
        acme,
        p_dach,
        "leader",
        "success_lead",
        "New mid-size DACH clinics signed",
        "number",
        0,
        40,
        unit="clinics",
    )
    _check_ins(
        acme,
        "success_lead",
        kr,
        previous,
        Story(
            0.85,
            6,
            8,
            1.1,
            notes=(
                "Two chains signed in the same week.",
                "Summer slowed demos down.",
                "34 signed; the Bavarian chain slipped to Q4.",
            ),
        ),
        today,
    )
    kr = _kr(
        acme,
        p_dach,
        "leader",
        "leader",
        "Trial-to-paid conversion of DACH clinics",
        "percentage",
        18,
        25,
    )
    _check_ins(
        acme,
        "leader",
        kr,
        previous,
        Story(0.71, 5, 7, notes=("The German trial e-mails help.",)),
        today,
    )
    p_success = objective(
        previous,
        "success_lead",
        level="team",
        team=t["success"],
        parent=p_dach,
        owner=acme.user("success_lead"),
        statement="German-speaking clinic managers get answers without waiting",
    )
    kr = _kr(
        acme,
        p_success,
        "success_lead",
        "csm",
        "Median first response to German tickets",
        "number",
        9,
        2,
        unit="hours",
    )
    _check_ins(
        acme,
        "csm",
        kr,
        previous,
        Story(0.79, 5, 8, 0.8, notes=("Second German-speaking agent started.",)),
        today,
    )
    p_selfservice = _kr(
        acme,
        p_success,
        "success_lead",
        "csm",
        "German tickets solved by self-service",
        "percentage",
        10,
        30,
    )
    _check_ins(
        acme,
        "csm",
        p_selfservice,
        previous,
        Story(
            0.45,
            6,
            3,
            1.3,
            notes=(
                "Help centre articles are still mostly English.",
                "Will not make it: translation started late.",
            ),
        ),
        today,
    )
    p_platform = objective(
        previous,
        "platform_lead",
        level="team",
        team=t["platform"],
        parent=p_dach,
        owner=acme.user("platform_lead"),
        statement="Partner clinics trust the practice-software sync",
    )
    kr = _kr(
        acme,
        p_platform,
        "platform_lead",
        "dev",
        "Sync errors per 1,000 bookings",
        "number",
        12,
        2,
        unit="errors",
    )
    _check_ins(
        acme,
        "dev",
        kr,
        previous,
        Story(0.7, 5, 7, 0.9, notes=("Retry queue shipped; errors halved.",)),
        today,
    )

    p_booking = objective(
        previous,
        "cto",
        level="organization",
        strategic_objective=booking,
        owner=acme.user("cto"),
        statement="Patients move appointments without calling the clinic",
    )
    p_reschedule = _kr(
        acme, p_booking, "cto", "lead", "Reschedules done online", "percentage", 5, 25, kpi=online
    )
    _check_ins(
        acme,
        "lead",
        p_reschedule,
        previous,
        Story(
            0.45,
            7,
            4,
            1.4,
            notes=(
                "Usability test shows the slot picker confuses people.",
                "Half way: the reschedule link slips to Q4.",
            ),
        ),
        today,
    )
    kr = _kr(
        acme,
        p_booking,
        "cto",
        "cto",
        "Calls per 100 appointments at pilot clinics",
        "number",
        40,
        30,
        unit="calls",
    )
    _check_ins(acme, "cto", kr, previous, Story(0.7, 6, 7), today)
    p_growth = objective(
        previous,
        "lead",
        level="team",
        team=t["growth"],
        parent=p_booking,
        owner=acme.user("lead"),
        statement="Patients find the reschedule option on their own",
    )
    kr = _kr(
        acme,
        p_growth,
        "lead",
        "designer",
        "Patients who reschedule unaided in usability tests",
        "percentage",
        50,
        80,
    )
    _check_ins(
        acme,
        "designer",
        kr,
        previous,
        Story(1.0, 6, 9, 0.7, notes=("7 of 8 finished unaided.",)),
        today,
    )

    services.cycle_close(
        actor=leader,
        cycle=previous,
        grades={
            p_dach.pk: (
                "0.8",
                "Strong pipeline; the Bavarian chain slipped. Sign earlier in the quarter.",
            ),
            p_success.pk: (
                "0.6",
                "Response times fell, self-service did not: translate before we measure.",
            ),
            p_platform.pk: ("0.7", "The retry queue fixed most errors; the rest are partner-side."),
            p_booking.pk: (
                "0.5",
                "Calls fell at pilots, but the online share stalled on the slot picker.",
            ),
            p_growth.pk: ("0.9", "Usability target beaten: keep testing every release."),
        },
        carry_over=[p_selfservice, p_reschedule],
        next_cycle=current,
    )

    # --- this quarter: active, checked in up to this week --------------------------------
    c_dach = objective(
        current,
        "leader",
        level="organization",
        strategic_objective=dach,
        owner=acme.user("leader"),
        statement="Mid-size DACH clinics choose Acme as their default scheduler",
        description="The second step of the DACH strategy: from winning clinics to being the obvious choice.",
    )
    kr = _kr(
        acme,
        c_dach,
        "leader",
        "success_lead",
        "New mid-size DACH clinics signed",
        "number",
        0,
        45,
        unit="clinics",
        kpi=share,
    )
    _check_ins(
        acme,
        "success_lead",
        kr,
        current,
        Story(
            1.0,
            7,
            7,
            notes=(
                "The Bavarian chain signed: 6 clinics at once.",
                "Pipeline healthy for December.",
            ),
        ),
        today,
    )
    kr = _kr(
        acme,
        c_dach,
        "leader",
        "leader",
        "Net revenue retention of DACH clinics",
        "percentage",
        101,
        108,
        kpi=nrr,
    )
    _check_ins(
        acme,
        "leader",
        kr,
        current,
        Story(0.6, 7, 5, notes=("Two downgrades after the price change.",)),
        today,
    )
    kr = _kr(
        acme,
        c_dach,
        "leader",
        "platform_lead",
        "New clinics live within 7 days of signing",
        "percentage",
        40,
        70,
    )
    _check_ins(
        acme,
        "platform_lead",
        kr,
        current,
        Story(1.1, 6, 8, 0.9, notes=("Import wizard cut setup to 4 days.",)),
        today,
    )

    # Carried over without its parent: the lead hangs it under this quarter's DACH objective.
    c_success = services.objective_update(
        actor=acme.member("success_lead"),
        objective=Objective.objects.get(cycle=current, carried_from=p_success),
        parent=c_dach,
    )
    kr = KeyResult.objects.get(objective=c_success, carried_from=p_selfservice)
    _check_ins(
        acme,
        "csm",
        kr,
        current,
        Story(0.75, 6, 6, notes=("Top 20 articles translated; deflection rising.",)),
        today,
    )
    _link(acme, kr, "German help centre: top 40 articles")
    kr = _kr(
        acme,
        c_success,
        "success_lead",
        "csm",
        "Publish 40 German help centre articles",
        "number",
        0,
        40,
        unit="articles",
    )
    _check_ins(acme, "csm", kr, current, Story(1.05, 8, 8), today)

    c_platform = objective(
        current,
        "platform_lead",
        level="team",
        team=t["platform"],
        parent=c_dach,
        owner=acme.user("platform_lead"),
        statement="Partner clinics run their day without touching two systems",
    )
    kr = _kr(
        acme,
        c_platform,
        "platform_lead",
        "dev",
        "Clinics syncing with their practice software",
        "number",
        3,
        25,
        unit="clinics",
    )
    _check_ins(
        acme,
        "dev",
        kr,
        current,
        Story(0.45, 6, 4, 1.5, notes=("Medatixx certification takes longer than planned.",)),
        today,
    )
    _link(acme, kr, "Connector for Medatixx practice software")
    kr = _kr(
        acme,
        c_platform,
        "platform_lead",
        "dev",
        "Sync errors per 1,000 bookings",
        "number",
        5,
        1,
        unit="errors",
    )
    _check_ins(acme, "dev", kr, current, Story(1.05, 7, 7), today)

    c_booking = Objective.objects.get(cycle=current, carried_from=p_booking)
    kr = KeyResult.objects.get(objective=c_booking, carried_from=p_reschedule)
    _check_ins(
        acme, "lead", kr, current, Story(0.8, 6, 6, notes=("Reschedule link is in review.",)), today
    )
    _link(acme, kr, "Reschedule link in confirmation e-mails")
    kr = _kr(
        acme,
        c_booking,
        "cto",
        "lead",
        "Share of bookings made online",
        "percentage",
        45,
        60,
        kpi=online,
    )
    _check_ins(acme, "lead", kr, current, Story(0.95, 7, 7), today)

    c_growth = objective(
        current,
        "lead",
        level="team",
        team=t["growth"],
        parent=c_booking,
        owner=acme.user("lead"),
        statement="Patients rebook a cancelled slot in under a minute",
    )
    kr = _kr(
        acme,
        c_growth,
        "lead",
        "member",
        "Median time to rebook a cancelled slot",
        "number",
        140,
        60,
        unit="seconds",
    )
    _check_ins(
        acme,
        "member",
        kr,
        current,
        Story(0.9, 6, 7, 0.9, last_days_ago=8, notes=("Slot picker prototype: 95 s in tests.",)),
        today,
    )
    _link(acme, kr, "Patient-facing calendar view of free slots")
    kr = _kr(
        acme,
        c_growth,
        "lead",
        "member",
        "Cancelled slots re-booked within 24 hours",
        "percentage",
        20,
        45,
    )
    _check_ins(acme, "member", kr, current, Story(0.75, 6, 6, last_days_ago=8), today)
    _link(acme, kr, "Reschedule link in confirmation e-mails")
    kr = _kr(
        acme,
        c_growth,
        "lead",
        "designer",
        "Reschedule link live in confirmation e-mails",
        "boolean",
        0,
        1,
        weight="0.5",
    )
    _check_ins(acme, "designer", kr, current, Story(0.0, 8, 8), today)

    c_onboarding = objective(
        current,
        "leader",
        level="organization",
        strategic_objective=onboarding,
        owner=acme.user("leader"),
        statement="New clinics reach 50 bookings in their first week on their own",
    )
    kr = _kr(
        acme,
        c_onboarding,
        "leader",
        "lead",
        "Clinics with 50 bookings in their first week",
        "percentage",
        41,
        50,
        kpi=week_one,
    )
    _check_ins(
        acme,
        "lead",
        kr,
        current,
        Story(0.35, 5, 3, 1.2, notes=("The German checklist is late; week-one numbers flat.",)),
        today,
    )
    _link(acme, kr, "German onboarding checklist in the app")
    kr = _kr(
        acme, c_onboarding, "leader", "designer", "Guided setup steps shipped", "milestone", 0, 5
    )
    _check_ins(acme, "designer", kr, current, Story(0.7, 7, 6, last_days_ago=20), today)

    c_crm = objective(
        current,
        "success_lead",
        level="team",
        team=t["success"],
        owner=acme.user("success_lead"),
        statement="Implement the new CRM",
    )
    _kr(acme, c_crm, "success_lead", None, "Complete the CRM migration", "boolean", 0, 1)

    acme.objects.update(okr_current=current, okr_previous=previous)


def _seed_globex(globex: DemoOrg, today: date) -> None:
    leader = globex.member("leader")
    start = _quarter_start(today)
    cycle = services.cycle_create(
        actor=leader,
        name=_quarter_name(start),
        start_date=start,
        end_date=_add_months(start, 3) - timedelta(days=1),
        status="active",
    )
    objective = services.objective_create(
        actor=leader,
        cycle=cycle,
        level="organization",
        strategic_objective=globex.objects["delivery"],
        owner=globex.user("leader"),
        statement="Regional customers get their orders in four days",
    )
    kr = _kr(
        globex,
        objective,
        "leader",
        "leader",
        "Median order-to-delivery time",
        "number",
        6,
        4,
        unit="days",
    )
    _check_ins(globex, "leader", kr, cycle, Story(0.9, 6, 7), today)
    globex.objects.update(okr_current=cycle)
