"""The demo organizations' people and teams. Other apps add their part in their own demo.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.models import Membership, Organization, Role, Team, User

DEMO_PASSWORD = "throughline"  # demo data only; seed_demo refuses to run in production


@dataclass
class DemoOrg:
    organization: Organization
    people: dict[str, Membership] = field(default_factory=dict)  # key -> membership
    teams: dict[str, Team] = field(default_factory=dict)
    # What later apps' demo modules made, by short key, for the apps after them to build on.
    objects: dict[str, object] = field(default_factory=dict)

    def member(self, key: str) -> Membership:
        return self.people[key]

    def user(self, key: str) -> User:
        return self.people[key].user


ACME_TEAMS = [
    ("product", "Product", None),
    ("growth", "Growth", "product"),
    ("platform", "Platform", "product"),
    ("success", "Customer Success", None),
]
ACME_PEOPLE = [
    # key, e-mail, name, role, teams
    ("leader", "leader@acme.example", "Ada Lindqvist", Role.LEADER, []),
    ("admin", "admin@acme.example", "Sam Okafor", Role.ADMIN, []),
    ("cto", "cto@acme.example", "Priya Raman", Role.LEADER, ["platform"]),
    ("lead", "lead@acme.example", "Tom Becker", Role.TEAM_LEAD, ["growth"]),
    ("platform_lead", "platform.lead@acme.example", "Lena Vogel", Role.TEAM_LEAD, ["platform"]),
    ("success_lead", "success.lead@acme.example", "Marco Rossi", Role.TEAM_LEAD, ["success"]),
    ("member", "member@acme.example", "Mia Schulz", Role.MEMBER, ["growth"]),
    ("dev", "dev@acme.example", "Jonas Berg", Role.MEMBER, ["platform"]),
    ("designer", "design@acme.example", "Aiko Tanaka", Role.MEMBER, ["growth"]),
    ("csm", "csm@acme.example", "Nora Haddad", Role.MEMBER, ["success"]),
    ("board", "board@acme.example", "Viktor Hale", Role.VIEWER, []),
]
GLOBEX_TEAMS = [("ops", "Operations", None)]
GLOBEX_PEOPLE = [
    ("leader", "leader@globex.example", "Grace Hopper-Smith", Role.ADMIN, ["ops"]),
    ("member", "member@globex.example", "Hank Scorpio", Role.MEMBER, ["ops"]),
]

DEMO_ORGS: dict[str, tuple[str, str, int, list, list]] = {
    "acme": ("Acme", "Europe/Berlin", 1, ACME_TEAMS, ACME_PEOPLE),
    "globex": ("Globex", "America/New_York", 7, GLOBEX_TEAMS, GLOBEX_PEOPLE),
}
LOGINS = [
    ("leader@acme.example", "leader at Acme"),
    ("lead@acme.example", "team lead of Growth at Acme"),
    ("member@acme.example", "member of Growth at Acme"),
    ("admin@acme.example", "admin of Acme (teams, members, settings)"),
    ("leader@globex.example", "leader and admin at Globex"),
]


def _user(email: str, name: str) -> User:
    user = User.objects.filter(email__iexact=email).first() or User(email=email)
    user.full_name = name
    user.is_active = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def seed(context: dict) -> None:
    """Recreate the demo organizations from scratch (their old rows are deleted first)."""
    Organization.objects.filter(slug__in=DEMO_ORGS.keys()).delete()
    for slug, (name, tz, fy, teams, people) in DEMO_ORGS.items():
        org = Organization.objects.create(
            name=name, slug=slug, timezone=tz, fiscal_year_start_month=fy
        )
        demo = DemoOrg(organization=org)
        for key, team_name, parent in teams:
            demo.teams[key] = Team.objects.create(
                organization=org, name=team_name, parent=demo.teams.get(parent) if parent else None
            )
        for key, email, full_name, role, team_keys in people:
            membership = Membership.objects.create(
                user=_user(email, full_name), organization=org, role=role
            )
            membership.teams.set([demo.teams[k] for k in team_keys])
            demo.people[key] = membership
        context[slug] = demo
