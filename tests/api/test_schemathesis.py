"""Schemathesis against the live API: every operation of /api/schema/, fuzzed over real HTTP.

The app runs on pytest-django's live server with the demo organizations seeded. Schemathesis
generates requests from the OpenAPI schema (valid ones and invalid ones), and each answer must:
not be a 5xx; use a status code, content type, headers and body the schema documents; and, when
it is an error, be `application/problem+json` (a 412 carries the current object instead).

Generated ids would almost never name a real object, so most path ids, filters and references
in valid data are swapped for ids of the demo data (which one follows from the generated case,
so a run is repeatable). Requests go out as a leader, a team lead, a member with a read-only
token, or without a token, so 401 and 403 are exercised too.

Hypothesis is derandomized (its seed comes from the test, not the clock): CI runs the same
cases every time. About 14 cases for each of the ~120 operations.
"""

from __future__ import annotations

import copy
import json
import zlib
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backlog.models import Idea, Sprint
from core.api.throttling import TokenRateThrottle
from core.models import Membership, Organization, Team
from okrs.models import Cycle, KeyResult, Objective, OutcomeMeasure
from planning.models import Initiative, StrategicObjective, WorkPackage
from reviews.models import Cadence, Decision, Learning, ReviewSession

MIN_CASES = 1000
# Enough for MIN_CASES over ~120 operations in a few minutes of CI.
EXAMPLES_PER_OPERATION = 16
PROBLEM_JSON = "application/problem+json"
# The resource a path's `{id}` names, by the path's first segment after /api/v1/.
PATH_POOLS = {
    "work-packages": "work_package",
    "initiatives": "initiative",
    "strategic-objectives": "strategic_objective",
    "teams": "team",
    "members": "member",
    "organizations": "organization",
    "cycles": "cycle",
    "objectives": "objective",
    "key-results": "key_result",
    "outcome-measures": "outcome_measure",
    "sprints": "sprint",
    "ideas": "idea",
    "cadences": "cadence",
    "review-sessions": "review_session",
    "decisions": "decision",
    "learnings": "learning",
}
# Fields (in bodies and query strings) that name another object, and the pool they draw from.
REFERENCE_POOLS = {
    "team": "team",
    "teams": "team",
    "parent": "team",
    "owner": "user",
    "initiative": "initiative",
    "strategic_objective": "strategic_objective",
    "work_package": "work_package",
    "cycle": "cycle",
    "objective": "objective",
    "key_result": "key_result",
    "sprint": "sprint",
    "cadence": "cadence",
}
# Dates that must come in order; generated ones are put in order three times in four.
DATE_PAIRS = [
    ("start_date", "due_date"),
    ("start_date", "end_date"),
    ("horizon_start", "horizon_end"),
]
# Upserts by external id land on a few known keys, so updates and `unchanged` happen too.
SYNC_SOURCES = ["jira", "linear"]
SYNC_IDS = ["T-1", "T-2", "T-3"]
# Who sends each request: leaders may write strategy, a team lead their team's work, the
# member's token is read-only (403 on writes), and some requests carry no token (401).
CALLERS = ["leader", "leader", "leader", "lead", "lead", "lead", "reader", None]

CASES: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()

schema = schemathesis.pytest.from_fixture("api_schema")


@schemathesis.check
def problem_details(ctx, response, case):
    """Every error is application/problem+json with type, title, status and detail."""
    if response.status_code < 400 or response.status_code == 412:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.split(";")[0].strip() == PROBLEM_JSON, (
        f"A {response.status_code} answered {content_type!r}, not {PROBLEM_JSON}"
    )
    body = json.loads(response.content)
    assert isinstance(body, dict), "A problem is a JSON object"
    missing = {"type", "title", "status", "detail"} - set(body)
    assert not missing, f"The problem lacks {sorted(missing)}"
    assert body["status"] == response.status_code, "The problem's status is the response's"
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    problem_details,
]
CHECKS_FOR_VALID_DATA = [check for check in CHECKS if check is not negative_data_rejection]
# Invalid data must be refused with one of these. 412 too: a stale If-Match is answered before
# the body is read (RFC 9110 evaluates preconditions first), whatever the body holds.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [
                    *("400", "401", "403", "404", "405", "406", "409", "412", "413"),
                    *("415", "422", "428", "429", "5xx"),
                ]
            }
        },
        # The fuzzing phase generates valid and invalid data alike. Values seen in responses
        # (random ids) are not fed back into generation: the same cases every run (`aim`
        # supplies real ids instead).
        "phases": {
            "examples": {"extra-data-sources": {"responses": False}},
            # The coverage phase (thousands of boundary cases over ~120 operations) would take
            # most of CI's budget; hypothesis's fuzzing reaches boundaries too, in fewer cases.
            "coverage": {"enabled": False},
            "fuzzing": {"extra-data-sources": {"responses": False}},
        },
    }
)


def carries_invalid_data(case) -> bool:
    """Whether a case generated as invalid data really is: schemathesis 4.32 also labels a case
    "negative" whose optional body it merely left out (no mutation recorded, "Positive test
    case"); such a request is valid, and a 200 is right."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    data = meta.phase.data
    return bool(getattr(data, "mutations", True)) or data.description != "Positive test case"


def base_url(live_server) -> str:
    # 127.0.0.1, not "localhost": resolving that name costs ~40 ms a request here.
    return live_server.url.replace("//localhost:", "//127.0.0.1:")


def _hash(value) -> int:
    return zlib.crc32(repr(value).encode())


def _pick(generated, pool: list, seed: int):
    """A demo id in three cases out of four; which one follows from the case (repeatable)."""
    h = _hash((seed, generated))
    if not pool or h % 4 == 0:
        return generated
    return pool[(h // 4) % len(pool)]


def _case_seed(case) -> int:
    body = None if isinstance(case.body, NotSet) else case.body  # NotSet's repr is an address
    return _hash((case.method, case.path, case.path_parameters, case.query, body))


class DemoData:
    def __init__(self, tokens: dict[str, str]):
        acme = Organization.objects.get(slug="acme")
        globex = Organization.objects.get(slug="globex")

        def ids(queryset, natural: str) -> list[str]:
            # By a natural key (ids are random, the demo's names are not): repeatable.
            ordered = queryset.order_by(natural, "created_at", "pk")
            return [str(pk) for pk in ordered.values_list("pk", flat=True)]

        self.tokens = tokens
        # Mostly Acme's (the callers' organization), one of Globex's each: a 404, never a 403.
        self.pools = {
            "team": ids(Team.objects.filter(organization=acme), "name")
            + ids(Team.objects.filter(organization=globex), "name")[:1],
            "user": [
                str(pk)
                for pk in Membership.objects.filter(organization=acme)
                .order_by("user__email")
                .values_list("user_id", flat=True)
            ],
            "member": ids(Membership.objects.filter(organization=acme), "user__email"),
            "organization": [str(acme.pk), str(globex.pk)],
            "strategic_objective": ids(
                StrategicObjective.objects.filter(organization=acme), "statement"
            ),
            "initiative": ids(Initiative.objects.filter(organization=acme), "title"),
            "work_package": ids(WorkPackage.objects.filter(organization=acme), "title")
            + ids(WorkPackage.objects.filter(organization=globex), "title")[:1],
            "cycle": ids(Cycle.objects.filter(organization=acme), "name"),
            "objective": ids(Objective.objects.filter(organization=acme), "statement"),
            "key_result": ids(KeyResult.objects.filter(organization=acme), "title"),
            "outcome_measure": ids(OutcomeMeasure.objects.filter(organization=acme), "name"),
            "sprint": ids(Sprint.objects.filter(organization=acme), "name"),
            "idea": ids(Idea.objects.filter(organization=acme), "title"),
            "cadence": ids(Cadence.objects.filter(organization=acme), "name"),
            "review_session": ids(ReviewSession.objects.filter(organization=acme), "scheduled_at"),
            "decision": ids(Decision.objects.filter(organization=acme), "subject_title"),
            "learning": ids(Learning.objects.filter(organization=acme), "statement"),
        }

    def aim(self, generated):
        """A copy of the case with generated ids pointed at demo objects, in the parts generated
        as valid data (a copy: Hypothesis hands the same explicit example over again)."""
        case = generated.derive(keep_auth=True)
        case.body = copy.deepcopy(generated.body)
        meta = case.meta
        seed = _case_seed(case)

        def valid(location) -> bool:
            return meta is None or not meta.is_negative_at(location)

        if valid(ParameterLocation.PATH):
            params = case.path_parameters or {}
            if "id" in params:
                segment = case.path.split("/")[3]
                pool = self.pools.get(PATH_POOLS.get(segment, ""), [])
                params["id"] = _pick(params["id"], pool, seed)
            if "source" in params and "external_id" in params:
                params["source"] = _pick(params["source"], SYNC_SOURCES, seed)
                params["external_id"] = _pick(params["external_id"], SYNC_IDS, seed)
        if valid(ParameterLocation.QUERY) and case.query:
            self._aim_fields(case.query, seed)
        if valid(ParameterLocation.BODY) and isinstance(case.body, dict):
            self._aim_fields(case.body, seed)
            for i, item in enumerate(case.body.get("items") or []):
                if isinstance(item, dict):
                    self._aim_fields(item, seed + i)
                    if isinstance(item.get("source"), str):
                        item["source"] = _pick(item["source"], SYNC_SOURCES, seed + i)
                    if isinstance(item.get("external_id"), str):
                        item["external_id"] = _pick(item["external_id"], SYNC_IDS, seed + i)
        key = (case.headers or {}).get("Idempotency-Key")
        if valid(ParameterLocation.HEADER) and key and seed % 4:
            # Mostly one key per body: a repeat is a replay, and a 422 the exception.
            case.headers["Idempotency-Key"] = f"{key[:200]}-{_hash(repr(case.body))}"
        return case

    def _aim_fields(self, data: dict, seed: int) -> None:
        for start, end in DATE_PAIRS:
            first, last = data.get(start), data.get(end)
            if isinstance(first, str) and isinstance(last, str) and first > last:
                # Mostly in order, so more writes get past validation to the database.
                if _hash((seed, first, last)) % 4:
                    data[start], data[end] = last, first
        for name, pool_name in REFERENCE_POOLS.items():
            value = data.get(name)
            pool = self.pools[pool_name]
            if isinstance(value, str):
                data[name] = _pick(value, pool, seed)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                data[name] = [_pick(v, pool, seed + i) for i, v in enumerate(value)]

    def token_for(self, case) -> str | None:
        caller = CALLERS[_case_seed(case) % len(CALLERS)]
        return None if caller is None else self.tokens[caller]


@pytest.fixture
def demo_data(issue_token) -> DemoData:
    return DemoData(
        {
            "leader": issue_token("leader@acme.example", "write"),
            "lead": issue_token("lead@acme.example", "write"),
            "reader": issue_token("member@acme.example", "read"),
        }
    )


@pytest.fixture
def api_schema(request, live_server, demo_data, monkeypatch):
    # schemathesis 4.32's lazy loader renames the test through `node._nodeid`, which pytest 9.2
    # no longer has (it keeps `_id`); give it the attribute (it then only labels the subtests).
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    # Throttling answers depend on the clock; lift the limit so a run is repeatable.
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "1000000/minute"})
    CASES.clear()
    STATUSES.clear()
    # A generous timeout: the schema is generated on first request, slowly on a busy CI machine.
    loaded = schemathesis.openapi.from_url(
        f"{base_url(live_server)}/api/schema/", config=CONFIG, timeout=120
    )

    class DemoCallers:
        """Schemathesis's auth provider: the case's caller's token (none: no credentials)."""

        def get(self, case, context):
            return demo_data.token_for(case)

        def set(self, case, token, context):
            case.headers["Authorization"] = f"Bearer {token}"

    loaded.auth(refresh_interval=None)(DemoCallers)
    yield loaded
    total = sum(CASES.values())
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:  # shown even without -s: what was tested
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\nschemathesis: {total} cases over {len(CASES)} operations; "
                f"statuses {dict(sorted(STATUSES.items()))}"
            )
    assert total >= MIN_CASES, f"Only {total} cases ran; the schema shrank or generation failed."


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_the_api_answers_as_its_schema_says(case, demo_data, live_server):
    case = demo_data.aim(case)
    # Bulk answers 200 with a per-item `error` for an invalid item (DESIGN.md): invalid items
    # are not rejected as a whole, so "invalid data is rejected" does not apply there.
    valid_anyway = case.path.endswith("/bulk/") or not carries_invalid_data(case)
    checks = CHECKS_FOR_VALID_DATA if valid_anyway else CHECKS
    response = case.call_and_validate(base_url=base_url(live_server), checks=checks, timeout=30)
    CASES[case.operation.label] += 1
    STATUSES[response.status_code] += 1
