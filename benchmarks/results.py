"""benchmarks/RESULTS.md holds one section per benchmark script; each run replaces its own."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TITLE = "# Benchmarks (`make bench`, `make load`)\n"


def write_section(key: str, text: str, path: Path = RESULTS) -> None:
    """Put ``text`` between this key's markers, replacing an earlier run's; others stay."""
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    block = f"{start}\n{text.strip()}\n{end}"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if not current.startswith(TITLE):
        # A file from before the sections: keep nothing of it but the title.
        current = TITLE
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(current):
        current = pattern.sub(lambda _: block, current)
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(current, encoding="utf-8")


def machine(connection=None) -> dict[str, str]:
    """What the figures were measured on."""
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
    info = {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
    }
    try:
        info["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    if connection is not None:
        import django
        import psycopg

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded"
        info["PostgreSQL"] = f"{pg_version} ({where})"
        info["Django"] = django.get_version()
        info["psycopg"] = psycopg.__version__
    return info


def describe(info: dict[str, str]) -> str:
    return "\n".join(f"- {k}: {v}" for k, v in info.items())
