"""OKRs for `manage.py seed_scale`: cycles, objectives, key results, check-ins spread over each
cycle, and work packages contributing to key results (bulk inserts, deterministic for a seed)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from core.scale import ScaleContext, insert
from okrs.models import CheckIn, Contribution, Cycle, KeyResult, Objective

TABLES = ["okrs_checkin", "okrs_contribution", "okrs_keyresult", "okrs_objective", "okrs_cycle"]


def clear(organization_id) -> None:
    with connection.cursor() as cursor:
        org = str(organization_id)
        # Objectives point at each other (parent): drop the links first.
        cursor.execute(
            "UPDATE okrs_objective SET parent_id = NULL, carried_from_id = NULL "
            "WHERE organization_id = %s",
            [org],
        )
        cursor.execute(
            "UPDATE okrs_keyresult SET carried_from_id = NULL WHERE organization_id = %s", [org]
        )
        for table in TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE organization_id = %s", [org])  # noqa: S608 - fixed names


def _quarters(today: date) -> list[tuple[date, date]]:
    """The four quarters of this year."""
    starts = [date(today.year, month, 1) for month in (1, 4, 7, 10)]
    ends = [*(s - timedelta(days=1) for s in starts[1:]), date(today.year, 12, 31)]
    return list(zip(starts, ends, strict=True))


def seed(context: ScaleContext) -> None:
    rng, sizes, org = context.rng, context.sizes, context.organization
    today = timezone.localdate()
    now = timezone.now()
    tz = timezone.get_current_timezone()
    users = context.users
    strategic = context.objects.get("strategic_objectives") or []

    cycles = []
    for q, (start, end) in enumerate(_quarters(today), start=1):
        closed = end < today
        status = "closed" if closed else ("active" if start <= today else "planning")
        cycles.append(
            Cycle(
                id=context.uuid(),
                organization=org,
                name=f"Q{q} {today.year}",
                start_date=start,
                end_date=end,
                status=status,
                closed_at=datetime.combine(end + timedelta(days=3), time(17), tz)
                if closed
                else None,
                created_at=datetime.combine(start - timedelta(days=21), time(9), tz),
                updated_at=datetime.combine(start - timedelta(days=21), time(9), tz),
            )
        )
    insert(cycles)

    # A tenth of each cycle's objectives are the organization's (each serving a strategic
    # objective); the rest are team objectives cascading from them.
    objectives: list[Objective] = []
    per_cycle = max(1, sizes["objectives"] // len(cycles))
    for i in range(sizes["objectives"]):
        cycle = cycles[min(i // per_cycle, len(cycles) - 1)]
        org_level = bool(strategic) and (i % 10 == 0 or not objectives)
        parents = [o for o in objectives[-50:] if o.level == "organization" and o.cycle is cycle]
        team = context.teams[i % len(context.teams)]
        closed = cycle.status == "closed"
        created = datetime.combine(
            cycle.start_date - timedelta(days=rng.randint(1, 14)), time(10), tz
        )
        objectives.append(
            Objective(
                id=context.uuid(),
                organization=org,
                cycle=cycle,
                level="organization" if org_level else "team",
                team=None if org_level else team,
                statement=f"Objective {i:05d}: customers feel the difference in area {i % 97}",
                owner=rng.choice(users),
                # Every tenth objective, round the strategic objectives: each gets its share.
                strategic_objective=strategic[(i // 10) % len(strategic)] if org_level else None,
                parent=None if org_level or not parents else rng.choice(parents),
                grade=Decimal(rng.randint(0, 100)) / 100 if closed else None,
                graded_at=cycle.closed_at if closed else None,
                retrospective="Graded at the cycle's close." if closed else "",
                created_at=created,
                updated_at=created,
            )
        )
    # Parents first: the self-reference must exist at insert time.
    insert([o for o in objectives if o.parent is None])
    insert([o for o in objectives if o.parent is not None])

    key_results: list[KeyResult] = []
    for i in range(sizes["key_results"]):
        objective = objectives[i % len(objectives)]
        increase = rng.random() < 0.8
        start_value, target = (
            (Decimal(0), Decimal(rng.choice([10, 50, 100, 500])))
            if increase
            else (
                Decimal(100),
                Decimal(rng.choice([20, 50, 80])),
            )
        )
        key_results.append(
            KeyResult(
                id=context.uuid(),
                organization=org,
                objective=objective,
                title=f"Key result {i:05d}: move metric {i % 211}",
                metric_kind=rng.choice(["number", "number", "percentage", "currency"]),
                unit=rng.choice(["", "%", "EUR", "users"]),
                start_value=start_value,
                target_value=target,
                direction="increase" if increase else "decrease",
                weight=Decimal(rng.choice([1, 1, 1, 2])),
                owner=rng.choice(users),
                created_at=objective.created_at,
                updated_at=objective.created_at,
            )
        )
    insert(key_results)

    # Check-ins: weekly-ish across each key result's cycle, up to today, moving towards the target.
    check_ins: list[CheckIn] = []
    total = sizes["check_ins"]
    for i in range(total):
        kr = key_results[i % len(key_results)] if key_results else None
        if kr is None:
            break
        cycle = kr.objective.cycle
        last = min(cycle.end_date, today)
        first = cycle.start_date if cycle.start_date <= last else last
        span = max((last - first).days, 0)
        day = first + timedelta(days=rng.randint(0, span))
        share = Decimal(rng.randint(0, 110)) / 100 * Decimal((day - cycle.start_date).days + 1) / 92
        value = kr.start_value + (kr.target_value - kr.start_value) * min(share, Decimal("1.2"))
        at = datetime.combine(day, time(9 + i % 8, i % 60), tz)
        check_ins.append(
            CheckIn(
                id=context.uuid(),
                organization=org,
                key_result=kr,
                value=value.quantize(Decimal("0.0001")),
                confidence=rng.randint(2, 10),
                note="On track." if i % 3 else "Slipping: waiting on another team.",
                author=kr.owner,
                checked_in_at=min(at, now),
                created_at=min(at, now),
            )
        )
    insert(check_ins)

    # A fifth of the work packages feed a key result (each at most one, so no pair repeats).
    packages = context.objects.get("work_packages") or []
    contributions = [
        Contribution(
            id=context.uuid(),
            organization=org,
            key_result=key_results[i % len(key_results)],
            work_package=wp,
            created_at=wp.created_at,
        )
        for i, wp in enumerate(packages[::5])
        if key_results
    ]
    insert(contributions)
    context.objects.update(
        cycles=cycles,
        objectives=objectives,
        key_results=key_results,
        check_ins=check_ins,
        contributions=contributions,
    )
