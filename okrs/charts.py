"""Server-side SVG charts: coordinates computed here, drawn by okrs/_chart.html.

No JavaScript and no inline styles: the template draws lines and points from these numbers and
the stylesheet colours them. Every chart comes with the rows of a text table (its equivalent).

Pages that repeat a figure by the dozen or hundred (the OKR trends page's charts and stale key
results, the OKR board's cards) get it as HTML written here: the same markup the templates and
partials write (okrs/tests/test_charts.py holds them equal), without a template node render per
attribute. Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.charts import html_text
from core.templatetags.ui import percent, percent_width, progress_bar_html, team_options
from okrs import rules

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


def _percent(value: float) -> str:
    return f"{round(value * 100)} %"


# The trend page draws a few dozen charts over the same weekly days and a few distinct
# confidences: their texts are formatted once per process, not once per point.
@lru_cache(maxsize=1024)
def _day_month(day: date) -> str:
    return f"{day:%-d %b}"


@lru_cache(maxsize=1024)
def _day_month_year(day: date) -> str:
    return f"{day:%-d %b %Y}"


@lru_cache(maxsize=256)
def _out_of_ten(value: float) -> str:
    """A mean confidence as '6.5/10' (one decimal at most), rounded half up as the card's
    "Now" line and the OKR board round it (6.25 is 6.3 everywhere, not 6.2 in the chart)."""
    return f"{number(Decimal(repr(value)).quantize(Decimal('0.1'), ROUND_HALF_UP))}/10"


@dataclass(frozen=True)
class _TrendFrame:
    """What every trend chart of one cycle shares, as of one day: axes, ideal line, today."""

    x: _Scale
    y: _Scale
    ideal: str
    today_x: float | None
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    y2_ticks: tuple[Tick, ...]
    dates: str  # "1 Oct to 31 Dec"


@lru_cache(maxsize=64)
def _trend_frame(cycle_start: date, cycle_end: date, today: date) -> _TrendFrame:
    right = WIDTH - RIGHT - 24
    x = _Scale(_day(cycle_start), _day(cycle_end + timedelta(days=1)), LEFT, right)
    y = _Scale(0, 1, HEIGHT - BOTTOM, TOP)  # progress 0..1; confidence 0..10 shares it
    return _TrendFrame(
        x=x,
        y=y,
        ideal=_points(
            [(x(_day(cycle_start)), y(0)), (x(_day(cycle_end + timedelta(days=1))), y(1))]
        ),
        today_x=x(_day(today) + 0.5) if cycle_start <= today <= cycle_end else None,
        x_ticks=tuple(_month_ticks(cycle_start, cycle_end, x)),
        y_ticks=tuple(Tick(y(v / 4), f"{25 * v} %") for v in range(5)),
        y2_ticks=tuple(Tick(y(v / 10), str(v)) for v in (0, 5, 10)),
        dates=f"{cycle_start:%-d %b} to {cycle_end:%-d %b}",
    )


def _num(value: float | int) -> str:
    """A coordinate as the templates print it (1 decimal at most, no exponent)."""
    return f"{value:g}" if isinstance(value, int) else f"{round(float(value), 1):g}"


def _trend_axes_html(
    left: int,
    right: int,
    top: int,
    bottom: int,
    y_ticks: tuple[Tick, ...],
    y2_ticks: tuple[Tick, ...],
    x_ticks: tuple[Tick, ...],
    ideal: str,
    today_x: float | None,
) -> str:
    """Grid, axes, ideal line and today's line: the same for every chart of a cycle."""
    e = html_text
    parts = []
    for t in y_ticks:
        pos = _num(t.pos)
        parts.append(
            f'    <line class="chart__grid" x1="{left}" x2="{right}" y1="{pos}" y2="{pos}"/>'
            f'<text class="chart__label" x="{left - 8}" y="{pos}" dy="0.32em" '
            f'text-anchor="end">{e(t.label)}</text>\n'
        )
    for t in y2_ticks:
        parts.append(
            f'    <text class="chart__label chart__label--confidence" x="{right + 8}" '
            f'y="{_num(t.pos)}" dy="0.32em" text-anchor="start">{e(t.label)}</text>\n'
        )
    for t in x_ticks:
        pos = _num(t.pos)
        parts.append(
            f'    <line class="chart__tick" x1="{pos}" x2="{pos}" y1="{bottom}" '
            f'y2="{bottom + 5}"/><text class="chart__label" x="{pos}" y="{bottom + 20}" '
            f'text-anchor="middle">{e(t.label)}</text>\n'
        )
    parts.append(f'    <polyline class="chart__ideal" points="{e(ideal)}"/>\n')
    if today_x is not None:
        x = _num(today_x)
        parts.append(
            f'    <line class="chart__today" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>'
            f'<text class="chart__label chart__label--today" x="{x}" y="{top - 4}" '
            'text-anchor="middle">today</text>\n'
        )
    return "".join(parts)


# --- the OKR trends page's stale rows and cards ----------------------------------------------


def _count_text(value: Any) -> str:
    """A count as a template prints it: html_text's localize of an int is its str unless
    thousands are grouped."""
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return html_text(value)


def stale_key_result_row_html(kr: Any, *, objective_url: str) -> SafeString:
    """One row of the stale check-ins table (an okrs.dashboards.StaleKeyResult)."""
    e = html_text
    team = f' <span class="chip">{e(kr.team)}</span>' if kr.team else ""
    if kr.last_check_in_at:
        # the date filter's 'j M Y', in the current time zone
        silent = (
            f"Last check-in on {_day_month_year(timezone.localtime(kr.last_check_in_at).date())}"
        )
        never = ""
    else:
        silent = "Never checked in since it was set"
        never = ' <span class="muted small">never checked in</span>'
    progress = progress_bar_html(
        kr.progress, label="Key result progress", title="Progress at the latest check-in"
    )
    return mark_safe(  # noqa: S308 - every text is escaped
        "\n      <tr>\n"
        f'        <td data-label="Key result"><a class="row-title" href="{e(objective_url)}'
        f'#kr-{e(kr.id)}">{e(kr.title)}</a></td>\n'
        f'        <td data-label="Objective">{e(kr.objective)}{team}</td>\n'
        f'        <td data-label="Owner">{e(kr.owner or "No owner")}</td>\n'
        f'        <td data-label="Silent for"><span class="smap-flag smap-flag--warn" '
        f'title="{silent}"><span aria-hidden="true">⚠</span> <span data-figure="stale-days">'
        f"{_count_text(kr.days_since)}</span> days</span>{never}</td>\n"
        f'        <td data-label="Progress">{progress}</td>\n'
        "      </tr>\n      "
    )


_NO_READINGS = '<tr><td colspan="3">No readings yet.</td></tr>'


def trend_cards_html(
    objectives: Sequence[Any],
    *,
    cycle_start: date,
    cycle_end: date,
    today: date,
    objective_url: Callable[[str], str],
) -> SafeString:
    """Every objective's card on the trends page (okrs.dashboards.ObjectiveTrend rows): its
    title, the latest figures as the board shows them, and its chart of progress (0-100 %, left
    axis) and confidence (0-10, right axis) over the cycle against the ideal line from 0 % on
    the first day to 100 % after the last, with its text equivalent (a table for screen
    readers).

    The charts of a page share their frame (axes, ideal line, today) and their sample days, so
    the frame's markup and each day's position and texts are written once per call, not once
    per chart and point. Every text from the data is escaped; the rest are our numbers and
    dates."""
    e = html_text
    frame = _trend_frame(cycle_start, cycle_end, today)
    x, y = frame.x, frame.y
    axes = _trend_axes_html(
        LEFT,
        WIDTH - RIGHT - 24,
        TOP,
        HEIGHT - BOTTOM,
        frame.y_ticks,
        frame.y2_ticks,
        frame.x_ticks,
        frame.ideal,
        frame.today_x,
    )
    head = f'  <svg class="chart__svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
    legend = (
        "  </svg>\n"
        '  <figcaption class="chart__legend" aria-hidden="true">\n'
        '    <span class="chart__key chart__key--actual">Progress (left axis, %)</span>\n'
        '    <span class="chart__key chart__key--confidence">Confidence (right axis, 0–10)'
        "</span>\n"
        '    <span class="chart__key chart__key--ideal">Ideal line</span>\n'
        "  </figcaption>\n"
        '  <div class="sr-only"><table>\n'
    )
    table_head = (
        '    <thead><tr><th scope="col">Week ending</th><th scope="col">Progress</th>'
        '<th scope="col">Confidence</th></tr></thead>\n'
    )
    # (x, its repr, x as printed, x - 3 as printed, "1 Oct", "1 Oct 2026") of each sample day
    days: dict[date, tuple[float, str, str, str, str, str]] = {}
    confidences: dict[float, str] = {}  # the latest mean confidence, as the card prints it
    # A page's figures repeat (no progress yet, a few mean confidences): each distinct value's
    # texts and position are worked out once.
    values: dict[float, tuple[str, str, str]] = {}
    confidence_marks: dict[float, tuple[str, str, str]] = {}
    parts: list[str] = []
    for objective in objectives:
        points = objective.points
        oid = e(objective.id)
        statement = e(objective.statement)
        title = f"Progress and confidence of “{statement}”"
        progress_line, confidence_line, circles, rects, rows = [], [], [], [], []
        latest_progress = None
        for p in points:
            d = days.get(p.day)
            if d is None:
                px = x(_day(p.day) + 1)  # the figure as of the end of that day
                d = days[p.day] = (
                    px,
                    f"{px}",
                    _num(px),
                    _num(px - 3),
                    _day_month(p.day),
                    _day_month_year(p.day),
                )
            _, px_repr, px_num, px_left, day, when = d
            progress, confidence = p.progress, p.confidence
            if progress is not None:
                latest_progress = p
                v = values.get(progress)
                if v is None:
                    py = y(progress)  # rounded to 0.1 already: _num(py) is its f"{py:g}"
                    v = values[progress] = (_percent(progress), f"{py}", f"{py:g}")
                shown, py_repr, py_num = v
                progress_line.append(f"{px_repr},{py_repr}")
                circles.append(
                    f'    <circle class="chart__point" cx="{px_num}" cy="{py_num}" r="4">'
                    f"<title>{day}: progress {shown}</title></circle>\n"
                )
            else:
                shown = "—"
            if confidence is not None:
                c = confidence_marks.get(confidence)
                if c is None:
                    cy = y(confidence / 10)
                    c = confidence_marks[confidence] = (
                        _out_of_ten(confidence),
                        f"{cy}",
                        _num(cy - 3),
                    )
                out_of_ten, cy_repr, cy_top = c
                confidence_line.append(f"{px_repr},{cy_repr}")
                rects.append(
                    f'    <rect class="chart__point chart__point--confidence" x="{px_left}" '
                    f'y="{cy_top}" width="6" height="6"><title>{day}: confidence '
                    f"{out_of_ten}</title></rect>\n"
                )
            else:
                out_of_ten = "—"
            rows.append(f"<tr><td>{when}</td><td>{shown}</td><td>{out_of_ten}</td></tr>")
        summary = e(
            f"{len(points)} weekly reading{'s' if len(points) != 1 else ''} from {frame.dates}. "
            + (
                f"On {_day_month(latest_progress.day)} progress stood at "
                f"{_percent(latest_progress.progress)}"
                + (
                    f" with confidence {_out_of_ten(latest_progress.confidence)}."
                    if latest_progress.confidence is not None
                    else ", with no confidence given yet."
                )
                if latest_progress is not None
                else "No key result to measure yet."
            )
        )
        chip = (
            '<span class="chip chip--org">Organization</span>'
            if objective.level == "organization"
            else f'<span class="chip">{e(objective.team)}</span>'
        )
        now = ""
        if points:
            latest = points[-1]
            if latest.confidence is None:
                confidence = "—"
            else:  # a few distinct means on a page: the filter runs once for each
                confidence = confidences.get(latest.confidence)
                if confidence is None:
                    confidence = confidences[latest.confidence] = e(
                        f"{floatformat(latest.confidence, '1')}/10"
                    )
            now = (
                '<p class="dash-trend__now small" title="The latest reading, the same figures as '
                'the OKR board">Now: <strong data-figure="progress">'
                f"{e(percent(latest.progress))}</strong> progress · confidence "
                f'<strong data-figure="confidence">{confidence}</strong></p>'
            )
        parts.append(
            f'\n    <article class="card dash-trend" id="trend-{oid}">\n'
            f'      <h3 class="dash-trend__title">{chip} <a href="{e(objective_url(objective.id))}">'
            f"{statement}</a></h3>\n"
            f"      {now}\n"
            '      <figure class="chart dash-chart">\n'
            f"{head}"
            f'aria-labelledby="chart-{oid}-title chart-{oid}-desc" focusable="false">\n'
            f'    <title id="chart-{oid}-title">{title}</title>\n'
            f'    <desc id="chart-{oid}-desc">{summary}</desc>\n'
            f"{axes}"
        )
        if confidence_line:
            parts.append(
                f'    <polyline class="chart__confidence" points="{" ".join(confidence_line)}"/>\n'
            )
        parts.extend(rects)
        if progress_line:
            parts.append(
                f'    <polyline class="chart__actual" points="{" ".join(progress_line)}"/>\n'
            )
        parts.extend(circles)
        parts.append(
            f"{legend}"
            f"    <caption>{title}. {summary}</caption>\n"
            f"{table_head}"
            f"    <tbody>{''.join(rows) or _NO_READINGS}"
            "</tbody>\n"
            "  </table></div>\n"
            "</figure>\n\n"
            "    </article>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped, the rest is ours


def dashboard_filters_html(
    *,
    action: str,
    target: str,
    cycles: Sequence[Any],
    teams: Sequence[Mapping[str, Any]],
    filters: Any,
    errors: Mapping[str, str],
) -> SafeString:
    """The strategy map's and OKR trends' GET filters. With htmx only ``target`` is swapped;
    without it the form reloads the page. ``cycles`` are Cycle rows, ``teams``
    ``{"pk", "name"}`` rows, ``filters`` an okrs.dashboards.Filters, ``errors`` by field."""
    e = html_text
    chosen_cycle = filters.cycle.pk if filters.cycle else None
    cycle_options = (
        "".join(
            f'<option value="{e(c.pk)}"{" selected" if c.pk == chosen_cycle else ""}>'
            f"{e(c.name)} · {e(c.get_status_display().lower())}</option>"
            for c in cycles
        )
        if cycles
        else '<option value="">No cycle yet</option>'
    )
    teams_html = team_options(teams, filters.team)

    def field(name: str) -> tuple[str, str, str]:
        message = errors.get(name)
        if not message:
            return "", "", ""
        return (
            " dash-filters__field--error",
            f' aria-invalid="true" aria-describedby="filter-{name}-error"',
            f'<p class="field__error" id="filter-{name}-error">{e(message)}</p>',
        )

    cycle_class, cycle_aria, cycle_error = field("cycle")
    team_class, team_aria, team_error = field("team")
    action = e(action)
    htmx = (
        f' hx-get="{action}" hx-target="{e(target)}" hx-select="{e(target)}" '
        'hx-swap="outerHTML" hx-push-url="true" hx-trigger="change, submit"'
        if target
        else ""
    )
    return mark_safe(  # noqa: S308 - every text is escaped
        f'\n\n<form class="dash-filters" method="get" action="{action}"{htmx} '
        'aria-label="Filters">\n'
        f'  <div class="dash-filters__field{cycle_class}">\n'
        '    <label for="filter-cycle">OKR cycle</label>\n'
        f'    <select id="filter-cycle" name="cycle"{cycle_aria}>\n'
        f"      {cycle_options}\n"
        "    </select>\n"
        f"    {cycle_error}\n"
        "  </div>\n"
        f'  <div class="dash-filters__field{team_class}">\n'
        '    <label for="filter-team">Team</label>\n'
        f'    <select id="filter-team" name="team"{team_aria}>\n'
        '      <option value="">All teams</option>\n'
        f"      {teams_html}\n"
        "    </select>\n"
        f"    {team_error}\n"
        "  </div>\n"
        '  <button class="button" type="submit">Apply</button>\n'
        "</form>\n"
    )


# --- the OKR board's figures ---------------------------------------------------------------
# Progress, confidence and health, written once here: Python rows call these functions and
# templates the {% okr_progress %}, {% confidence %} and {% health %} tags over them (okrs_ui).
# On the board (a few hundred objectives, three figures each) template includes were most of
# its time.


def okr_progress_html(value: float | None, expected: float | None, label: str = "") -> SafeString:
    """Progress with the ideal line's marker (in an active cycle)."""
    width = percent_width(value)
    shown = percent(value)
    if expected is not None:
        title = f"{shown} done; the ideal line is at {percent(expected)} today"
        marker = (
            f'<i class="okr-progress__expected pw-{percent_width(expected)}" aria-hidden="true">'
            "</i>"
        )
    else:
        title, marker = f"{shown} done", ""
    return mark_safe(  # noqa: S308 - the texts are escaped, the numbers are ours
        f'<div class="progress okr-progress" title="{html_text(title)}">\n'
        '  <div class="progress__bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        f'aria-valuenow="{width}" aria-label="{html_text(label or "Progress")}">'
        f'<span class="pw-{width}"></span>{marker}</div>\n'
        f'  <span class="progress__value">{html_text(shown)}</span>\n'
        "</div>\n"
    )


@lru_cache(maxsize=1024)
def confidence_html(
    confidence: float | None, band: str | None, of_objective: bool = False
) -> SafeString:
    """The latest confidence out of 10, or 'no check-in'."""
    if confidence is None:
        return mark_safe(
            '<span class="confidence confidence--none" title="No check-in yet">no check-in</span>\n'
        )
    mean = ": the mean of its key results" if of_objective else ""
    return mark_safe(  # noqa: S308 - the texts are escaped, the numbers are ours
        f'<span class="confidence confidence--{html_text(band)}" title="Latest confidence to reach '
        f'the target, 0 (no chance) to 10 (certain){mean}"><span class="sr-only">Confidence '
        f'</span>{html_text(floatformat(confidence, "-1"))}<span class="confidence__of">/10</span>'
        "</span>\n"
    )


_HEALTH_TEXT = {
    "on_track": ("✓", "On track"),
    "at_risk": ("!", "At risk"),
    "off_track": ("✕", "Off track"),
}


@lru_cache(maxsize=16)
def health_html(health: str | None) -> SafeString:
    """On track, at risk, off track or not measured, the rule on hover."""
    icon, text = _HEALTH_TEXT.get(health or "", ("○", "Not measured"))
    return mark_safe(  # noqa: S308 - the rule is escaped, the rest is ours
        f'<span class="health health--{html_text(str(health) if health else "none")}" '
        f'title="{html_text(rules.HEALTH_RULE)}"><span class="health__icon" aria-hidden="true">'
        f"{icon}</span>{text}</span>\n"
    )


def grade_pill_html(grade: Any) -> SafeString:
    """The grade pill of a closed cycle's objective (what the board showed inline)."""
    shown = "—" if grade is None else f"{float(grade):.1f}"
    return mark_safe(  # noqa: S308 - a number
        f'<span class="okr-grade-pill" title="Grade at the close">Grade {shown}</span>'
    )


def board_team_objectives_html(
    objectives: Sequence[Any], *, closed: bool, indent: str, tail: str
) -> SafeString:
    """Team objectives' lines on the board (under their parent's card, or among the loose
    ones): team, statement and figures. ``indent`` and ``tail``: the whitespace the template's
    loop had around each, so the page reads as it did."""
    e = html_text
    inner, figures = indent + "  ", indent + "    "
    parts = []
    for t in objectives:
        verdict = grade_pill_html(t.grade) if closed else health_html(t.health)
        parts.append(
            f'\n{indent}<li class="okr-child">\n'
            f'{inner}<span class="chip">{e(t.team)}</span>\n'
            f'{inner}<a class="okr-child__statement" href="{e(t.url)}">{e(t.statement)}</a>\n'
            f'{inner}<span class="okr-child__figures">\n'
            f"{figures}{okr_progress_html(t.progress, t.expected, 'Team objective progress')}\n"
            f"{figures}{confidence_html(t.confidence, t.confidence_band, True)}\n"
            f"{figures}{verdict}\n"
            f"{inner}</span>\n"
            f"{indent}</li>\n{tail}"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped


def plural_s(count: int) -> str:
    """The plural ending of a counted English noun: '' for one, 's' otherwise."""
    return "" if count == 1 else "s"


def board_cards_html(
    objectives: Sequence[Any],
    *,
    closed: bool,
    active: bool,
    add_url: str | None,
) -> SafeString:
    """The cards of organization objectives on the board (okr_board rows with their ``url``):
    statement, health or grade, progress, confidence, key results, owner, stale check-ins, and
    the first team objectives cascading from each. ``add_url``: where a team objective is added
    under a card, when the viewer may."""
    e = html_text
    parts = []
    for o in objectives:
        url = e(o.url)
        modifier = "closed" if closed else e(str(o.health) if o.health else "none")
        verdict = grade_pill_html(o.grade) if closed else health_html(o.health)
        stale = (
            f'<span class="okr-stale">⚠ {o.stale_count} stale check-in{plural_s(o.stale_count)}'
            "</span>"
            if o.stale_count and active
            else ""
        )
        if o.team_objectives:
            children = board_team_objectives_html(
                o.team_objectives, closed=closed, indent=" " * 10, tail=" " * 10
            )
            more = (
                f'<p class="small okr-card__more"><a href="{url}">{o.more_team_objectives} more '
                f"team objective{plural_s(o.more_team_objectives)}</a> on the objective's page</p>"
                if o.more_team_objectives
                else ""
            )
            teams = (
                '\n        <ul class="okr-children" aria-label="Team objectives cascading from it">'
                f"\n          {children}\n        </ul>\n        {more}\n        "
            )
        else:
            teams = (
                '<p class="small muted okr-card__none">No team objective cascades from it yet.</p>'
            )
        add = (
            f'<a class="okr-card__add small" href="{e(add_url)}?parent={e(o.pk)}">'
            "+ Team objective under it</a>"
            if add_url is not None and not closed
            else ""
        )
        parts.append(
            f'\n    <article class="card okr-card okr-card--{modifier}">\n'
            '      <div class="okr-card__main">\n'
            '        <div class="okr-card__head">\n'
            f'          <a class="okr-card__statement" href="{url}">{e(o.statement)}</a>\n'
            f"          {verdict}\n"
            "        </div>\n"
            f"        {okr_progress_html(o.progress, o.expected, 'Objective progress')}\n"
            '        <div class="meta">\n'
            f"          <span>{confidence_html(o.confidence, o.confidence_band, True)}</span>\n"
            f"          <span>{o.key_result_count} key result{plural_s(o.key_result_count)}</span>\n"
            f"          <span>{e(o.owner or 'No owner')}</span>\n"
            f"          {stale}\n"
            "        </div>\n"
            "      </div>\n"
            '      <div class="okr-card__teams">\n'
            f"        {teams}\n"
            f"        {add}\n"
            "      </div>\n"
            "    </article>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped
