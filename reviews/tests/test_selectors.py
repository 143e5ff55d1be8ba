"""The reads the pages and sweeps share: an agenda section's first rows and full count, the
decision list's order, the review room's per-session counts, and the sweeps' candidates."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from core.models import Role
from planning.models import WorkPackage
from planning.tests.factories import WorkPackageFactory
from reviews import rules, selectors, services
from reviews.models import Decision, NotificationKind, SentReminder

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _overdue(team, owner, n: int) -> list:
    return [
        WorkPackageFactory(
            team=team,
            owner=owner,
            ready=True,
            status="in_progress",
            title=f"Late {i:02d}",
            due_date=TODAY - datetime.timedelta(days=30 - i),
            success_review_date=TODAY + datetime.timedelta(days=10),
        )
        for i in range(n)
    ]


def test_an_agenda_section_shows_the_first_rows_in_order_and_counts_them_all(
    leader, team, member, session
):
    late = _overdue(team, member.user, rules.AGENDA_ROWS + 3)
    agenda = selectors.session_agenda(membership=leader, session=session)
    section = agenda.section("overdue")
    assert section is not None
    assert section.total == rules.AGENDA_ROWS + 3
    assert section.more == 3
    # The most overdue first, as before: the first rows by due date, then title.
    assert [i.id for i in section.items] == [str(wp.pk) for wp in late[: rules.AGENDA_ROWS]]


def test_an_empty_section_counts_nothing(leader, session):
    section = selectors.session_agenda(membership=leader, session=session).section("overdue")
    assert section is not None
    assert (section.items, section.total) == ([], 0)


def test_decisions_list_open_ones_first_then_the_newest(leader, member, session, team):
    made = []
    for i in range(4):
        made.append(
            services.decision_record(
                actor=leader,
                session=session,
                subject="capacity",
                team=team,
                summary=f"Rebalance {i}",
                reason="Because",
                owner=member.user,
            )
        )
    done = made[1:3]
    for d in done:
        services.decision_set_done(actor=leader, decision=d)
    # The descending status order the list relies on puts "open" before "done".
    assert sorted(Decision.Status.values, reverse=True) == ["open", "done"]
    listed = list(selectors.decision_list(membership=leader))
    assert [d.pk for d in listed] == [made[3].pk, made[0].pk, made[2].pk, made[1].pk]
    assert [d.pk for d in selectors.decision_list(membership=leader, status="open")] == [
        made[3].pk,
        made[0].pk,
    ]


def test_sessions_carry_their_decision_and_learning_counts(
    leader, member, session, team, objective
):
    services.decision_record(
        actor=leader,
        session=session,
        subject="capacity",
        team=team,
        summary="Rebalance",
        reason="Because",
        owner=member.user,
    )
    for statement in ("One", "Two"):
        services.learning_record(
            actor=leader, session=session, strategic_objective=objective, statement=statement
        )
    [upcoming] = selectors.upcoming_sessions(membership=leader)
    assert (upcoming.decision_count, upcoming.learning_count) == (1, 2)


def test_stale_intentions_are_owned_by_active_members_or_by_nobody_and_not_claimed_yet(
    org, team, member, make_member
):
    gone = make_member(Role.MEMBER, teams=[team])
    owned = WorkPackageFactory(team=team, owner=member.user, title="Owned")
    orphan = WorkPackageFactory(team=team, title="Orphan")
    left = WorkPackageFactory(team=team, owner=gone.user, title="Owner left")
    claimed = WorkPackageFactory(team=team, title="Claimed orphan")
    WorkPackageFactory(team=team, title="Fresh")
    WorkPackage.objects.exclude(title="Fresh").update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    SentReminder.objects.create(
        organization=org,
        kind=NotificationKind.INTENTION_NOT_READY,
        target_id=claimed.pk,
        recipient=member.user,
        period=selectors.INTENTION_PERIOD,
        subject="s",
        created_at=timezone.now(),
    )
    now = timezone.now()
    clocks = {
        org.pk: selectors.OrgClock(org.timezone, TODAY, rules.REMINDER_LOCAL_HOUR, TODAY.weekday())
    }
    rows = selectors.due_stale_intentions(clocks=clocks, now=now)
    assert sorted(r["title"] for r in rows) == ["Orphan", "Owned"]
    by_title = {r["title"]: r for r in rows}
    assert by_title["Owned"]["owner_id"] == member.user_id
    assert by_title["Orphan"]["owner_id"] is None
    assert by_title["Orphan"]["team__name"] == team.name
    assert {r["id"] for r in rows} == {owned.pk, orphan.pk}
    assert left.pk not in {r["id"] for r in rows}
