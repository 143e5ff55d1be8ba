"""Chart and figure HTML built in Python (okrs.charts) for pages that show dozens of them: the
same markup the templates would give, every text escaped, a text equivalent for every chart."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from okrs import charts, dashboards
from okrs.rules import Health

DAY = datetime.date


@pytest.mark.parametrize(
    ("value", "width", "shown"),
    [
        (None, 0, "—"),
        (0.004, 0, "0 %"),
        (0.4567, 46, "46 %"),
        (1.2, 100, "120 %"),
        (-0.1, 0, "-10 %"),
    ],
)
def test_the_progress_bar(value, width, shown):
    """Clamped to the bar, the percentage as it is, labelled for screen readers, all escaped;
    the same from Python and from ``{% progress_bar %}``."""
    expected = (
        '<div class="progress" title="&quot;x&#x27;">\n'
        '  <div class="progress__bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        f'aria-valuenow="{width}" aria-label="&lt;b&gt;&amp;"><span class="pw-{width}"></span></div>\n'
        f'  <span class="progress__value">{shown}</span>\n'
        "</div>\n"
    )
    assert charts.progress_bar_html(value, label="<b>&", title="\"x'") == expected
    tag = Template("{% load ui %}{% progress_bar value=value label=label title=title %}")
    assert tag.render(Context({"value": value, "label": "<b>&", "title": "\"x'"})) == expected
    unlabelled = charts.progress_bar_html(value)
    assert 'title=""' in unlabelled
    assert 'aria-label="Progress"' in unlabelled


def trend(points, *, title="Renewals", today=None):
    """One objective's card and chart on the trends page, for a cycle of Q1 2026."""
    objective = dashboards.ObjectiveTrend("abc", title, "organization", "", points)
    return str(
        charts.trend_cards_html(
            [objective],
            cycle_start=DAY(2026, 1, 1),
            cycle_end=DAY(2026, 3, 31),
            today=today or DAY(2026, 1, 20),
            objective_url=lambda pk: f"/okrs/objectives/{pk}/",
        )
    )


def test_trend_chart_reads_out_every_week_in_its_table():
    html = trend(
        [
            dashboards.TrendPoint(DAY(2026, 1, 1), 0.0, None),
            dashboards.TrendPoint(DAY(2026, 1, 8), 0.25, 7.0),
            dashboards.TrendPoint(DAY(2026, 1, 15), None, 6.25),
            dashboards.TrendPoint(DAY(2026, 1, 20), 0.333, 6.666),
        ]
    )
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", html)
    assert rows == [
        ("1 Jan 2026", "0 %", "—"),
        ("8 Jan 2026", "25 %", "7/10"),
        ("15 Jan 2026", "—", "6.3/10"),
        ("20 Jan 2026", "33 %", "6.7/10"),
    ]
    assert re.findall(r'<circle class="chart__point"[^>]*><title>(.*?)</title>', html) == [
        "1 Jan: progress 0 %",
        "8 Jan: progress 25 %",
        "20 Jan: progress 33 %",
    ]
    confidence_marks = r'<rect class="chart__point chart__point--confidence"[^>]*><title>(.*?)<'
    assert re.findall(confidence_marks, html) == [
        "8 Jan: confidence 7/10",
        "15 Jan: confidence 6.3/10",
        "20 Jan: confidence 6.7/10",
    ]
    assert re.search(r'<desc id="chart-abc-desc">(.*?)</desc>', html).group(1) == (
        "4 weekly readings from 1 Jan to 31 Mar. "
        "On 20 Jan progress stood at 33 % with confidence 6.7/10."
    )
    assert html.count('<circle class="chart__point"') == 3
    assert html.count('<rect class="chart__point chart__point--confidence"') == 3
    assert 'aria-labelledby="chart-abc-title chart-abc-desc"' in html
    assert "today</text>" in html


def test_trend_chart_escapes_the_objective_statement():
    html = trend([], title="<script>alert(\"x\")</script> & 'co'", today=DAY(2026, 5, 1))
    assert "<script>" not in html
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;co&#x27;"
    assert f'<title id="chart-abc-title">Progress and confidence of “{escaped}”</title>' in html
    assert f"<caption>Progress and confidence of “{escaped}”. " in html
    assert '<tr><td colspan="3">No readings yet.</td></tr>' in html
    assert "No key result to measure yet." in html
    assert "today</text>" not in html  # today is after the cycle


# --- the trends page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_trends_page_links_each_stale_key_result_and_shows_its_progress(
    client_for, leader, org, team, other_team
):
    from okrs.tests.factories import CycleFactory
    from okrs.tests.test_dashboards import build

    cycle = CycleFactory(organization=org)
    branches = build(org, cycle=cycle, team=team, other_team=other_team, owner=leader, rows=2)
    stale = dashboards.stale_key_results(membership=leader, cycle=cycle)
    assert {s.id for s in stale} == {str(b.team_kr.pk) for b in branches}

    html = client_for(leader).get(reverse("okrs:okr_trends")).content.decode()
    for s in stale:
        link = reverse("okrs:objective_detail", args=[s.objective_id]) + f"#kr-{s.id}"
        assert f'<a class="row-title" href="{link}">' in html
    bar = charts.progress_bar_html(
        stale[0].progress, label="Key result progress", title="Progress at the latest check-in"
    )
    assert html.count(f'<td data-label="Progress">{bar}</td>') == len(stale)
    for b in branches:
        for objective in (b.objective, b.team_objective):
            url = reverse("okrs:objective_detail", args=[objective.pk])
            assert f'<a href="{url}">{objective.statement}</a>' in html


# --- rows and cards written in Python, against the template markup they replace ----------------

STALE_ROW = Template(
    """{% load ui %}{% for kr, objective_url in rows %}
      <tr>
        <td data-label="Key result"><a class="row-title" href="{{ objective_url }}#kr-{{ kr.id }}">{{ kr.title }}</a></td>
        <td data-label="Objective">{{ kr.objective }}{% if kr.team %} <span class="chip">{{ kr.team }}</span>{% endif %}</td>
        <td data-label="Owner">{{ kr.owner|default:"No owner" }}</td>
        <td data-label="Silent for"><span class="smap-flag smap-flag--warn" title="{% if kr.last_check_in_at %}Last check-in on {{ kr.last_check_in_at|date:'j M Y' }}{% else %}Never checked in since it was set{% endif %}"><span aria-hidden="true">⚠</span> <span data-figure="stale-days">{{ kr.days_since }}</span> days</span>{% if not kr.last_check_in_at %} <span class="muted small">never checked in</span>{% endif %}</td>
        <td data-label="Progress">{% progress_bar value=kr.progress label="Key result progress" title="Progress at the latest check-in" %}</td>
      </tr>
      {% endfor %}"""
)


def test_stale_rows_are_the_templates_rows():
    late = timezone.now() - datetime.timedelta(days=20)
    rows = [
        dashboards.StaleKeyResult(
            "k1", "Churn <5 %", "o1", "Keep & grow", "Growth", "Ann", late, 20, 0.42
        ),
        dashboards.StaleKeyResult("k2", "NPS", "o2", "Delight", "", "", None, 31, 0.0),
    ]
    urls = ["/okrs/objectives/o1/", "/okrs/objectives/o2/"]
    expected = STALE_ROW.render(Context({"rows": list(zip(rows, urls, strict=True))}))
    assert (
        "".join(
            charts.stale_key_result_row_html(kr, objective_url=url)
            for kr, url in zip(rows, urls, strict=True)
        )
        == expected
    )


def test_trend_cards_show_each_objective_with_its_latest_figures():
    day = DAY(2026, 1, 8)
    objectives = [
        dashboards.ObjectiveTrend("a", "Win <big>", "organization", "", []),
        dashboards.ObjectiveTrend(
            "b", "Grow", "team", "R&D", [dashboards.TrendPoint(day, 0.456, 6.25)]
        ),
        dashboards.ObjectiveTrend(
            "c", "Ship", "team", "Ops", [dashboards.TrendPoint(day, None, None)]
        ),
    ]
    html = str(
        charts.trend_cards_html(
            objectives,
            cycle_start=DAY(2026, 1, 1),
            cycle_end=DAY(2026, 3, 31),
            today=DAY(2026, 1, 20),
            objective_url=lambda pk: f"/okrs/objectives/{pk}/?a=1&b=<2>",
        )
    )
    cards = html.split('<article class="card dash-trend"')[1:]
    assert [re.match(r' id="trend-(\w)"', c).group(1) for c in cards] == ["a", "b", "c"]
    assert (
        '<span class="chip chip--org">Organization</span> <a href="/okrs/objectives/a/?a=1&amp;b=&lt;2&gt;">Win &lt;big&gt;</a>'
        in cards[0]
    )
    assert "dash-trend__now" not in cards[0]  # no reading yet
    assert "No key result to measure yet." in cards[0]
    assert '<span class="chip">R&amp;D</span>' in cards[1]
    assert '<strong data-figure="progress">46 %</strong>' in cards[1]
    # The same figure in the "Now" line and in the chart's table (rounded half up in both).
    assert '<strong data-figure="confidence">6.3/10</strong>' in cards[1]
    assert "<td>8 Jan 2026</td><td>46 %</td><td>6.3/10</td>" in cards[1]
    assert '<strong data-figure="progress">—</strong>' in cards[2]
    assert '<strong data-figure="confidence">—</strong>' in cards[2]
    for card, oid in zip(cards, "abc", strict=True):
        assert card.count('<figure class="chart dash-chart">') == 1
        assert f'aria-labelledby="chart-{oid}-title chart-{oid}-desc"' in card


@pytest.mark.parametrize("target", ["#dash-body", ""])
@pytest.mark.parametrize(
    "errors", [{}, {"cycle": "No such <cycle>."}, {"team": "No such team & co."}]
)
@pytest.mark.parametrize("chosen", [(None, None), (1, 0), (0, 2)])
def test_the_dashboard_filter_form(target, errors, chosen):
    """The strategy map's and OKR trends' GET filters: the chosen cycle and team selected,
    every name escaped, errors beside their field (described for screen readers), htmx only
    with a target."""
    import re
    import uuid

    from core.models import Team
    from okrs.models import Cycle

    cycles = [
        Cycle(id=uuid.uuid4(), name="Q4 <2026>", status="active"),
        Cycle(id=uuid.uuid4(), name="Q3 & co", status="closed"),
        Cycle(id=uuid.uuid4(), name="Q1", status="planning"),
    ]
    teams = [
        {"pk": uuid.uuid4(), "name": "Alpha"},
        {"pk": uuid.uuid4(), "name": "B&B <team>"},
        {"pk": uuid.uuid4(), "name": 'Ops "core"'},
    ]
    cycle_at, team_at = chosen
    filters = dashboards.Filters(
        cycle=cycles[cycle_at] if cycle_at is not None else None,
        team=Team(id=teams[team_at]["pk"], name=teams[team_at]["name"])
        if team_at is not None
        else None,
    )
    form = charts.dashboard_filters_html(
        action="/okrs/trends/?x=<1>",
        target=target,
        cycles=cycles,
        teams=teams,
        filters=filters,
        errors=errors,
    )

    assert form.startswith(
        '\n\n<form class="dash-filters" method="get" action="/okrs/trends/?x=&lt;1&gt;"'
    )
    assert ("hx-get=" in form) == bool(target)
    assert "<2026>" not in form
    assert "B&B <team>" not in form
    assert "Q4 &lt;2026&gt; · active" in form
    assert "Q3 &amp; co · closed" in form
    assert "B&amp;B &lt;team&gt;" in form
    assert "Ops &quot;core&quot;" in form
    selected = re.findall(r'<option value="([^"]*)" selected>', form)
    expected = [str(c.pk) for c in cycles[cycle_at : cycle_at + 1]] if cycle_at is not None else []
    expected += [str(t["pk"]) for t in teams[team_at : team_at + 1]] if team_at is not None else []
    assert selected == expected
    assert '<option value="">All teams</option>' in form
    for name in ("cycle", "team"):
        if name in errors:
            assert f'aria-invalid="true" aria-describedby="filter-{name}-error"' in form
            assert f'<p class="field__error" id="filter-{name}-error">' in form
        else:
            assert f"filter-{name}-error" not in form
    assert "No such &lt;cycle&gt;." in form or "cycle" not in errors
    no_cycles = charts.dashboard_filters_html(
        action="/", target=target, cycles=[], teams=teams, filters=filters, errors=errors
    )
    assert '<option value="">No cycle yet</option>' in no_cycles


# --- the board's figures -----------------------------------------------------------------------


def test_okr_progress_marks_the_ideal_line_only_when_there_is_one():
    with_line = charts.okr_progress_html(0.456, 0.62, "A <b> & c")
    assert 'title="46 % done; the ideal line is at 62 % today"' in with_line
    assert '<span class="pw-46"></span><i class="okr-progress__expected pw-62"' in with_line
    assert 'aria-label="A &lt;b&gt; &amp; c"' in with_line
    without = charts.okr_progress_html(None, None)
    assert 'title="— done"' in without
    assert "okr-progress__expected" not in without
    assert 'aria-label="Progress"' in without
    tag = Template("{% load okrs_ui %}{% okr_progress value=v expected=e label=l %}")
    assert tag.render(Context({"v": 0.456, "e": 0.62, "l": "A <b> & c"})) == with_line


@pytest.mark.parametrize(
    ("confidence", "shown"), [(0.0, "0"), (4.5, "4.5"), (6.666666, "6.7"), (Decimal("8.50"), "8.5")]
)
@pytest.mark.parametrize("of_objective", [True, False])
def test_confidence_out_of_ten(confidence, shown, of_objective):
    band = charts.rules.confidence_band(confidence)
    html = charts.confidence_html(confidence, band, of_objective)
    assert html.startswith(f'<span class="confidence confidence--{band}" title="Latest confidence')
    assert (
        f'<span class="sr-only">Confidence </span>{shown}<span class="confidence__of">/10' in html
    )
    assert ("the mean of its key results" in html) == of_objective
    tag = Template("{% load okrs_ui %}{% confidence confidence=c band=b of_objective=o %}")
    assert tag.render(Context({"c": confidence, "b": band, "o": of_objective})) == html
    assert charts.confidence_html(None, band) == (
        '<span class="confidence confidence--none" title="No check-in yet">no check-in</span>\n'
    )


@pytest.mark.parametrize(
    ("health", "icon", "text"),
    [
        ("on_track", "✓", "On track"),
        ("at_risk", "!", "At risk"),
        ("off_track", "✕", "Off track"),
        (None, "○", "Not measured"),
        ("", "○", "Not measured"),
    ],
)
def test_health_reads_out_and_shows_its_rule(health, icon, text):
    html = charts.health_html(health)
    assert html.startswith(f'<span class="health health--{health or "none"}" title="')
    assert f'<span class="health__icon" aria-hidden="true">{icon}</span>{text}</span>' in html
    assert Template("{% load okrs_ui %}{% health h %}").render(Context({"h": health})) == html


# A team objective's line as the board's template wrote it (in both references below).
_CHILD_LINE = """
          <li class="okr-child">
            <span class="chip">{{ t.team }}</span>
            <a class="okr-child__statement" href="{{ t.url }}">{{ t.statement }}</a>
            <span class="okr-child__figures">
              {% okr_progress value=t.progress expected=t.expected label="Team objective progress" %}
              {% confidence confidence=t.confidence band=t.confidence_band of_objective=True %}
              {% if cycle.is_closed %}<span class="okr-grade-pill" title="Grade at the close">Grade {{ t.grade|grade }}</span>{% else %}{% health health=t.health %}{% endif %}
            </span>
          </li>
          """

BOARD_CHILDREN = Template(
    """{% load ui okrs_ui %}{% for t in objectives %}""" + _CHILD_LINE + """{% endfor %}"""
)


@pytest.mark.parametrize("closed", [False, True])
def test_board_team_objectives_are_the_templates_lines(closed):
    objectives = [
        SimpleNamespace(
            team="R&D",
            url="/okrs/objectives/1/",
            statement="Ship <fast>",
            progress=0.31,
            expected=0.5,
            confidence=6.5,
            confidence_band="medium",
            health=Health.AT_RISK,
            grade=Decimal("0.70"),
        ),
        SimpleNamespace(
            team="Ops",
            url="/okrs/objectives/2/",
            statement="Calm",
            progress=None,
            expected=None,
            confidence=None,
            confidence_band=None,
            health=None,
            grade=None,
        ),
    ]
    expected = BOARD_CHILDREN.render(
        Context(
            {
                "objectives": objectives,
                "cycle": SimpleNamespace(is_closed=closed),
            }
        )
    )
    assert (
        charts.board_team_objectives_html(objectives, closed=closed, indent=" " * 10, tail=" " * 10)
        == expected
    )


BOARD_CARDS = Template(
    """{% load ui okrs_ui %}{% for o in objectives %}
    <article class="card okr-card okr-card--{% if cycle.is_closed %}closed{% else %}{{ o.health|default:'none' }}{% endif %}">
      <div class="okr-card__main">
        <div class="okr-card__head">
          <a class="okr-card__statement" href="{{ o.url }}">{{ o.statement }}</a>
          {% if cycle.is_closed %}<span class="okr-grade-pill" title="Grade at the close">Grade {{ o.grade|grade }}</span>{% else %}{% health health=o.health %}{% endif %}
        </div>
        {% okr_progress value=o.progress expected=o.expected label="Objective progress" %}
        <div class="meta">
          <span>{% confidence confidence=o.confidence band=o.confidence_band of_objective=True %}</span>
          <span>{{ o.key_result_count }} key result{{ o.key_result_count|pluralize }}</span>
          <span>{{ o.owner|default:"No owner" }}</span>
          {% if o.stale_count and cycle.status == "active" %}<span class="okr-stale">⚠ {{ o.stale_count }} stale check-in{{ o.stale_count|pluralize }}</span>{% endif %}
        </div>
      </div>
      <div class="okr-card__teams">
        {% if o.team_objectives %}
        <ul class="okr-children" aria-label="Team objectives cascading from it">
          {% for t in o.team_objectives %}"""
    + _CHILD_LINE
    + """{% endfor %}
        </ul>
        {% if o.more_team_objectives %}<p class="small okr-card__more"><a href="{{ o.url }}">{{ o.more_team_objectives }} more team objective{{ o.more_team_objectives|pluralize }}</a> on the objective's page</p>{% endif %}
        {% else %}<p class="small muted okr-card__none">No team objective cascades from it yet.</p>{% endif %}
        {% if can_add and not cycle.is_closed %}<a class="okr-card__add small" href="{{ objective_create_url }}?parent={{ o.pk }}">+ Team objective under it</a>{% endif %}
      </div>
    </article>
  {% endfor %}"""
)


def board_objective(**changes):
    fields = {
        "pk": "o1",
        "url": "/okrs/objectives/o1/",
        "statement": "Win <the> market & more",
        "health": Health.ON_TRACK,
        "grade": Decimal("0.6"),
        "progress": 0.55,
        "expected": 0.5,
        "confidence": 7.25,
        "confidence_band": "high",
        "key_result_count": 3,
        "owner": "Ann O'Neil",
        "stale_count": 2,
        "team_objectives": [],
        "more_team_objectives": 0,
    }
    return SimpleNamespace(**{**fields, **changes})


@pytest.mark.parametrize(
    ("status", "can_add"),
    [("active", True), ("active", False), ("planning", True), ("closed", True)],
)
def test_board_cards_are_the_templates_cards(status, can_add):
    child = board_objective(
        pk="c1", url="/okrs/objectives/c1/", statement="Team <part>", team="R&D", health=None
    )
    objectives = [
        board_objective(),
        board_objective(
            pk="o2",
            health=Health.OFF_TRACK,
            grade=None,
            key_result_count=1,
            owner="",
            stale_count=1,
            team_objectives=[child, child],
            more_team_objectives=1,
        ),
        board_objective(pk="o3", stale_count=0, team_objectives=[child], more_team_objectives=4),
    ]
    cycle = SimpleNamespace(is_closed=status == "closed", status=status)
    add_url = "/okrs/cycles/x/objectives/new/"
    expected = BOARD_CARDS.render(
        Context(
            {
                "objectives": objectives,
                "cycle": cycle,
                "can_add": can_add,
                "objective_create_url": add_url,
            }
        )
    )
    assert (
        charts.board_cards_html(
            objectives,
            closed=cycle.is_closed,
            active=status == "active",
            add_url=add_url if can_add else None,
        )
        == expected
    )
