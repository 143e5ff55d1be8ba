"""What the REST contract tests of every app do the same way: a client with a bearer token,
problem+json assertions, the changes feed, walking cursor pages and pinning a list's queries.

The ``api`` fixture (a token client per membership) lives in the root ``conftest.py`` and is
built on :func:`token_client`; the rest are plain functions to import.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core import services as core_services
from core.models import ApiToken, Membership

API = "/api/v1"
CHANGES = f"{API}/changes/"
PROBLEM = "application/problem+json"


def token_client(
    membership: Membership,
    scope: str = ApiToken.Scope.WRITE,
    *,
    name: str = "contract tests",
    **token_fields: Any,
) -> APIClient:
    """An APIClient carrying a fresh bearer token of ``membership`` (``client.issued`` is it)."""
    issued = core_services.api_token_issue(
        user=membership.user,
        organization=membership.organization,
        name=name,
        scope=scope,
        **token_fields,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
    client.issued = issued  # type: ignore[attr-defined]
    return client


def url(base: str, obj, suffix: str = "") -> str:
    """The detail (or action, with ``suffix``) address of ``obj`` under a list address."""
    return f"{base}{obj.pk}/{suffix}"


def etag_version(response) -> int:
    """The version an ETag (``"<version>-<digest>"``) carries."""
    etag = response["ETag"]
    assert re.fullmatch(r'"\d+-[0-9a-f]{16}"', etag), etag
    return int(etag.strip('"').split("-")[0])


def assert_problem(response, status: int, *fields: str) -> dict:
    """An RFC 9457 problem with the given status, whose `errors` name at least ``fields``."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith(PROBLEM), response["Content-Type"]
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    if fields:
        assert set(fields) <= set(body.get("errors", {})), body
    return body


def head(client) -> str:
    """The changes feed's current cursor."""
    return client.get(f"{CHANGES}head/").json()["cursor"]


def changes_after(client, cursor: str) -> list[dict]:
    """Every change on the feed after ``cursor``."""
    response = client.get(CHANGES, {"since": cursor, "limit": 1000})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def count_queries(call: Callable[[], Any]) -> tuple[int, Any]:
    """How many queries ``call()`` ran, and what it returned."""
    with CaptureQueriesContext(connection) as ctx:
        result = call()
    return len(ctx.captured_queries), result


def walk_pages(client, path: str, params: dict | None = None) -> list[dict]:
    """Every row of a cursor-paged list, following `next` to the end (each page a 200)."""
    response = client.get(path, params or {})
    rows: list[dict] = []
    while True:
        assert response.status_code == 200, response.content
        page = response.json()
        rows += page["results"]
        if page["next"] is None:
            return rows
        response = client.get(page["next"])


def assert_list_queries_do_not_grow(
    client, path: str, params: dict, django_assert_num_queries
) -> None:
    """A page of 100 rows, and the next page after it, run as many queries as a page of 1.

    The list must hold more than 100 rows. The client's first request is made here, untimed: a
    token's first use is noted once."""
    client.get(path, params)  # the token's first use is noted once
    small, response = count_queries(lambda: client.get(path, {**params, "page_size": 1}))
    assert len(response.json()["results"]) == 1
    with django_assert_num_queries(small):
        response = client.get(path, {**params, "page_size": 100})
    assert len(response.json()["results"]) == 100
    with django_assert_num_queries(small):
        response = client.get(response.json()["next"])
    assert len(response.json()["results"]) >= 1
