"""Benchmark: the pages and API endpoints that matter, over the `seed_scale` organization, each
against the same reads (or writes) done with plain SQL through psycopg in the same run.

    .venv/bin/python benchmarks/pages.py [--runs 20] [--only LABEL] [--no-write]   (make bench)

Uses a database of its own (``THROUGHLINE_SCALE_DB``, default ``bench_scale``, on DATABASE_URL's
server or the embedded PostgreSQL), created, migrated and seeded with ``manage.py seed_scale``
(default sizes) when missing, so later runs reuse it. Every request goes through the whole
Django stack in this process (middleware, authentication, view, template or serializer,
renderer), warm, signed in as the organization's admin (pages) or with a bearer token (API);
an entry may sign in as a team lead or a member instead (``who``), the one with the most open
work to show (``person``).

- **server time**: median and 95th percentile of ``--runs`` requests after two warm-ups.
- **queries**: the statements one request runs.
- **× SQL**: the median divided by that of plain SQL doing the same reads: the SELECTs the
  request ran, captured and replayed through psycopg (rows fetched; no server-side prepared
  statements, as Django does not use them), plus ``json.dumps`` of the
  rows for API endpoints. Writes compare with one ``INSERT … ON CONFLICT`` of the same rows
  (``api_sync.SqlUpsert``); the feed with ``SELECT … WHERE id > %s ORDER BY id LIMIT 1000``.

Adding a page is one line in ``ENTRIES``: a label, a URL name (or path), and where its ids come
from. A URL name that does not exist (yet) is reported as skipped.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ["THROUGHLINE_TEST_DB"] = os.environ.get("THROUGHLINE_SCALE_DB", "bench_scale")
# The benchmark is one client asking many times: the per-token rate limit is not what it measures.
os.environ.setdefault("THROUGHLINE_API_RATE", "100000000/minute")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from results import describe, machine, write_section  # noqa: E402

from config.runtime import settle_heap  # noqa: E402

SLUG = "scale"
FEED_CHANGES = 100_000
FEED_PAGE = 1000
BULK = 1000


def log(message: str) -> None:
    print(message, flush=True)


# --- what is measured ------------------------------------------------------------------------


@dataclass
class Context:
    """Ids the entries need, read once from the seeded organization."""

    organization: Any
    admin: Any  # Membership
    token: str
    team_id: str
    sprint_id: str | None
    session_id: str | None
    work_package_id: str
    cycle_id: str | None
    team_lead: Any = None  # Membership: the team lead whose team has the most open work
    lead_team_id: str | None = None  # that team
    member: Any = None  # Membership: the member who owns the most open work


@dataclass
class Entry:
    label: str
    target: str  # a URL name ("okrs:board") or a path starting with "/"
    kwargs: Callable[[Context], dict] | None = None
    query: Callable[[Context], str] | None = None
    api: bool = False
    note: str = ""
    who: str = "admin"  # whose page: admin, team_lead or member (pages only)


ENTRIES: list[Entry] = [
    # Dashboards (pages, then their /api/v1/dashboards/ twins).
    Entry("strategy map", "okrs:strategy_map"),
    Entry("alignment", "planning:dash_alignment"),
    Entry("capacity", "backlog:dash_capacity"),
    Entry("delivery", "planning:dash_delivery"),
    Entry("OKR trends", "okrs:okr_trends"),
    Entry("strategy map (API)", "api:dashboard-strategy-map", api=True),
    Entry("alignment (API)", "api:dashboard-alignment", api=True),
    Entry("capacity (API)", "api:dashboard-capacity", api=True),
    Entry("delivery (API)", "api:dashboard-delivery", api=True),
    Entry("OKR trends (API)", "api:dashboard-okr-trends", api=True),
    # Working pages.
    Entry("OKR board", "okrs:board"),
    Entry("backlog", "backlog:backlog", query=lambda c: f"team={c.team_id}"),
    Entry("sprint", "backlog:sprint_detail", kwargs=lambda c: {"sprint_id": c.sprint_id}),
    Entry("review agenda", "reviews:session_detail", kwargs=lambda c: {"session_id": c.session_id}),
    Entry("landing, leader (page)", "home"),
    Entry(
        "landing, team lead (page)",
        "home",
        query=lambda c: f"team={c.lead_team_id}",
        who="team_lead",
    ),
    # A member's landing redirects to their own work: measured there.
    Entry("landing, member (page: my work)", "planning:my_work", who="member"),
    # What any signed-in page costs at least (session, user, membership, middleware, layout):
    # the floor under the ratio of a page with little SQL.
    Entry("floor: the password form (page)", "core:password_change", who="member"),
    Entry("attention list (API)", "api:dashboard-attention", api=True),
    Entry(
        "attention list of a team (API)",
        "api:dashboard-attention",
        api=True,
        query=lambda c: f"team={c.team_id}",
    ),
    Entry("work package list (page)", "planning:work_list"),
    Entry(
        "work package detail (page)",
        "planning:work_detail",
        kwargs=lambda c: {"work_package_id": c.work_package_id},
    ),
    # API lists of 100 and details.
    Entry(
        "work packages, 100 (API)",
        "/api/v1/work-packages/",
        api=True,
        query=lambda c: "page_size=100",
    ),
    Entry(
        "work packages of a team, 100 (API)",
        "/api/v1/work-packages/",
        api=True,
        query=lambda c: f"team={c.team_id}&page_size=100",
    ),
    Entry(
        "work packages in progress, 100 (API)",
        "/api/v1/work-packages/",
        api=True,
        query=lambda c: "status=in_progress&page_size=100",
    ),
    Entry(
        "work package detail (API)",
        "/api/v1/work-packages/",
        api=True,
        kwargs=lambda c: {"id": c.work_package_id},
    ),
    Entry(
        "key results, 100 (API)", "/api/v1/key-results/", api=True, query=lambda c: "page_size=100"
    ),
    Entry(
        "objectives, 100 (API)", "/api/v1/objectives/", api=True, query=lambda c: "page_size=100"
    ),
    Entry("check-ins, 100 (API)", "/api/v1/check-ins/", api=True, query=lambda c: "page_size=100"),
]


@dataclass
class Row:
    label: str
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    sql_ms: float | None = None
    status: int | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.median_ms is None or not self.sql_ms:
            return None
        return self.median_ms / self.sql_ms


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- setup -----------------------------------------------------------------------------------


def database(args) -> None:
    """The benchmark's own database, created and migrated when missing, seeded when empty."""
    connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    from core.models import Organization
    from planning.models import WorkPackage

    org = Organization.objects.filter(slug=SLUG).first()
    if org is None or not WorkPackage.objects.filter(organization=org).exists():
        log("seeding the scale organization (manage.py seed_scale, default sizes) …")
        started = time.perf_counter()
        call_command("seed_scale", "--slug", SLUG)
        log(f"seeded in {time.perf_counter() - started:.0f} s")
    # Production runs autovacuum; a bench database that earlier runs wrote to may not have had
    # it, and index-only scans need a current visibility map.
    connection.cursor().execute("VACUUM ANALYZE")


def fill_feed(org, count: int) -> None:
    """The organization's change log holds at least ``count`` entries (written once)."""
    from core.models import ChangeLogEntry
    from planning.api.serializers import work_package_to_wire
    from planning.models import WorkPackage

    have = ChangeLogEntry.objects.filter(organization=org).count()
    if have >= count:
        return
    log(f"filling the change log with {count - have:,} entries …")
    sample = WorkPackage.objects.filter(organization=org).first()
    if sample is None:
        raise RuntimeError("the scale organization has no work packages")
    data = json.dumps(work_package_to_wire(sample), default=str)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO core_changelogentry
                (organization_id, object_type, object_id, op, version, data, at, event_id)
            SELECT %s, 'work_package', gen_random_uuid(), 'updated', n, %s::jsonb, now(),
                   gen_random_uuid()
            FROM generate_series(1, %s) AS n
            """,
            [org.pk, data, count - have],
        )
        cursor.execute("ANALYZE core_changelogentry")


def context() -> Context:
    from backlog.models import Sprint
    from core.models import ApiToken, Membership, Organization
    from core.services import api_token_issue
    from okrs.models import Cycle
    from planning.models import WorkPackage
    from reviews.models import ReviewSession

    org = Organization.objects.get(slug=SLUG)
    admin = Membership.objects.select_related("user").get(
        organization=org, user__email=f"person00000@{SLUG}.example"
    )
    ApiToken.objects.filter(user=admin.user, name="bench").delete()
    token = api_token_issue(
        user=admin.user, organization=org, name="bench", scope=ApiToken.Scope.WRITE
    )
    team = admin.teams.first() or org.teams.first()
    if team is None:
        raise RuntimeError("the scale organization has no teams")
    sprint = (
        Sprint.objects.filter(organization=org, team=team, status="open").first()
        or Sprint.objects.filter(organization=org, status="open").first()
    )
    session = (
        ReviewSession.objects.filter(organization=org, status="scheduled")
        .order_by("scheduled_at")
        .first()
    )
    wp = WorkPackage.objects.filter(organization=org, team=team).order_by("id").first()
    if wp is None:
        raise RuntimeError("the scale organization's first team has no work packages")
    cycle = Cycle.objects.filter(organization=org, status="active").first()
    team_lead, lead_team_id = person(org, "team_lead")
    member, _ = person(org, "member")
    return Context(
        organization=org,
        admin=admin,
        token=token.raw,
        team_id=str(team.pk),
        sprint_id=str(sprint.pk) if sprint else None,
        session_id=str(session.pk) if session else None,
        work_package_id=str(wp.pk),
        cycle_id=str(cycle.pk) if cycle else None,
        team_lead=team_lead,
        lead_team_id=lead_team_id,
        member=member,
    )


def person(org, role: str) -> tuple[Any, str | None]:
    """An active membership of ``role`` with something on its landing page: a team lead with
    the team (of theirs) holding the most open work packages, or the member owning the most
    open work packages (ties by id, so every run picks the same one). (None, None) when nobody
    of that role has any open work."""
    from django.db.models import Count

    from core.models import Membership
    from planning.models import WorkPackage

    open_work = WorkPackage.objects.filter(
        organization=org, status__in=("intention", "ready", "in_progress")
    )
    people = Membership.objects.select_related("user").filter(
        organization=org, role=role, is_active=True, user__is_active=True
    )
    if role == "team_lead":
        per_team = dict(
            open_work.order_by()
            .values_list("team_id")
            .annotate(n=Count("pk"))
            .values_list("team_id", "n")
        )
        pairs = Membership.teams.through.objects.filter(
            membership__in=people, team__archived_at__isnull=True
        ).values_list("membership_id", "team_id")
        ranked = sorted(
            ((per_team.get(team_id, 0), str(m_id), str(team_id)) for m_id, team_id in pairs),
            key=lambda r: (-r[0], r[1], r[2]),
        )
        if not ranked or ranked[0][0] == 0:
            return None, None
        return people.get(pk=ranked[0][1]), ranked[0][2]
    owner = (
        open_work.filter(owner__in=people.values("user_id"))
        .order_by()
        .values("owner_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "owner_id")
        .first()
    )
    if owner is None:
        return None, None
    return people.get(user_id=owner["owner_id"]), None


def psycopg_connect():
    params = connection.settings_dict
    kwargs = {
        "dbname": params["NAME"],
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
        "user": params["USER"] or None,
        "password": params["PASSWORD"] or None,
    }
    # No server-side prepared statements: the replayed statements carry their values as
    # literals, so psycopg's automatic prepare (after 5 runs of the same text) would pay off
    # only because the benchmark repeats the same request, and would leave parsing and
    # planning out of the baseline. Django's connection does not prepare either.
    return psycopg.connect(
        **{k: v for k, v in kwargs.items() if v is not None},
        autocommit=True,
        prepare_threshold=None,
    )


# --- measuring -------------------------------------------------------------------------------


def url_of(entry: Entry, ctx: Context) -> str | None:
    kwargs = entry.kwargs(ctx) if entry.kwargs else {}
    if any(v is None for v in kwargs.values()):
        return None
    if entry.target.startswith("/"):
        path = entry.target + "".join(f"{v}/" for v in kwargs.values())
    else:
        try:
            path = reverse(entry.target, kwargs=kwargs or None)
        except NoReverseMatch:
            return None
    return path + (f"?{entry.query(ctx)}" if entry.query else "")


def is_read(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in ("SELECT", "WITH") and "FOR UPDATE" not in sql.upper()


def replay_once(conn, statements: list[str], encode: bool) -> float:
    """Seconds of one run of the SELECTs through psycopg (+ JSON encoding of the rows)."""
    started = time.perf_counter()
    for sql in statements:
        rows = conn.execute(sql).fetchall()
        if encode:
            json.dumps(rows, default=str)
    return time.perf_counter() - started


def measure(entry: Entry, ctx: Context, clients: dict[str, Client | None], conn, runs: int) -> Row:
    url = url_of(entry, ctx)
    if url is None:
        return Row(entry.label, note="skipped: not in this build (or nothing to show)")
    client = clients["api" if entry.api else "page" if entry.who == "admin" else entry.who]
    if client is None:
        return Row(entry.label, note=f"skipped: no {entry.who} with open work")
    for _ in range(2):
        client.get(url)
    connection.queries_log.clear()  # the log keeps 9000 statements: a page must fit in it
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    # Read now: every request start empties the query log (Django's reset_queries).
    statements = [q["sql"] for q in captured.captured_queries]
    if response.status_code != 200:
        return Row(entry.label, status=response.status_code, note=f"HTTP {response.status_code}")
    note = entry.note
    if len(statements) >= (connection.queries_log.maxlen or 0):
        note = f"{note} queries: at least this many (the log's limit)".strip()
    reads = [s for s in statements if is_read(s)]
    # A request, then its SELECTs replayed, in turn: both sides of the ratio see the machine
    # in the same state (on a shared two-core machine the speed drifts within seconds).
    times, sql_times = [], []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
        sql_times.append(replay_once(conn, reads, encode=entry.api))
    sql = statistics.median(sql_times)
    return Row(
        entry.label,
        median_ms=statistics.median(times) * 1000,
        p95_ms=p95(times) * 1000,
        queries=len([s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]),
        sql_ms=sql * 1000,
        status=200,
        note=note,
    )


def measure_bulk(ctx: Context, client: Client, conn, runs: int) -> list[Row]:
    """POST /api/v1/work-packages/bulk/ with 1000 items, creating then updating, against one
    INSERT … ON CONFLICT of the same rows (and their change-log rows) through psycopg."""
    import api_sync

    from planning.models import WorkPackage

    def items(prefix: str, title: str) -> list[dict]:
        due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
        return [
            {
                "source": "bench",
                "external_id": f"{prefix}-{i:04d}",
                "title": f"{title} {i}",
                "description": "Synced from the benchmark.",
                "team": ctx.team_id,
                "due_date": due,
                "estimate": i % 13,
                "category": "tactical",
            }
            for i in range(BULK)
        ]

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM core_changelogentry")
        (feed_mark,) = cursor.fetchone()

    def cleanup() -> None:
        """The bench's work packages go, and with them what writing them left behind (their
        change-log entries and audit events), so the feed and the history do not grow with
        every run."""
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM planning_workpackage WHERE organization_id = %s AND source = 'bench'",
                [ctx.organization.pk],
            )
            cursor.execute(
                "DELETE FROM core_changelogentry WHERE organization_id = %s AND id > %s",
                [ctx.organization.pk, feed_mark],
            )
            cursor.execute(
                "DELETE FROM planning_workpackageevent "
                "WHERE organization_id = %s AND source = 'bench'",
                [ctx.organization.pk],
            )

    url = "/api/v1/work-packages/bulk/"
    cleanup()
    client.post(url, {"items": items("warm", "Warm")}, content_type="application/json")
    times: dict[str, list[float]] = {"created": [], "updated": []}
    queries: dict[str, int] = {}
    for run in range(runs):
        for op, title in (("created", "Created"), ("updated", "Updated")):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.post(
                    url, {"items": items(f"r{run}", title)}, content_type="application/json"
                )
                times[op].append(time.perf_counter() - started)
            body = response.json()
            assert response.status_code == 200, body  # noqa: S101 - a benchmark that went wrong
            assert all(r["status"] == op for r in body["results"]), body["results"][:2]  # noqa: S101
            queries[op] = len(captured.captured_queries)
    cleanup()

    sql_upsert = api_sync.SqlUpsert(ctx.organization)
    sql_times: dict[str, list[float]] = {"created": [], "updated": []}
    for run in range(runs):
        for op, title in (("created", "Created"), ("updated", "Updated")):
            rows = [
                {
                    **item,
                    "team": ctx.team_id,
                    "due_date": datetime.date.fromisoformat(item["due_date"]),
                }
                for item in items(f"s{run}", title)
            ]
            sql_times[op].append(sql_upsert.run(conn, rows))
    cleanup()
    WorkPackage.objects.none()
    return [
        Row(
            f"bulk upsert 1000, {op} (API)",
            median_ms=statistics.median(times[op]) * 1000,
            p95_ms=p95(times[op]) * 1000,
            queries=queries[op],
            sql_ms=statistics.median(sql_times[op]) * 1000,
            status=200,
        )
        for op in ("created", "updated")
    ]


def measure_feed(ctx: Context, client: Client, conn, runs: int) -> Row:
    """Drain the whole change log through GET /api/v1/changes/ in pages of 1000."""
    from core.models import ChangeLogEntry

    total = ChangeLogEntry.objects.filter(organization=ctx.organization).count()
    times, sql_times, pages = [], [], 0
    for _ in range(runs):
        started = time.perf_counter()
        cursor, seen, pages = "0", 0, 0
        while True:
            body = client.get(f"/api/v1/changes/?since={cursor}&limit={FEED_PAGE}").json()
            seen += len(body["results"])
            pages += 1
            cursor = body["next_cursor"]
            if not body["has_more"]:
                break
        times.append(time.perf_counter() - started)
        assert seen == total, (seen, total)  # noqa: S101
        started = time.perf_counter()
        last = 0
        while True:
            rows = conn.execute(
                "SELECT id, object_type, object_id, op, version, data, at "
                "FROM core_changelogentry WHERE organization_id = %s AND id > %s "
                "ORDER BY id LIMIT %s",
                [ctx.organization.pk, last, FEED_PAGE],
            ).fetchall()
            if not rows:
                break
            json.dumps(rows, default=str)
            last = rows[-1][0]
        sql_times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/api/v1/changes/?since=0&limit={FEED_PAGE}")
    median = statistics.median(times)
    return Row(
        f"changes feed drain, {total:,} changes (API)",
        median_ms=median * 1000,
        p95_ms=p95(times) * 1000,
        queries=len(captured.captured_queries),
        sql_ms=statistics.median(sql_times) * 1000,
        status=200,
        note=f"{total / median:,.0f} changes/s; queries per page of {FEED_PAGE}",
    )


def measure_sweeps(conn, runs: int) -> Row:
    """The six reminder sweeps (what the beat schedule runs), cold: the reminders of the scale
    organization removed before each run. Plain SQL: the same statements replayed in a
    transaction that is rolled back."""
    from config.celery_app import app as celery_app
    from reviews import services

    celery_app.conf.broker_url = "memory://localhost/"
    celery_app.conf.broker_transport_options = {}
    sweeps = [
        services.sweep_review_upcoming,
        services.sweep_work_package_overdue,
        services.sweep_success_check_due,
        services.sweep_intention_not_ready,
        services.sweep_check_in_due,
        services.sweep_weekly_digest,
    ]

    def reset() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM reviews_notification")
            cursor.execute("DELETE FROM reviews_sentreminder")

    times, statements = [], []
    for _ in range(runs):
        reset()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            for sweep in sweeps:
                sweep()
            times.append(time.perf_counter() - started)
        statements = [q["sql"] for q in captured.captured_queries]
    reset()
    sql_times = []
    plain = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    # COPY needs its data stream, which the log does not keep: not replayable as text.
    replayable = [s for s in plain if not s.lstrip().upper().startswith("COPY")]
    for _ in range(runs):
        started = time.perf_counter()
        try:
            with conn.transaction():
                for sql in replayable:
                    conn.execute(sql)
                raise _Rollback
        except _Rollback:
            pass
        sql_times.append(time.perf_counter() - started)
    return Row(
        "reminder sweep, all six",
        median_ms=statistics.median(times) * 1000,
        p95_ms=p95(times) * 1000,
        queries=len(plain),
        sql_ms=statistics.median(sql_times) * 1000,
        status=200,
    )


class _Rollback(Exception):
    pass


def check_plans(ctx: Context, client: Client) -> tuple[int, dict[str, list[str]]]:
    """tests/perf/test_query_plans.py's check over the full-size data: EXPLAIN every statement
    of the hot lists and the feed; any sequential scan over work packages or changes is named."""
    from planning.models import WorkPackage
    from tests.perf.test_query_plans import WATCHED, explain, list_urls, seq_scans

    wp = (
        WorkPackage.objects.filter(organization=ctx.organization)
        .exclude(initiative=None)
        .exclude(owner=None)
        .first()
    )
    if wp is None:
        return 0, {"(no linked work package)": []}
    explained = 0
    offenders: dict[str, list[str]] = {}
    for url in list_urls(wp.team_id, wp.owner_id, wp.initiative_id):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        for query in captured.captured_queries:
            sql = query["sql"]
            if sql.lstrip().upper().startswith(("SELECT", "WITH")) and any(
                t in sql for t in WATCHED
            ):
                explained += 1
                scans = seq_scans(explain(sql))
                if scans:
                    offenders.setdefault(url, []).append(", ".join(scans))
    return explained, offenders


# --- report ----------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    lines = [
        "| what | median ms | p95 ms | queries | plain SQL ms | × SQL | note |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        if r.median_ms is None:
            lines.append(f"| {r.label} | – | – | – | – | – | {r.note} |")
            continue
        ratio = f"{r.ratio:.1f}" if r.ratio is not None else "–"
        lines.append(
            f"| {r.label} | {r.median_ms:,.1f} | {r.p95_ms:,.1f} | {r.queries} | "
            f"{r.sql_ms:,.1f} | {ratio} | {r.note} |"
        )
    return "\n".join(lines)


def counts(org) -> str:
    from django.apps import apps

    wanted = [
        ("planning", "WorkPackage"),
        ("okrs", "Objective"),
        ("okrs", "KeyResult"),
        ("okrs", "CheckIn"),
        ("backlog", "Sprint"),
        ("core", "ChangeLogEntry"),
    ]
    return ", ".join(
        f"{apps.get_model(a, m).objects.filter(organization=org).count():,} {m}" for a, m in wanted
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="measured requests per entry")
    parser.add_argument("--write-runs", type=int, default=3, help="runs of each write")
    parser.add_argument("--only", help="measure only entries whose label contains this")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()

    started = time.perf_counter()
    info = machine()
    database(args)
    info.update(machine(connection))
    ctx = context()
    fill_feed(ctx.organization, FEED_CHANGES)
    page = Client()
    page.force_login(ctx.admin.user)
    api = Client(headers={"Authorization": f"Bearer {ctx.token}"})
    clients: dict[str, Client | None] = {"page": page, "api": api}
    for who in ("team_lead", "member"):
        membership = getattr(ctx, who)
        clients[who] = None
        if membership is not None:
            signed_in = Client()
            signed_in.force_login(membership.user)
            clients[who] = signed_in
    # What the server process does before its first request (config/wsgi.py): the start-up
    # heap frozen out of full garbage collections.
    settle_heap()
    rows: list[Row] = []
    with psycopg_connect() as conn:
        for entry in ENTRIES:
            if args.only and args.only.lower() not in entry.label.lower():
                continue
            row = measure(entry, ctx, clients, conn, args.runs)
            rows.append(row)
            log(table([row]).splitlines()[-1])
        if not args.only or "bulk" in args.only:
            for row in measure_bulk(ctx, api, conn, args.write_runs):
                rows.append(row)
                log(table([row]).splitlines()[-1])
        if not args.only or "feed" in args.only:
            rows.append(measure_feed(ctx, api, conn, args.write_runs))
            log(table([rows[-1]]).splitlines()[-1])
        if not args.only or "sweep" in args.only:
            rows.append(measure_sweeps(conn, args.write_runs))
            log(table([rows[-1]]).splitlines()[-1])
        plans = ""
        if not args.only or "plan" in args.only:
            explained, offenders = check_plans(ctx, api)
            plans = (
                f"Query plans at this scale (the check of tests/perf/test_query_plans.py): "
                f"{explained} statements of the work package lists (every filter), the changes "
                f"feed and the OKR lists explained; sequential scans over work packages or "
                f"changes: {offenders or 'none'}."
            )
            log(plans)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    text = f"""## Pages and endpoints at scale (`benchmarks/pages.py`)

Run {today}, over the `seed_scale` organization ({counts(ctx.organization)}).
Server time in this process through the whole Django stack, warm: median and 95th percentile of
{args.runs} requests ({args.write_runs} for the writes, the drain and the sweeps); queries per
request; "× SQL" is the median over the same reads replayed through psycopg, each replay run
right after a request so that both see the machine alike (the request's own
SELECTs, rows fetched, plus `json.dumps` of the rows for API endpoints), or for writes over one
`INSERT … ON CONFLICT` of the same rows with their change-log rows.

{table(rows)}

{plans}

Machine:

{describe(info)}
"""
    log("")
    log(text)
    if not args.no_write:
        write_section("pages", text)
        log("written to benchmarks/RESULTS.md")
    log(f"took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
