"""examples/sync_client.py, run as a subprocess against a live server with the demo seeded."""

from __future__ import annotations

import csv
import json
import queue
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from core import changelog
from core.api.throttling import TokenRateThrottle
from core.models import Membership, Organization, Team
from planning.models import WorkPackage

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "examples" / "sync_client.py"
TASKS = ROOT / "examples" / "tasks.csv"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sync(live_server, issue_token, tmp_path):
    """Run the client like the README does; returns (exit code, output lines)."""
    token = issue_token("lead@acme.example", "write")
    url = live_server.url.replace("//localhost:", "//127.0.0.1:")

    def command(csv_path: Path, *extra: str) -> list[str]:
        return [
            *(sys.executable, str(CLIENT), "--url", url, "--token", token, "--source", "csv"),
            *("--state", str(tmp_path / "state.json"), str(csv_path), *extra),
        ]

    def run(csv_path: Path = TASKS, *extra: str) -> tuple[int, list[str]]:
        result = subprocess.run(  # noqa: S603 - our own script, our own arguments
            command(csv_path, *extra), capture_output=True, text=True, timeout=120, check=False
        )
        assert not result.stderr, result.stderr
        return result.returncode, result.stdout.splitlines()

    run.command = command  # type: ignore[attr-defined]
    return run


def state_cursor(tmp_path: Path) -> int:
    return int(json.loads((tmp_path / "state.json").read_text())["cursor"])


def results(lines: list[str]) -> dict[str, str]:
    """external_id -> created/updated/unchanged/error, from the client's per-item lines."""
    out = {}
    for line in lines:
        status, _, rest = line.partition(" ")
        if status in ("created", "updated", "unchanged", "error"):
            out[rest.strip().split(":")[0]] = status
    return out


def test_mirrors_the_csv_then_reports_unchanged_and_follows_the_feed(sync, tmp_path):
    rows = list(csv.DictReader(TASKS.open(encoding="utf-8")))
    acme = Organization.objects.get(slug="acme")

    code, lines = sync()
    assert code == 0, "\n".join(lines)
    assert results(lines) == {row["external_id"]: "created" for row in rows}
    growth = Team.objects.get(organization=acme, name="Growth")
    for row in rows:
        wp = WorkPackage.objects.select_related("owner").get(
            organization=acme, source="csv", external_id=row["external_id"]
        )
        assert wp.title == row["title"]
        assert wp.team_id == growth.pk
        assert wp.status == row["status"]
        assert str(wp.due_date or "") == row["due_date"]
        assert (wp.owner.email if wp.owner else "") == row["owner_email"]
        assert wp.success_criterion == row["success_criterion"]
        assert str(wp.estimate if wp.estimate is not None else "") == row["estimate"]
    # The feed was drained from the beginning: the demo's changes, then the ten new packages.
    created_on_feed = [line for line in lines if line.startswith("change") and " created " in line]
    assert sum(row["title"] in " ".join(created_on_feed) for row in rows) == len(rows)
    first = state_cursor(tmp_path)
    assert first == int(changelog.head_cursor(organization_id=acme.pk))

    # The same CSV again: nothing changes, not even the versions, and the feed has nothing new.
    code, lines = sync()
    assert code == 0, "\n".join(lines)
    assert set(results(lines).values()) == {"unchanged"}
    assert not [line for line in lines if line.startswith("change")]
    assert state_cursor(tmp_path) == first
    assert set(
        WorkPackage.objects.filter(organization=acme, source="csv").values_list(
            "version", flat=True
        )
    ) == {1}

    # One row edited: one update, seen on the feed, and the stored cursor moves on.
    edited = tmp_path / "edited.csv"
    edited.write_text(
        TASKS.read_text(encoding="utf-8").replace(
            "Rewrite the pricing page for clinics", "Rewrite the pricing page for practices"
        ),
        encoding="utf-8",
    )
    code, lines = sync(edited)
    assert code == 0, "\n".join(lines)
    assert results(lines)["CSV-101"] == "updated"
    assert list(results(lines).values()).count("unchanged") == len(rows) - 1
    changes = [line for line in lines if line.startswith("change")]
    assert len(changes) == 1
    assert "updated  work_package" in changes[0]
    assert "v2 Rewrite the pricing page for practices" in changes[0]
    assert state_cursor(tmp_path) > first


def test_an_expired_cursor_rereads_everything_then_continues_from_head(sync, tmp_path):
    acme = Organization.objects.get(slug="acme")
    code, _ = sync()
    assert code == 0
    # The log is pruned past the stored cursor: the feed answers 410 for it.
    (tmp_path / "state.json").write_text(json.dumps({"cursor": "1"}))
    changelog.prune(organization_id=acme.pk, before=timezone.now() + timedelta(seconds=1))

    code, lines = sync()
    assert code == 0, "\n".join(lines)
    assert "cursor expired: re-reading everything through the list endpoints" in lines
    reread = next(line for line in lines if line.startswith("re-read") and "work package" in line)
    assert int(reread.split()[1]) == WorkPackage.objects.filter(organization=acme).count()
    assert state_cursor(tmp_path) == int(changelog.head_cursor(organization_id=acme.pk))


def test_a_429_is_waited_out(sync, monkeypatch):
    # Three requests a second per token: the client's burst of list, bulk and feed calls trips it.
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"api": "3/s"})
    code, lines = sync()
    assert code == 0, "\n".join(lines)
    assert any(line.startswith("rate limited: waiting") for line in lines)
    assert set(results(lines).values()) == {"created"}


def test_follow_keeps_polling_and_prints_a_change_made_meanwhile(sync):
    from planning import services

    leader = Membership.objects.get(user__email="leader@acme.example", organization__slug="acme")
    process = subprocess.Popen(  # noqa: S603 - our own script, our own arguments
        sync.command(TASKS, "--follow", "--poll", "0.2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()

    def wait_for(text: str, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {seconds} s")

    try:
        wait_for("following it")
        growth = Team.objects.get(organization__slug="acme", name="Growth")
        services.work_package_create(actor=leader, title="Made while following", team=growth)
        assert " created  work_package " in wait_for("Made while following")
    finally:
        process.terminate()
        process.wait(timeout=30)
