"""The landing pages' repeated rows, written in Python (see docs/architecture.md, "Repeated
markup written in Python"): the attention list's items and coming reviews, the top of the
backlog and the key results a team lead owns. Each tag gives exactly what the template loop it
replaced gave (with its progress bar, confidence and status pill, from core and okrs.charts); reviews/tests/test_dashboards.py holds them byte-equal."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.charts import html_text
from core.links import id_url
from core.templatetags.ui import status_pill_html
from okrs.charts import confidence_html, progress_bar_html

register = template.Library()

_BAD = '<span aria-hidden="true">✕</span>'
_WARN = '<span aria-hidden="true">!</span>'


@register.simple_tag
def attention_items(items: Iterable) -> SafeString:
    """The first five items of an attention section, as ``<li>`` rows."""
    e = html_text
    rows = []
    for item in list(items)[:5]:
        tone = item.tone
        icon = _BAD if tone == "bad" else _WARN
        if item.url:
            link = f'<a href="{e(item.url)}">{e(item.title)}</a>'
        else:
            link = f"<span>{e(item.title)}</span>"
        team = f"{e(item.team)} · " if item.team else ""
        note = f" · {e(item.note)}" if item.note else ""
        rows.append(
            '\n      <li class="attention__item">\n'
            f'        <span class="attention__flag attention__flag--{e(tone or "warn")}">'
            f"{icon} {e(item.flag)}</span>\n"
            f"        {link}\n"
            f'        <span class="muted small">{team}{e(item.owner or "no owner")}{note}</span>\n'
            "      </li>\n      "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag
def upcoming_items(reviews: Iterable) -> SafeString:
    """The coming reviews (reviews.dashboards.UpcomingReview), as ``<li>`` rows."""
    e = html_text
    rows = []
    for r in reviews:
        mine = " · you take part" if r.is_mine else ""
        when = date_filter(timezone.localtime(r.scheduled_at), "D j M, H:i")
        team = f" · {e(r.team)}" if r.team else ""
        rows.append(
            '\n      <li class="attention__item">\n'
            f'        <span class="attention__flag attention__flag--ok">{e(r.kind_label)}{mine}</span>\n'
            f'        <a href="{e(r.url)}">{e(r.title)}</a>\n'
            f'        <span class="muted small">{e(when)}{team}</span>\n'
            "      </li>\n      "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag
def backlog_top_items(rows: Iterable[dict]) -> SafeString:
    """The top of the backlog (backlog.selectors.backlog_top rows), as ``<li>`` rows."""
    e = html_text
    detail_url = id_url("planning:work_detail")
    out = []
    for wp in rows:
        unlinked = (
            "" if wp["initiative_id"] else '<span class="chip chip--unlinked">Not linked</span>'
        )
        out.append(
            '\n          <li class="smap-work__item">'
            f'<a href="{e(detail_url(wp["id"]))}">{e(wp["title"])}</a> '
            f"{status_pill_html(wp['status'], wp['status_label'])}{unlinked}</li>\n          "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


_STALE = (
    '<span class="smap-flag smap-flag--warn" title="No check-in for more than 14 days">'
    '<span aria-hidden="true">⚠</span> stale</span>'
)


@register.simple_tag
def owned_key_result_items(key_results: Iterable) -> SafeString:
    """The key results a team lead owns (okrs.selectors.owned_key_results rows with
    ``is_stale``), as ``<li>`` rows."""
    e = html_text
    objective_url = id_url("okrs:objective_detail")
    check_in_url = id_url("okrs:check_in")
    home = e(reverse("home"))
    out = []
    for kr in key_results:
        progress = progress_bar_html(
            kr.progress, label="Key result progress", title="Progress at the latest check-in"
        )
        out.append(
            '\n          <li class="smap-kr">\n'
            '            <span class="smap-kr__title">'
            f'<a href="{e(objective_url(kr.objective_id))}#kr-{e(kr.pk)}">{e(kr.title)}</a></span>\n'
            '            <span class="smap-figures">\n'
            f'              <span class="smap-figures__progress">{progress}</span>\n'
            f"              {confidence_html(kr.confidence, None)}\n"
            f"              {_STALE if kr.is_stale else ''}\n"
            '              <a class="button button--small" '
            f'href="{e(check_in_url(kr.pk))}?next={home}">Check in</a>\n'
            "            </span>\n"
            "          </li>\n          "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
