"""Fixtures every test can use: an organization with one person per role, and signed-in clients."""

import datetime
import io
import os
import zoneinfo
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import TransactionTestCase
from django.utils import timezone

from core.demo import DEMO_ORGS
from core.models import ApiToken, Role
from core.tests.api_helpers import token_client
from core.tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, UserFactory


@pytest.fixture
def org():
    return OrganizationFactory(name="Acme Test", slug="acme-test")


@pytest.fixture
def other_org():
    return OrganizationFactory(name="Other Co", slug="other-co")


@pytest.fixture
def team(org):
    return TeamFactory(organization=org, name="Growth")


@pytest.fixture
def other_team(org):
    return TeamFactory(organization=org, name="Platform")


@pytest.fixture
def make_member(org):
    def make(role=Role.MEMBER, teams=(), organization=None, **user_fields):
        return MembershipFactory(
            organization=organization or org,
            role=role,
            user=UserFactory(**user_fields),
            teams=list(teams),
        )

    return make


@pytest.fixture
def admin(make_member):
    return make_member(Role.ADMIN)


@pytest.fixture
def leader(make_member):
    return make_member(Role.LEADER)


@pytest.fixture
def team_lead(make_member, team):
    return make_member(Role.TEAM_LEAD, teams=[team])


@pytest.fixture
def member(make_member, team):
    return make_member(Role.MEMBER, teams=[team])


@pytest.fixture
def viewer(make_member):
    return make_member(Role.VIEWER)


@pytest.fixture
def client_for(client):
    """A test client signed in as the given membership's person."""

    def sign_in(membership):
        client.force_login(membership.user)
        return client

    return sign_in


@pytest.fixture
def api():
    """An API client with a fresh bearer token of the given membership (write scope unless told);
    see core/tests/api_helpers.py for the helpers that go with it."""

    def make(membership, scope=ApiToken.Scope.WRITE, **token_fields):
        return token_client(membership, scope, **token_fields)

    return make


# --- emptying the database after a transactional test ---------------------------------------
#
# Django's TransactionTestCase empties the database with `flush`: TRUNCATE of every table (new
# files for each table and index), then post_migrate re-creates the content types and
# permissions it just removed. That is 0.5 s on a quiet machine and several seconds on a busy
# one, after every transactional test (live server, browser, on_commit and worker tests).
# Deleting the rows of the tables that hold any is the same end state in a few milliseconds:
# triggers are off meanwhile (no audit events for the deletes, no foreign key checks), the
# content types and permissions are kept as they are (post_migrate would write them again,
# the same), and sequences go on as after `flush` (which does not reset them either).

_KEPT_BY_FLUSH = {"django_migrations", "django_content_type", "auth_permission"}
_django_fixture_teardown = TransactionTestCase._fixture_teardown  # type: ignore[attr-defined]


def _tables_with_rows(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    tables = sorted(name for (name,) in cursor.fetchall())
    qn = connection.ops.quote_name
    query = " UNION ALL ".join(
        f"SELECT %s WHERE EXISTS (SELECT 1 FROM {qn(t)})"  # noqa: S608 (names from the catalog)
        for t in tables
    )
    cursor.execute(query, tables)
    return [name for (name,) in cursor.fetchall()]


def _empty_tables(conn) -> None:
    qn = conn.ops.quote_name
    with conn.cursor() as cursor:
        tables = [t for t in _tables_with_rows(cursor) if t not in _KEPT_BY_FLUSH]
        if not tables:
            return
        with transaction.atomic(using=conn.alias):
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table in tables:
                cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608 (names from the catalog)


def _fixture_teardown(self) -> None:
    if (
        self.available_apps is not None
        or self.serialized_rollback
        or os.environ.get("THROUGHLINE_TEST_FAST_FLUSH", "1") == "0"  # to compare, or rule out
    ):
        return _django_fixture_teardown(self)
    for alias in self._databases_names(include_mirrors=False):
        if connections[alias].vendor != "postgresql":
            return _django_fixture_teardown(self)
    for alias in self._databases_names(include_mirrors=False):
        _empty_tables(connections[alias])
    return None


TransactionTestCase._fixture_teardown = _fixture_teardown  # type: ignore[attr-defined]


# --- the demo organizations, seeded once per process and copied back ----------------------
#
# `manage.py seed_demo` writes Acme and Globex through the services (with their audit history
# and change log): several seconds, and many tests need it. The first time in a process, and
# whenever the copy might not fit, it really runs; then the rows it wrote (every table it
# filled, with the sequences of those tables) are read out with COPY and later written back
# with COPY into the emptied tables, with triggers off (the audit events are rows of the copy
# already). The copy is only used when every table it fills is empty, the other tables look as
# they did when it was taken, and it is less than ten minutes old (dates are relative to today).

_DEMO_MAX_AGE = datetime.timedelta(minutes=10)


@dataclass
class _DemoCopy:
    taken_at: datetime.datetime
    others: dict[str, int]  # row counts of the tables seed_demo did not fill
    tables: dict[str, bytes]  # table -> its rows, binary COPY format
    sequences: dict[str, tuple[int, bool]]  # sequence -> (last_value, is_called)


_demo_copies: dict[tuple, _DemoCopy] = {}


def _row_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    tables = sorted(name for (name,) in cursor.fetchall())
    qn = connection.ops.quote_name
    # The names come from the catalog, quoted.
    query = " UNION ALL ".join(f"SELECT %s, count(*) FROM {qn(t)}" for t in tables)  # noqa: S608
    cursor.execute(query, tables)
    return dict(cursor.fetchall())


def _fingerprints(cursor, tables) -> dict[str, str]:
    """A digest of each table's rows, to see that seed_demo left a table alone."""
    qn = connection.ops.quote_name
    digests = {}
    for table in tables:
        cursor.execute(
            f"SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {qn(table)} r"  # noqa: S608
        )
        digests[table] = cursor.fetchone()[0]
    return digests


def _take_demo_copy(before: dict[str, int], digests: dict[str, str]) -> _DemoCopy | None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        after = _row_counts(cursor)
        filled = sorted(t for t, n in after.items() if n != before.get(t))
        if any(before.get(t) for t in filled) or _fingerprints(cursor, digests) != digests:
            return None  # it changed rows that were there before: not a plain copy
        cursor.execute(
            """SELECT 1 FROM pg_constraint c
               JOIN pg_class f ON f.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
               WHERE c.contype = 'f' AND f.relname = ANY(%s) AND NOT r.relname = ANY(%s)""",
            [filled, filled],
        )
        if cursor.fetchone():
            return None  # its rows point into tables it did not fill: they must not move
        tables = {}
        for table in filled:
            with cursor.copy(f"COPY {qn(table)} TO STDOUT (FORMAT BINARY)") as copy:
                tables[table] = b"".join(bytes(chunk) for chunk in copy)
        cursor.execute(
            """SELECT s.relname, q.last_value FROM pg_class s
               JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
               JOIN pg_class t ON t.oid = d.refobjid
               JOIN pg_sequences q ON q.sequencename = s.relname
                 AND q.schemaname = current_schema()
               WHERE s.relkind = 'S' AND t.relname = ANY(%s)""",
            [filled],
        )
        sequences = {name: (value or 1, value is not None) for name, value in cursor.fetchall()}
    others = {t: n for t, n in after.items() if t not in tables}
    return _DemoCopy(timezone.now(), others, tables, sequences)


def _restore_demo_copy(copy_: _DemoCopy) -> bool:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = _row_counts(cursor)
        if any(counts.get(t) for t in copy_.tables) or any(
            counts.get(t) != n for t, n in copy_.others.items()
        ):
            return False
        with transaction.atomic():
            # Triggers off while the rows go in: no audit events (the copy holds the original
            # ones) and no foreign key checks (the copy is consistent as a whole).
            cursor.execute("SET session_replication_role = replica")
            try:
                for table, data in copy_.tables.items():
                    with cursor.copy(f"COPY {qn(table)} FROM STDIN (FORMAT BINARY)") as copy:
                        copy.write(data)
            finally:
                cursor.execute("SET session_replication_role = DEFAULT")
            for sequence, (value, called) in copy_.sequences.items():
                cursor.execute("SELECT setval(%s, %s, %s)", [sequence, value, called])
    return True


def _same_days(one: datetime.datetime, other: datetime.datetime) -> bool:
    """Whether two moments fall on the same day wherever the demo's dates are counted."""
    zones = {datetime.UTC, timezone.get_current_timezone()}
    zones |= {zoneinfo.ZoneInfo(tz) for _name, tz, *_rest in DEMO_ORGS.values()}
    return all(one.astimezone(z).date() == other.astimezone(z).date() for z in zones)


def _seed_demo() -> None:
    if os.environ.get("THROUGHLINE_TEST_DEMO_COPY", "1") == "0":  # to compare, or to rule it out
        call_command("seed_demo", "--force", stdout=io.StringIO())
        return
    now = timezone.now()
    key = (connection.alias, connection.settings_dict["NAME"], connection.in_atomic_block)
    known = _demo_copies.get(key)
    if known and now - known.taken_at < _DEMO_MAX_AGE and _same_days(now, known.taken_at):
        if _restore_demo_copy(known):
            return
    with connection.cursor() as cursor:
        before = _row_counts(cursor)
        digests = _fingerprints(cursor, [t for t, n in before.items() if n])
    call_command("seed_demo", "--force", stdout=io.StringIO())
    taken = _take_demo_copy(before, digests)
    if taken is not None:
        _demo_copies[key] = taken


@pytest.fixture
def seed_demo():
    """A function that leaves the database as `manage.py seed_demo --force` does: committed in
    a transactional test (a live server sees it), inside the test's transaction otherwise.
    Request `db` or `transactional_db` before it."""
    return _seed_demo
