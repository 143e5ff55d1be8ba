"""``charts.chart_html``, the one way a page draws a ``core.charts`` chart (``{% chart %}`` in
templates): every bar, line, dot, tick, legend key and table row of the chart is in the markup,
with ids unique per chart and every text escaped."""

import uuid

import pytest
from django.utils.html import escape

from core import charts
from core.charts import Series


def _charts() -> list[charts.Chart]:
    cats = ["1 Sep", "8 Sep", "15 <Sep> & co"]
    return [
        charts.bar_chart(
            title="Finished <b>",
            summary="Two weeks & more",
            categories=cats,
            series=Series("Finished", [10, None, 20.5], key="finished"),
            unit="pts",
            category_heading="Week",
            target=12,
            target_label="target 12 pts",
            hover=["a", "b", 'c "quoted"'],
        ),
        charts.stacked_bar_chart(
            title="Split",
            summary="Share per sprint",
            categories=cats,
            series=[
                Series("Strategic", [40, None, 0], key="strategic"),
                Series("Tactical", [60, None, 100], key="tactical"),
            ],
            unit="%",
            category_heading="Sprint",
            y_max=100,
            target=70,
            target_label="strategic target 70 %",
        ),
        charts.stacked_bar_chart(
            title="Effort",
            summary="No target",
            categories=cats,
            series=[Series("Linked", [3, 4, 5]), Series("Not linked", [1, 0, 2.25])],
            unit="pts",
        ),
        charts.line_chart(
            title="Lines",
            summary="Two lines",
            categories=cats,
            series=[Series("A", [1, None, 3], key="a"), Series("B", [None, None, None])],
            target=2,
            target_label="",
        ),
        charts.bar_chart(title="Empty", summary="", categories=[], series=Series("n", [])),
    ]


@pytest.mark.parametrize("chart", _charts(), ids=lambda c: f"{c.kind}-{c.title}")
@pytest.mark.parametrize("ident", ["x", uuid.UUID("12345678-1234-5678-1234-567812345678"), "a<b"])
def test_chart_html_draws_every_part_of_the_chart(chart, ident):
    html = str(charts.chart_html(chart, id=ident))
    safe_id = str(ident).replace("<", "&lt;")
    assert f'aria-labelledby="chart-{safe_id}-title chart-{safe_id}-desc"' in html
    assert html.count("<rect ") == len(chart.rects)
    assert html.count("<polyline ") == sum(1 for line in chart.lines if line.points)
    assert html.count("<circle ") == sum(len(line.dots) for line in chart.lines)
    assert html.count('class="chart__grid"') == len(chart.y_ticks)
    assert html.count('text-anchor="middle"') == len(chart.x_ticks)
    assert html.count('class="chart__series-key"') == len(chart.legend)
    assert ('class="chart__target"' in html) == (chart.target_y is not None)
    assert html.count('<th scope="row">') == len(chart.rows)
    if not chart.rows:
        assert "No values yet." in html
    for r in chart.rects:
        assert f"<title>{escape(r.label)}</title>" in html


def test_chart_html_escapes_every_text():
    (chart, *_) = _charts()
    html = charts.chart_html(chart, id="x")
    assert "Finished &lt;b&gt;" in html
    assert "Two weeks &amp; more" in html
    assert "<b>" not in html
    assert "style=" not in html


def test_team_options_mark_the_chosen_team_and_escape_names():
    from django.template import Context, Template

    rows = [{"id": "a1", "name": "Ops & <Infra>"}, {"pk": "b2", "name": "Growth"}]
    chosen = type("T", (), {"pk": "b2"})()
    html = Template("{% load ui %}{% team_options teams chosen %}").render(
        Context({"teams": rows, "chosen": chosen})
    )
    assert html == (
        '<option value="a1">Ops &amp; &lt;Infra&gt;</option>'
        '<option value="b2" selected>Growth</option>'
    )
    none_chosen = Template("{% load ui %}{% team_options teams None %}").render(
        Context({"teams": rows})
    )
    assert " selected" not in none_chosen


@pytest.mark.parametrize(
    ("status", "icon"),
    [
        ("done", "✓"),
        ("achieved", "✓"),
        ("completed", "✓"),
        ("stopped", "■"),
        ("retired", "■"),
        ("cancelled", "■"),
        ("in_progress", "▶"),
        ("active", "▶"),
        ("ready", "●"),
        ("intention", "○"),
        ("draft", "○"),
    ],
)
def test_the_status_pill(status, icon):
    from django.template import Context, Template

    from core.templatetags.ui import status_pill_html

    expected = (
        f'<span class="pill pill--{status}"><span class="pill__icon" aria-hidden="true">{icon}'
        "</span>A &lt;label&gt;</span>\n"
    )
    assert status_pill_html(status, "A <label>") == expected
    tag = Template("{% load ui %}{% status_pill status label %}")
    assert tag.render(Context({"status": status, "label": "A <label>"})) == expected
