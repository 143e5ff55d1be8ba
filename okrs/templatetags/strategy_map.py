"""The strategy map's top level, written out in Python: ``{% strategy_nodes %}``.

The map shows every strategic objective of the organization with its rolled-up figures (fifty and
more at scale). Rendered through the template engine, each node cost about a millisecond (a few
dozen variables, five component includes and three reversed URLs), more than the SQL that computes
the whole map; written out here it costs a few dozen microseconds. Health, progress and
confidence come from ``okrs.charts`` (the functions behind the templates' tags, shared with the
OKR board and trends); the draft pill is core's ``status_pill_html`` and the trade-offs
``planning.markup.tradeoffs_html`` (``{% tradeoffs %}`` on the objective's page). An expanded branch
is still rendered by its template (``okrs/dash_strategy_branch.html``).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.links import id_url
from core.templatetags.ui import status_pill_html
from okrs.charts import confidence_html, health_html, okr_progress_html, plural_s
from planning import markup

register = template.Library()


class _Urls:
    """The links every node has, reversed once per page."""

    def __init__(self, smap: Any) -> None:
        self.map = reverse("okrs:strategy_map")
        self.strategy_detail = id_url("planning:strategy_detail")
        self.initiative_create = reverse("planning:initiative_create")
        self.objective_create = (
            reverse("okrs:objective_create", args=[smap.cycle.pk]) if smap.cycle else ""
        )
        query = f"&amp;cycle={smap.cycle.pk}" if smap.cycle else ""
        query += f"&amp;team={smap.team.pk}" if smap.team else ""
        self.filters = query


def _summary(s: Any, smap: Any) -> str:
    rank = (
        f'<span class="objective__rank" title="Rank among the active strategic objectives">'
        f"#{s.priority}</span>"
        if s.priority
        else '<span class="chip chip--unlinked">Not linked to strategy</span>'
    )
    counts = (
        f"{s.objective_count} objective{plural_s(s.objective_count)} · "
        f"{s.key_result_count} key result{plural_s(s.key_result_count)}"
    )
    if s.id:
        counts += f" · {s.initiative_count} initiative{plural_s(s.initiative_count)}"
    off_track = s.health_counts.get("off_track")
    at_risk = s.health_counts.get("at_risk")
    if off_track:
        counts += f' · <span title="Objectives off track">{off_track} off track</span>'
    if at_risk:
        counts += f' · <span title="Objectives at risk">{at_risk} at risk</span>'
    stale = (
        f'<span class="smap-flag smap-flag--warn" title="Key results with no check-in for more '
        f'than 14 days"><span aria-hidden="true">⚠</span> {s.stale_count} stale</span>'
        if s.stale_count
        else ""
    )
    work = s.work
    open_work = (
        f'<abbr class="smap-count" title="Open work packages in its initiatives (activity, not '
        f'outcome): {work.done} done, {work.stopped} stopped of {work.total} in all">'
        f"{work.open} open</abbr>"
        if s.id
        else ""
    )
    return (
        '  <summary class="smap-so__summary">\n'
        '    <span class="smap-so__title">\n'
        f"      {rank}\n"
        f'      <span class="smap-so__statement">{escape(s.statement)}</span>\n'
        f"      {status_pill_html('draft', 'Draft') if s.status == 'draft' else ''}\n"
        f'      <span class="smap-so__counts muted small" data-branch-counts>{counts}</span>\n'
        "    </span>\n"
        '    <span class="smap-figures">\n'
        f"      {health_html(s.health)}\n"
        '      <span class="smap-figures__progress">'
        f"{okr_progress_html(s.progress, smap.expected, 'Progress of the objectives serving it')}"
        "</span>\n"
        f"      {confidence_html(s.confidence, None, of_objective=True)}\n"
        f"      {stale}\n"
        f"      {open_work}\n"
        "    </span>\n"
        "  </summary>\n"
    )


def _pending_branch(s: Any, smap: Any, urls: _Urls) -> str:
    """What a closed branch holds until it is opened (htmx fetches it then)."""
    branch_url = f"{urls.map}?strategic_objective={s.key}{urls.filters}"
    if s.objective_count or s.initiative_count:
        initiatives = (
            f" and its {s.initiative_count} initiative{plural_s(s.initiative_count)}"
            if s.id
            else ""
        )
        text = (
            f"Opening it shows its {s.objective_count} objective{plural_s(s.objective_count)} "
            f"with their key results{initiatives}. "
            f'<a href="{branch_url}#so-{s.key}">Show them</a>'
        )
    else:
        team = f" for {escape(smap.team.name)}" if smap.team else ""
        serving = f"?strategic_objective={s.id}" if s.id else ""
        initiative = (
            f' or <a href="{urls.initiative_create}?objective={s.id}">add an initiative</a>'
            if s.id
            else ""
        )
        text = (
            f"No objective of {escape(smap.cycle.name)}{team} serves it and no initiative makes "
            f'it real yet. <a href="{urls.objective_create}{serving}">Set an objective</a>'
            f"{initiative}."
        )
    return (
        f'      <div class="smap-branch" hx-get="{branch_url}" hx-trigger="toggle once from:closest '
        'details" hx-swap="outerHTML" data-branch-pending>\n'
        f'        <p class="muted small">{text}</p>\n'
        "      </div>\n"
    )


@register.simple_tag(takes_context=True)
def strategy_nodes(context: template.Context) -> SafeString:
    """Each strategic objective of ``map`` (okrs.dashboards.StrategyMap, with a cycle) as a
    ``<details>`` node: its figures in the summary, its trade-offs and its branch (loaded when
    opened, or rendered by okrs/dash_strategy_branch.html when it is expanded) in the body."""
    smap = context["map"]
    urls = _Urls(smap)
    branch_template = None
    parts = []
    for s in smap.strategies:
        parts.append(
            f'<details class="smap-so smap-level card"{" open" if s.expanded else ""} '
            f'id="so-{s.key}">\n'
        )
        parts.append(_summary(s, smap))
        parts.append(f'  <div class="smap-so__body{"" if s.id else " smap-so__body--single"}">\n')
        if s.id:
            parts.append(
                '    <div class="smap-tradeoffs">\n'
                '      <p class="smap-label">Trade-offs: what we will not do</p>\n'
                f"      {markup.tradeoffs_html(s.trade_offs)}\n"
                f'      <a class="small" href="{urls.strategy_detail(s.id)}">Open the strategic '
                "objective</a>\n"
                "    </div>\n"
            )
        if s.expanded:
            if branch_template is None:
                assert context.template is not None  # rendered from a template  # noqa: S101
                branch_template = context.template.engine.get_template(
                    "okrs/dash_strategy_branch.html"
                )
            with context.push(s=s):
                parts.append(branch_template.render(context))
        else:
            parts.append(_pending_branch(s, smap, urls))
        parts.append("  </div>\n</details>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or generated
