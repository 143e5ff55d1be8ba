"""Generic server-side SVG charts: bars, stacked bars and lines over a row of categories.

The numbers are computed here; ``chart_html`` draws them (``{% chart %}`` in templates, from the
``ui`` tag library) and the stylesheet colours them (series ``i`` gets the classes ``chart__s{i}`` and, with a key, ``chart__s--{key}``).
No JavaScript and no inline styles. Every chart carries its text equivalent: a table with one row
per category, read by screen readers and shown by the template for anyone who wants the figures.

Core holds no planning concepts: callers name the categories, series, units and targets.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 30  # margins around the plot area
MAX_X_LABELS = 12  # more categories than this: label every few


def fmt(value: float | int | Decimal | None, unit: str = "") -> str:
    """12.0 -> '12'; 3.25 -> '3.3'; 1200 -> '1,200'; with a unit: '40 %', '12 pts'; None -> '—'."""
    if value is None:
        return "—"
    rounded = round(float(value), 1)
    text = f"{int(rounded):,}" if rounded == int(rounded) else f"{rounded:,.1f}"
    return f"{text} {unit}" if unit else text


@dataclass(frozen=True)
class Series:
    """One named row of values, one value per category (None: no value there)."""

    name: str
    values: Sequence[float | int | Decimal | None]
    key: str = ""  # a stable name for the stylesheet's colour, e.g. "linked"


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str  # shown on hover


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Line:
    css: str
    points: str
    dots: list[Dot]


@dataclass(frozen=True)
class LegendKey:
    css: str
    name: str


@dataclass(frozen=True)
class Chart:
    kind: str  # "bar", "stacked" or "line"
    title: str
    summary: str
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    legend: list[LegendKey] = field(default_factory=list)
    target_y: float | None = None
    target_label: str = ""
    # the text equivalent: column headings, then one row per category
    headings: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def is_empty(self) -> bool:
        return not self.rects and not any(line.dots for line in self.lines)


def nice_ceiling(value: float) -> tuple[float, float]:
    """The top of a value axis starting at 0, and its step: 17 -> (20, 5); 0 -> (1, 0.25)."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if raw <= step:
            break
    return math.ceil(value / step - 1e-9) * step, step


class _Y:
    """Value -> SVG y, from 0 at the bottom of the plot to ``top`` at its top."""

    def __init__(self, top_value: float):
        self.top_value = top_value

    def __call__(self, value: float) -> float:
        span = (HEIGHT - BOTTOM) - TOP
        return round((HEIGHT - BOTTOM) - value / self.top_value * span, 1)


def _y_axis(max_value: float, unit: str, y_max: float | None) -> tuple[_Y, list[Tick]]:
    top, step = (y_max, y_max / 4) if y_max else nice_ceiling(max_value)
    y = _Y(top)
    ticks = []
    for i in range(round(top / step) + 1):
        v = i * step
        ticks.append(Tick(y(v), fmt(v, "%" if unit == "%" else "")))
    return y, ticks


def _bands(count: int) -> tuple[float, list[float]]:
    """The width of each category's band and the x of its centre."""
    band = (WIDTH - RIGHT - LEFT) / max(count, 1)
    return band, [round(LEFT + band * (i + 0.5), 1) for i in range(count)]


def _x_ticks(categories: Sequence[str], centres: list[float]) -> list[Tick]:
    every = max(1, math.ceil(len(categories) / MAX_X_LABELS))
    return [Tick(centres[i], label) for i, label in enumerate(categories) if i % every == 0]


def _css(i: int, s: Series) -> str:
    return f"chart__s{i % 6}" + (f" chart__s--{s.key}" if s.key else "")


def _check(categories: Sequence[str], series: Sequence[Series]) -> None:
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(
                f"Series “{s.name}” has {len(s.values)} values for {len(categories)} categories."
            )


def _num(value: float | int | Decimal | None) -> float:
    return float(value) if value is not None else 0.0


def _target(y: _Y, target: float | None) -> float | None:
    return None if target is None else y(min(float(target), y.top_value))


def _table(
    category_heading: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str,
    total: bool = False,
) -> tuple[list[str], list[list[str]]]:
    headings = [category_heading, *(s.name for s in series)]
    if total:
        headings.append("Total")
    rows = []
    for i, category in enumerate(categories):
        row = [category, *(fmt(s.values[i], unit) for s in series)]
        if total:
            row.append(fmt(sum(_num(s.values[i]) for s in series), unit))
        rows.append(row)
    return headings, rows


def bar_chart(
    *,
    title: str,
    summary: str,
    categories: Sequence[str],
    series: Series,
    unit: str = "",
    category_heading: str = "",
    y_max: float | None = None,
    target: float | None = None,
    target_label: str = "",
    hover: Sequence[str] | None = None,
) -> Chart:
    """One bar per category."""
    _check(categories, [series])
    y, y_ticks = _y_axis(max((_num(v) for v in series.values), default=0), unit, y_max)
    band, centres = _bands(len(categories))
    width = round(min(band * 0.64, 48), 1)
    rects = []
    for i, value in enumerate(series.values):
        if value is None:
            continue
        top = y(min(_num(value), y.top_value))
        rects.append(
            Rect(
                x=round(centres[i] - width / 2, 1),
                y=top,
                width=width,
                height=round((HEIGHT - BOTTOM) - top, 1),
                css=_css(0, series),
                label=hover[i] if hover else f"{categories[i]}: {fmt(value, unit)}",
            )
        )
    headings, rows = _table(category_heading, categories, [series], unit)
    return Chart(
        kind="bar",
        title=title,
        summary=summary,
        rects=rects,
        x_ticks=_x_ticks(categories, centres),
        y_ticks=y_ticks,
        legend=[LegendKey(_css(0, series), series.name)],
        target_y=_target(y, target),
        target_label=target_label,
        headings=headings,
        rows=rows,
    )


def stacked_bar_chart(
    *,
    title: str,
    summary: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    category_heading: str = "",
    y_max: float | None = None,
    target: float | None = None,
    target_label: str = "",
) -> Chart:
    """One bar per category, its series stacked bottom-up in the order given."""
    _check(categories, series)
    totals = [sum(_num(s.values[i]) for s in series) for i in range(len(categories))]
    y, y_ticks = _y_axis(max(totals, default=0), unit, y_max)
    band, centres = _bands(len(categories))
    width = round(min(band * 0.64, 48), 1)
    rects = []
    for i, category in enumerate(categories):
        base = 0.0
        for n, s in enumerate(series):
            value = _num(s.values[i])
            if value <= 0:
                continue
            top, bottom = y(min(base + value, y.top_value)), y(min(base, y.top_value))
            rects.append(
                Rect(
                    x=round(centres[i] - width / 2, 1),
                    y=top,
                    width=width,
                    height=round(bottom - top, 1),
                    css=_css(n, s),
                    label=f"{category}: {s.name} {fmt(value, unit)} of {fmt(totals[i], unit)}",
                )
            )
            base += value
    headings, rows = _table(category_heading, categories, series, unit, total=unit != "%")
    return Chart(
        kind="stacked",
        title=title,
        summary=summary,
        rects=rects,
        x_ticks=_x_ticks(categories, centres),
        y_ticks=y_ticks,
        legend=[LegendKey(_css(n, s), s.name) for n, s in enumerate(series)],
        target_y=_target(y, target),
        target_label=target_label,
        headings=headings,
        rows=rows,
    )


def line_chart(
    *,
    title: str,
    summary: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    category_heading: str = "",
    y_max: float | None = None,
    target: float | None = None,
    target_label: str = "",
) -> Chart:
    """One line per series through the categories; a None value breaks nothing, it is skipped."""
    _check(categories, series)
    top = max((_num(v) for s in series for v in s.values), default=0)
    y, y_ticks = _y_axis(top, unit, y_max)
    _, centres = _bands(len(categories))
    lines = []
    for n, s in enumerate(series):
        dots = [
            Dot(
                centres[i],
                y(min(_num(v), y.top_value)),
                f"{categories[i]}: {s.name} {fmt(v, unit)}",
            )
            for i, v in enumerate(s.values)
            if v is not None
        ]
        lines.append(Line(_css(n, s), " ".join(f"{d.x},{d.y}" for d in dots), dots))
    headings, rows = _table(category_heading, categories, series, unit)
    return Chart(
        kind="line",
        title=title,
        summary=summary,
        lines=lines,
        x_ticks=_x_ticks(categories, centres),
        y_ticks=y_ticks,
        legend=[LegendKey(_css(n, s), s.name) for n, s in enumerate(series)],
        target_y=_target(y, target),
        target_label=target_label,
        headings=headings,
        rows=rows,
    )


def html_text(value: Any) -> str:
    """A value as a template prints it: localized unless a string, then escaped (what
    ``conditional_escape`` gives, without its lazy-string wrapper for the common plain str)."""
    if type(value) is str:
        return html.escape(value)
    return conditional_escape(value if isinstance(value, str) else localize(value))


def _coord(value: float | int) -> str:
    """A coordinate as the template prints it (``localize`` of a float or int: its ``str``)."""
    return (
        str(value) if isinstance(value, int | float) and "e" not in str(value) else html_text(value)
    )


def chart_html(chart: Chart, *, id: Any) -> SafeString:
    """The chart as a ``<figure>``: the SVG (with a title and description for screen readers
    and a hover title on every bar and dot), the legend, and the figures as a table.

    Built in Python rather than a template: a page drawing a chart per card (capacity: one per
    team) would pay a template node render per attribute and per tick. ``id`` makes the aria ids
    unique on the page. Every text is escaped; the numbers are ours."""
    e = html_text
    ident = e(id)
    left, right, bottom = chart.left, chart.right, chart.bottom
    parts = [
        f'<figure class="chart chart--{e(chart.kind)}">\n'
        f'  <svg class="chart__svg" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="chart-{ident}-title chart-{ident}-desc" focusable="false">\n'
        f'    <title id="chart-{ident}-title">{e(chart.title)}</title>\n'
        f'    <desc id="chart-{ident}-desc">{e(chart.summary)}</desc>\n    '
    ]
    for t in chart.y_ticks:
        pos = _coord(t.pos)
        parts.append(
            f'<line class="chart__grid" x1="{left}" x2="{right}" y1="{pos}" y2="{pos}"/>'
            f'<text class="chart__label" x="{left - 6}" y="{pos}" dy="0.32em" '
            f'text-anchor="end">{e(t.label)}</text>\n    '
        )
    for t in chart.x_ticks:
        parts.append(
            f'<text class="chart__label" x="{_coord(t.pos)}" y="{bottom + 18}" '
            f'text-anchor="middle">{e(t.label)}</text>\n    '
        )
    for r in chart.rects:
        parts.append(
            f'<rect class="chart__bar {e(r.css)}" x="{_coord(r.x)}" y="{_coord(r.y)}" '
            f'width="{_coord(r.width)}" height="{_coord(r.height)}"><title>{e(r.label)}</title>'
            "</rect>\n    "
        )
    for line in chart.lines:
        css = e(line.css)
        if line.points:
            parts.append(f'<polyline class="chart__line {css}" points="{e(line.points)}"/>')
        parts.extend(
            f'<circle class="chart__dot {css}" cx="{_coord(d.x)}" cy="{_coord(d.y)}" r="4">'
            f"<title>{e(d.label)}</title></circle>"
            for d in line.dots
        )
        parts.append("\n    ")
    target_label = e(chart.target_label)
    if chart.target_y is not None:
        y = _coord(chart.target_y)
        parts.append(
            f'<line class="chart__target" x1="{left}" x2="{right}" y1="{y}" y2="{y}">'
            f"<title>{target_label}</title></line>"
        )
    parts.append(
        f'\n    <line class="chart__axis" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}"/>\n'
        "  </svg>\n"
        '  <figcaption class="chart__legend" aria-hidden="true">\n    '
    )
    parts.extend(
        f'<span class="chart__series-key"><span class="chart__swatch {e(k.css)}"></span>'
        f"{e(k.name)}</span>"
        for k in chart.legend
    )
    parts.append("\n    ")
    if chart.target_y is not None:
        label = str(chart.target_label)
        parts.append(
            f'<span class="chart__key chart__key--target">{e(label[:1].upper() + label[1:])}</span>'
        )
    headings = "".join(
        (f'<th scope="col">{e(h)}</th>' if n == 0 else f'<th scope="col" class="num">{e(h)}</th>')
        for n, h in enumerate(chart.headings)
    )
    rows = (
        "".join(
            "<tr>"
            + "".join(
                f'<th scope="row">{e(cell)}</th>' if n == 0 else f'<td class="num">{e(cell)}</td>'
                for n, cell in enumerate(row)
            )
            + "</tr>"
            for row in chart.rows
        )
        or f'<tr><td colspan="{len(chart.headings)}">No values yet.</td></tr>'
    )
    parts.append(
        "\n  </figcaption>\n"
        '  <details class="chart__data">\n'
        "    <summary>The figures as a table</summary>\n"
        '    <table class="table table--compact">\n'
        f'      <caption class="sr-only">{e(chart.title)}. {e(chart.summary)}</caption>\n'
        f"      <thead><tr>{headings}</tr></thead>\n"
        f"      <tbody>{rows}</tbody>\n"
        "    </table>\n"
        "  </details>\n"
        "</figure>\n"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
