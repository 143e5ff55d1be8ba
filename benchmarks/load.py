"""Load run (`make load`): gunicorn with the production settings on loopback, driven by locust.

    .venv/bin/python benchmarks/load.py [--seconds 60] [--detail-seconds 60] [--clients 8]
                                        [--workers 2] [--no-write]

1. The `seed_scale` database of benchmarks/pages.py (``THROUGHLINE_SCALE_DB``, default
   ``bench_scale``), created and seeded when missing; a write token for its admin.
2. gunicorn (``config.wsgi``, 2 workers, ``config.settings.production``) on a free loopback
   port. Production requires its secrets from the environment; for this loopback run only:
   a throwaway ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS=127.0.0.1``,
   ``DJANGO_SECURE_SSL_REDIRECT=false`` (plain http on loopback) and a rate limit high enough
   for one token to be many clients.
3. locust headless (benchmarks/locustfile.py): ``--clients`` clients for ``--seconds``, 80 %
   reads / 20 % writes; then work package detail GETs only for ``--detail-seconds`` (the
   "above 400 requests/s on two cores" goal).
4. Throughput, latency percentiles, errors and the server's memory (resident set of gunicorn's
   master and workers) at start and end, written to benchmarks/RESULTS.md (``--no-write``: only
   printed). Exits 1 on any error, including a scenario locust could not run.

The machine's load average is printed at the start and the end: other work on the same cores
(another benchmark, a test run) takes from the server's and locust's share, and shows there.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import pages  # noqa: E402  (sets Django up on the scale database)
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from results import describe, machine, write_section  # noqa: E402

BIN = Path(sys.executable).parent


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres")
    host = db["HOST"] or ""
    if host.startswith("/"):  # a unix socket folder (the embedded server): percent-encoded path
        return f"postgres://{user}@/{quote(host, safe='')}/{db['NAME']}"
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def family(pid: int) -> set[int]:
    """A process and its children (gunicorn's master and workers)."""
    pids = {pid}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                pids.add(int(entry.name))
    return pids


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by gunicorn's master and workers.

    On a shared machine the requests per second depend on what else runs; the server's CPU
    time per request does much less, and says how many requests two cores could serve."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in family(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (gunicorn's master and workers)."""
    pids = family(pid)
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def wait_ready(base: str, token: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(  # noqa: S310 - loopback http by construction
        f"{base}/api/v1/changes/head/", headers={"Authorization": f"Bearer {token}"}
    )
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer in time")


def run_locust(base: str, user_class: str, tag: str, clients: int, seconds: int, out: Path, env):
    prefix = out / user_class
    subprocess.run(  # noqa: S603 - our own tools, fixed arguments
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--users",
            str(clients),
            "--spawn-rate",
            str(clients),
            "--run-time",
            f"{seconds}s",
            "--host",
            base,
            "--tags",
            tag,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            user_class,
        ],
        env=env,
        check=False,
    )
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        return []
    return list(csv.DictReader(stats.read_text(encoding="utf-8").splitlines()))


def aggregated(rows: list[dict]) -> dict | None:
    return next((r for r in rows if r["Name"] == "Aggregated"), None)


def summarize(rows: list[dict]) -> list[str]:
    lines = [
        "| request | count | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    if not rows:
        lines.append("| (locust reported nothing) | – | – | – | – | – | – | – |")
    for r in rows:
        name = "**all**" if r["Name"] == "Aggregated" else r["Name"]  # names carry the method
        lines.append(
            f"| {name} | {int(r['Request Count']):,} | {r['Failure Count']} | "
            f"{float(r['Requests/s']):,.0f} | {r['50%']} | {r['95%']} | {r['99%']} | "
            f"{float(r['Max Response Time']):,.0f} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--detail-seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker (above 1: gunicorn's gthread workers, which keep connections)",
    )
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()

    info = machine()
    pages.database(None)
    info.update(machine(connection))
    ctx = pages.context()
    pages.fill_feed(ctx.organization, pages.FEED_CHANGES)
    from core.changelog import head_cursor
    from planning.models import WorkPackage

    out = ROOT / "var" / "load"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*Client_*.csv"):  # a scenario that fails must not report old figures
        old.unlink()
    ids = {
        "team": ctx.team_id,
        "work_packages": [
            str(pk)
            for pk in WorkPackage.objects.filter(organization=ctx.organization)
            .order_by("?")
            .values_list("pk", flat=True)[:2000]
        ],
        "cursor": str(max(0, int(head_cursor(organization_id=ctx.organization.pk)) - 5000)),
    }
    (out / "ids.json").write_text(json.dumps(ids), encoding="utf-8")

    def cleanup() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM planning_workpackage WHERE organization_id = %s AND source = 'load'",
                [ctx.organization.pk],
            )

    cleanup()
    connection.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),  # this run only
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain http on loopback
        "DATABASE_URL": database_url(),
        "REDIS_URL": getattr(settings, "REDIS_URL"),  # noqa: B009 - set by service_settings
        "THROUGHLINE_API_RATE": "100000000/minute",
    }
    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env,
    )
    load_env = {**os.environ, "LOAD_TOKEN": ctx.token, "LOAD_IDS": str(out / "ids.json")}
    try:
        wait_ready(base, ctx.token)
        rss_start = rss_kib(server.pid)
        started = time.perf_counter()
        cpu_start = cpu_seconds(server.pid)
        mixed = run_locust(base, "MixedClient", "mixed", args.clients, args.seconds, out, load_env)
        cpu_mixed = cpu_seconds(server.pid)
        rss_mixed = rss_kib(server.pid)
        detail = run_locust(
            base, "DetailClient", "detail", args.clients, args.detail_seconds, out, load_env
        )
        cpu_end = cpu_seconds(server.pid)
        rss_end = rss_kib(server.pid)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        cleanup()

    totals = [aggregated(mixed), aggregated(detail)]
    # A scenario without figures (locust did not run) counts as failed.
    errors = sum(int(t["Failure Count"]) if t else 1 for t in totals)
    detail_rps = float(totals[1]["Requests/s"]) if totals[1] else 0.0
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    workers_text = (
        f"{args.workers} sync workers"
        if args.threads == 1
        else f"{args.workers} gthread workers × {args.threads} threads"
    )

    def per_request(cpu: float, total: dict | None) -> str:
        count = int(total["Request Count"]) if total else 0
        if not count:
            return "–"
        ms = cpu / count * 1000
        return f"{ms:.2f} ms (two cores: at most {2000 / ms:,.0f} requests/s for gunicorn alone)"

    cpu_text = (
        f"gunicorn's CPU time per request (master + workers, user + system; PostgreSQL, Redis "
        f"and locust not included): mixed {per_request(cpu_mixed - cpu_start, totals[0])}; "
        f"detail GETs {per_request(cpu_end - cpu_mixed, totals[1])}."
    )
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    text = f"""## Load run (`make load`, `benchmarks/load.py`)

Run {today}: gunicorn ({workers_text}, `config.settings.production`) on loopback,
locust headless on the same machine (it takes CPU from the same two cores). Over the
`seed_scale` organization; every request authenticated with a bearer token.

**Mixed, 80 % reads / 20 % writes**, {args.clients} clients without pauses, {args.seconds} s:

{chr(10).join(summarize(mixed))}

**Work package detail GETs only**, {args.clients} clients, {args.detail_seconds} s:
**{detail_rps:,.0f} requests/s** (goal: above 400).

{chr(10).join(summarize(detail))}

{cpu_text}

Errors: **{errors}**. Server memory (resident, master + workers): {rss_start / 1024:,.0f} MiB at
start, {rss_mixed / 1024:,.0f} MiB after the mixed run, {rss_end / 1024:,.0f} MiB at the end
({elapsed:.0f} s of load). Load average at the end: {load_end}.

Machine:

{describe(info)}
"""
    print(text)
    if not args.no_write:
        write_section("load", text)
        print("written to benchmarks/RESULTS.md")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
