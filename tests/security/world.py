"""The security tests' fixture world: two organizations, each with one object of every kind and
one person per role, built once per module and rolled back after it.

Everything the "other" organization holds is named with ``MARKER``, so a page or list that leaks
one of its rows is caught by a plain text search as well as by its ids. Test modules take the
module-scoped fixture ``world`` by importing ``world_fixture``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection, transaction
from django.utils import timezone

from backlog.tests.factories import IdeaFactory, SprintFactory
from core import services as core_services
from core import webhooks
from core.models import ApiToken, Invitation, Membership, Organization, Role, Team
from core.tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, UserFactory
from core.webhook_models import WebhookDelivery, WebhookSubscription
from okrs.tests.factories import (
    CheckInFactory,
    CycleFactory,
    KeyResultFactory,
    ObjectiveFactory,
    OutcomeMeasureFactory,
)
from planning.tests.factories import (
    InitiativeFactory,
    StrategicObjectiveFactory,
    WorkPackageFactory,
)
from reviews import services as review_services
from reviews.models import Notification
from reviews.tests.factories import (
    CadenceFactory,
    DecisionFactory,
    LearningFactory,
    ReviewSessionFactory,
)

ROLES = (Role.ADMIN, Role.LEADER, Role.TEAM_LEAD, Role.MEMBER, Role.VIEWER)
MARKER = "Zanzibar"  # in every name the other organization gives its objects


@dataclass
class OrgWorld:
    """One organization: a person per role, one object of every kind, write tokens per role."""

    organization: Organization
    people: dict[str, Membership]
    objects: dict[str, object] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # role -> raw write token
    personal: dict[str, dict[str, object]] = field(default_factory=dict)  # kind -> role -> obj

    def ids(self) -> list[str]:
        found = [str(obj.pk) for obj in self.objects.values()]  # type: ignore[attr-defined]
        found += [str(m.pk) for m in self.people.values()]
        found += [str(m.user_id) for m in self.people.values()]
        for by_role in self.personal.values():
            found += [str(obj.pk) for obj in by_role.values()]  # type: ignore[attr-defined]
        return found


def build_org(label):
    # Unannotated: factory-boy's types would need a cast at every call; the result is OrgWorld.
    org = OrganizationFactory(name=f"{label} Corp", slug=label.lower())
    team = TeamFactory(organization=org, name=f"{label} Squad")
    people = {
        role: MembershipFactory(
            organization=org,
            role=role,
            user=UserFactory(
                email=f"{role}@{label.lower()}.example", full_name=f"{label} {role} person"
            ),
            teams=[team] if role in (Role.TEAM_LEAD, Role.MEMBER) else [],
        )
        for role in ROLES
    }
    leader, lead, member = people[Role.LEADER], people[Role.TEAM_LEAD], people[Role.MEMBER]
    today = timezone.localdate()
    objective = StrategicObjectiveFactory(
        organization=org, owner=leader.user, statement=f"{label} clinics book online first"
    )
    initiative = InitiativeFactory(
        strategic_objective=objective, owner=leader.user, title=f"{label} booking initiative"
    )
    initiative.teams.set([team])
    work = WorkPackageFactory(
        team=team,
        initiative=initiative,
        owner=member.user,
        ready=True,
        estimate=3,
        title=f"{label} reschedule link",
        description=f"{label} description",
        source="jira",
        external_id=f"{label}-1",
        due_date=today + datetime.timedelta(days=10),
        success_review_date=today + datetime.timedelta(days=20),
    )
    cycle = CycleFactory(organization=org, name=f"{label} quarter")
    okr = ObjectiveFactory(
        cycle=cycle,
        strategic_objective=objective,
        owner=leader.user,
        statement=f"{label} customers renew on their own",
    )
    key_result = KeyResultFactory(objective=okr, owner=lead.user, title=f"{label} renewal rate")
    check_in = CheckInFactory(key_result=key_result, author=lead.user, value=Decimal(12))
    measure = OutcomeMeasureFactory(strategic_objective=objective, name=f"{label} retention")
    sprint = SprintFactory(
        team=team,
        name=f"{label} sprint",
        start_date=today - datetime.timedelta(days=3),
        end_date=today + datetime.timedelta(days=10),
    )
    idea = IdeaFactory(team=team, title=f"{label} idea", strategic_objective=objective)
    cadence = CadenceFactory(
        organization=org,
        name=f"{label} weekly review",
        starts_on=today - datetime.timedelta(days=30),
        participants=[leader, lead, member],
    )
    session = ReviewSessionFactory(
        cadence=cadence, scheduled_at=timezone.now() + datetime.timedelta(days=2)
    )
    decision = DecisionFactory(
        session=session,
        initiative=initiative,
        owner=lead.user,
        summary=f"{label} adjust the plan",
        subject_title=initiative.title,
    )
    learning = LearningFactory(
        strategic_objective=objective, session=session, statement=f"{label} learning"
    )
    admin = people[Role.ADMIN]
    invitation = core_services.invitation_send(
        actor=admin,
        email=f"newcomer@{label.lower()}.example",
        role=Role.MEMBER,
        teams=[team],
        base_url="http://testserver",
    )
    subscription = webhooks.webhook_subscription_create(
        actor=admin, url=f"https://hooks.{label.lower()}.example/in", event_types=["work_package.*"]
    )
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=work.pk,
        event_type="work_package.updated",
        payload={"title": work.title},
        status=WebhookDelivery.Status.FAILED,
        retry_until=timezone.now(),
    )
    from backlog import services as backlog_services
    from backlog.tests.factories import SprintCommitmentFactory
    from okrs import services as okr_services

    scoring_model = backlog_services.scoring_model_update(actor=leader, team=team)
    capacity_policy = backlog_services.capacity_policy_set(actor=leader, team=team)
    contribution = okr_services.contribution_add(
        actor=leader, key_result=key_result, work_package=work
    )
    commitment = SprintCommitmentFactory(sprint=sprint, work_package=work)
    world = OrgWorld(organization=org, people=people)
    world.objects.update(
        scoring_model=scoring_model,
        capacity_policy=capacity_policy,
        contribution=contribution,
        sprint_commitment=commitment,
        team=team,
        strategic_objective=objective,
        initiative=initiative,
        work_package=work,
        cycle=cycle,
        objective=okr,
        key_result=key_result,
        check_in=check_in,
        measure=measure,
        sprint=sprint,
        idea=idea,
        cadence=cadence,
        session=session,
        decision=decision,
        learning=learning,
        invitation=invitation,
        subscription=subscription,
        delivery=delivery,
    )
    world.personal["notification"] = {}
    world.personal["api_token"] = {}
    for role, membership in people.items():
        world.personal["notification"][role] = review_services.notification_create(
            organization=org,
            recipient=membership.user,
            kind="review_upcoming",
            title=f"{label} review soon",
        )
        issued = core_services.api_token_issue(
            user=membership.user, organization=org, name=f"{label} sync", scope="write"
        )
        world.personal["api_token"][role] = issued.token
        world.tokens[role] = issued.raw
    return world


@dataclass
class World:
    own: OrgWorld
    other: OrgWorld


def build_world() -> World:
    return World(own=build_org("Acme"), other=build_org(MARKER))


MODELS_TO_WATCH = (
    Team,
    Membership,
    Invitation,
    ApiToken,
    WebhookSubscription,
    WebhookDelivery,
    Notification,
)


def _watched_models() -> list:
    from backlog.models import CapacityPolicy, Idea, ScoringModel, Sprint, SprintCommitment
    from okrs.models import CheckIn, Contribution, Cycle, KeyResult, Objective, OutcomeMeasure
    from planning.models import Initiative, StrategicObjective, WorkPackage
    from reviews.models import Cadence, Decision, Learning, ReviewSession

    return [
        *MODELS_TO_WATCH,
        StrategicObjective,
        Initiative,
        WorkPackage,
        Cycle,
        Objective,
        KeyResult,
        CheckIn,
        OutcomeMeasure,
        Sprint,
        SprintCommitment,
        Idea,
        ScoringModel,
        CapacityPolicy,
        Contribution,
        Cadence,
        ReviewSession,
        Decision,
        Learning,
    ]


def fingerprint(world: OrgWorld) -> dict[str, str]:
    """A digest of every row the organization holds, per table, in one query: any write to it
    shows as a difference."""
    parts, params = [], []
    for model in _watched_models():
        table = model._meta.db_table
        if model is WebhookDelivery:
            subscriptions = WebhookSubscription._meta.db_table
            where = (
                f"subscription_id IN (SELECT id FROM {subscriptions} WHERE organization_id = %s)"  # noqa: S608
            )
        else:
            where = "organization_id = %s"
        # Table names come from the models, never from input.
        # A token's row, less when it was last used (every authenticated request notes that).
        row = "(t.id, t.scope, t.expires_at, t.revoked_at)" if model is ApiToken else "t"
        digest = f"md5(coalesce(string_agg({row}::text, ',' ORDER BY t.id), ''))"
        parts.append(f"SELECT '{model.__name__}', {digest} FROM {table} t WHERE {where}")  # noqa: S608
        params.append(world.organization.pk)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return dict(cursor.fetchall())


class FormFields(HTMLParser):
    """The values a browser would post from the page's main form."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


@pytest.fixture(scope="module", name="world")
def world_fixture(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back afterwards; each test runs
    in a savepoint inside it (pytest-django's ``db``), so tests never see each other's writes."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
