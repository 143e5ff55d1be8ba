"""The generic SVG charts: coordinates, scales, hover labels and the text equivalent."""

import pytest

from core import charts
from core.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, Series

BASE = HEIGHT - BOTTOM  # the y of value 0


def test_fmt():
    assert charts.fmt(1200) == "1,200"
    assert charts.fmt(12.0) == "12"
    assert charts.fmt(3.25) == "3.2" or charts.fmt(3.25) == "3.3"
    assert charts.fmt(40, "%") == "40 %"
    assert charts.fmt(None, "pts") == "—"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(17, (20, 5)), (100, (100, 25)), (3, (3, 1)), (0, (1, 0.25)), (48, (60, 20))],
)
def test_nice_ceiling(value, expected):
    assert charts.nice_ceiling(value) == expected


def test_bar_chart_places_bars_in_equal_bands_from_zero():
    chart = charts.bar_chart(
        title="Finished",
        summary="Two weeks",
        categories=["1 Sep", "8 Sep"],
        series=Series("Finished", [10, 20], key="finished"),
        unit="pts",
    )
    first, second = chart.rects
    band = (WIDTH - RIGHT - LEFT) / 2
    assert first.x + first.width / 2 == pytest.approx(LEFT + band / 2, abs=0.1)
    assert second.x + second.width / 2 == pytest.approx(LEFT + band * 1.5, abs=0.1)
    # 20 is the top of the axis (nice ceiling of 20), 10 half-way.
    assert second.y == TOP
    assert first.y + first.height == pytest.approx(BASE)
    assert first.height == pytest.approx((BASE - TOP) / 2, abs=0.1)
    assert first.label == "1 Sep: 10 pts"
    assert "chart__s--finished" in first.css
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10", "15", "20"]
    assert chart.headings == ["", "Finished"]
    assert chart.rows == [["1 Sep", "10 pts"], ["8 Sep", "20 pts"]]


def test_a_missing_value_draws_no_bar_but_keeps_its_row():
    chart = charts.bar_chart(
        title="t", summary="s", categories=["a", "b"], series=Series("n", [None, 4])
    )
    assert len(chart.rects) == 1
    assert chart.rows[0] == ["a", "—"]


def test_stacked_bars_stack_bottom_up_and_total_in_the_table():
    chart = charts.stacked_bar_chart(
        title="Split",
        summary="s",
        categories=["Sprint 1"],
        series=[Series("Strategic", [30], key="strategic"), Series("Tactical", [10])],
        unit="pts",
        target=35,
        target_label="target",
    )
    strategic, tactical = chart.rects
    assert strategic.y + strategic.height == pytest.approx(BASE)
    assert tactical.y + tactical.height == pytest.approx(strategic.y, abs=0.1)
    assert tactical.y == TOP  # 40 is the nice top
    assert tactical.label == "Sprint 1: Tactical 10 pts of 40 pts"
    assert chart.headings == ["", "Strategic", "Tactical", "Total"]
    assert chart.rows == [["Sprint 1", "30 pts", "10 pts", "40 pts"]]
    assert chart.target_y == pytest.approx(BASE - (BASE - TOP) * 35 / 40, abs=0.1)
    assert [k.name for k in chart.legend] == ["Strategic", "Tactical"]


def test_percent_stacks_use_a_fixed_top_and_no_total():
    chart = charts.stacked_bar_chart(
        title="t",
        summary="s",
        categories=["a"],
        series=[Series("x", [60]), Series("y", [40])],
        unit="%",
        y_max=100,
    )
    assert [t.label for t in chart.y_ticks] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert chart.rects[1].y == TOP
    assert chart.headings == ["", "x", "y"]


def test_line_chart_skips_missing_values():
    chart = charts.line_chart(
        title="t",
        summary="s",
        categories=["a", "b", "c"],
        series=[Series("Median", [2, None, 4])],
        unit="d",
    )
    (line,) = chart.lines
    assert len(line.dots) == 2
    assert line.points == " ".join(f"{d.x},{d.y}" for d in line.dots)
    assert line.dots[1].label == "c: Median 4 d"


def test_series_must_match_the_categories():
    with pytest.raises(ValueError, match="has 1 values for 2 categories"):
        charts.bar_chart(title="t", summary="s", categories=["a", "b"], series=Series("n", [1]))


def test_many_categories_label_every_few():
    chart = charts.bar_chart(
        title="t", summary="s", categories=[str(i) for i in range(26)], series=Series("n", [1] * 26)
    )
    assert len(chart.x_ticks) <= charts.MAX_X_LABELS
    assert len(chart.rows) == 26


def test_the_markup_draws_bars_with_hover_titles_and_a_table():
    chart = charts.stacked_bar_chart(
        title="Effort <linked>",
        summary="A summary",
        categories=["1 Sep"],
        series=[Series("Linked", [3], key="linked"), Series("Not linked", [1])],
        unit="pts",
    )
    html = charts.chart_html(chart, id="x")
    assert html.count("<rect") == 2
    assert "<title>1 Sep: Linked 3 pts of 4 pts</title>" in html
    assert "Effort &lt;linked&gt;" in html
    assert 'aria-labelledby="chart-x-title chart-x-desc"' in html
    assert '<th scope="row">1 Sep</th>' in html
    assert "style=" not in html
