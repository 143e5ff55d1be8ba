"""Benchmark: what a sync costs through the service layer, against the same work in plain SQL.

    .venv/bin/python benchmarks/api_sync.py [--runs 5] [--changes 100000]     (or: make bench)

Measures, on PostgreSQL (DATABASE_URL, else the embedded server, as the app), in a throwaway
database created here and dropped at the end (``THROUGHLINE_BENCH_DB``, default
``throughline_bench``):

- bulk upsert of 1000 work packages through ``planning.services.work_package_bulk_upsert`` (what
  POST /api/v1/work-packages/bulk/ runs), a create pass and an update pass, against one
  ``INSERT … ON CONFLICT DO UPDATE`` of the same 1000 rows through psycopg that also writes their
  change-log rows (the service's writes, without its checks);
- draining 100 000 changes from the feed with ``core.changelog.changes_rows_since`` in pages of 1000
  (what GET /api/v1/changes/ runs), against ``SELECT … WHERE id > %s ORDER BY id LIMIT 1000``.

Each figure is items per second, the median of several runs. Prints a table and writes it, with
the machine's description, to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ["THROUGHLINE_TEST_DB"] = os.environ.get("THROUGHLINE_BENCH_DB", "throughline_bench")

import django

django.setup()

import psycopg  # noqa: E402
from django.core.serializers.json import DjangoJSONEncoder  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from results import write_section  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BATCH = 1000
PAGE = 1000


def log(message: str) -> None:
    print(message, flush=True)


def check(condition: bool, what) -> None:
    if not condition:
        raise RuntimeError(f"benchmark went wrong: {what}")


# --- setup ---------------------------------------------------------------------------------


def make_organization(slug: str):
    from core.models import Membership, Organization, Role, Team, User

    org = Organization.objects.create(name=slug.title(), slug=slug)
    user = User.objects.create(email=f"leader@{slug}.example", full_name="Bench Leader")
    leader = Membership.objects.create(user=user, organization=org, role=Role.LEADER)
    team = Team.objects.create(organization=org, name="Bench team")
    return org, leader, team


def items_for(prefix: str, team_id, title: str) -> list[dict]:
    """What the bulk endpoint hands the service after validation (ids, dates as objects)."""
    due = datetime.date(2027, 3, 1)
    return [
        {
            "source": "bench",
            "external_id": f"{prefix}-{i:04d}",
            "title": f"{title} {i}",
            "description": "Synced from the benchmark.",
            "team": team_id,
            "due_date": due,
            "estimate": i % 13,
            "category": "tactical",
        }
        for i in range(BATCH)
    ]


def psycopg_connect():
    params = connection.settings_dict
    kwargs = {
        "dbname": params["NAME"],
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
        "user": params["USER"] or None,
        "password": params["PASSWORD"] or None,
    }
    return psycopg.connect(**{k: v for k, v in kwargs.items() if v is not None})


# --- (a) bulk upsert -----------------------------------------------------------------------


def service_upsert(leader, items) -> float:
    from planning.services import work_package_bulk_upsert

    start = time.perf_counter()
    results = work_package_bulk_upsert(actor=leader, items=items)
    elapsed = time.perf_counter() - start
    check(all(r.status in ("created", "updated") for r in results), results[:3])
    return elapsed


class SqlUpsert:
    """The same rows in one INSERT … ON CONFLICT through psycopg, plus their change-log rows
    (one statement), under the same per-organization advisory lock the service takes."""

    def __init__(self, org):
        from core import changelog
        from planning.models import WorkPackage

        self.org = org
        self.lock_namespace = changelog._LOCK_NAMESPACE
        fields = [f for f in WorkPackage._meta.concrete_fields]
        self.columns = [f.column for f in fields]
        self.types = [f.db_type(connection) for f in fields]
        # Columns the items leave out get the model's defaults, computed once.
        self.defaults = {f.attname: f.get_default() for f in fields}
        updated = ["title", "description", "due_date", "estimate", "category", "team_id"]
        changed = " OR ".join(f"w.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in updated)
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in updated)
        unnest = ", ".join(f"%s::{t.split('(')[0]}[]" for t in self.types)
        # Built from the model's own column names and types, never from input.
        self.sql = f"""
            WITH upserted AS (
                INSERT INTO planning_workpackage AS w ({", ".join(self.columns)})
                SELECT * FROM unnest({unnest})
                ON CONFLICT (organization_id, source, external_id) WHERE external_id <> ''
                DO UPDATE SET {assignments}, version = w.version + 1, updated_at = EXCLUDED.updated_at
                WHERE {changed}
                RETURNING w.*, (w.xmax = 0) AS inserted
            )
            INSERT INTO core_changelogentry
                (organization_id, object_type, object_id, op, version, data, at, event_id)
            SELECT organization_id, 'work_package', id,
                   CASE WHEN inserted THEN 'created' ELSE 'updated' END, version,
                   to_jsonb(upserted) - 'inserted', now(), gen_random_uuid()
            FROM upserted
        """  # noqa: S608

    def run(self, conn, items) -> float:
        start = time.perf_counter()
        now = timezone.now()
        rows = []
        for item in items:
            values = {
                **self.defaults,
                "id": uuid.uuid4(),
                "organization_id": self.org.pk,
                "created_at": now,
                "updated_at": now,
            }
            for name, value in item.items():
                values["team_id" if name == "team" else name] = value
            rows.append(values)
        arrays = [[row[f] for row in rows] for f in self._attnames()]
        with conn.transaction():
            conn.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                [self.lock_namespace, str(self.org.pk)],
            )
            cursor = conn.execute(self.sql, arrays)
            check(cursor.rowcount == len(items), cursor.rowcount)
        return time.perf_counter() - start

    def _attnames(self):
        from planning.models import WorkPackage

        return [f.attname for f in WorkPackage._meta.concrete_fields]


# --- (b) draining the changes feed ---------------------------------------------------------


def fill_change_log(conn, org, team, count: int) -> None:
    """`count` change-log rows in one INSERT … SELECT (a work package's wire form as data)."""
    from planning.api.serializers import WorkPackageSerializer
    from planning.models import WorkPackage

    sample = WorkPackage(
        organization=org, team=team, title="A work package on the feed", source="bench"
    )
    wire = json.loads(json.dumps(WorkPackageSerializer(sample).data, cls=DjangoJSONEncoder))
    data = psycopg.types.json.Jsonb(wire)  # type: ignore[attr-defined]
    with conn.transaction():
        conn.execute(
            """
            INSERT INTO core_changelogentry
                (organization_id, object_type, object_id, op, version, data, at, event_id)
            SELECT %s, 'work_package', gen_random_uuid(), 'updated', n, %s, now(),
                   gen_random_uuid()
            FROM generate_series(1, %s) AS n
            """,
            [org.pk, data, count],
        )
    conn.execute("ANALYZE core_changelogentry")


def service_drain(org, expected: int) -> float:
    from core import changelog

    start = time.perf_counter()
    seen, cursor = 0, None
    while True:
        page = changelog.changes_rows_since(organization_id=org.pk, cursor=cursor, limit=PAGE)
        seen += len(page.results)
        cursor = page.next_cursor
        if not page.has_more:
            break
    elapsed = time.perf_counter() - start
    check(seen == expected, seen)
    return elapsed


def sql_drain(conn, org, expected: int) -> float:
    start = time.perf_counter()
    seen, last = 0, 0
    while True:
        rows = conn.execute(
            """
            SELECT id, object_type, object_id, op, version, data, at
            FROM core_changelogentry WHERE organization_id = %s AND id > %s
            ORDER BY id LIMIT %s
            """,
            [org.pk, last, PAGE],
        ).fetchall()
        if not rows:
            break
        seen += len(rows)
        last = rows[-1][0]
    elapsed = time.perf_counter() - start
    check(seen == expected, seen)
    return elapsed


# --- report --------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "PostgreSQL": f"{pg_version} ({'DATABASE_URL' if os.environ.get('DATABASE_URL') else 'embedded'})",
        "Django": django.get_version(),
        "psycopg": psycopg.__version__,
    }


def rate(count: int, seconds: list[float]) -> float:
    return count / statistics.median(seconds)


def report(rows: list[tuple[str, float, float]], runs: dict[str, int], info: dict) -> str:
    header = "| what | through the service (items/s) | plain SQL (items/s) | service ÷ SQL |"
    lines = [header, "|---|--:|--:|--:|"]
    for name, service, sql in rows:
        lines.append(f"| {name} | {service:,.0f} | {sql:,.0f} | {service / sql:.2f} |")
    table = "\n".join(lines)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    described = "\n".join(f"- {k}: {v}" for k, v in info.items())
    return f"""## Sync benchmark (`benchmarks/api_sync.py`)

`benchmarks/api_sync.py`, run {today}. Items per second, the median of {runs["upsert"]} runs for
the upserts and {runs["drain"]} for the drain; "service ÷ SQL" is the service's throughput as a
share of plain SQL's (1.00 would be as fast).

{table}

- **bulk upsert**: `work_package_bulk_upsert` for 1000 items of one team (what
  `POST /api/v1/work-packages/bulk/` runs after validating the JSON): every rule checked per item,
  then one insert or update, one change-log insert. Plain SQL: one `INSERT … ON CONFLICT DO UPDATE`
  of the same rows (`unnest` of arrays) that writes their change-log rows in the same statement,
  under the same advisory lock. Both commit.
- **drain**: `changes_rows_since` page after page of 1000 (what `GET /api/v1/changes/` runs
  before serializing: rows with the entry's data as JSON text) over {runs["changes"]:,} change-log rows. Plain SQL: `SELECT … WHERE
  organization_id = %s AND id > %s ORDER BY id LIMIT 1000` through psycopg, rows as tuples.

Machine:

{described}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each upsert (median)")
    parser.add_argument("--drain-runs", type=int, default=3, help="runs of each drain (median)")
    parser.add_argument("--changes", type=int, default=100_000, help="change-log rows to drain")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()

    original_name = connection.settings_dict["NAME"]
    started = time.perf_counter()
    log(f"creating the throwaway database {os.environ['THROUGHLINE_TEST_DB']} (migrations) …")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        info = machine()
        org, leader, team = make_organization("bench-sync")
        feed_org, _, feed_team = make_organization("bench-feed")
        upsert_sql = SqlUpsert(org)
        with psycopg_connect() as conn:
            conn.autocommit = True
            # One warm-up of each path (imports, plans, caches), not counted.
            service_upsert(leader, items_for("warm", team.pk, "Warm"))
            upsert_sql.run(conn, items_for("warm-sql", team.pk, "Warm"))

            timings: dict[str, list[float]] = {k: [] for k in ("sc", "su", "qc", "qu")}
            for run in range(args.runs):
                ids = f"run{run}"
                timings["sc"].append(service_upsert(leader, items_for(ids, team.pk, "Created")))
                timings["su"].append(service_upsert(leader, items_for(ids, team.pk, "Updated")))
                ids = f"sql{run}"
                timings["qc"].append(upsert_sql.run(conn, items_for(ids, team.pk, "Created")))
                timings["qu"].append(upsert_sql.run(conn, items_for(ids, team.pk, "Updated")))
                log(
                    f"upsert run {run + 1}/{args.runs}: service {timings['sc'][-1]:.3f} s create, "
                    f"{timings['su'][-1]:.3f} s update; SQL {timings['qc'][-1]:.3f} s, "
                    f"{timings['qu'][-1]:.3f} s"
                )

            log(f"filling the change log with {args.changes:,} rows …")
            fill_change_log(conn, feed_org, feed_team, args.changes)
            drains: dict[str, list[float]] = {"service": [], "sql": []}
            for run in range(args.drain_runs):
                drains["service"].append(service_drain(feed_org, args.changes))
                drains["sql"].append(sql_drain(conn, feed_org, args.changes))
                log(
                    f"drain run {run + 1}/{args.drain_runs}: service {drains['service'][-1]:.3f} s, "
                    f"SQL {drains['sql'][-1]:.3f} s"
                )
        connection.close()
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
        log(f"dropped {os.environ['THROUGHLINE_TEST_DB']}")

    rows = [
        (
            "bulk upsert, create 1000 work packages",
            rate(BATCH, timings["sc"]),
            rate(BATCH, timings["qc"]),
        ),
        (
            "bulk upsert, update 1000 work packages",
            rate(BATCH, timings["su"]),
            rate(BATCH, timings["qu"]),
        ),
        (
            f"drain {args.changes:,} changes, pages of {PAGE}",
            rate(args.changes, drains["service"]),
            rate(args.changes, drains["sql"]),
        ),
    ]
    text = report(
        rows, {"upsert": args.runs, "drain": args.drain_runs, "changes": args.changes}, info
    )
    log("")
    log(text)
    if not args.no_write:
        write_section("sync", text)
        log("written to benchmarks/RESULTS.md")
    log(f"took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
