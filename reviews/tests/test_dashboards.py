"""This week's attention list and the landing page per role: the numbers (one selector), the
page and API that show them, and query counts that do not grow with the organization."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from okrs.models import Objective
from okrs.tests.factories import CheckInFactory, CycleFactory, KeyResultFactory, ObjectiveFactory
from planning.tests.factories import InitiativeFactory, WorkPackageFactory
from reviews import dashboards
from reviews.tests.factories import CadenceFactory, ReviewSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(request, client_for):
    def sign_in(role: str):
        membership = request.getfixturevalue(role)
        return client_for(membership), membership

    return sign_in


def build(org, *, team, other_team, owner, rows=1):
    """Per row: an off-track key result of ``team`` (10 %, confidence 3) and an on-track one of
    the organization, an overdue work package of ``team`` with its success check past and no
    decision, an intention of ``other_team`` created ten days ago, a fresh intention, and a
    review two days ahead."""
    now = timezone.now()
    today = timezone.localdate()
    cycle = CycleFactory(organization=org)
    for i in range(rows):
        objective = ObjectiveFactory(cycle=cycle)
        team_objective = ObjectiveFactory(
            cycle=cycle, level=Objective.Level.TEAM, team=team, parent=objective
        )
        CheckInFactory(
            key_result=KeyResultFactory(objective=team_objective, title=f"Team KR {i}"),
            value=Decimal(10),
            confidence=3,
        )
        CheckInFactory(
            key_result=KeyResultFactory(objective=objective, owner=owner.user),
            value=Decimal(60),
            confidence=8,
        )
        initiative = InitiativeFactory(strategic_objective=objective.strategic_objective)
        WorkPackageFactory(
            team=team,
            initiative=initiative,
            ready=True,
            owner=owner.user,
            status="in_progress",
            title=f"Late {i}",
            due_date=today - datetime.timedelta(days=3),
            success_review_date=today - datetime.timedelta(days=1),
        )
        old = WorkPackageFactory(team=other_team, title=f"Old idea {i}")
        type(old).objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(days=10))
        WorkPackageFactory(team=other_team, title=f"New idea {i}")
        cadence = CadenceFactory(organization=org, team=team if i % 2 else None)
        ReviewSessionFactory(cadence=cadence, scheduled_at=now + datetime.timedelta(days=2))


@pytest.fixture
def data(org, team, other_team, leader):
    build(org, team=team, other_team=other_team, owner=leader)


def totals(result: dashboards.Attention) -> dict[str, int]:
    return {s.key: s.total for s in result.sections}


def test_attention_list_gathers_what_needs_a_look_this_week(leader, data):
    result = dashboards.attention(membership=leader)
    assert totals(result) == {"key_results": 1, "overdue": 1, "checks_due": 1, "intentions": 1}
    assert result.total == 4
    kr = result.section("key_results").items[0]
    assert (kr.title, kr.flag) == ("Team KR 0", "Off track")
    assert result.section("intentions").items[0].title == "Old idea 0"
    assert [r.title for r in result.upcoming] == [result.upcoming[0].title]


def test_attention_list_for_one_team(leader, data, team, other_team):
    mine = dashboards.attention(membership=leader, team=team)
    assert totals(mine) == {"key_results": 1, "overdue": 1, "checks_due": 1, "intentions": 0}
    theirs = dashboards.attention(membership=leader, team=other_team)
    assert totals(theirs) == {"key_results": 0, "overdue": 0, "checks_due": 0, "intentions": 1}
    # A review of the whole organization concerns every team.
    assert len(theirs.upcoming) == 1


def test_a_decision_takes_work_off_the_list(leader, data):
    from planning.models import WorkPackage

    WorkPackage.objects.filter(title="Late 0").update(decision="continue", decision_reason="Fine")
    assert totals(dashboards.attention(membership=leader))["checks_due"] == 0


# --- landing pages ------------------------------------------------------------------------------


def test_leaders_land_on_the_strategy_map_with_the_attention_list(as_role, data):
    client, leader = as_role("leader")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "attention list" in html
    assert 'class="smap-so' in html  # the strategy map's tree
    result = dashboards.attention(membership=leader)
    figures = dict(re.findall(r'data-figure="([^"]+)">([^<]+)<', html))
    assert figures["attention-total"] == str(result.total)
    for key, total in totals(result).items():
        assert figures[key] == str(total)
    assert figures["upcoming"] == str(len(result.upcoming))


def test_viewers_land_on_the_strategy_map_too(as_role, data):
    client, _ = as_role("viewer")
    assert 'class="smap-so' in client.get(reverse("home")).content.decode()


def test_team_leads_land_on_their_team(as_role, data, team):
    client, lead = as_role("team_lead")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{team.name}</h1>" in html
    landing = dashboards.team_landing(membership=lead, team=team)
    figures = dict(re.findall(r'data-figure="([^"]+)">([^<]+)<', html))
    assert figures["overdue"] == str(landing.work.overdue) == "1"
    assert figures["attention-total"] == str(landing.attention.total)
    assert "Late 0" in html  # top of the backlog


def test_members_land_on_their_work(as_role):
    client, _ = as_role("member")
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("planning:my_work")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_api_returns_the_selectors_numbers(as_role, data, team):
    client, leader = as_role("leader")
    body = client.get("/api/v1/dashboards/attention/", {"team": str(team.pk)}).json()
    result = dashboards.attention(membership=leader, team=team)
    assert body["team"] == str(team.pk)
    assert body["total"] == result.total
    assert {s["key"]: s["total"] for s in body["sections"]} == totals(result)
    assert body["sections"][0]["items"][0]["title"] == "Team KR 0"


def test_api_bad_team_is_a_400_naming_the_field(as_role):
    client, _ = as_role("leader")
    response = client.get("/api/v1/dashboards/attention/", {"team": "nope"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"team": ["No such team in this organization."]}


# --- query counts: the same for a small and a much larger organization -------------------------

EXPECTED_QUERIES = {"leader": 12, "team_lead": 13, "api": 7}


@pytest.mark.parametrize("rows", [1, 10])
@pytest.mark.parametrize("who", EXPECTED_QUERIES)
def test_query_count_does_not_grow_with_the_organization(
    django_assert_num_queries, as_role, org, team, other_team, leader, who, rows
):
    build(org, team=team, other_team=other_team, owner=leader, rows=rows)
    client, _ = as_role("leader" if who == "api" else who)
    url = "/api/v1/dashboards/attention/" if who == "api" else reverse("home")
    with django_assert_num_queries(EXPECTED_QUERIES[who]):
        response = client.get(url)
    assert response.status_code == 200


# --- how the sections read ------------------------------------------------------------------


def _context(membership, team=None):
    from reviews import selectors
    from reviews.models import Cadence, ReviewSession

    now = timezone.now()
    cadence = Cadence(
        organization=membership.organization,
        team=team,
        name="This week",
        kind=Cadence.Kind.WEEKLY_DELIVERY,
    )
    return selectors.AgendaContext(
        membership=membership,
        session=ReviewSession(
            organization=membership.organization, cadence=cadence, scheduled_at=now
        ),
        cadence=cadence,
        as_of=timezone.localdate(),
        now=now,
        today=timezone.localdate(),
        previous=None,
    )


@pytest.mark.parametrize("for_team", [False, True])
def test_key_results_are_read_as_okrs_reads_them(leader, data, team, for_team):
    """The agenda's one-statement read of active key results (latest check-in by LATERAL)
    gives the rows okrs.selectors.key_result_list gives, value for value."""
    from okrs import selectors as okr_selectors
    from okrs.models import Cycle
    from reviews import selectors

    never_checked = KeyResultFactory(
        objective=ObjectiveFactory(
            cycle=Cycle.objects.get(organization=leader.organization),
            level=Objective.Level.TEAM,
            team=team,
        ),
        owner=None,
    )
    rows = selectors._active_key_results(_context(leader, team if for_team else None))
    expected = okr_selectors.key_result_list(membership=leader, cycle_status=Cycle.Status.ACTIVE)
    if for_team:
        expected = expected.filter(objective__team_id=team.pk)
    expected_rows = list(expected.order_by("created_at", "id").values(*rows[0]))
    assert rows == expected_rows
    assert len(rows) == (2 if for_team else 3)
    assert any(r["id"] == never_checked.pk and r["last_check_in_at"] is None for r in rows)


@pytest.mark.parametrize(
    ("key", "index"),
    [("overdue", "planning_wp_overdue_idx"), ("checks_due", "planning_wp_check_due_idx")],
)
def test_org_wide_counts_read_their_partial_index(leader, data, key, index):
    """Overdue work and success checks due are counted over the whole organization: from a
    partial index holding only the rows that can match, not from the table. On a test database
    of a few rows the planner may prefer another partial index of work packages (PostgreSQL 18
    takes planning_wp_review_due_idx for the overdue count), so the test asks for a partial
    index and checks that the one made for the count exists; benchmarks/pages.py shows the plan
    at full size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews import selectors

    with CaptureQueriesContext(connection) as captured:
        selectors._builders()[key](_context(leader))
    (sql,) = [q["sql"] for q in captured.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        (document,) = cursor.fetchone()

    def count_scans(plan: dict, in_count: bool = False) -> list[str]:
        in_count = in_count or plan.get("Subplan Name", "").startswith("InitPlan")
        found = (
            [plan.get("Index Name", plan["Node Type"])]
            if in_count and "Scan" in plan["Node Type"]
            else []
        )
        for child in plan.get("Plans", []):
            found += count_scans(child, in_count)
        return found

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'planning_workpackage' "
            "AND indexdef LIKE '%% WHERE %%'"
        )
        partial = {name for (name,) in cursor.fetchall()}
    assert index in partial
    (scan,) = count_scans(document[0]["Plan"])
    assert scan in partial


def test_upcoming_reviews_stop_at_a_week(org, leader):
    now = timezone.now()
    near = ReviewSessionFactory(
        cadence=CadenceFactory(organization=org), scheduled_at=now + datetime.timedelta(days=6)
    )
    far = ReviewSessionFactory(
        cadence=CadenceFactory(organization=org), scheduled_at=now + datetime.timedelta(days=8)
    )
    assert [r.id for r in dashboards.attention(membership=leader, now=now).upcoming] == [
        str(near.pk)
    ]
    from reviews import selectors

    every = selectors.upcoming_sessions(membership=leader, now=now)
    assert {s.pk for s in every} >= {near.pk, far.pk}


def test_a_teams_upcoming_reviews_are_found_past_fifty_of_other_teams(
    org, leader, team, other_team
):
    """The 50-session cap applies after the team filter, so a busy organization's other teams
    cannot push this team's review of the coming week off its list."""
    now = timezone.now()
    others = CadenceFactory(organization=org, team=other_team)
    for hours in range(1, 61):
        ReviewSessionFactory(cadence=others, scheduled_at=now + datetime.timedelta(hours=hours))
    ours = ReviewSessionFactory(
        cadence=CadenceFactory(organization=org, team=team),
        scheduled_at=now + datetime.timedelta(days=5),
    )
    upcoming = dashboards.attention(membership=leader, team=team, now=now).upcoming
    assert [r.id for r in upcoming] == [str(ours.pk)]


def test_the_team_landing_shows_the_top_of_the_ranked_backlog_and_the_key_results_owned(
    as_role, org, team, other_team, team_lead
):
    """The landing reads narrow rows (backlog_top, owned_key_results); they are the first
    rows of the full backlog ranking and the owner's key results, and the page shows them."""
    from backlog import selectors as backlog_selectors
    from okrs import selectors as okr_selectors
    from okrs.models import Cycle

    build(org, team=team, other_team=other_team, owner=team_lead, rows=4)
    for i in range(4):
        WorkPackageFactory(team=team, title=f"Idea {i}")
    client, lead = as_role("team_lead")
    landing = dashboards.team_landing(membership=lead, team=team)
    model = backlog_selectors.scoring_model_for_team(membership=lead, team=team)
    ranked = list(backlog_selectors.ranked_backlog(membership=lead, team=team, model=model))
    assert len(ranked) > dashboards.BACKLOG_TOP
    assert [(r["id"], r["status_label"], r["initiative_id"]) for r in landing.backlog_top] == [
        (wp.pk, wp.get_status_display(), wp.initiative_id)
        for wp in ranked[: dashboards.BACKLOG_TOP]
    ]
    owned = list(
        okr_selectors.key_result_list(
            membership=lead, owner=lead.user, cycle_status=Cycle.Status.ACTIVE
        )
    )
    assert len(owned) == 4
    assert [(kr.pk, kr.progress, kr.confidence, kr.is_stale) for kr in landing.key_results] == [
        (kr.pk, kr.progress, kr.confidence, False) for kr in owned
    ]

    html = client.get(reverse("home"), {"team": str(team.pk)}).content.decode()
    shown = re.findall(r'<li class="smap-work__item"><a href="([^"]+)">([^<]+)</a>', html)
    assert shown == [
        (reverse("planning:work_detail", args=[wp.pk]), wp.title)
        for wp in ranked[: dashboards.BACKLOG_TOP]
    ]
    for kr in owned:
        assert f"#kr-{kr.pk}" in html


# --- the landing's own reads equal the selectors they stand for ---------------------------------


@pytest.mark.parametrize("for_team", [False, True])
def test_the_work_sections_are_the_agenda_builders_sections(leader, team, other_team, for_team):
    """``work_sections`` reads the overdue, checks due and old intentions sections in one
    statement; they are the agenda's own builders' sections, item for item, past the cap."""
    from planning.models import WorkPackage
    from reviews import rules, selectors

    build(leader.organization, team=team, other_team=other_team, owner=leader, rows=3)
    today = timezone.localdate()
    now = timezone.now()
    for i in range(rules.AGENDA_ROWS + 2):
        WorkPackageFactory(
            team=team,
            ready=True,
            owner=leader.user,
            status="ready" if i % 3 else "in_progress",
            title=f"Late {i:02}",
            due_date=today - datetime.timedelta(days=i % 4 + 1),
            success_review_date=today - datetime.timedelta(days=i % 5),
        )
        idea = WorkPackageFactory(
            team=team, title=f"Idea {i:02}", owner=leader.user if i % 2 else None
        )
        WorkPackage.objects.filter(pk=idea.pk).update(
            created_at=now - datetime.timedelta(days=8 + i)
        )
    ctx = _context(leader, team if for_team else None)
    built = dashboards.work_sections(ctx)
    builders = selectors._builders()
    for key in ("overdue", "checks_due", "intentions"):
        expected = builders[key](ctx)
        assert built[key] == expected
        assert expected.items  # something to compare
    assert built["overdue"].total > rules.AGENDA_ROWS
    assert len(built["overdue"].items) == rules.AGENDA_ROWS


@pytest.mark.parametrize("for_team", [False, True])
def test_the_coming_reviews_are_upcoming_sessions(org, leader, team, other_team, for_team):
    from reviews import selectors

    now = timezone.now()
    for i, cadence_team in enumerate([team, other_team, None, team]):
        cadence = CadenceFactory(organization=org, team=cadence_team)
        if i % 2:
            cadence.participants.add(leader)
        for days in (-2, 1, 3, 9):
            ReviewSessionFactory(
                cadence=cadence, scheduled_at=now + datetime.timedelta(days=days, hours=i)
            )
    chosen = team if for_team else None
    until = now + dashboards.UPCOMING_WITHIN
    rows = dashboards.upcoming_reviews(membership=leader, now=now, until=until, team=chosen)
    sessions = selectors.upcoming_sessions(membership=leader, now=now, until=until, team=chosen)
    assert len(rows) == (6 if for_team else 8)
    assert [
        (r.id, r.title, r.kind, r.kind_label, r.team, r.scheduled_at, r.url, r.is_mine)
        for r in rows
    ] == [
        (
            str(s.pk),
            s.cadence.name,
            s.cadence.kind,
            s.cadence.get_kind_display(),
            s.cadence.team.name if s.cadence.team else "",
            s.scheduled_at,
            reverse("reviews:session_detail", args=[s.pk]),
            s.is_mine,
        )
        for s in sessions
    ]


@pytest.mark.parametrize(
    "sprints",
    [
        [],  # none
        [(-3, 10), (5, 18), (-30, -17)],  # running, next, ended but open: the running one
        [(20, 33), (5, 18)],  # two to come: the earliest
        [(-60, -47), (-30, -17)],  # ended but still open: the latest
        [(-3, 10, "closed"), (5, 18)],  # a closed one does not count
    ],
)
def test_the_current_sprint_is_backlogs_current_sprint(team_lead, team, other_team, sprints):
    from backlog import selectors as backlog_selectors
    from backlog.models import Sprint
    from backlog.tests.factories import SprintFactory

    today = timezone.localdate()
    for start, end, *status in sprints:
        SprintFactory(
            team=team,
            start_date=today + datetime.timedelta(days=start),
            end_date=today + datetime.timedelta(days=end),
            status=status[0] if status else "open",
            closed_at=timezone.now() if status else None,
        )
    SprintFactory(team=other_team, start_date=today, end_date=today)
    ours = dashboards.current_sprint(membership=team_lead, team=team, today=today)
    theirs = backlog_selectors.current_sprint(membership=team_lead, team=team, today=today)
    if theirs is None:
        assert ours is None
        assert not sprints
        return
    assert ours == theirs
    fields = [f.attname for f in Sprint._meta.concrete_fields]
    assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]


def test_a_leads_landing_teams_are_their_active_teams_by_name(make_member, org, team, other_team):
    from core.tests.factories import TeamFactory

    archived = TeamFactory(organization=org, name="Archived", archived_at=timezone.now())
    lead = make_member("team_lead", teams=[team, other_team, archived])
    assert [t.name for t in dashboards.landing_teams(membership=lead)] == ["Growth", "Platform"]


# --- the landing's rows written in Python equal the template loops they replaced -----------------

_ATTENTION_LOOP = """{% for item in items|slice:":5" %}
      <li class="attention__item">
        <span class="attention__flag attention__flag--{{ item.tone|default:'warn' }}">{% if item.tone == "bad" %}<span aria-hidden="true">✕</span>{% else %}<span aria-hidden="true">!</span>{% endif %} {{ item.flag }}</span>
        {% if item.url %}<a href="{{ item.url }}">{{ item.title }}</a>{% else %}<span>{{ item.title }}</span>{% endif %}
        <span class="muted small">{% if item.team %}{{ item.team }} · {% endif %}{{ item.owner|default:"no owner" }}{% if item.note %} · {{ item.note }}{% endif %}</span>
      </li>
      {% endfor %}"""

_UPCOMING_LOOP = """{% for r in upcoming %}
      <li class="attention__item">
        <span class="attention__flag attention__flag--ok">{{ r.kind_label }}{% if r.is_mine %} · you take part{% endif %}</span>
        <a href="{{ r.url }}">{{ r.title }}</a>
        <span class="muted small">{{ r.scheduled_at|date:"D j M, H:i" }}{% if r.team %} · {{ r.team }}{% endif %}</span>
      </li>
      {% endfor %}"""

_BACKLOG_LOOP = """{% load ui %}{% for wp in rows %}
          <li class="smap-work__item"><a href="{% url 'planning:work_detail' wp.id %}">{{ wp.title }}</a> {% status_pill wp.status wp.status_label %}{% if not wp.initiative_id %}<span class="chip chip--unlinked">Not linked</span>{% endif %}</li>
          {% endfor %}"""

_KEY_RESULT_LOOP = """{% load ui okrs_ui %}{% for kr in key_results %}
          <li class="smap-kr">
            <span class="smap-kr__title"><a href="{% url 'okrs:objective_detail' kr.objective_id %}#kr-{{ kr.pk }}">{{ kr.title }}</a></span>
            <span class="smap-figures">
              <span class="smap-figures__progress">{% progress_bar value=kr.progress label="Key result progress" title="Progress at the latest check-in" %}</span>
              {% confidence confidence=kr.confidence band=None %}
              {% if kr.is_stale %}<span class="smap-flag smap-flag--warn" title="No check-in for more than 14 days"><span aria-hidden="true">⚠</span> stale</span>{% endif %}
              <a class="button button--small" href="{% url 'okrs:check_in' kr.pk %}?next={% url 'home' %}">Check in</a>
            </span>
          </li>
          {% endfor %}"""


def _loop(source: str, **context) -> str:
    from django.template import Context, Template

    return Template(source).render(Context(context))


def test_the_attention_rows_are_the_template_loops_rows():
    import uuid
    from types import SimpleNamespace

    from reviews.selectors import AgendaItem
    from reviews.templatetags import landing_ui

    items = [
        AgendaItem(
            kind="work_package",
            id="1",
            title="Plain",
            url="/work/1/",
            owner="Ann",
            team="Growth",
            note="3 days late · ready",
            tone="bad",
            flag="Overdue",
        ),
        AgendaItem(
            kind="key_result",
            id="2",
            title="<b>R&D</b> \"quoted\" 'it'",
            url="/okrs/objectives/2/?a=1&b=2",
            tone="warn",
            flag="At risk · stale",
        ),
        AgendaItem(kind="work_package", id="3", title="No link, no tone", flag="Check due"),
    ] + [AgendaItem(kind="work_package", id=str(i), title=f"Row {i}", url="/x/") for i in range(5)]
    assert landing_ui.attention_items(items) == _loop(_ATTENTION_LOOP, items=items)
    assert landing_ui.attention_items([]) == _loop(_ATTENTION_LOOP, items=[])

    when = timezone.now().replace(microsecond=0)
    upcoming = [
        dashboards.UpcomingReview(
            id=str(uuid.uuid4()),
            title="Growth <weekly>",
            kind="weekly_delivery",
            kind_label="Weekly delivery",
            team="Growth & Co",
            scheduled_at=when,
            url="/reviews/sessions/1/",
            is_mine=True,
        ),
        dashboards.UpcomingReview(
            id=str(uuid.uuid4()),
            title="Strategy",
            kind="quarterly_strategy",
            kind_label="Quarterly strategy",
            team="",
            scheduled_at=when + datetime.timedelta(days=2, hours=5),
            url="/r/2/",
            is_mine=False,
        ),
    ]
    assert landing_ui.upcoming_items(upcoming) == _loop(_UPCOMING_LOOP, upcoming=upcoming)

    statuses = ["intention", "ready", "in_progress", "done", "stopped", "active", "odd"]
    rows = [
        {
            "id": uuid.uuid4(),
            "title": f"W{i} <&>",
            "status": s,
            "status_label": s.title(),
            "initiative_id": uuid.uuid4() if i % 2 else None,
        }
        for i, s in enumerate(statuses)
    ]
    assert landing_ui.backlog_top_items(rows) == _loop(_BACKLOG_LOOP, rows=rows)

    key_results = [
        SimpleNamespace(
            pk=uuid.uuid4(),
            objective_id=uuid.uuid4(),
            title=title,
            progress=progress,
            confidence=confidence,
            is_stale=stale,
        )
        for title, progress, confidence, stale in [
            ("Grow <revenue> & more", 0.6449, 7, False),
            ("Never checked", None, None, True),
            ("Over the top", 1.7, Decimal("8.5"), True),
            ("Below zero", -0.2, 0, False),
        ]
    ]
    assert landing_ui.owned_key_result_items(key_results) == _loop(
        _KEY_RESULT_LOOP, key_results=key_results
    )


def test_the_team_counts_are_the_teams_work_counted(team_lead, team, other_team):
    from planning.models import WorkPackage

    today = timezone.localdate()
    now = timezone.now()
    for i, status in enumerate(["intention", "ready", "in_progress", "done", "stopped"] * 3):
        wp = WorkPackageFactory(
            team=team if i % 4 else other_team,
            ready=status != "intention",
            owner=team_lead.user,
            status=status,
            due_date=today + datetime.timedelta(days=i % 3 - 1),
            initiative=InitiativeFactory() if i % 2 else None,
        )
        if status == "done":
            WorkPackage.objects.filter(pk=wp.pk).update(
                finished_at=now - datetime.timedelta(days=5 * (i % 4))
            )
    work = dashboards.team_landing(membership=team_lead, team=team, now=now).work
    mine = WorkPackage.objects.filter(team=team)
    open_ = mine.filter(status__in=("intention", "ready", "in_progress"))
    assert work == dashboards.TeamWork(
        open=open_.count(),
        in_progress=mine.filter(status="in_progress").count(),
        ready=mine.filter(status="ready").count(),
        intentions=mine.filter(status="intention").count(),
        overdue=mine.filter(status__in=("ready", "in_progress"), due_date__lt=today).count(),
        unlinked=open_.filter(initiative__isnull=True).count(),
        done_last_14_days=mine.filter(
            status="done", finished_at__gte=now - datetime.timedelta(days=14)
        ).count(),
    )
    assert all((work.open, work.overdue, work.unlinked, work.done_last_14_days))


def test_the_scoring_model_is_backlogs_scoring_model_for_team(team_lead, team):
    from backlog import selectors as backlog_selectors
    from backlog import services as backlog_services

    default = dashboards.scoring_model(membership=team_lead, team=team)
    assert default._state.adding  # unsaved
    assert (
        default.weights
        == backlog_selectors.scoring_model_for_team(membership=team_lead, team=team).weights
    )
    backlog_services.scoring_model_update(actor=team_lead, team=team, preset="rice")
    ours = dashboards.scoring_model(membership=team_lead, team=team)
    theirs = backlog_selectors.scoring_model_for_team(membership=team_lead, team=team)
    assert ours == theirs
    assert (ours.preset, ours.weights, ours.version) == (
        theirs.preset,
        theirs.weights,
        theirs.version,
    )
