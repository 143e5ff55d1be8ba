"""Small presentation helpers shared by every page."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from core import charts

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.4567 -> '46 %'; None -> '—'."""
    if value is None:
        return "—"
    return f"{round(float(value) * 100)} %"


@register.filter
def percent_width(value) -> int:
    """A 0..100 integer for a progress bar's width, clamped."""
    if value is None:
        return 0
    return max(0, min(100, round(float(value) * 100)))


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for filters and pagination)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def chart(value: charts.Chart, id) -> str:
    """A chart of ``core.charts`` as SVG with its legend and its figures as a table:
    ``{% chart chart "alignment-weekly" %}`` (``id`` makes the aria ids unique on the page)."""
    return charts.chart_html(value, id=id)


@register.simple_tag
def team_options(teams, selected=None) -> str:
    """The ``<option>``s of a team filter, ``selected`` (a team, or None) marked: built in Python,
    since an organization may have hundreds of teams and a template loop pays per node.
    ``teams`` holds teams or ``{"id"|"pk", "name"}`` rows."""
    chosen = str(selected.pk) if selected is not None else None
    parts = []
    for team in teams:
        if isinstance(team, dict):
            pk, name = team.get("id", team.get("pk")), team["name"]
        else:
            pk, name = team.pk, team.name
        value = str(pk)
        mark = " selected" if value == chosen else ""
        parts.append(f'<option value="{value}"{mark}>{charts.html_text(name)}</option>')
    return mark_safe("".join(parts))  # noqa: S308 - the names are escaped, the ids are UUIDs


# A status as a pill: an icon (hidden from screen readers) and the status's label.
_PILL_ICONS = {
    **dict.fromkeys(("done", "achieved", "completed"), "✓"),
    **dict.fromkeys(("stopped", "retired", "cancelled"), "■"),
    **dict.fromkeys(("in_progress", "active"), "▶"),
    "ready": "●",
}


def status_pill_html(status, label) -> str:
    """The pill of a status (work package, initiative, objective, cycle, webhook), written by
    Python for rows that repeat it and by ``{% status_pill %}`` in templates."""
    return mark_safe(  # noqa: S308 - status and label are escaped, the icons are ours
        f'<span class="pill pill--{charts.html_text(status)}"><span class="pill__icon" '
        f'aria-hidden="true">{_PILL_ICONS.get(status, "○")}</span>'
        f"{charts.html_text(label)}</span>\n"
    )


@register.simple_tag
def status_pill(status, label) -> str:
    return status_pill_html(status, label)


def progress_bar_html(value: float | None, *, label: str = "", title: str = "") -> SafeString:
    """A progress bar (0-1) with its percentage, labelled for screen readers; ``title`` on
    hover. ``{% progress_bar %}`` in templates."""
    width = percent_width(value)
    return mark_safe(  # noqa: S308 - the texts are escaped, the numbers are ours
        f'<div class="progress" title="{charts.html_text(title)}">\n'
        '  <div class="progress__bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        f'aria-valuenow="{width}" aria-label="{charts.html_text(label or "Progress")}">'
        f'<span class="pw-{width}"></span></div>\n'
        f'  <span class="progress__value">{percent(value)}</span>\n'
        "</div>\n"
    )


@register.simple_tag
def progress_bar(value, label: str = "", title: str = "") -> str:
    return progress_bar_html(value, label=label, title=title)
