"""Server-side SVG charts: coordinates computed here, drawn by okrs/_chart.html.

No JavaScript and no inline styles: the template draws lines and points from these numbers and
the stylesheet colours them. Every chart comes with the rows of a text table (its equivalent).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 16, 30  # margins around the plot area


def number(value: Decimal | float | int | None) -> str:
    """1200.0000 -> '1,200'; 12.5000 -> '12.5'; None -> '—'."""
    if value is None:
        return "—"
    d = Decimal(str(value)).normalize()
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d:,f}"


def with_unit(value: Decimal | float | int | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{number(value)} %"
    return f"{number(value)} {unit}".strip()


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Row:
    """One line of the chart's text equivalent."""

    when: str
    value: str
    extra: str = ""
    note: str = ""


@dataclass(frozen=True)
class LineChart:
    title: str
    summary: str
    actual: str  # SVG points of the line drawn through the observations
    points: list[Point]
    ideal: str = ""  # SVG points of the ideal line, if any
    target_y: float | None = None
    target_label: str = ""
    today_x: float | None = None
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    extra_heading: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def _nice_step(span: float, count: int = 4) -> float:
    raw = span / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


class _Scale:
    def __init__(self, lo: float, hi: float, a: float, b: float):
        if hi == lo:
            lo, hi = lo - 1, hi + 1
        self.lo, self.hi, self.a, self.b = lo, hi, a, b

    def __call__(self, v: float) -> float:
        return round(self.a + (v - self.lo) / (self.hi - self.lo) * (self.b - self.a), 1)


def _axis_label(value: float, unit: str) -> str:
    """Tick labels carry only the number (and %): the unit is in the legend and the summary."""
    text = number(Decimal(str(round(value, 6))))
    return f"{text} %" if unit == "%" else text


def _y_scale(values: Sequence[float], unit: str) -> tuple[_Scale, list[Tick]]:
    lo, hi = min(values), max(values)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    step = _nice_step(hi - lo)
    lo = math.floor(lo / step) * step
    hi = math.ceil(hi / step) * step
    scale = _Scale(lo, hi, HEIGHT - BOTTOM, TOP)
    ticks, v = [], lo
    while v <= hi + step / 1000:
        ticks.append(Tick(scale(v), _axis_label(v, unit)))
        v += step
    return scale, ticks


def _day(moment: datetime | date) -> float:
    """A moment as a (fractional) day number in the current time zone."""
    if isinstance(moment, datetime):
        local = timezone.localtime(moment)
        return local.date().toordinal() + (local.hour * 60 + local.minute) / 1440
    return float(moment.toordinal())


def _month_ticks(start: date, end: date, scale: _Scale) -> list[Tick]:
    ticks = [Tick(scale(_day(start)), start.strftime("%-d %b"))]
    month = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    while month < end:
        ticks.append(Tick(scale(_day(month)), month.strftime("%-d %b")))
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return ticks


def _points(pairs: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x},{y}" for x, y in pairs)


def key_result_chart(
    *,
    title: str,
    cycle_start: date,
    cycle_end: date,
    start_value: Decimal,
    target_value: Decimal,
    unit: str,
    check_ins: Sequence,  # CheckIn rows, oldest first
    today: date,
    yes_no: bool = False,
) -> LineChart:
    """A key result's check-ins over the cycle, against the ideal line from start to target."""
    x = _Scale(_day(cycle_start), _day(cycle_end + timedelta(days=1)), LEFT, WIDTH - RIGHT)
    values = [float(start_value), float(target_value), *(float(c.value) for c in check_ins)]
    y, y_ticks = _y_scale(values, unit)
    if yes_no:
        y = _Scale(0, 1, HEIGHT - BOTTOM, TOP)
        y_ticks = [Tick(y(0), "No"), Tick(y(1), "Yes")]
    line = [(x(_day(cycle_start)), y(float(start_value)))]
    points = []
    for c in check_ins:
        px, py = x(max(_day(c.checked_in_at), _day(cycle_start))), y(float(c.value))
        line.append((px, py))
        points.append(
            Point(
                px,
                py,
                f"{timezone.localtime(c.checked_in_at):%-d %b}: {with_unit(c.value, unit)}, "
                f"confidence {c.confidence}/10",
            )
        )
    ideal = _points(
        [
            (x(_day(cycle_start)), y(float(start_value))),
            (x(_day(cycle_end + timedelta(days=1))), y(float(target_value))),
        ]
    )
    latest = check_ins[-1] if check_ins else None
    summary = (
        f"From {with_unit(start_value, unit)} on {cycle_start:%-d %b} to a target of "
        f"{with_unit(target_value, unit)} by {cycle_end:%-d %b}. "
        + (
            f"{len(check_ins)} check-in{'s' if len(check_ins) != 1 else ''}; the latest, on "
            f"{timezone.localtime(latest.checked_in_at):%-d %b}, says "
            f"{with_unit(latest.value, unit)}."
            if latest
            else "No check-in yet."
        )
    )
    return LineChart(
        title=f"Check-ins of “{title}” against the ideal line",
        summary=summary,
        actual=_points(line),
        points=points,
        ideal=ideal,
        target_y=y(float(target_value)),
        target_label="target: yes" if yes_no else f"target {with_unit(target_value, unit)}",
        today_x=x(_day(today) + 0.5) if cycle_start <= today <= cycle_end else None,
        x_ticks=_month_ticks(cycle_start, cycle_end, x),
        y_ticks=y_ticks,
        rows=[
            Row(
                when=f"{timezone.localtime(c.checked_in_at):%-d %b %Y}",
                value=with_unit(c.value, unit),
                extra=f"{c.confidence}/10",
                note=c.note,
            )
            for c in check_ins
        ],
        extra_heading="Confidence",
    )


def kpi_chart(
    *, title: str, values: Sequence, target_value: Decimal, unit: str, today: date
) -> LineChart:
    """A KPI's history (OutcomeMeasureValue rows, oldest first) against its target."""
    days = [_day(v.observed_on) for v in values] or [_day(today)]
    first, last = min(days), max(days)
    if last - first < 30:
        first, last = first - 15, last + 15
    x = _Scale(first, last, LEFT, WIDTH - RIGHT)
    y, y_ticks = _y_scale([float(target_value), *(float(v.value) for v in values)], unit)
    pairs = [(x(_day(v.observed_on)), y(float(v.value))) for v in values]
    start, end = date.fromordinal(int(first)), date.fromordinal(int(last))
    ticks = _month_ticks(start, end, x)
    if len(ticks) > 8:  # a long history: label every few months only
        ticks = ticks[:: math.ceil(len(ticks) / 6)]
    latest = values[-1] if values else None
    return LineChart(
        title=f"{title} over time",
        summary=(
            f"{len(values)} value{'s' if len(values) != 1 else ''}"
            + (
                f" from {values[0].observed_on:%b %Y} to {latest.observed_on:%b %Y}; "
                f"the latest is {with_unit(latest.value, unit)}"
                if latest
                else ""
            )
            + f"; the target is {with_unit(target_value, unit)}."
        ),
        actual=_points(pairs),
        points=[
            Point(px, py, f"{v.observed_on:%-d %b %Y}: {with_unit(v.value, unit)}")
            for (px, py), v in zip(pairs, values, strict=True)
        ],
        target_y=y(float(target_value)),
        target_label=f"target {with_unit(target_value, unit)}",
        x_ticks=ticks,
        y_ticks=y_ticks,
        rows=[
            Row(when=f"{v.observed_on:%-d %b %Y}", value=with_unit(v.value, unit), note=v.note)
            for v in values
        ],
    )


@dataclass(frozen=True)
class Sparkline:
    points: str
    last: Point | None
    target_y: float | None
    width: int = 240
    height: int = 48


def sparkline(values: Sequence, target_value: Decimal | None = None) -> Sparkline:
    """A small trend line of a KPI's values (OutcomeMeasureValue rows, oldest first)."""
    if not values:
        return Sparkline(points="", last=None, target_y=None)
    nums = [float(v.value) for v in values]
    scale_values = [*nums, float(target_value)] if target_value is not None else nums
    y = _Scale(min(scale_values), max(scale_values), 44, 4)
    days = [_day(v.observed_on) for v in values]
    x = _Scale(min(days), max(days) if max(days) > min(days) else min(days) + 1, 4, 236)
    pairs = [(x(d), y(n)) for d, n in zip(days, nums, strict=True)]
    return Sparkline(
        points=_points(pairs),
        last=Point(pairs[-1][0], pairs[-1][1], ""),
        target_y=y(float(target_value)) if target_value is not None else None,
    )


@dataclass(frozen=True)
class TrendChart:
    """An objective's progress (0-100 %, left axis) and confidence (0-10, right axis) over its
    cycle, against the ideal line from 0 % on the first day to 100 % after the last."""

    title: str
    summary: str
    progress_line: str
    confidence_line: str
    progress_points: list[Point]
    confidence_points: list[Point]
    ideal: str
    today_x: float | None
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    y2_ticks: list[Tick]
    rows: list[Row]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT - 24  # room for the confidence axis on the right
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def _percent(value: float) -> str:
    return f"{round(value * 100)} %"


def trend_chart(
    *,
    title: str,
    cycle_start: date,
    cycle_end: date,
    points: Sequence,  # okrs.dashboards.TrendPoint rows, oldest first
    today: date,
) -> TrendChart:
    right = WIDTH - RIGHT - 24
    x = _Scale(_day(cycle_start), _day(cycle_end + timedelta(days=1)), LEFT, right)
    y = _Scale(0, 1, HEIGHT - BOTTOM, TOP)  # progress 0..1; confidence 0..10 shares it
    progress_pairs, confidence_pairs = [], []
    progress_points, confidence_points, rows = [], [], []
    for p in points:
        px = x(_day(p.day) + 1)  # the figure as of the end of that day
        day = f"{p.day:%-d %b}"
        if p.progress is not None:
            py = y(p.progress)
            progress_pairs.append((px, py))
            progress_points.append(Point(px, py, f"{day}: progress {_percent(p.progress)}"))
        if p.confidence is not None:
            cy = y(p.confidence / 10)
            confidence_pairs.append((cx := px, cy))
            confidence_points.append(
                Point(cx, cy, f"{day}: confidence {number(round(p.confidence, 1))}/10")
            )
        rows.append(
            Row(
                when=f"{p.day:%-d %b %Y}",
                value=_percent(p.progress) if p.progress is not None else "—",
                extra=f"{number(round(p.confidence, 1))}/10" if p.confidence is not None else "—",
            )
        )
    latest = next((p for p in reversed(points) if p.progress is not None), None)
    summary = (
        f"{len(points)} weekly reading{'s' if len(points) != 1 else ''} from "
        f"{cycle_start:%-d %b} to {cycle_end:%-d %b}. "
        + (
            f"On {latest.day:%-d %b} progress stood at {_percent(latest.progress)}"
            + (
                f" with confidence {number(round(latest.confidence, 1))}/10."
                if latest.confidence is not None
                else ", with no confidence given yet."
            )
            if latest is not None
            else "No key result to measure yet."
        )
    )
    return TrendChart(
        title=f"Progress and confidence of “{title}”",
        summary=summary,
        progress_line=_points(progress_pairs),
        confidence_line=_points(confidence_pairs),
        progress_points=progress_points,
        confidence_points=confidence_points,
        ideal=_points(
            [(x(_day(cycle_start)), y(0)), (x(_day(cycle_end + timedelta(days=1))), y(1))]
        ),
        today_x=x(_day(today) + 0.5) if cycle_start <= today <= cycle_end else None,
        x_ticks=_month_ticks(cycle_start, cycle_end, x),
        y_ticks=[Tick(y(v / 4), f"{25 * v} %") for v in range(5)],
        y2_ticks=[Tick(y(v / 10), str(v)) for v in (0, 5, 10)],
        rows=rows,
    )


def _num(value: float | int) -> str:
    """A coordinate as the templates print it (1 decimal at most, no exponent)."""
    return f"{value:g}" if isinstance(value, int) else f"{round(float(value), 1):g}"


def trend_chart_html(chart: TrendChart, *, id: str) -> SafeString:
    """The trend chart drawn as SVG with its text equivalent (a table for screen readers).

    Built here rather than in a template: the OKR trends page draws dozens of these, each with
    dozens of points, and a template costs a node render per attribute. Every text is escaped;
    numbers are ours."""
    e = conditional_escape
    title_id, desc_id = f"chart-{e(id)}-title", f"chart-{e(id)}-desc"
    left, right, top, bottom = chart.left, chart.right, chart.top, chart.bottom
    parts = [
        '<figure class="chart dash-chart">\n  <svg class="chart__svg" '
        f'viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" focusable="false">\n'
        f'    <title id="{title_id}">{e(chart.title)}</title>\n'
        f'    <desc id="{desc_id}">{e(chart.summary)}</desc>\n'
    ]
    for t in chart.y_ticks:
        pos = _num(t.pos)
        parts.append(
            f'    <line class="chart__grid" x1="{left}" x2="{right}" y1="{pos}" y2="{pos}"/>'
            f'<text class="chart__label" x="{left - 8}" y="{pos}" dy="0.32em" '
            f'text-anchor="end">{e(t.label)}</text>\n'
        )
    for t in chart.y2_ticks:
        parts.append(
            f'    <text class="chart__label chart__label--confidence" x="{right + 8}" '
            f'y="{_num(t.pos)}" dy="0.32em" text-anchor="start">{e(t.label)}</text>\n'
        )
    for t in chart.x_ticks:
        pos = _num(t.pos)
        parts.append(
            f'    <line class="chart__tick" x1="{pos}" x2="{pos}" y1="{bottom}" '
            f'y2="{bottom + 5}"/><text class="chart__label" x="{pos}" y="{bottom + 20}" '
            f'text-anchor="middle">{e(t.label)}</text>\n'
        )
    parts.append(f'    <polyline class="chart__ideal" points="{e(chart.ideal)}"/>\n')
    if chart.today_x is not None:
        x = _num(chart.today_x)
        parts.append(
            f'    <line class="chart__today" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>'
            f'<text class="chart__label chart__label--today" x="{x}" y="{top - 4}" '
            'text-anchor="middle">today</text>\n'
        )
    if chart.confidence_line:
        parts.append(
            f'    <polyline class="chart__confidence" points="{e(chart.confidence_line)}"/>\n'
        )
    parts.extend(
        f'    <rect class="chart__point chart__point--confidence" x="{_num(p.x - 3)}" '
        f'y="{_num(p.y - 3)}" width="6" height="6"><title>{e(p.label)}</title></rect>\n'
        for p in chart.confidence_points
    )
    if chart.progress_line:
        parts.append(f'    <polyline class="chart__actual" points="{e(chart.progress_line)}"/>\n')
    parts.extend(
        f'    <circle class="chart__point" cx="{_num(p.x)}" cy="{_num(p.y)}" r="4">'
        f"<title>{e(p.label)}</title></circle>\n"
        for p in chart.progress_points
    )
    rows = (
        "".join(
            f"<tr><td>{e(r.when)}</td><td>{e(r.value)}</td><td>{e(r.extra)}</td></tr>"
            for r in chart.rows
        )
        or '<tr><td colspan="3">No readings yet.</td></tr>'
    )
    parts.append(
        "  </svg>\n"
        '  <figcaption class="chart__legend" aria-hidden="true">\n'
        '    <span class="chart__key chart__key--actual">Progress (left axis, %)</span>\n'
        '    <span class="chart__key chart__key--confidence">Confidence (right axis, 0–10)'
        "</span>\n"
        '    <span class="chart__key chart__key--ideal">Ideal line</span>\n'
        "  </figcaption>\n"
        '  <div class="sr-only"><table>\n'
        f"    <caption>{e(chart.title)}. {e(chart.summary)}</caption>\n"
        '    <thead><tr><th scope="col">Week ending</th><th scope="col">Progress</th>'
        '<th scope="col">Confidence</th></tr></thead>\n'
        f"    <tbody>{rows}</tbody>\n"
        "  </table></div>\n"
        "</figure>\n"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
