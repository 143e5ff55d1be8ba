"""Fixtures for tests that talk to the API over HTTP: the demo organizations and API tokens."""

import io

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(transactional_db, seed_demo):
    """Acme and Globex, seeded the way `make run` does (committed: a live server sees them)."""
    seed_demo()


@pytest.fixture
def issue_token(demo):
    """`manage.py issue_token EMAIL --scope SCOPE`, returning the printed token."""

    def issue(email: str, scope: str = "write") -> str:
        out = io.StringIO()
        call_command("issue_token", email, "--scope", scope, stdout=out, stderr=io.StringIO())
        return out.getvalue().strip()

    return issue
