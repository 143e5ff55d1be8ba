"""The backlog for `manage.py seed_scale`: each team's scoring model and capacity policy, scores,
ideas, and two-week sprints with their commitments (bulk inserts, deterministic for a seed)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from backlog.models import (
    CapacityPolicy,
    Idea,
    ScoringModel,
    Sprint,
    SprintCommitment,
    WorkPackageScore,
)
from core.scale import ScaleContext, insert
from planning.models import WorkPackage

S = WorkPackage.Status
TABLES = [
    "backlog_sprintcommitment",
    "backlog_sprint",
    "backlog_rankchange",
    "backlog_idea",
    "backlog_workpackagescore",
    "backlog_capacitypolicy",
    "backlog_scoringmodel",
]
COMMITMENTS_PER_SPRINT = 12


def clear(organization_id) -> None:
    with connection.cursor() as cursor:
        for table in TABLES:
            sql = f"DELETE FROM {table} WHERE organization_id = %s"  # noqa: S608 - fixed names
            cursor.execute(sql, [str(organization_id)])


def seed(context: ScaleContext) -> None:
    rng, sizes, org = context.rng, context.sizes, context.organization
    today = timezone.localdate()
    now = timezone.now()
    tz = timezone.get_current_timezone()
    teams, users = context.teams, context.users
    leads = context.users[: max(1, len(users) // 10)]

    scoring = [
        ScoringModel(
            id=context.uuid(),
            organization=org,
            team=team,
            preset=["weighted", "weighted", "rice", "wsjf"][i % 4],
        )
        for i, team in enumerate(teams)
    ]
    insert(scoring)
    policies = [
        CapacityPolicy(
            id=context.uuid(),
            organization=org,
            team=team,
            strategic_share=(share := rng.choice([50, 60, 70, 80])),
            tactical_share=100 - share,
        )
        for team in teams
    ]
    insert(policies)

    packages: list[WorkPackage] = context.objects.get("work_packages") or []
    by_team: dict = defaultdict(list)
    for wp in packages:
        by_team[wp.team_id].append(wp)

    # Half of the open work carries a score; a few are placed by hand.
    scores = []
    for i, wp in enumerate(wp for wp in packages if wp.status not in (S.DONE, S.STOPPED)):
        if i % 2:
            continue
        hand = i % 40 == 0
        scores.append(
            WorkPackageScore(
                id=context.uuid(),
                organization=org,
                work_package=wp,
                impact=rng.randint(1, 5),
                urgency=rng.randint(1, 5),
                effort=rng.randint(1, 5),
                risk=rng.randint(1, 5),
                dependencies=rng.randint(1, 5),
                reach=rng.randint(10, 5000),
                confidence=rng.choice([50, 80, 100]),
                rank_key=float(i) if hand else None,
                ranked_at=now if hand else None,
                ranked_by=rng.choice(leads) if hand else None,
                rank_reason="Customer escalation" if hand else "",
            )
        )
    insert(scores)

    strategic = context.objects.get("strategic_objectives") or []
    ideas = []
    for i in range(len(teams) * 5):
        status = ["new", "new", "shortlisted", "rejected"][i % 4]
        ideas.append(
            Idea(
                id=context.uuid(),
                organization=org,
                team=teams[i % len(teams)],
                title=f"Idea {i:05d}",
                rationale="It would serve the strategy by removing a step.",
                strategic_objective=strategic[i % len(strategic)] if strategic and i % 3 else None,
                proposer=rng.choice(users),
                status=status,
                shortlisted_at=now if status == "shortlisted" else None,
                decided_at=now if status == "rejected" else None,
                rejection_reason="Not now: capacity is spoken for." if status == "rejected" else "",
            )
        )
    insert(ideas)

    # Two-week sprints per team, back to back up to the current one (open); earlier ones closed.
    sprints: list[Sprint] = []
    per_team = max(1, sizes["sprints"] // len(teams)) if sizes["sprints"] else 0
    for n in range(sizes["sprints"]):
        team = teams[n % len(teams)]
        back = per_team - 1 - (n // len(teams)) % per_team  # 0 = the current sprint
        start = today - timedelta(days=today.weekday()) - timedelta(days=14 * back)
        end = start + timedelta(days=13)
        closed = end < today
        sprints.append(
            Sprint(
                id=context.uuid(),
                organization=org,
                team=team,
                name=f"Sprint {start:%Y-%m-%d}",
                goal="Ship the next slice of the initiative.",
                start_date=start,
                end_date=end,
                capacity_points=rng.choice([20, 30, 40]),
                status="closed" if closed else "open",
                closed_at=datetime.combine(end, time(17), tz) if closed else None,
                closed_by=rng.choice(leads) if closed else None,
                close_note="Closed in the review." if closed else "",
                created_at=datetime.combine(start - timedelta(days=1), time(10), tz),
                updated_at=datetime.combine(start - timedelta(days=1), time(10), tz),
            )
        )
    insert(sprints)

    # Each sprint commits a dozen of its team's work packages: done ones in closed sprints,
    # ready or in-progress ones in the open sprint. A package sits in at most one sprint.
    cursor_by_team: dict = defaultdict(int)
    commitments = []
    for sprint in sprints:
        pool = by_team.get(sprint.team_id, [])
        for _ in range(COMMITMENTS_PER_SPRINT):
            position = cursor_by_team[sprint.team_id]
            if position >= len(pool):
                break
            cursor_by_team[sprint.team_id] += 1
            wp = pool[position]
            outcome = ""
            if sprint.status == "closed":
                outcome = {S.DONE: "done", S.STOPPED: "stopped"}.get(wp.status, "carried_over")
            commitments.append(
                SprintCommitment(
                    id=context.uuid(),
                    organization=org,
                    sprint=sprint,
                    work_package=wp,
                    points=wp.estimate or 1,
                    category=wp.category,
                    committed_by=sprint.closed_by or rng.choice(leads),
                    committed_at=sprint.created_at,
                    outcome=outcome,
                    updated_at=sprint.closed_at or sprint.created_at,
                )
            )
    insert(commitments)
    context.objects.update(
        sprints=sprints, sprint_commitments=commitments, ideas=ideas, backlog_scores=scores
    )
