#!/usr/bin/env python3
"""Mirror a CSV of tasks into Throughline, then follow its changes feed.

Standard library only (Python 3.11). What it does, in order:

1. Reads the organization's teams (and, when the CSV names owners, its members) through the
   list endpoints, so the CSV can say "Growth" and "member@acme.example" instead of ids.
2. Upserts every row with POST /api/v1/work-packages/bulk/ (up to 1000 per request), keyed by
   the ``--source`` given here and the row's ``external_id``, and prints each item's result:
   created, updated, unchanged or error (with its field errors).
3. Follows GET /api/v1/changes/ from the cursor kept in the ``--state`` file, prints each change,
   and saves the cursor after every page, so a restart neither misses nor repeats a change. It
   exits once the feed is drained, or keeps polling with ``--follow``.

It copes with what a long-running sync meets: a 429 waits for Retry-After; a dropped
connection or a 5xx is retried with backoff, and a POST is retried with the same
Idempotency-Key, so the server does the work once; a 410 (the cursor is older than the
change log keeps) re-reads everything through the list endpoints, then continues from
GET /api/v1/changes/head/.

    python examples/sync_client.py --url http://127.0.0.1:8000 --token TOKEN \\
        --source csv examples/tasks.csv

CSV columns: ``external_id``, ``title``, ``team`` (a team's name) are required; ``status``,
``due_date``, ``owner_email``, ``start_date``, ``description``, ``success_criterion``,
``success_review_date``, ``estimate``, ``category``, ``output_kind``, ``outputs`` are optional.
A column that is present is sent (an empty cell clears the field); a column that is left out
keeps what Throughline has.
"""

from __future__ import annotations

import argparse
import csv
import email.utils
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BULK_LIMIT = 1000
FEED_PAGE = 200
MAX_ATTEMPTS = 6
MAX_POLL_WAIT = 30.0
USER_AGENT = "throughline-sync-example/1.0"
# CSV column -> how its cell goes on the wire.
TEXT_COLUMNS = ("title", "description", "success_criterion", "outputs", "output_kind", "category")
DATE_COLUMNS = ("start_date", "due_date", "success_review_date")


class ApiError(Exception):
    def __init__(self, status: int, body: Any):
        self.status = status
        self.body = body
        detail = body.get("detail") if isinstance(body, dict) else None
        super().__init__(f"HTTP {status}: {detail or body}")


class CursorExpired(Exception):
    """The feed answered 410: the stored cursor is older than the change log keeps."""


def log(message: str) -> None:
    print(message, flush=True)


class Client:
    """A small JSON client: bearer token, retries with backoff, Retry-After on 429."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0):
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise SystemExit(f"--url must be an http:// or https:// address, not {base_url!r}")
        self.base_url = base_url.rstrip("/") + "/"
        self.token = token
        self.timeout = timeout

    def url(self, path_or_url: str, params: dict[str, Any] | None = None) -> str:
        url = urllib.parse.urljoin(self.base_url, path_or_url)
        if params:
            query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
            url += ("&" if "?" in url else "?") + query
        return url

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send a request and return its JSON body. Retries what is safe to retry:

        429 after Retry-After; 502/503/504 and dropped connections with exponential backoff.
        A POST is only retried with an Idempotency-Key (the server then answers a repeat with
        its first answer instead of doing the work twice).
        """
        url = self.url(path_or_url, params)
        data = None if body is None else json.dumps(body).encode()
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        retry_safe = method in ("GET", "HEAD", "PUT", "DELETE") or bool(idempotency_key)
        delay = 1.0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            # http(s) only: checked in __init__, and `next` links come from the same server.
            request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    raw = response.read()
                    return json.loads(raw) if raw else None
            except urllib.error.HTTPError as exc:
                payload = _json_or_text(exc.read())
                if exc.code == 429 and attempt < MAX_ATTEMPTS:
                    wait = retry_after(exc.headers.get("Retry-After"), default=delay)
                    log(f"rate limited: waiting {wait:g} s (Retry-After)")
                    time.sleep(wait)
                    delay = min(delay * 2, MAX_POLL_WAIT)
                    continue
                if exc.code in (502, 503, 504) and retry_safe and attempt < MAX_ATTEMPTS:
                    log(f"server answered {exc.code}: retrying in {delay:g} s")
                    time.sleep(delay)
                    delay = min(delay * 2, MAX_POLL_WAIT)
                    continue
                if exc.code == 410:
                    raise CursorExpired(payload) from exc
                raise ApiError(exc.code, payload) from exc
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                if not retry_safe or attempt == MAX_ATTEMPTS:
                    raise
                log(f"connection failed ({exc}): retrying in {delay:g} s")
                time.sleep(delay)
                delay = min(delay * 2, MAX_POLL_WAIT)
        raise RuntimeError("unreachable")  # pragma: no cover

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def list_all(self, path: str, **params: Any) -> Iterator[dict]:
        """Every object of a list endpoint, following the cursor pages' `next` links."""
        page = self.get(path, page_size=100, **params)
        while True:
            yield from page["results"]
            if not page.get("next"):
                return
            page = self.get(page["next"])


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")[:500]


def retry_after(header: str | None, *, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not header:
        return default
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


# --- the CSV -> bulk upsert ------------------------------------------------------------------


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"external_id", "title", "team"} - set(reader.fieldnames or [])
        if missing:
            raise SystemExit(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def build_items(
    rows: list[dict[str, str]], source: str, teams: dict[str, str], people: dict[str, str]
) -> tuple[list[dict], list[str]]:
    """The bulk items for the rows, and the problems found before sending anything."""
    items, problems = [], []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        item: dict[str, Any] = {"source": source, "external_id": row["external_id"]}
        team = teams.get(row["team"].casefold())
        if team is None:
            problems.append(f"line {number}: no team called {row['team']!r}")
            continue
        item["team"] = team
        for column in TEXT_COLUMNS:
            if column in row:
                item[column] = row[column]
        for column in DATE_COLUMNS:
            if column in row:
                item[column] = row[column] or None
        if "estimate" in row:
            item["estimate"] = int(row["estimate"]) if row["estimate"] else None
        if row.get("status"):
            item["status"] = row["status"]
        if "owner_email" in row:
            email_address = row["owner_email"]
            if email_address and email_address.casefold() not in people:
                problems.append(f"line {number}: nobody called {email_address!r} is a member")
                continue
            item["owner"] = people.get(email_address.casefold()) if email_address else None
        items.append(item)
    return items, problems


def upsert(client: Client, items: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for start in range(0, len(items), BULK_LIMIT):
        batch = items[start : start + BULK_LIMIT]
        # One key per batch, kept across retries: a retried POST is answered, not redone.
        key = str(uuid.uuid4())
        answer = client.request(
            "POST", "api/v1/work-packages/bulk/", body={"items": batch}, idempotency_key=key
        )
        for result in answer["results"]:
            item = batch[result["index"]]
            status = result["status"]
            counts[status] = counts.get(status, 0) + 1
            if status == "error":
                errors = "; ".join(
                    f"{field}: {' '.join(map(str, messages))}"
                    for field, messages in result.get("errors", {}).items()
                )
                log(f"{status:<9} {item['external_id']}: {errors}")
            else:
                wp = result["work_package"]
                log(
                    f"{status:<9} {item['external_id']}: {wp['title']} (v{wp['version']}, {wp['id']})"
                )
    return counts


# --- the changes feed ------------------------------------------------------------------------


def load_state(path: Path) -> dict:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def save_state(path: Path, state: dict) -> None:
    """Write the state file atomically: a crash leaves the old cursor or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, path)


def describe(change: dict) -> str:
    data = change.get("data") or {}
    name = data.get("title") or data.get("statement") or data.get("name") or ""
    return (
        f"change {change['cursor']:>6} {change['op']:<8} {change['type']} {change['id']} "
        f"v{change['version']} {name}"
    ).rstrip()


def resync(client: Client, state: dict, state_path: Path) -> None:
    """After a 410: take the head cursor first, then re-read every object; continuing from
    that cursor can repeat a change made during the re-read, but never misses one."""
    head = client.get("api/v1/changes/head/")["cursor"]
    log("cursor expired: re-reading everything through the list endpoints")
    for kind, path in (
        ("strategic_objective", "api/v1/strategic-objectives/"),
        ("initiative", "api/v1/initiatives/"),
        ("work_package", "api/v1/work-packages/"),
    ):
        count = 0
        for obj in client.list_all(path):
            count += 1
            name = obj.get("title") or obj.get("statement") or ""
            log(f"current  {kind} {obj['id']} v{obj.get('version', '')} {name}".rstrip())
        log(f"re-read {count} {kind.replace('_', ' ')}(s)")
    state["cursor"] = head
    save_state(state_path, state)
    log(f"continuing from head cursor {head}")


def follow_changes(client: Client, state_path: Path, *, follow: bool, poll: float) -> int:
    state = load_state(state_path)
    seen = 0
    wait = poll
    following = False
    while True:
        try:
            page = client.get("api/v1/changes/", since=state.get("cursor"), limit=FEED_PAGE)
        except CursorExpired:
            resync(client, state, state_path)
            continue
        for change in page["results"]:
            log(describe(change))
        seen += len(page["results"])
        if page["next_cursor"] != state.get("cursor"):
            state["cursor"] = page["next_cursor"]
            save_state(state_path, state)
        if page["has_more"]:
            continue
        if not follow:
            log(f"feed drained: {seen} change(s); cursor {state.get('cursor')} saved")
            return seen
        if not following:
            log(f"feed drained: {seen} change(s); following it (Ctrl-C stops)")
            following = True
        # Poll with backoff: quickly after activity, up to MAX_POLL_WAIT when quiet.
        wait = poll if page["results"] else min(wait * 2, MAX_POLL_WAIT)
        time.sleep(wait)


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path, help="the CSV of tasks to mirror")
    parser.add_argument(
        "--url", required=True, help="Throughline's address, e.g. http://127.0.0.1:8000"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("THROUGHLINE_TOKEN"),
        help="a write API token (or set THROUGHLINE_TOKEN)",
    )
    parser.add_argument("--source", required=True, help="names this CSV's system, e.g. csv or jira")
    parser.add_argument(
        "--state",
        type=Path,
        default=Path(".throughline-sync.json"),
        help="where the changes-feed cursor is kept (default: .throughline-sync.json)",
    )
    parser.add_argument("--follow", action="store_true", help="keep polling the feed")
    parser.add_argument("--poll", type=float, default=2.0, help="seconds between polls (--follow)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give --token (or set THROUGHLINE_TOKEN)")

    client = Client(args.url, args.token)
    try:
        rows = read_rows(args.csv)
        teams = {t["name"].casefold(): t["id"] for t in client.list_all("api/v1/teams/")}
        people = {}
        if any(row.get("owner_email") for row in rows):
            people = {m["email"].casefold(): m["user"] for m in client.list_all("api/v1/members/")}
        items, problems = build_items(rows, args.source, teams, people)
        for problem in problems:
            log(f"skipped   {problem}")
        counts = upsert(client, items)
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        log(f"upserted {len(items)} item(s): {summary or 'nothing'}")
        follow_changes(client, args.state, follow=args.follow, poll=args.poll)
    except ApiError as exc:
        log(f"error: {exc}")
        if isinstance(exc.body, dict) and exc.body.get("errors"):
            log(json.dumps(exc.body["errors"], indent=2))
        return 1
    except KeyboardInterrupt:
        return 130
    return 1 if counts.get("error") or problems else 0


if __name__ == "__main__":
    sys.exit(main())
