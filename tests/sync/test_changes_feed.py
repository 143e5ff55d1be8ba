"""The changes feed: a client that follows next_cursor misses nothing and sees nothing twice."""

import threading
import time

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import changelog
from core.models import ChangeLogEntry, Role
from core.tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, UserFactory
from planning import services
from planning.api.serializers import WorkPackageSerializer
from planning.models import WorkPackage


def replay(client_copy: dict, page) -> None:
    for entry in page.results:
        if entry.op == ChangeLogEntry.Op.DELETED:
            client_copy.pop(str(entry.object_id), None)
        else:
            client_copy[str(entry.object_id)] = entry.data


def server_state(organization) -> dict:
    rows = WorkPackage.objects.filter(organization=organization)
    return {str(wp.pk): dict(WorkPackageSerializer(wp).data) for wp in rows}


def jsonish(data: dict) -> dict:
    """Compare as a client would after a JSON round trip."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("create"),
            st.text(
                st.characters(codec="utf-8", exclude_characters="\x00"),
                min_size=1,
                max_size=20,
            )
            .map(str.strip)
            .filter(bool),
        ),
        st.tuples(st.just("update"), st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("delete"), st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("pull"), st.integers(min_value=1, max_value=4)),
    ),
    min_size=1,
    max_size=40,
)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_a_client_that_follows_the_cursor_ends_with_the_servers_state(ops):
    with transaction.atomic():
        organization = OrganizationFactory()
        team = TeamFactory(organization=organization)
        lead = MembershipFactory(
            organization=organization, role=Role.TEAM_LEAD, user=UserFactory(), teams=[team]
        )
        cursor, copy, seen = None, {}, []
        for op, arg in ops:
            live = list(
                WorkPackage.objects.filter(organization=organization).order_by("created_at", "id")
            )
            if op == "create":
                services.work_package_create(actor=lead, title=arg, team=team)
            elif op == "update" and live:
                wp = live[arg % len(live)]
                services.work_package_update(actor=lead, work_package=wp, title=f"{wp.title}+")
            elif op == "delete" and live:
                services.work_package_delete(actor=lead, work_package=live[arg % len(live)])
            elif op == "pull":
                page = changelog.changes_since(
                    organization_id=organization.pk, cursor=cursor, limit=arg
                )
                again = changelog.changes_since(
                    organization_id=organization.pk, cursor=cursor, limit=arg
                )
                assert [e.id for e in page.results] == [e.id for e in again.results]
                seen += [e.id for e in page.results]
                replay(copy, page)
                cursor = page.next_cursor
        while True:
            page = changelog.changes_since(organization_id=organization.pk, cursor=cursor, limit=7)
            seen += [e.id for e in page.results]
            replay(copy, page)
            cursor = page.next_cursor
            if not page.has_more:
                break
        assert len(seen) == len(set(seen)), "a change was delivered twice"
        assert seen == sorted(seen)
        assert seen == list(
            ChangeLogEntry.objects.filter(organization=organization)
            .order_by("id")
            .values_list("id", flat=True)
        ), "a change was missed"
        assert jsonish(copy) == jsonish(server_state(organization))
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_no_change(team_lead, team):
    before = ChangeLogEntry.objects.count()

    def write_then_fail():
        with transaction.atomic():
            services.work_package_create(actor=team_lead, title="Never happened", team=team)
            raise RuntimeError("the surrounding work failed")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert ChangeLogEntry.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_commit_order_is_cursor_order_across_two_real_transactions():
    """T1 draws its entry first but commits last... unless writers are serialized until commit.

    T1 records a change and keeps its transaction open. T2 then tries to record one: it must
    wait for T1's commit, so its entry's id comes after T1's and a reader never passes a hole.
    """
    organization = OrganizationFactory()
    team = TeamFactory(organization=organization)
    lead = MembershipFactory(
        organization=organization, role=Role.TEAM_LEAD, user=UserFactory(), teams=[team]
    )
    t1_recorded, t1_may_commit = threading.Event(), threading.Event()
    order: list[str] = []
    errors: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():
                services.work_package_create(actor=lead, title="T1", team=team)
                t1_recorded.set()
                t1_may_commit.wait(10)
                order.append("T1 commits")
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            t1_recorded.wait(10)
            with transaction.atomic():
                services.work_package_create(actor=lead, title="T2", team=team)
                order.append("T2 recorded")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    t1_recorded.wait(10)
    time.sleep(0.5)
    # T2 is blocked behind T1's lock: nothing of it is recorded, and a reader sees no change yet.
    assert order == []
    assert (
        changelog.changes_since(organization_id=organization.pk, cursor=None, limit=10).results
        == []
    )
    t1_may_commit.set()
    for thread in threads:
        thread.join(10)
    assert not errors, errors
    assert order == ["T1 commits", "T2 recorded"]
    page = changelog.changes_since(organization_id=organization.pk, cursor=None, limit=10)
    assert [e.data["title"] for e in page.results] == ["T1", "T2"]
    assert page.results[0].id < page.results[1].id


@pytest.mark.django_db
def test_a_cursor_older_than_the_retention_window_is_gone(team_lead, team):
    from django.utils import timezone

    services.work_package_create(actor=team_lead, title="Old", team=team)
    old_cursor = changelog.head_cursor(organization_id=team.organization_id)
    services.work_package_create(actor=team_lead, title="Newer", team=team)
    assert changelog.prune(organization_id=team.organization_id, before=timezone.now()) == 2
    with pytest.raises(changelog.CursorExpiredError):
        changelog.changes_since(organization_id=team.organization_id, cursor=old_cursor, limit=10)
    head = changelog.head_cursor(organization_id=team.organization_id)
    services.work_package_create(actor=team_lead, title="After", team=team)
    page = changelog.changes_since(organization_id=team.organization_id, cursor=head, limit=10)
    assert [e.data["title"] for e in page.results] == ["After"]


@pytest.mark.django_db
def test_the_endpoint_writes_each_change_as_the_change_serializer_does(api, team_lead, team):
    """GET /api/v1/changes/ reads rows and JSON text (changes_rows_since), not instances; each
    change and each page is what ChangeSerializer and changes_since give."""
    from core.api.serializers import ChangeSerializer

    packages = [
        services.work_package_create(actor=team_lead, title=f'Ünïcode "{i}"', team=team)
        for i in range(3)
    ]
    services.work_package_update(actor=team_lead, work_package=packages[0], estimate=5)
    services.work_package_delete(actor=team_lead, work_package=packages[1])
    client = api(team_lead)
    seen: list[dict] = []
    cursor = "0"
    while True:
        response = client.get("/api/v1/changes/", {"since": cursor, "limit": 2})
        assert response.status_code == 200
        body = response.json()
        expected = changelog.changes_since(
            organization_id=team.organization_id, cursor=cursor, limit=2
        )
        assert body["next_cursor"] == expected.next_cursor
        assert body["has_more"] == expected.has_more
        assert body["results"] == jsonish(ChangeSerializer(expected.results, many=True).data)
        seen += body["results"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert [c["op"] for c in seen] == ["created"] * 3 + ["updated", "deleted"]
    assert seen[-1]["data"] is None
