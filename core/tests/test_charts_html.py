"""``charts.chart_html`` draws exactly what ``components/chart.html`` draws, for every kind of chart
(pages with a chart per card use it; the template stays for the others)."""

import uuid

import pytest
from django.template.loader import render_to_string

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
def test_chart_html_is_the_templates_markup_byte_for_byte(chart, ident):
    expected = render_to_string("components/chart.html", {"chart": chart, "id": ident})
    assert charts.chart_html(chart, id=ident) == expected


def test_chart_html_escapes_every_text():
    (chart, *_) = _charts()
    html = charts.chart_html(chart, id="x")
    assert "Finished &lt;b&gt;" in html
    assert "Two weeks &amp; more" in html
    assert "<b>" not in html
    assert "style=" not in html
