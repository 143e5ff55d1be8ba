"""`make run`: everything a newcomer needs, in one process they can stop with Ctrl-C.

Starts the embedded PostgreSQL and Redis when no DATABASE_URL / REDIS_URL is set, migrates,
seeds the demo organizations, then serves the app with a Celery worker (beat included) beside
it. On Ctrl-C it stops what it started, and leaves alone what was already running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    started = []
    if not env.get("DATABASE_URL"):
        if not embedded.postgres_running():
            started.append(embedded.stop_postgres)
        env["DATABASE_URL"] = embedded.ensure_postgres()
        print("PostgreSQL: embedded, data in var/pgdata")
    if not env.get("REDIS_URL"):
        if not embedded.redis_running():
            started.append(embedded.stop_redis)
        env["REDIS_URL"] = embedded.ensure_redis()
        print("Redis: embedded, socket in var/redis")

    python = sys.executable
    manage = [python, str(BASE_DIR / "manage.py")]
    children: list[subprocess.Popen] = []
    try:
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True)  # noqa: S603
        subprocess.run([*manage, "seed_demo", "--if-missing"], env=env, check=True)  # noqa: S603
        port = env.get("PORT", "8000")
        children.append(
            subprocess.Popen(  # noqa: S603
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-B",
                    "--concurrency",
                    "1",
                    "--loglevel",
                    "WARNING",
                    "--schedule",
                    str(BASE_DIR / "var" / "celerybeat-schedule"),
                ],
                env=env,
                cwd=BASE_DIR,
            )
        )
        print(f"\nThroughline is starting on http://127.0.0.1:{port}/  (Ctrl-C stops everything)\n")
        server = subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}"], env=env)  # noqa: S603
        children.append(server)
        return server.wait()
    except KeyboardInterrupt:
        print("\nStopping…")
        return 0
    except subprocess.CalledProcessError as exc:
        return exc.returncode
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        for stop in started:
            stop()


if __name__ == "__main__":
    sys.exit(main())
