"""Rows of work written in Python, for pages that repeat them by the dozen.

The "My work" table puts a quick status form on every row: in a template each row cost two
``{% url %}`` reversals, a ``{% csrf_token %}``, a date filter and a loop over the statuses. Here
the URLs are reversed once with a placeholder, the status options are written once per status,
and every text is escaped (``core.charts.html_text``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from django.template.defaultfilters import date as date_filter
from django.utils.safestring import SafeString, mark_safe

from core.charts import html_text
from core.links import id_url
from planning.models import WorkPackage


@lru_cache(maxsize=512)
def _month_day(day: date) -> str:
    """A date as the ``date:"M j"`` filter writes it ("Mar 4"), formatted once per date."""
    return date_filter(day, "M j")


def _status_options() -> dict[str, str]:
    """The status ``<option>``s with each status selected, written once per status."""
    choices = WorkPackage.Status.choices
    return {
        current: "".join(
            f'<option value="{value}"{" selected" if value == current else ""}>'
            f"{html_text(label)}</option>"
            for value, label in choices
        )
        for current, _ in choices
    }


def my_work_rows_html(
    packages: Iterable[WorkPackage], *, today: date, csrf_token: str, next_url: str
) -> SafeString:
    """The rows of the "My work" table: title and team, due date, what it supports, and a
    quick status form."""
    e = html_text
    detail_url = id_url("planning:work_detail")
    status_url = id_url("planning:work_status")
    options = _status_options()
    token = e(csrf_token)
    next_value = e(next_url)
    rows = []
    for wp in packages:
        pk = wp.pk
        title = e(wp.title)
        if wp.due_date:
            late = wp.due_date < today
            due = (
                f'<span class="{"overdue" if late else ""}">{e(_month_day(wp.due_date))}'
                f"{' (overdue)' if late else ''}</span>"
            )
        else:
            due = "—"
        if wp.initiative is not None:
            supports = e(wp.initiative.title)
        else:
            supports = '<span class="chip chip--unlinked">not linked to strategy</span>'
        rows.append(
            "\n  <tr>\n"
            f'    <td data-label="Work package"><a class="row-title" href="{detail_url(pk)}">'
            f'{title}</a><br><span class="small muted">{e(wp.team.name)}</span></td>\n'
            f'    <td data-label="Due">{due}</td>\n'
            f'    <td data-label="Supports">{supports}</td>\n'
            '    <td data-label="Status">\n'
            f'      <form method="post" action="{status_url(pk)}" class="inline-form">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">\n'
            f'        <input type="hidden" name="next" value="{next_value}">\n'
            f'        <label class="sr-only" for="status-{pk}">Status of {title}</label>\n'
            f'        <select id="status-{pk}" name="status">{options[wp.status]}</select>\n'
            '        <button type="submit" class="button button--small">Update</button>\n'
            "      </form>\n"
            "    </td>\n"
            "  </tr>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every text is escaped


def checks_due_items_html(packages: Iterable[WorkPackage]) -> SafeString:
    """The "Success checks due" list items: a link to each decision, its criterion and date."""
    e = html_text
    detail_url = id_url("planning:work_detail")
    return mark_safe(  # noqa: S308 - every text is escaped
        "".join(
            f'<li><a href="{detail_url(wp.pk)}#decision">{e(wp.title)}</a> <span class="muted">'
            f"— {e(wp.success_criterion)} (check on "
            f"{e(date_filter(wp.success_review_date, 'M j'))})</span></li>"
            for wp in packages
        )
    )


def tradeoffs_html(trade_offs: list[str]) -> SafeString:
    """What a strategic objective says it will not do: a list, or a line saying none is named."""
    if not trade_offs:
        return mark_safe('\n<p class="muted">No trade-off named yet.</p>\n\n')
    items = "".join(
        f'<li><span class="tradeoffs__mark" aria-hidden="true">✕</span> {html_text(t)}</li>'
        for t in trade_offs
    )
    return mark_safe(  # noqa: S308 - every trade-off is escaped
        f'\n<ul class="tradeoffs" aria-label="What we will not do">\n  {items}\n</ul>\n\n'
    )
