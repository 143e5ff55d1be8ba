"""Hypothesis against the inputs people and clients type: the main create and edit pages, the
bulk upsert, and `examples/tasks.csv`-style rows turned into bulk items by the sync client.

- Never a 500, whatever is posted.
- A page post that is refused (the form comes back with errors) writes nothing.
- A bulk item answered `error` writes nothing; the valid items beside it are written.

Each example runs in a transaction that is rolled back, over the shared fixture world. Hypothesis
is derandomized: CI runs the same examples every time.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import uuid
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning.models import WorkPackage
from tests.security.world import (  # noqa: F401 - world is a fixture
    ROLES,
    FormFields,
    World,
    fingerprint,
    world_fixture,
)

ADMIN, LEADER, LEAD, MEMBER, VIEWER = ROLES
ROOT = Path(__file__).resolve().parents[2]
FUZZ = settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def rolled_back(send):
    with transaction.atomic():
        result = send()
        transaction.set_rollback(True)
    return result


# Values a person (or a script) might put in any field.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=190, max_size=400),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "9" * 30,
            "-1",
            "0",
            "1e309",
            "NaN",
            "2026-02-30",
            "0001-01-01",
            "9999-12-31",
            "2026-13-01",
            "true",
            "null",
            "[]",
            "{}",
        ]
    ),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.uuids().map(str),
)

PAGES = [
    ("planning:strategy_create", {}, None, LEADER),
    ("planning:strategy_edit", {"objective_id": "strategic_objective"}, None, LEADER),
    ("planning:initiative_create", {}, None, LEADER),
    ("planning:initiative_edit", {"initiative_id": "initiative"}, None, LEADER),
    ("planning:work_create", {}, None, LEAD),
    ("planning:work_edit", {"work_package_id": "work_package"}, None, MEMBER),
    ("okrs:cycle_create", {}, None, LEADER),
    ("okrs:check_in", {"key_result_id": "key_result"}, None, LEAD),
    ("backlog:sprint_create", {}, None, LEAD),
    ("backlog:idea_create", {}, None, MEMBER),
    ("reviews:cadence_create", {}, None, LEAD),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "kwargs", "_", "role"), PAGES, ids=[p[0] for p in PAGES])
def test_forms_never_500_and_a_refused_post_writes_nothing(world: World, route, kwargs, _, role):
    client = Client()
    client.force_login(world.own.people[role].user)
    url = reverse(
        route,
        kwargs={k: world.own.objects[v].pk for k, v in kwargs.items()},  # type: ignore[attr-defined]
    )
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    parser = FormFields()
    parser.feed(page.content.decode())
    fields = sorted(name for name in parser.data if name != "csrfmiddlewaretoken")
    assert fields, f"{route}: no form fields found"
    before = fingerprint(world.own), fingerprint(world.other)

    @FUZZ
    @given(st.fixed_dictionaries({}, optional={name: nasty_text for name in fields}), st.data())
    def post(overrides, data):
        # Start from the page's own values (mostly valid), then replace some with nasty ones.
        posted = {k: v for k, v in parser.data.items() if v}
        posted.update({k: [v] for k, v in overrides.items()})

        def send():
            response = client.post(url, posted)
            status = response.status_code
            assert status < 500, (route, posted, status)
            if status == 200:  # refused: the form again, with its errors
                assert (fingerprint(world.own), fingerprint(world.other)) == before, (
                    f"{route}: a refused post wrote something: {posted}"
                )
            else:
                assert status in (302, 400, 403, 404), (route, status)
            assert fingerprint(world.other) == before[1]

        rolled_back(send)

    post()


# --- bulk upserts ------------------------------------------------------------------------

item_strategy = st.fixed_dictionaries(
    {"external_id": st.sampled_from(["F-1", "F-2", "F-3", "Acme-1", "", "F-1"])},
    optional={
        "title": st.one_of(st.text(max_size=20), st.just("A fine title"), st.just(""), st.none()),
        "team": st.sampled_from(["own", "other", "random", "garbage", None]),
        "status": st.one_of(
            st.sampled_from(["intention", "ready", "in_progress", "done", "stopped"]), nasty_text
        ),
        "due_date": st.one_of(st.none(), nasty_text, st.dates().map(lambda d: d.isoformat())),
        "estimate": st.one_of(st.none(), st.integers(-5, 2**40), nasty_text),
        "owner": st.sampled_from(["member", "other", "random", None]),
        "category": st.one_of(st.sampled_from(["strategic", "tactical"]), nasty_text),
        "source": st.sampled_from(["fuzz", "", None]),
        "version": st.integers(-1, 10**6),
        "bogus": st.text(max_size=5),
    },
)


def resolve(item: dict, world: World) -> dict:
    refs = {
        "own": str(world.own.objects["team"].pk),  # type: ignore[attr-defined]
        "other": str(world.other.objects["team"].pk),  # type: ignore[attr-defined]
        "member": str(world.own.people[MEMBER].user_id),
        "random": str(uuid.uuid4()),
        "garbage": "not-an-id",
        None: None,
    }
    out = {"source": "fuzz", **item}
    for name in ("team", "owner"):
        if name in out:
            value = out[name]
            out[name] = refs["other"] if value == "other" else refs.get(value, value)
    return out


def snapshot_keys(keys) -> dict:
    rows = WorkPackage.objects.filter(external_id__in=[k[1] for k in keys])
    return {
        (row.source, row.external_id, row.organization_id): (row.version, row.title, row.status)
        for row in rows
    }


@pytest.mark.django_db
def test_bulk_upsert_never_500_and_an_invalid_item_writes_nothing(world: World):
    client = Client()
    token = world.own.tokens[LEAD]
    before_other = fingerprint(world.other)

    @settings(FUZZ, max_examples=60)
    @given(st.lists(item_strategy, max_size=6))
    def bulk(raw_items):
        items = [resolve(item, world) for item in raw_items]

        def send():
            keys = {(i.get("source") or "", i.get("external_id") or "") for i in items}
            before = snapshot_keys(keys)
            response = client.post(
                "/api/v1/work-packages/bulk/",
                json.dumps({"items": items}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            assert response.status_code < 500, (items, response.content)
            after = snapshot_keys(keys)
            if response.status_code != 200:
                assert response.status_code in (400, 403), response.content
                assert after == before, "A refused bulk request wrote something"
                return
            results = response.json()["results"]
            assert len(results) == len(items)
            written = {
                (items[r["index"]].get("source"), items[r["index"]].get("external_id"))
                for r in results
                if r["status"] in ("created", "updated")
            }
            for result in results:
                item = items[result["index"]]
                key = (item.get("source") or "", item.get("external_id") or "")
                if result["status"] == "error" and key not in written:
                    old = {k: v for k, v in before.items() if k[:2] == key}
                    new = {k: v for k, v in after.items() if k[:2] == key}
                    assert old == new, f"An invalid item changed its row: {item} {result}"
            assert fingerprint(world.other) == before_other

        rolled_back(send)

    bulk()


def _sync_client():
    spec = importlib.util.spec_from_file_location(
        "sync_client", ROOT / "examples" / "sync_client.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


csv_cell = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\x00"),  # type: ignore[arg-type]
        max_size=30,
    ),
    st.sampled_from(["", "2027-02-12", "2027-02-30", "ready", "done", "Acme Squad", "-3", "5"]),
)


@pytest.mark.django_db
def test_csv_rows_through_the_sync_client_never_500_nor_write_part_of_a_bad_row(world: World):
    sync_client = _sync_client()
    header = (ROOT / "examples" / "tasks.csv").read_text().splitlines()[0].split(",")
    client = Client()
    token = world.own.tokens[LEAD]
    teams = {str(world.own.objects["team"]).casefold(): str(world.own.objects["team"].pk)}  # type: ignore[attr-defined]
    people = {m.user.email.casefold(): str(m.user_id) for m in world.own.people.values()}

    row = st.fixed_dictionaries(
        {
            "external_id": st.sampled_from(["CSV-1", "CSV-2", "CSV-3"]),
            "title": csv_cell,
            "team": st.sampled_from(["Acme Squad", "acme squad", "Nowhere"]),
            "status": csv_cell,
            "due_date": csv_cell,
            "owner_email": st.sampled_from(["member@acme.example", "", "ghost@x.example"]),
            "success_criterion": csv_cell,
            "success_review_date": csv_cell,
            "estimate": st.one_of(st.just(""), st.integers(-5, 10**7).map(str)),
        }
    )

    @settings(FUZZ, max_examples=40)
    @given(st.lists(row, min_size=1, max_size=5))
    def sync(rows):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
        path = Path(f"/tmp/throughline-fuzz-{uuid.uuid4().hex}.csv")  # noqa: S108
        path.write_text(out.getvalue(), encoding="utf-8")
        try:
            items, _problems = sync_client.build_items(
                sync_client.read_rows(path), "csv", teams, people
            )
        finally:
            path.unlink()

        def send():
            response = client.post(
                "/api/v1/work-packages/bulk/",
                json.dumps({"items": items}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            assert response.status_code < 500, (rows, response.content)
            if response.status_code != 200:
                return
            results = response.json()["results"]
            created = {
                items[r["index"]]["external_id"]
                for r in results
                if r["status"] in ("created", "updated", "unchanged")
            }
            for result in results:
                external_id = items[result["index"]]["external_id"]
                if result["status"] == "error" and external_id not in created:
                    assert not WorkPackage.objects.filter(
                        source="csv", external_id=external_id
                    ).exists(), f"An invalid row was written: {items[result['index']]}"

        rolled_back(send)

    sync()
