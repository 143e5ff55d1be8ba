"""The people and teams of `manage.py seed_scale`'s synthetic organization (bulk inserts)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.utils import timezone

from core import bulk
from core.models import Membership, Organization, Role, Team, User

BATCH = 5000


@dataclass
class ScaleContext:
    """What each app's scale.py made, for the apps after it. Deterministic for a seed."""

    rng: random.Random
    sizes: dict[str, int]
    organization: Organization | None = None
    teams: list[Team] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    objects: dict[str, list] = field(default_factory=dict)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


def insert(objs: list, *, batch: int = BATCH) -> None:
    """Insert synthetic rows in batches, one statement each, keeping the times they were given
    (``bulk_create`` would stamp ``auto_now`` fields with now); unset ones get now."""
    if not objs:
        return
    now = timezone.now()
    stamped = [
        f.attname
        for f in type(objs[0])._meta.concrete_fields
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
    ]
    for obj in objs:
        for attname in stamped:
            if getattr(obj, attname) is None:
                setattr(obj, attname, now)
    for start in range(0, len(objs), batch):
        bulk.insert(objs[start : start + batch], pre_save=False)


def clear(slug: str) -> None:
    """Remove a previous run's organization; apps to the right cleared their rows already."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        return
    with connection.cursor() as cursor:
        org = str(organization.pk)
        cursor.execute(
            "DELETE FROM core_membership_teams WHERE membership_id IN "
            "(SELECT id FROM core_membership WHERE organization_id = %s)",
            [org],
        )
        cursor.execute("DELETE FROM core_membership WHERE organization_id = %s", [org])
        cursor.execute("UPDATE core_team SET parent_id = NULL WHERE organization_id = %s", [org])
    users = User.objects.filter(email__endswith=f"@{slug}.example")
    organization.delete()
    users.delete()


def seed(context: ScaleContext, *, slug: str, name: str) -> None:
    rng, sizes = context.rng, context.sizes
    organization = Organization.objects.create(
        id=context.uuid(), name=name, slug=slug, timezone="Europe/Berlin"
    )
    context.organization = organization
    teams: list[Team] = []
    for i in range(sizes["teams"]):
        # Every tenth team is a parent of the nine after it.
        parent = teams[i - i % 10] if i % 10 else None
        teams.append(
            Team(id=context.uuid(), organization=organization, name=f"Team {i:04d}", parent=parent)
        )
    # Parents first, so the self-reference is satisfied at insert time.
    Team.objects.bulk_create([t for t in teams if t.parent is None], batch_size=BATCH)
    Team.objects.bulk_create([t for t in teams if t.parent is not None], batch_size=BATCH)
    context.teams = teams

    password = make_password("throughline")  # one hash for everyone: hashing is the slow part
    users = [
        User(
            id=context.uuid(),
            email=f"person{i:05d}@{slug}.example",
            full_name=f"Person {i:05d}",
            password=password,
        )
        for i in range(sizes["people"])
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    context.users = users
    roles = [Role.LEADER] * 2 + [Role.TEAM_LEAD] * 10 + [Role.MEMBER] * 85 + [Role.VIEWER] * 3
    memberships = [
        Membership(
            id=context.uuid(),
            user=user,
            organization=organization,
            role=Role.ADMIN if i == 0 else rng.choice(roles),
        )
        for i, user in enumerate(users)
    ]
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    context.memberships = memberships
    Through = Membership.teams.through
    Through.objects.bulk_create(
        [
            Through(membership_id=m.pk, team_id=teams[i % len(teams)].pk)
            for i, m in enumerate(memberships)
            if teams
        ],
        batch_size=BATCH,
    )
