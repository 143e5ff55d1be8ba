"""Alignment and delivery dashboards: the selector's numbers, the page and the API that show them,
their filters, and a query count that does not grow with the organization."""

from __future__ import annotations

import re
import statistics
import zoneinfo
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainValidationError
from core.models import Role
from core.tests.factories import TeamFactory
from planning import dashboards
from planning.models import WorkPackage
from planning.tests.factories import InitiativeFactory, WorkPackageFactory

pytestmark = pytest.mark.django_db
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def today() -> date:
    return timezone.localdate(timezone=BERLIN)


def monday(weeks_ago: int = 0) -> date:
    t = today()
    return t - timedelta(days=t.weekday()) - timedelta(weeks=weeks_ago)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BERLIN)


@pytest.fixture
def initiative(org, team):
    return InitiativeFactory(strategic_objective__organization=org, organization=org)


@pytest.fixture
def work(team, member):
    """A work package that ran from ``started`` to ``finished`` (None: still in progress)."""

    def make(started, finished=None, *, estimate=3, initiative=None, status=None, **fields):
        fields.setdefault("team", team)
        fields.setdefault("owner", member.user)
        done = status or (WorkPackage.Status.DONE if finished else WorkPackage.Status.IN_PROGRESS)
        return WorkPackageFactory(
            ready=True,
            status=done,
            estimate=estimate,
            initiative=initiative,
            started_at=started,
            finished_at=finished,
            **fields,
        )

    return make


# --- alignment -----------------------------------------------------------------------------


def test_alignment_counts_effort_linked_to_strategy_per_team_and_in_total(
    leader, team, other_team, initiative, work
):
    work(at(monday(3)), estimate=5, initiative=initiative)
    work(at(monday(2)), at(monday(1)), estimate=3)
    work(at(monday(1)), estimate=None, initiative=initiative)
    work(at(monday(2)), estimate=8, team=other_team, owner=None, status="stopped")
    # Outside the period: finished before it began, or never started.
    work(at(monday(20)), at(monday(15)), estimate=13, initiative=initiative)
    WorkPackageFactory(team=team, estimate=2)

    data = dashboards.alignment(membership=leader)

    assert (data.total.items, data.total.linked_items) == (4, 2)
    assert (data.total.points, data.total.linked_points, data.total.unestimated) == (16, 5, 1)
    assert data.total.point_share == pytest.approx(5 / 16)
    growth, platform = sorted(data.teams, key=lambda t: t.team_name)
    assert (growth.team_name, growth.items, growth.linked_items, growth.points) == (
        "Growth",
        3,
        2,
        8,
    )
    assert (platform.items, platform.linked_items, platform.points) == (1, 0, 8)
    assert platform.point_share == 0


def test_effort_in_a_week_is_work_in_progress_at_some_point_that_week(leader, initiative, work):
    # Started three weeks ago, finished two weeks ago on Tuesday: in progress in weeks -3 and -2.
    work(at(monday(3)), at(monday(2) + timedelta(days=1)), estimate=5, initiative=initiative)
    # Started last Sunday evening, still running: weeks -1 and this week.
    work(at(monday(0) - timedelta(days=1), 22), estimate=2)

    data = dashboards.alignment(membership=leader, weeks=4)

    assert [w.week for w in data.weekly] == [monday(3), monday(2), monday(1), monday(0)]
    assert [w.points for w in data.weekly] == [5, 5, 2, 2]
    assert [w.linked_points for w in data.weekly] == [5, 5, 0, 0]
    assert [w.items for w in data.weekly] == [1, 1, 1, 1]
    assert data.weekly[0].point_share == 1
    assert data.weekly[2].point_share == 0


def test_the_weekly_series_has_every_week_even_empty_ones(leader):
    data = dashboards.alignment(membership=leader, weeks=12)

    assert len(data.weekly) == 12
    assert data.weekly[-1].week == monday(0)
    assert all(w.items == 0 and w.point_share is None for w in data.weekly)
    assert data.total.items == 0
    assert data.total.point_share is None


def test_unlinked_work_is_listed_largest_first_with_its_owner_and_a_total(
    leader, member, initiative, work
):
    for points in (1, 8, 3):
        work(at(monday(1)), estimate=points, title=f"Unlinked {points}")
    work(at(monday(1)), estimate=20, initiative=initiative, title="Linked")

    data = dashboards.alignment(membership=leader, limit=2)

    assert data.unlinked.total == 3
    assert [r.title for r in data.unlinked.rows] == ["Unlinked 8", "Unlinked 3"]
    assert data.unlinked.rows[0].owner_name == member.user.full_name
    assert data.unlinked.more == 1


def test_intentions_that_never_became_tactics_after_a_week(leader, team):
    old = WorkPackageFactory(team=team, title="Old intention")
    young = WorkPackageFactory(team=team, title="Young intention")
    WorkPackage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    WorkPackage.objects.filter(pk=young.pk).update(created_at=timezone.now() - timedelta(days=2))

    data = dashboards.alignment(membership=leader)

    assert data.stale_intentions.total == 1
    assert [r.title for r in data.stale_intentions.rows] == ["Old intention"]
    assert data.stale_intentions.rows[0].owner_name == ""


def test_work_past_its_success_review_without_a_decision(leader, work):
    past = today() - timedelta(days=3)
    work(at(monday(1)), title="Undecided", success_review_date=past, due_date=past)
    work(
        at(monday(1)),
        title="Decided since",
        success_review_date=past,
        due_date=past,
        decision="continue",
        decision_reason="It works",
        decided_at=timezone.now(),
    )
    work(
        at(monday(1)),
        title="Decided long before",
        success_review_date=past,
        due_date=past,
        decision="revise",
        decision_reason="Earlier check",
        decided_at=at(past - timedelta(days=30)),
    )
    work(at(monday(1)), title="Not due yet", success_review_date=today() + timedelta(days=3))

    data = dashboards.alignment(membership=leader)

    assert sorted(r.title for r in data.unreviewed.rows) == ["Decided long before", "Undecided"]
    assert data.unreviewed.total == 2


def test_the_team_filter_and_another_organizations_work(leader, team, other_team, work, other_org):
    work(at(monday(1)), estimate=3)
    work(at(monday(1)), estimate=5, team=other_team, owner=None, status="stopped")
    foreign_team = TeamFactory(organization=other_org)
    WorkPackageFactory(team=foreign_team, started_at=at(monday(1)), estimate=40)

    everything = dashboards.alignment(membership=leader)
    growth = dashboards.alignment(membership=leader, team=team)

    assert everything.total.points == 8
    assert growth.total.points == 3
    assert [t.team_name for t in growth.teams] == ["Growth"]


# --- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"team": "not-a-uuid"}, "team"),
        ({"team": "6f1c1f0e-1111-4111-8111-111111111111"}, "team"),
        ({"weeks": "3"}, "weeks"),
        ({"weeks": "27"}, "weeks"),
        ({"weeks": "twelve"}, "weeks"),
        ({"weeks": "²"}, "weeks"),
        ({"team": "\x00"}, "team"),
    ],
)
def test_bad_filters_name_their_field(leader, query, field):
    with pytest.raises(DomainValidationError) as exc:
        dashboards.dashboard_filters(membership=leader, data=query)
    assert field in exc.value.message_dict


def test_another_organizations_team_is_not_a_filter(leader, other_org):
    foreign = TeamFactory(organization=other_org)
    with pytest.raises(DomainValidationError):
        dashboards.dashboard_filters(membership=leader, data={"team": str(foreign.pk)})


def test_empty_filters_are_ignored(leader, team):
    filters = dashboards.dashboard_filters(membership=leader, data={"team": "", "weeks": ""})
    assert filters == dashboards.Filters(team=None, weeks=12)
    chosen = dashboards.dashboard_filters(
        membership=leader, data={"team": str(team.pk), "weeks": "8"}
    )
    assert chosen == dashboards.Filters(team=team, weeks=8)


# --- delivery ------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def test_delivery_cycle_time_throughput_on_time_and_decisions(leader, work):
    durations = [1, 2, 4, 7, 10]
    for i, days in enumerate(durations):
        finished = at(monday(1) + timedelta(days=i % 5))
        work(
            finished - timedelta(days=days),
            finished,
            estimate=2,
            due_date=finished.date() if i < 3 else finished.date() - timedelta(days=1),
        )
    work(
        at(monday(3)),
        at(monday(2) + timedelta(days=2)),
        estimate=5,
        decision="stop",
        decision_reason="Nobody used it",
        decided_at=at(monday(2) + timedelta(days=3)),
    )
    work(
        at(monday(2)),
        None,
        decision="continue",
        decision_reason="On track",
        decided_at=at(monday(1)),
    )
    work(
        at(monday(2)),
        None,
        decision="revise",
        decision_reason="Too slow",
        decided_at=at(monday(30)),  # before the period
    )

    data = dashboards.delivery(membership=leader, weeks=4)

    all_durations = [*durations, 9]  # the one stopped at its success check ran 9 days
    assert data.total.finished == 6
    assert data.total.finished_points == 15
    assert data.total.cycle_median_days == pytest.approx(round(statistics.median(all_durations), 1))
    assert data.total.cycle_p85_days == pytest.approx(round(_percentile(all_durations, 0.85), 1))
    assert (data.total.with_due_date, data.total.on_time) == (6, 4)
    assert (data.total.continued, data.total.revised, data.total.stopped) == (1, 0, 1)
    assert [w.finished for w in data.weekly] == [0, 1, 5, 0]
    assert [w.points for w in data.weekly] == [0, 5, 10, 0]
    assert [t.team_name for t in data.teams] == ["Growth"]
    assert data.per_week == pytest.approx(6 / 4)


def test_delivery_with_nothing_finished(leader):
    data = dashboards.delivery(membership=leader)
    assert data.total.finished == 0
    assert data.total.cycle_median_days is None
    assert data.total.on_time_rate is None
    assert data.teams == []
    assert len(data.weekly) == 12


# --- pages and API -------------------------------------------------------------------------


def _stat(html: str, name: str) -> str:
    match = re.search(
        rf'data-stat="{name}".*?<div class="stat__value">(.*?)</div>', html, re.DOTALL
    )
    assert match, name
    return match.group(1).strip()


@pytest.fixture
def demoish(team, other_team, initiative, work):
    work(at(monday(3)), at(monday(1)), estimate=5, initiative=initiative, due_date=monday(1))
    work(at(monday(2)), estimate=3)
    work(at(monday(2)), at(monday(0)), estimate=2, team=other_team, due_date=monday(1))
    return None


def test_alignment_page_shows_the_selectors_numbers(client_for, leader, demoish):
    response = client_for(leader).get(reverse("planning:dash_alignment"))
    html = response.content.decode()
    data = dashboards.alignment(membership=leader)

    assert response.status_code == 200
    assert _stat(html, "point-share") == f"{round(data.total.point_share * 100)} %"
    assert _stat(html, "item-share") == f"{round(data.total.item_share * 100)} %"
    assert _stat(html, "unlinked") == str(data.unlinked.total)
    assert f"{data.total.linked_points} of {data.total.points} pts" in html
    assert "<svg" in html
    assert "Effort linked to strategy, week by week" in html
    assert 'aria-current="page">Alignment' in html


def test_delivery_page_shows_the_selectors_numbers_and_says_they_are_not_outcomes(
    client_for, leader, demoish
):
    response = client_for(leader).get(reverse("planning:dash_delivery"))
    html = response.content.decode()
    data = dashboards.delivery(membership=leader)

    assert _stat(html, "finished") == str(data.total.finished)
    assert _stat(html, "cycle-median") == f"{data.total.cycle_median_days:.1f} d"
    assert _stat(html, "on-time") == f"{round(data.total.on_time_rate * 100)} %"
    assert "These are delivery measures, not outcomes." in html


def test_api_answers_with_the_selectors_numbers(client_for, leader, team, demoish):
    client = client_for(leader)
    alignment = client.get("/api/v1/dashboards/alignment/", {"weeks": 8}).json()
    delivery = client.get("/api/v1/dashboards/delivery/", {"team": str(team.pk)}).json()
    a = dashboards.alignment(membership=leader, weeks=8)
    d = dashboards.delivery(membership=leader, team=team)

    assert alignment["total"]["points"] == a.total.points
    assert alignment["total"]["point_share"] == pytest.approx(a.total.point_share)
    assert [w["linked_points"] for w in alignment["weekly"]] == [w.linked_points for w in a.weekly]
    assert alignment["period"]["weeks"] == 8
    assert alignment["unlinked"]["total"] == a.unlinked.total
    assert delivery["team"] == str(team.pk)
    assert delivery["total"]["finished"] == d.total.finished
    assert delivery["total"]["cycle_median_days"] == d.total.cycle_median_days
    assert [w["finished"] for w in delivery["weekly"]] == [w.finished for w in d.weekly]


@pytest.mark.parametrize("name", ["dash_alignment", "dash_delivery"])
def test_a_page_shows_the_largest_teams_first_and_all_on_demand(
    client_for, leader, org, work, name
):
    from planning.views import TEAM_ROWS

    teams = [TeamFactory(organization=org, name=f"Team {i:02}") for i in range(TEAM_ROWS + 3)]
    for i, t in enumerate(teams):
        for _ in range(1 + i % 3):  # teams 2, 5, 8, … carry three packages each
            work(at(monday(2)), at(monday(1)), team=t, estimate=1 + i)
    client = client_for(leader)
    html = client.get(reverse(f"planning:{name}")).content.decode()
    shown = re.findall(r'<tr data-team="(Team \d+)">', html)
    largest = sorted(
        teams, key=lambda t: (-(1 + teams.index(t) % 3) * (1 + teams.index(t)), t.name)
    )
    if name == "dash_delivery":  # finished work packages, the most first
        largest = sorted(teams, key=lambda t: (-(1 + teams.index(t) % 3), t.name))
    assert shown == [t.name for t in largest[:TEAM_ROWS]]
    assert f"Show all {len(teams)} teams" in html

    everything = client.get(reverse(f"planning:{name}"), {"teams": "all"}).content.decode()
    assert len(re.findall(r'<tr data-team="Team \d+">', everything)) == len(teams)
    assert "Show only the largest" in everything


@pytest.mark.parametrize("name", ["alignment", "delivery"])
def test_api_bad_filter_is_a_400_naming_the_field(client_for, leader, name):
    response = client_for(leader).get(f"/api/v1/dashboards/{name}/", {"weeks": "100"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "weeks" in response.json()["errors"]


@pytest.mark.parametrize("name", ["dash_alignment", "dash_delivery"])
def test_page_bad_filter_shows_the_error_beside_the_filter(client_for, leader, name):
    response = client_for(leader).get(reverse(f"planning:{name}"), {"team": "nope"})
    assert response.status_code == 400
    assert "Choose one of the organization" in response.content.decode()


def test_the_api_needs_a_member(client):
    assert client.get("/api/v1/dashboards/alignment/").status_code in (401, 403)


def test_dashboards_are_in_the_schema(client_for, leader):
    schema = client_for(leader).get("/api/schema/", {"format": "json"}).content.decode()
    for name in ("alignment", "delivery", "capacity"):
        assert f"/api/v1/dashboards/{name}/" in schema
    assert "AlignmentSerializer" in schema or "Alignment" in schema


# --- query counts: identical for a small and a much larger organization --------------------


def _organization(size: int, org, make_member, work, initiative) -> None:
    teams = [TeamFactory(organization=org, name=f"Team {size}-{i:02}") for i in range(size)]
    for i, t in enumerate(teams):
        owner = make_member(Role.MEMBER, teams=[t]).user
        for j in range(size):
            work(
                at(monday(j % 6 + 1)),
                at(monday(j % 3)) if j % 2 else None,
                team=t,
                owner=owner,
                initiative=initiative if (i + j) % 2 else None,
                estimate=j + 1,
                success_review_date=today() - timedelta(days=2),
                due_date=today() - timedelta(days=2),
            )
        WorkPackageFactory(team=t)


@pytest.mark.parametrize("name", ["dash_alignment", "dash_delivery"])
def test_page_query_count_does_not_grow_with_the_organization(
    django_assert_num_queries, client_for, leader, org, make_member, work, initiative, name
):
    client = client_for(leader)
    url = reverse(f"planning:{name}")
    counts = []
    for size in (1, 12):
        _organization(size, org, make_member, work, initiative)
        client.get(url)  # warm the session
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[1]):
        client.get(url)


@pytest.mark.parametrize("name", ["alignment", "delivery"])
def test_api_query_count_does_not_grow_with_the_organization(
    client_for, leader, org, make_member, work, initiative, name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(leader)
    counts = []
    for size in (1, 12):
        _organization(size, org, make_member, work, initiative)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/dashboards/{name}/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# --- the alignment read model (EffortWeek) stays equal to the work, whatever the door -------

EFFORT_FIELDS = [
    f"{side}{m}"
    for side in ("started", "ended")
    for m in ("", "_linked", "_points", "_linked_points", "_unestimated")
]


def _effort_expected(org) -> dict:
    """EffortWeek as it should be, computed in Python from the organization's work packages."""
    from core.models import Organization

    tz = zoneinfo.ZoneInfo(Organization.objects.get(pk=org.pk).timezone)
    rows: dict = {}

    def add(wp, side: str, moment: datetime, sign: int = 1) -> None:
        day = moment.astimezone(tz).date()
        week = (
            day
            - timedelta(days=day.weekday())
            + (timedelta(weeks=1) if side == "ended" else timedelta())
        )
        row = rows.setdefault((wp.team_id, week), dict.fromkeys(EFFORT_FIELDS, 0))
        linked = wp.initiative_id is not None
        row[side] += sign
        row[f"{side}_linked"] += sign if linked else 0
        row[f"{side}_points"] += sign * (wp.estimate or 0)
        row[f"{side}_linked_points"] += sign * (wp.estimate or 0) if linked else 0
        row[f"{side}_unestimated"] += sign if wp.estimate is None else 0

    for wp in WorkPackage.objects.filter(organization=org, started_at__isnull=False):
        assert wp.started_at is not None
        add(wp, "started", wp.started_at)
        if wp.finished_at is not None:
            add(wp, "ended", max(wp.finished_at, wp.started_at))
    return {k: v for k, v in rows.items() if any(v.values())}


def _effort_stored(org) -> dict:
    from planning.models import EffortWeek

    stored = {}
    for row in EffortWeek.objects.filter(organization=org).values(
        "team_id", "week", *EFFORT_FIELDS
    ):
        key = (row.pop("team_id"), row.pop("week"))
        if any(row.values()):
            stored[key] = row
    return stored


def test_the_effort_read_model_follows_services_bulk_updates_deletes_and_the_time_zone(
    api, leader, org, team, other_team, member, initiative
):
    from core.models import Organization
    from planning import services

    def check() -> None:
        assert _effort_stored(org) == _effort_expected(org)

    ready = {
        "owner": member.user,
        "due_date": today() + timedelta(days=30),
        "success_criterion": "Bookings grow",
        "success_review_date": today() + timedelta(days=40),
    }
    # Services: created, started, finished, reopened, re-estimated, moved, linked, deleted.
    wp = services.work_package_create(
        actor=leader, title="Checkout", team=team, status="ready", estimate=3, **ready
    )
    other = services.work_package_create(
        actor=leader, title="Search", team=team, status="ready", initiative=initiative, **ready
    )
    check()
    services.work_package_update(actor=leader, work_package=wp, status="in_progress")
    services.work_package_update(actor=leader, work_package=other, status="in_progress")
    check()
    services.work_package_update(actor=leader, work_package=wp, status="done")
    check()
    services.work_package_update(
        actor=leader, work_package=wp, status="in_progress", reopen_reason="Not done after all"
    )
    check()
    services.work_package_update(
        actor=leader, work_package=wp, estimate=8, initiative=initiative, team=other_team
    )
    check()
    # Direct writes: QuerySet.update moving timestamps back (as the demo does), and factories.
    WorkPackage.objects.filter(pk=other.pk).update(
        started_at=at(monday(5)), finished_at=at(monday(2) + timedelta(days=3))
    )
    WorkPackage.objects.filter(pk=wp.pk).update(started_at=at(monday(4)), finished_at=at(monday(6)))
    WorkPackageFactory(team=team, started_at=at(monday(3)), estimate=None)
    # Sunday evening in Berlin is already Monday in Auckland (the time zone change below).
    WorkPackageFactory(team=team, started_at=at(monday(2) - timedelta(days=1), 20), estimate=4)
    WorkPackageFactory(team=team, title="Never started", estimate=5)
    WorkPackage.objects.filter(pk=other.pk).update(title="Renamed only")  # no effect
    check()
    # The bulk door: one insert, one update, many rows at once.
    client = api(leader)
    items = [
        {
            "source": "jira",
            "external_id": f"B{i}",
            "title": f"Synced {i}",
            "team": str(team.pk if i % 2 else other_team.pk),
            "estimate": i,
            "status": "in_progress",
            "owner": str(member.user.pk),
            "due_date": (today() + timedelta(days=30)).isoformat(),
            "success_criterion": "It ships",
            "success_review_date": (today() + timedelta(days=40)).isoformat(),
        }
        for i in range(6)
    ]
    response = client.post("/api/v1/work-packages/bulk/", {"items": items}, format="json")
    assert response.status_code == 200, response.content
    assert {r["status"] for r in response.json()["results"]} == {"created"}
    check()
    for entry in items:
        entry.update(status="done", estimate=entry["estimate"] + 1)
    response = client.post("/api/v1/work-packages/bulk/", {"items": items}, format="json")
    assert {r["status"] for r in response.json()["results"]} == {"updated"}
    check()
    services.work_package_delete(actor=leader, work_package=other)
    WorkPackage.objects.filter(source="jira", external_id="B1").delete()
    check()
    # Another time zone moves every week boundary: the organization's rows are rebuilt.
    in_berlin = _effort_stored(org)
    Organization.objects.filter(pk=org.pk).update(timezone="Pacific/Auckland")
    check()
    assert _effort_stored(org) != in_berlin


def test_alignment_from_the_read_model_matches_counting_the_work(leader, team, other_team, work):
    """The dashboard's numbers against a plain count over the work packages, for every week."""
    initiative = InitiativeFactory(
        strategic_objective__organization=leader.organization, organization=leader.organization
    )
    for i in range(14):
        started = at(monday(i % 9) + timedelta(days=i % 7), 8 + i % 12)
        finished = started + timedelta(days=3 * i) if i % 3 else None
        extra = {"owner": None, "status": "stopped"} if i % 4 == 0 else {}
        work(
            started,
            finished if finished is None or finished < timezone.now() else None,
            estimate=None if i % 5 == 0 else i,
            initiative=initiative if i % 2 else None,
            team=team if i % 4 else other_team,
            **extra,
        )
    WorkPackageFactory(team=team, estimate=2)  # never started
    data = dashboards.alignment(membership=leader, weeks=8)
    period = data.period

    def active(start: datetime, end: datetime, **filters) -> list[WorkPackage]:
        return [
            wp
            for wp in WorkPackage.objects.filter(organization=leader.organization, **filters)
            if wp.started_at is not None
            and wp.started_at < end
            and (wp.finished_at is None or wp.finished_at >= start)
        ]

    start, end = period.moment(period.first_week), period.moment(period.end)
    everything = active(start, end)
    assert data.total.items == len(everything)
    assert data.total.linked_items == sum(wp.initiative_id is not None for wp in everything)
    assert data.total.points == sum(wp.estimate or 0 for wp in everything)
    assert data.total.unestimated == sum(wp.estimate is None for wp in everything)
    assert data.unlinked.total == sum(wp.initiative_id is None for wp in everything)
    for t in data.teams:
        mine = active(start, end, team_id=t.team_id)
        assert (t.items, t.points) == (len(mine), sum(wp.estimate or 0 for wp in mine))
    for w in data.weekly:
        week = active(period.moment(w.week), period.moment(w.week + timedelta(weeks=1)))
        assert (w.items, w.points, w.linked_points) == (
            len(week),
            sum(wp.estimate or 0 for wp in week),
            sum(wp.estimate or 0 for wp in week if wp.initiative_id is not None),
        )
