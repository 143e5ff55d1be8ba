"""Tenant isolation matrix: every page route (walked from the URL conf) and every API operation
(from the OpenAPI schema) × {own organization, other organization, anonymous, each role}.

- Another organization's object is a 404 on every verb the route accepts, and nothing of it
  changes.
- No page or API answer holds the other organization's rows (its ids, or the marker word every
  one of its names carries).
- Anonymous visitors get the sign-in page (a redirect) on pages and a 401 problem+json on the API.
- Each role reads and writes only what DESIGN.md lets it: leaders strategy and OKRs, team leads
  their team's work, members the work packages they own, viewers nothing. A role that may not
  write gets a 403 and nothing changes; one that may is never refused.

A route that is in neither table fails its test, with the one line to add.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.world import (  # noqa: F401 - world_fixture provides `world`
    MARKER,
    ROLES,
    OrgWorld,
    World,
    fingerprint,
    world_fixture,
)

ADMIN, LEADER, LEAD, MEMBER, VIEWER = ROLES
EVERYONE = frozenset(ROLES)
WRITERS = frozenset({ADMIN, LEADER, LEAD, MEMBER})  # everyone but viewers (own work only)
LEADS = frozenset({ADMIN, LEADER, LEAD})  # leaders, and team leads for their team
LEADERS = frozenset({ADMIN, LEADER})
ADMINS = frozenset({ADMIN})
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Page:
    """A page route: who may GET it (others 403) and who may POST to it (others 403).

    ``anon``: "login" (anonymous visitors are sent to sign in) or "public" (no sign-in; the
    route guards itself, as the sign-in page or a secret address does).
    """

    read: frozenset[str] = EVERYONE
    write: frozenset[str] = NOBODY
    anon: str = "login"


@dataclass(frozen=True)
class Api:
    """An API path: the object its ``{id}`` names (None for a collection) and who may use each
    writing method (others 403). Every role reads."""

    obj: str | None = None
    write: dict[str, frozenset[str]] = field(default_factory=dict)
    # A valid body for POST, from the world (others send {}): with it, a role that may not
    # write must get 403; without it, a 400 for the empty body is accepted as a refusal too.
    body: str | None = None


# URL keyword → the world's object it names ("namespace:kwarg" where one name means two things).
KWARGS = {
    "team_id": "team",
    "objective_id": "strategic_objective",
    "okrs:objective_id": "objective",
    "initiative_id": "initiative",
    "work_package_id": "work_package",
    "cycle_id": "cycle",
    "key_result_id": "key_result",
    "measure_id": "measure",
    "sprint_id": "sprint",
    "idea_id": "idea",
    "cadence_id": "cadence",
    "session_id": "session",
    "decision_id": "decision",
    "learning_id": "learning",
    "invitation_id": "invitation",
    "subscription_id": "subscription",
    "delivery_id": "delivery",
    "check_in_id": "check_in",
}
# Objects that belong to one person: the requester's own is used (another's is a 404 too).
# Parts of signed-out addresses that are themselves the secret (a wrong one is a 404 or an error).
SECRET_KWARGS = {"token", "uidb64"}
PERSONAL_KWARGS = {"notification_id": "notification", "token_id": "api_token"}

# fmt: off
PAGES: dict[str, Page] = {
    # Signed-out doors: they guard themselves.
    "core:login": Page(write=EVERYONE, anon="public"),
    "core:logout": Page(write=EVERYONE, anon="public"),
    "core:invitation_accept": Page(write=EVERYONE, anon="public"),  # the token is the secret
    "core:password_reset": Page(write=EVERYONE, anon="public"),
    "core:password_reset_done": Page(anon="public"),
    "core:password_reset_confirm": Page(write=EVERYONE, anon="public"),  # the token is the secret
    "core:password_reset_complete": Page(anon="public"),
    "reviews:calendar_feed": Page(anon="public"),  # the signed address is the secret
    "reviews:calendar_feed_cadence": Page(anon="public"),
    "api-schema": Page(anon="public"),
    "api-docs": Page(anon="public"),
    # Everyone signed in.
    "home": Page(),
    "core:password_change": Page(write=EVERYONE),
    "core:password_change_done": Page(),
    "core:switch_organization": Page(write=EVERYONE),
    "core:api_tokens": Page(write=EVERYONE),
    "core:api_token_revoke": Page(write=EVERYONE),
    # Settings: admins only.
    "core:organization_settings": Page(read=ADMINS, write=ADMINS),
    "core:team_list": Page(read=ADMINS, write=ADMINS),
    "core:team_edit": Page(read=ADMINS, write=ADMINS),
    "core:team_archive": Page(read=ADMINS, write=ADMINS),
    "core:member_list": Page(read=ADMINS, write=ADMINS),
    "core:member_edit": Page(read=ADMINS, write=ADMINS),
    "core:member_set_active": Page(read=ADMINS, write=ADMINS),
    "core:invitation_revoke": Page(read=ADMINS, write=ADMINS),
    "core:webhook_list": Page(read=ADMINS, write=ADMINS),
    "core:webhook_detail": Page(read=ADMINS, write=ADMINS),
    "core:webhook_set_active": Page(read=ADMINS, write=ADMINS),
    "core:webhook_delete": Page(read=ADMINS, write=ADMINS),
    "core:webhook_rotate_secret": Page(read=ADMINS, write=ADMINS),
    "core:webhook_redeliver": Page(read=ADMINS, write=ADMINS),
    # Strategy: leaders write.
    "planning:strategy_list": Page(),
    "planning:strategy_create": Page(read=LEADERS, write=LEADERS),
    "planning:strategy_detail": Page(),
    "planning:strategy_edit": Page(read=LEADERS, write=LEADERS),
    "planning:initiative_create": Page(read=LEADERS, write=LEADERS),
    "planning:initiative_detail": Page(),
    "planning:initiative_edit": Page(read=LEADERS, write=LEADERS),
    # Work: leaders any, team leads their team's, members the ones they own.
    "planning:work_list": Page(),
    "planning:work_create": Page(read=LEADS, write=LEADS),
    "planning:work_detail": Page(),
    "planning:work_edit": Page(read=WRITERS, write=WRITERS),
    "planning:work_decision": Page(read=WRITERS, write=WRITERS),
    "planning:work_status": Page(read=WRITERS, write=WRITERS),
    "planning:my_work": Page(),
    "planning:strategy_history": Page(),
    "planning:initiative_history": Page(),
    "planning:work_history": Page(),
    "planning:dash_alignment": Page(),
    "planning:dash_delivery": Page(),
    "backlog:dash_capacity": Page(),
    "okrs:objective_history": Page(),
    "okrs:key_result_history": Page(),
    # OKRs: leaders write company OKRs and cycles; key results' owners check in.
    "okrs:board": Page(),
    "okrs:strategy_map": Page(),
    "okrs:strategy_map_initiative": Page(),
    "okrs:okr_trends": Page(),
    "okrs:my_check_ins": Page(),
    "okrs:cycle_create": Page(read=LEADERS, write=LEADERS),
    "okrs:cycle_board": Page(),
    "okrs:cycle_edit": Page(read=LEADERS, write=LEADERS),
    "okrs:cycle_activate": Page(read=LEADERS, write=LEADERS),
    "okrs:cycle_close": Page(read=LEADERS, write=LEADERS),
    "okrs:objective_create": Page(read=LEADS, write=LEADS),
    "okrs:objective_advice": Page(),  # advice on a draft: computes, writes nothing
    "okrs:objective_detail": Page(),
    "okrs:objective_edit": Page(read=LEADERS, write=LEADERS),
    "okrs:key_result_create": Page(read=LEADERS, write=LEADERS),
    "okrs:key_result_advice": Page(),
    "okrs:key_result_edit": Page(read=LEADERS, write=LEADERS),
    "okrs:check_in": Page(read=LEADS, write=LEADS),
    "okrs:contribution_add": Page(read=LEADS, write=LEADS),
    "okrs:contribution_remove": Page(read=LEADS, write=LEADS),
    "okrs:kpi_create": Page(read=LEADERS, write=LEADERS),
    "okrs:kpi_detail": Page(),
    "okrs:kpi_edit": Page(read=LEADERS, write=LEADERS),
    "okrs:kpi_record_value": Page(read=LEADERS, write=LEADERS),
    # Backlog and sprints: leaders and the team's lead; ideas from anyone who writes.
    "backlog:backlog": Page(),
    "backlog:backlog_scoring": Page(read=LEADS, write=LEADS),
    "backlog:backlog_capacity": Page(read=LEADS, write=LEADS),
    "backlog:backlog_item": Page(read=LEADS, write=LEADS),
    "backlog:backlog_move": Page(read=LEADS, write=LEADS),
    "backlog:backlog_rank_reset": Page(read=LEADS, write=LEADS),
    "backlog:sprint_list": Page(),
    "backlog:sprint_create": Page(read=LEADS, write=LEADS),
    "backlog:sprint_detail": Page(),
    "backlog:sprint_edit": Page(read=LEADS, write=LEADS),
    "backlog:sprint_commit": Page(read=LEADS, write=LEADS),
    "backlog:sprint_uncommit": Page(read=LEADS, write=LEADS),
    "backlog:sprint_close": Page(read=LEADS, write=LEADS),
    "backlog:idea_list": Page(),
    "backlog:idea_create": Page(read=WRITERS, write=WRITERS),
    "backlog:idea_detail": Page(),
    "backlog:idea_edit": Page(read=LEADS, write=LEADS),
    "backlog:idea_shortlist": Page(read=LEADS, write=LEADS),
    "backlog:idea_reject": Page(read=LEADS, write=LEADS),
    "backlog:idea_promote": Page(read=LEADS, write=LEADS),
    # Reviews: leaders and team leads run them.
    "reviews:home": Page(),
    "reviews:cadence_create": Page(read=LEADS, write=LEADS),
    "reviews:cadence_detail": Page(),
    # The world's cadence is the organization's (leaders manage it); its participants (the
    # leader, the team lead and the member) run its sessions.
    "reviews:cadence_edit": Page(read=LEADERS, write=LEADERS),
    "reviews:cadence_archive": Page(read=LEADERS, write=LEADERS),
    "reviews:session_prepare": Page(read=WRITERS, write=WRITERS),
    "reviews:session_detail": Page(),
    "reviews:decision_create": Page(read=WRITERS, write=WRITERS),
    "reviews:learning_create": Page(read=WRITERS, write=WRITERS),
    "reviews:session_notes": Page(read=WRITERS, write=WRITERS),
    "reviews:session_close": Page(read=WRITERS, write=WRITERS),
    "reviews:session_cancel": Page(read=LEADERS, write=LEADERS),
    "reviews:decision_list": Page(),
    "reviews:decision_done": Page(read=LEADS, write=LEADS),
    "reviews:learning_list": Page(),
    "reviews:calendar_reset": Page(write=EVERYONE),
    "reviews:notification_list": Page(),
    "reviews:notification_bell": Page(),
    "reviews:notification_read_all": Page(write=EVERYONE),
    "reviews:notification_settings": Page(write=EVERYONE),
    "reviews:notification_open": Page(write=EVERYONE),
}

RW = ("PUT", "PATCH")  # shorthand: who may edit an object


def edit(roles: frozenset[str], *extra: str) -> dict[str, frozenset[str]]:
    return dict.fromkeys((*RW, *extra), roles)


def post(roles: frozenset[str]) -> dict[str, frozenset[str]]:
    return {"POST": roles}


API: dict[str, Api] = {
    "/api/v1/organizations/": Api(),
    "/api/v1/organizations/{id}/": Api(obj="organization"),
    "/api/v1/teams/": Api(),
    "/api/v1/teams/{id}/": Api(obj="team"),
    "/api/v1/members/": Api(),
    "/api/v1/members/{id}/": Api(obj="membership"),
    # Strategy: leaders.
    "/api/v1/strategic-objectives/": Api(write=post(LEADERS), body="strategic_objective"),
    "/api/v1/strategic-objectives/{id}/": Api(obj="strategic_objective", write=edit(LEADERS, "DELETE")),
    "/api/v1/initiatives/": Api(write=post(LEADERS), body="initiative"),
    "/api/v1/initiatives/{id}/": Api(obj="initiative", write=edit(LEADERS, "DELETE")),
    # Work: leaders any, the team's lead their team's, a member the packages they own.
    "/api/v1/work-packages/": Api(write=post(LEADS), body="work_package"),
    "/api/v1/work-packages/{id}/": Api(obj="work_package", write={**edit(WRITERS), "DELETE": LEADS}),
    "/api/v1/work-packages/external/{source}/{external_id}/": Api(obj="external", write={"PUT": WRITERS}),
    "/api/v1/work-packages/bulk/": Api(write=post(LEADS), body="bulk"),
    "/api/v1/changes/": Api(),
    "/api/v1/changes/head/": Api(),
    # OKRs: leaders run cycles and company objectives; key results' owners check in.
    "/api/v1/cycles/": Api(write=post(LEADERS)),
    "/api/v1/cycles/{id}/": Api(obj="cycle", write=edit(LEADERS)),
    "/api/v1/cycles/{id}/activate/": Api(obj="cycle", write=post(LEADERS)),
    "/api/v1/cycles/{id}/close/": Api(obj="cycle", write=post(LEADERS)),
    "/api/v1/objectives/": Api(write=post(LEADS)),
    "/api/v1/objectives/{id}/": Api(obj="objective", write=edit(LEADERS)),
    "/api/v1/objectives/{id}/grade/": Api(obj="objective", write=post(LEADERS)),
    "/api/v1/key-results/": Api(write=post(LEADERS)),
    "/api/v1/key-results/{id}/": Api(obj="key_result", write=edit(LEADERS)),
    "/api/v1/check-ins/": Api(write=post(LEADS)),
    "/api/v1/check-ins/{id}/": Api(obj="check_in"),
    "/api/v1/contributions/": Api(write=post(LEADS)),
    "/api/v1/contributions/{id}/": Api(obj="contribution", write={"DELETE": LEADS}),
    "/api/v1/outcome-measures/": Api(write=post(LEADERS)),
    "/api/v1/outcome-measures/{id}/": Api(obj="measure", write=edit(LEADERS)),
    "/api/v1/outcome-measures/{id}/values/": Api(obj="measure", write=post(LEADERS)),
    # Backlog and sprints: leaders and the team's lead; ideas from anyone who writes.
    "/api/v1/backlog/": Api(),
    "/api/v1/backlog/{id}/": Api(obj="work_package"),
    "/api/v1/backlog/{id}/move/": Api(obj="work_package", write=post(LEADS)),
    "/api/v1/backlog/{id}/reset-rank/": Api(obj="work_package", write=post(LEADS)),
    "/api/v1/scoring-models/": Api(write=post(LEADS)),
    "/api/v1/scoring-models/{id}/": Api(obj="scoring_model", write=edit(LEADS)),
    "/api/v1/capacity-policies/": Api(write=post(LEADS)),
    "/api/v1/capacity-policies/{id}/": Api(obj="capacity_policy", write=edit(LEADS)),
    "/api/v1/sprints/": Api(write=post(LEADS)),
    "/api/v1/sprints/{id}/": Api(obj="sprint", write=edit(LEADS)),
    "/api/v1/sprints/{id}/close/": Api(obj="sprint", write=post(LEADS)),
    "/api/v1/sprints/{id}/commit/": Api(obj="sprint", write=post(LEADS)),
    "/api/v1/sprints/{id}/uncommit/": Api(obj="sprint", write=post(LEADS)),
    "/api/v1/sprint-commitments/": Api(),
    "/api/v1/sprint-commitments/{id}/": Api(obj="sprint_commitment"),
    "/api/v1/ideas/": Api(write=post(WRITERS)),
    "/api/v1/ideas/{id}/": Api(obj="idea", write=edit(LEADS)),
    "/api/v1/ideas/{id}/promote/": Api(obj="idea", write=post(LEADS)),
    "/api/v1/ideas/{id}/reject/": Api(obj="idea", write=post(LEADS)),
    "/api/v1/ideas/{id}/shortlist/": Api(obj="idea", write=post(LEADS)),
    # Reviews: leaders set up organization reviews; participants run the sessions.
    "/api/v1/cadences/": Api(write=post(LEADS)),
    "/api/v1/cadences/{id}/": Api(obj="cadence", write=edit(LEADERS)),
    "/api/v1/cadences/{id}/archive/": Api(obj="cadence", write=post(LEADERS)),
    "/api/v1/review-sessions/": Api(),
    "/api/v1/review-sessions/{id}/": Api(obj="session", write=edit(WRITERS)),
    "/api/v1/review-sessions/{id}/agenda/": Api(obj="session"),
    "/api/v1/review-sessions/{id}/cancel/": Api(obj="session", write=post(LEADERS)),
    "/api/v1/review-sessions/{id}/close/": Api(obj="session", write=post(WRITERS)),
    "/api/v1/decisions/": Api(write=post(WRITERS)),
    "/api/v1/decisions/{id}/": Api(obj="decision"),
    "/api/v1/decisions/{id}/done/": Api(obj="decision", write=post(LEADS)),
    "/api/v1/learnings/": Api(write=post(LEADS)),
    "/api/v1/learnings/{id}/": Api(obj="learning", write=edit(WRITERS)),  # session runners
    "/api/v1/notifications/": Api(),
    "/api/v1/notifications/read-all/": Api(write=post(EVERYONE)),
    "/api/v1/notifications/{id}/": Api(obj="notification"),
    "/api/v1/notifications/{id}/read/": Api(obj="notification", write=post(EVERYONE)),
    # Dashboards: the same selectors as the pages, read by everyone.
    "/api/v1/dashboards/alignment/": Api(),
    "/api/v1/dashboards/attention/": Api(),
    "/api/v1/dashboards/capacity/": Api(),
    "/api/v1/dashboards/delivery/": Api(),
    "/api/v1/dashboards/okr-trends/": Api(),
    "/api/v1/dashboards/strategy-map/": Api(),
}
# fmt: on

# Django's admin site: staff only, whatever the model; no organization role opens it.
ADMIN_SITE_NAMESPACE = "admin"


# --- discovery -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # with namespaces
    kwargs: tuple[str, ...]


def _walk(patterns, namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            for route in _walk(pattern.url_patterns, ns):
                outer = tuple(pattern.pattern.regex.groupindex)
                yield Route(route.name, outer + route.kwargs)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield Route(name, tuple(pattern.pattern.regex.groupindex))


def page_routes() -> list[Route]:
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns):
        top = route.name.split(":")[0]
        if top in ("api", ADMIN_SITE_NAMESPACE) or route.name in seen:
            continue
        seen[route.name] = route
    return sorted(seen.values(), key=lambda r: r.name)


def admin_routes() -> list[Route]:
    return sorted(
        {
            r.name: r for r in _walk(get_resolver().url_patterns) if r.name.startswith("admin:")
        }.values(),
        key=lambda r: r.name,
    )


def api_operations() -> dict[str, list[str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        path: sorted(m.upper() for m in item if m in ("get", "post", "put", "patch", "delete"))
        for path, item in schema["paths"].items()
    }


# --- requests ------------------------------------------------------------------------------


def _object_for(kwarg: str, route: Route, side: OrgWorld, requester_role: str):
    namespace = route.name.split(":")[0]
    if kwarg in PERSONAL_KWARGS:
        return side.personal[PERSONAL_KWARGS[kwarg]][requester_role].pk  # type: ignore[attr-defined]
    if kwarg == "membership_id":
        return side.people[MEMBER].pk
    key = KWARGS.get(f"{namespace}:{kwarg}") or KWARGS.get(kwarg)
    if key is None:
        pytest.fail(
            f"{route.name}: the URL keyword {kwarg!r} names no object of the fixture world. Add "
            f'to KWARGS in tests/security/test_isolation_matrix.py: "{kwarg}": "<object key>",'
        )
    return side.objects[key].pk  # type: ignore[attr-defined]


def rolled_back(send):
    """The answer to one request whose writes are undone (each request sees the same world)."""
    with transaction.atomic():
        response = send()
        transaction.set_rollback(True)
    return response


def signed_in(world_side: OrgWorld, role: str) -> Client:
    client = Client()
    client.force_login(world_side.people[role].user)
    return client


def leaks(world: World, content: bytes) -> list[str]:
    text = content.decode("utf-8", "replace")
    found = [value for value in world.other.ids() if value in text]
    if MARKER.lower() in text.lower():
        found.append(MARKER)
    return found


# --- page matrix ---------------------------------------------------------------------------

ROUTES = page_routes()


def page_url(route: Route, side: OrgWorld | None, requester_role: str) -> str:
    """The route's address naming ``side``'s objects (None: ids that name nothing)."""
    kwargs: dict[str, object] = {}
    for kwarg in route.kwargs:
        if kwarg in SECRET_KWARGS:
            kwargs[kwarg] = "not-a-real-secret"
        elif side is None:
            kwargs[kwarg] = uuid.uuid4()
        else:
            kwargs[kwarg] = _object_for(kwarg, route, side, requester_role)
    return reverse(route.name, kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_page_route(world: World, route: Route):
    rule = PAGES.get(route.name)
    assert rule is not None, (
        f"The page route {route.name!r} is not in the isolation matrix. Add one line to PAGES in "
        f'tests/security/test_isolation_matrix.py, e.g. "{route.name}": Page(read=EVERYONE, '
        "write=LEADERS), naming who may read and who may write it (DESIGN.md)."
    )
    problems: list[str] = []
    own, other = world.own, world.other
    before_own, before_other = fingerprint(own), fingerprint(other)

    if rule.anon == "login":
        for method in ("get", "post"):
            response = rolled_back(
                lambda m=method: getattr(Client(), m)(page_url(route, own, ADMIN))
            )
            location = response.headers.get("Location", "")
            if response.status_code == 405:
                continue
            if response.status_code != 302 or not location.startswith(reverse("core:login")):
                problems.append(f"anonymous {method.upper()}: {response.status_code} {location}")

    for role in ROLES:
        client = signed_in(own, role)
        url = page_url(route, own, role)
        for method, allowed in (("get", rule.read), ("post", rule.write)):
            changed: list[bool] = []

            def send(m=method, u=url, c=client, watch=role not in allowed, changed=changed):
                response = getattr(c, m)(u)
                if watch:  # before the rollback: did a refused or read-only request write?
                    changed.append(fingerprint(own) != before_own)
                return response

            response = rolled_back(send)
            status = response.status_code
            verb = method.upper()
            if status == 405:  # the route does not take this verb
                continue
            if status >= 500:
                problems.append(f"{role} {verb} own: {status}")
            elif role in allowed and status == 403:
                problems.append(f"{role} {verb} own: refused (403), may")
            elif role in allowed and method == "get" and status == 404 and rule.anon == "login":
                problems.append(f"{role} {verb} own: 404")
            elif role not in allowed and rule.write and status != 403:
                # A route that writes refuses who may not: 403 (a read-only page may answer a
                # POST any way it likes, as long as nothing changes).
                problems.append(f"{role} {verb} own: {status}, expected 403")
            if any(changed):
                problems.append(f"{role} {verb} own: not allowed to write, but it changed data")
            if status == 200 and (found := leaks(world, response.content)):
                problems.append(f"{role} {verb} own: shows the other org's {found}")
        # Another organization's objects: a 404 on every verb, or exactly the answer an id that
        # names nothing gets (a role refused the route whatever the id): it confirms nothing.
        if route.kwargs and rule.anon == "login":
            for method in ("get", "post"):
                foreign = rolled_back(
                    lambda m=method, c=client, r=role: getattr(c, m)(page_url(route, other, r))
                ).status_code
                if foreign in (404, 405):
                    continue
                nothing = rolled_back(
                    lambda m=method, c=client, r=role: getattr(c, m)(page_url(route, None, r))
                ).status_code
                if foreign != nothing or role in (rule.read if method == "get" else rule.write):
                    problems.append(
                        f"{role} {method.upper()} other org's object: {foreign} "
                        f"(an id naming nothing: {nothing})"
                    )
    assert fingerprint(other) == before_other, "The other organization's data changed"
    assert not problems, f"{route.name}:\n" + "\n".join(problems)


ADMIN_ROUTES = admin_routes()


@pytest.mark.django_db
def test_admin_site_is_closed_to_every_role(world: World):
    """The Django admin is for staff (operators), not for any organization role."""
    assert ADMIN_ROUTES, "The URL conf has no admin routes: update ADMIN_SITE_NAMESPACE"
    index = reverse("admin:index")
    for role in ROLES:
        response = signed_in(world.own, role).get(index)
        assert response.status_code == 302, (role, response.status_code)
        assert response.headers["Location"].startswith(reverse("admin:login"))
    assert Client().get(index).status_code == 302


def test_every_page_route_is_in_the_matrix():
    """Also catches table lines for routes that no longer exist."""
    names = {r.name for r in ROUTES}
    missing = sorted(names - set(PAGES))
    stale = sorted(set(PAGES) - names)
    assert not missing, f"Add these page routes to PAGES: {missing}"
    assert not stale, f"Remove these lines from PAGES (no such route any more): {stale}"


# --- API matrix ----------------------------------------------------------------------------

OPERATIONS = api_operations()


def api_object(side: OrgWorld, obj: str, role: str):
    if obj == "organization":
        return side.organization.pk
    if obj == "membership":
        return side.people[MEMBER].pk
    if obj in ("notification",):
        return side.personal[obj][role].pk  # type: ignore[attr-defined]
    return side.objects[obj].pk  # type: ignore[attr-defined]


def api_body(kind: str | None, side: OrgWorld) -> dict:
    """A valid body for a create, so the answer is about the role, not the input."""
    team = str(side.objects["team"].pk)  # type: ignore[attr-defined]
    objective = str(side.objects["strategic_objective"].pk)  # type: ignore[attr-defined]
    bodies: dict[str, dict] = {
        "strategic_objective": {
            "statement": "Clinics renew on their own",
            "rationale": "Renewals are the business.",
            "horizon_start": "2026-01-01",
            "horizon_end": "2027-12-31",
        },
        "initiative": {"strategic_objective": objective, "title": "Self-service renewals"},
        "work_package": {"title": "Renewal e-mail", "team": team},
        "bulk": {"items": [{"source": "matrix", "external_id": "M-1", "title": "T", "team": team}]},
    }
    return bodies.get(kind or "", {})


def api_path(template: str, rule: Api, side: OrgWorld, role: str) -> str:
    path = template
    if rule.obj == "external":
        work = side.objects["work_package"]
        return path.replace("{source}", work.source).replace(  # type: ignore[attr-defined]
            "{external_id}",
            work.external_id,  # type: ignore[attr-defined]
        )
    if rule.obj is not None:
        path = path.replace("{id}", str(api_object(side, rule.obj, role)))
    return path


def call(method: str, path: str, token: str | None, body=None, after=None):
    """One API request, rolled back; ``after()`` runs before the rollback (to see its writes)."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = json.dumps(body if body is not None else {}) if method != "GET" else ""

    def send():
        response = Client().generic(method, path, data, content_type="application/json", **headers)
        if after is not None:
            after()
        return response

    return rolled_back(send)


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(OPERATIONS), ids=sorted(OPERATIONS))
def test_api_operation(world: World, path: str):
    rule = API.get(path)
    assert rule is not None, (
        f"The API path {path!r} ({', '.join(OPERATIONS[path])}) is not in the isolation matrix. "
        f'Add one line to API in tests/security/test_isolation_matrix.py, e.g. "{path}": '
        'Api(obj="<kind its {id} names, or None for a list>", write={"POST": LEADERS}).'
    )
    methods = OPERATIONS[path]
    unclassified = [m for m in methods if m != "GET" and m not in rule.write]
    assert not unclassified, f"{path}: say who may {unclassified} in its API line"
    own, other = world.own, world.other
    before_own, before_other = fingerprint(own), fingerprint(other)
    problems: list[str] = []
    for method in methods:
        body = api_body(rule.body, own) if method == "POST" else {}
        response = call(method, api_path(path, rule, own, ADMIN), None, body)
        if response.status_code != 401 or not response["Content-Type"].startswith(
            "application/problem+json"
        ):
            problems.append(f"anonymous {method}: {response.status_code}")
        allowed = EVERYONE if method == "GET" else rule.write[method]
        # PATCH {} and the sample bodies are valid: a refusal must be the role's (403). Other
        # bodies ({} for a create) may be refused as input (400) first; either way, no write.
        refusals = {403} if method == "PATCH" or rule.body else {400, 403}
        for role in ROLES:
            token = own.tokens[role]
            changed: list[bool] = []
            response = call(
                method,
                api_path(path, rule, own, role),
                token,
                body,
                after=None
                if role in allowed
                else lambda c=changed: c.append(fingerprint(own) != before_own),
            )
            status = response.status_code
            if path.endswith("/bulk/") and status == 200:
                # The bulk endpoint refuses item by item (DESIGN.md): all items `error` is a 403.
                items = response.json()["results"]
                status = 403 if all(item["status"] == "error" for item in items) else status
            if status >= 500:
                problems.append(f"{role} {method} own: {status}")
            elif role in allowed and status in (403, 404):
                problems.append(f"{role} {method} own: refused ({status}), may")
            elif role not in allowed and status not in refusals:
                problems.append(f"{role} {method} own: {status}, expected {sorted(refusals)}")
            if any(changed):
                problems.append(f"{role} {method} own: may not write, but it changed data")
            if status == 200 and (found := leaks(world, response.content)):
                problems.append(f"{role} {method} own: holds the other org's {found}")
            if rule.obj is not None:
                response = call(method, api_path(path, rule, other, role), token, body)
                status = response.status_code
                if rule.obj == "external":
                    # An external id is scoped per organization: the same key here is this
                    # organization's own row (or a new one), never the other's.
                    if status >= 500 or leaks(world, response.content):
                        problems.append(f"{role} {method} other org's key: {status}")
                elif status != 404:
                    problems.append(f"{role} {method} other org's object: {status}")
    assert fingerprint(other) == before_other, "The other organization's data changed"
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_every_api_path_is_in_the_matrix():
    missing = sorted(set(OPERATIONS) - set(API))
    stale = sorted(set(API) - set(OPERATIONS))
    assert not missing, f"Add these API paths to API: {missing}"
    assert not stale, f"Remove these lines from API (no such path any more): {stale}"
