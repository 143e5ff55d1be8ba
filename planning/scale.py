"""Strategy and work for `manage.py seed_scale` (bulk inserts, deterministic for a seed)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

from core.models import Role
from core.scale import BATCH, ScaleContext, insert
from planning.models import Initiative, StrategicObjective, WorkPackage

S = WorkPackage.Status
CATEGORIES = [c for c, _ in WorkPackage.Category.choices]


def clear(organization_id) -> None:
    with connection.cursor() as cursor:
        org = str(organization_id)
        cursor.execute("DELETE FROM planning_workpackage WHERE organization_id = %s", [org])
        cursor.execute(
            "DELETE FROM planning_initiative_teams WHERE initiative_id IN "
            "(SELECT id FROM planning_initiative WHERE organization_id = %s)",
            [org],
        )
        cursor.execute("DELETE FROM planning_initiative WHERE organization_id = %s", [org])
        cursor.execute("DELETE FROM planning_strategicobjective WHERE organization_id = %s", [org])


def seed(context: ScaleContext) -> None:
    rng, sizes, org = context.rng, context.sizes, context.organization
    today = timezone.localdate()
    start = date(today.year, 1, 1)
    leaders = [
        m.user for m in context.memberships if m.role in (Role.ADMIN, Role.LEADER)
    ] or context.users
    owners = context.users

    objectives = [
        StrategicObjective(
            id=context.uuid(),
            organization=org,
            statement=f"Outcome {i:03d}: customers in segment {i} choose us first",
            rationale="Synthetic data for benchmarks.",
            horizon_start=start,
            horizon_end=start + timedelta(days=730),
            trade_offs=["No enterprise deals", "No on-premise installs"],
            outcome_measures=["Share of segment: 10 % → 25 %"],
            owner=rng.choice(leaders),
            priority=i + 1,
            status="active" if i < sizes["strategic_objectives"] * 0.8 else "draft",
        )
        for i in range(sizes["strategic_objectives"])
    ]
    StrategicObjective.objects.bulk_create(objectives, batch_size=BATCH)

    initiatives = [
        Initiative(
            id=context.uuid(),
            organization=org,
            strategic_objective=objectives[i % len(objectives)],
            title=f"Initiative {i:04d}",
            owner=rng.choice(owners),
            start_date=start + timedelta(days=90 * (i % 8)),
            end_date=start + timedelta(days=90 * (i % 8) + 89),
            status=rng.choice(["planned", "active", "active", "completed"]),
        )
        for i in range(sizes["initiatives"])
    ]
    Initiative.objects.bulk_create(initiatives, batch_size=BATCH)
    Through = Initiative.teams.through
    Through.objects.bulk_create(
        [
            Through(
                initiative_id=ini.pk, team_id=context.teams[(i * 7 + k) % len(context.teams)].pk
            )
            for i, ini in enumerate(initiatives)
            for k in range(2)
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )

    now = timezone.now()
    packages = []
    for i in range(sizes["work_packages"]):
        status = rng.choices(
            [S.INTENTION, S.READY, S.IN_PROGRESS, S.DONE, S.STOPPED], weights=[15, 20, 20, 40, 5]
        )[0]
        complete = status not in (S.INTENTION,) or rng.random() < 0.3
        due = today + timedelta(days=rng.randint(-120, 60))
        linked = rng.random() < 0.75
        created = now - timedelta(days=rng.randint(1, 365), minutes=i % 1440)
        packages.append(
            WorkPackage(
                id=context.uuid(),
                organization=org,
                title=f"Work package {i:06d}",
                team=context.teams[i % len(context.teams)],
                initiative=initiatives[i % len(initiatives)] if linked and initiatives else None,
                owner=rng.choice(owners) if complete else None,
                start_date=due - timedelta(days=14) if complete else None,
                due_date=due if complete else None,
                success_criterion="The number moved" if complete else "",
                success_review_date=due + timedelta(days=7) if complete else None,
                category=rng.choice(CATEGORIES),
                estimate=rng.choice([1, 2, 3, 5, 8, 13]),
                status=status,
                started_at=created + timedelta(days=2)
                if status in (S.IN_PROGRESS, S.DONE)
                else None,
                finished_at=created + timedelta(days=rng.randint(3, 30))
                if status in (S.DONE, S.STOPPED)
                else None,
                source="scale" if i % 2 else "",
                external_id=f"SC-{i:06d}" if i % 2 else "",
                created_at=created,
                updated_at=created,
            )
        )
    insert(packages)  # keeps created_at/updated_at (bulk_create would stamp them with now)
    context.objects.update(
        strategic_objectives=objectives, initiatives=initiatives, work_packages=packages
    )
