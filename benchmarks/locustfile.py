"""The load mix of `make load` (driven by benchmarks/load.py; loopback only).

``MixedClient``: 80 % reads (work package lists of 100, a team's list, details, a page of the
changes feed) and 20 % writes (upserts by external id, each client on ids of its own, so no two
clients race for one row). ``DetailClient``: work package detail GETs only.

Reads what it needs from the environment: ``LOAD_TOKEN`` (a write token), ``LOAD_IDS`` (a JSON
file with ``work_packages`` ids and ``team``).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, constant, tag, task

_IDS = json.loads(Path(os.environ["LOAD_IDS"]).read_text(encoding="utf-8"))
_HEADERS = {"Authorization": f"Bearer {os.environ['LOAD_TOKEN']}"}
_CLIENT_NUMBERS = itertools.count()


class MixedClient(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.number = next(_CLIENT_NUMBERS)
        self.rng = random.Random(self.number)  # noqa: S311 - choosing requests, not secrets
        self.written = 0

    def _get(self, path: str, name: str) -> None:
        self.client.get(path, headers=_HEADERS, name=name)

    @tag("mixed")
    @task(30)
    def list_work_packages(self) -> None:
        self._get("/api/v1/work-packages/?page_size=100", "GET work-packages (100)")

    @tag("mixed")
    @task(15)
    def list_team_work(self) -> None:
        self._get(
            f"/api/v1/work-packages/?team={_IDS['team']}&page_size=100",
            "GET work-packages?team= (100)",
        )

    @tag("mixed")
    @task(25)
    def work_package_detail(self) -> None:
        wp = self.rng.choice(_IDS["work_packages"])
        self._get(f"/api/v1/work-packages/{wp}/", "GET work-packages/{id}")

    @tag("mixed")
    @task(10)
    def changes_page(self) -> None:
        self._get(f"/api/v1/changes/?since={_IDS['cursor']}&limit=100", "GET changes (100)")

    @tag("mixed")
    @task(20)
    def upsert(self) -> None:
        self.written += 1
        external_id = f"c{self.number}-{self.written % 50}"
        body = {
            "title": f"Load test item {self.written}",
            "team": _IDS["team"],
            "estimate": self.written % 13,
            "category": "tactical",
        }
        self.client.put(
            f"/api/v1/work-packages/external/load/{external_id}/",
            json=body,
            headers=_HEADERS,
            name="PUT work-packages/external/{source}/{id}",
        )


class DetailClient(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.rng = random.Random(next(_CLIENT_NUMBERS))  # noqa: S311

    @tag("detail")
    @task
    def work_package_detail(self) -> None:
        wp = self.rng.choice(_IDS["work_packages"])
        self.client.get(
            f"/api/v1/work-packages/{wp}/", headers=_HEADERS, name="GET work-packages/{id}"
        )
