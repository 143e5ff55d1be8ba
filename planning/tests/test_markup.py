"""Markup planning writes in Python (planning/markup.py) and its template tags."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.template import Context, Template

from planning import markup


def test_trade_offs_are_listed_escaped_or_said_to_be_none():
    listed = markup.tradeoffs_html(["No on-premise", 'Nothing <b> & "quoted"'])
    assert listed == (
        '\n<ul class="tradeoffs" aria-label="What we will not do">\n  '
        '<li><span class="tradeoffs__mark" aria-hidden="true">✕</span> No on-premise</li>'
        '<li><span class="tradeoffs__mark" aria-hidden="true">✕</span> '
        "Nothing &lt;b&gt; &amp; &quot;quoted&quot;</li>\n</ul>\n\n"
    )
    assert markup.tradeoffs_html([]) == '\n<p class="muted">No trade-off named yet.</p>\n\n'
    tag = Template("{% load planning_ui %}{% tradeoffs t %}")
    assert tag.render(Context({"t": ["No on-premise", 'Nothing <b> & "quoted"']})) == listed


def _wp(**fields):
    defaults = {
        "pk": "11111111-1111-1111-1111-111111111111",
        "title": 'Ship <it> & "go"',
        "due_date": None,
        "initiative": None,
        "team": SimpleNamespace(name="R&D"),
        "status": "ready",
        "success_criterion": "Churn < 3 %",
        "success_review_date": datetime.date(2026, 3, 4),
    }
    return SimpleNamespace(**{**defaults, **fields})


def test_my_work_rows_escape_every_text_and_mark_what_is_late():
    today = datetime.date(2026, 3, 10)
    rows = markup.my_work_rows_html(
        [
            _wp(due_date=datetime.date(2026, 3, 9)),
            _wp(
                pk="22222222-2222-2222-2222-222222222222",
                due_date=datetime.date(2026, 3, 12),
                initiative=SimpleNamespace(title="Grow <EU>"),
                status="in_progress",
            ),
        ],
        today=today,
        csrf_token="tok<en>",
        next_url="/my-work/?a=1&b=2",
    )
    assert "<it>" not in rows
    assert "Ship &lt;it&gt; &amp; &quot;go&quot;" in rows
    assert '<span class="small muted">R&amp;D</span>' in rows
    assert '<span class="overdue">Mar 9 (overdue)</span>' in rows
    assert '<span class="">Mar 12</span>' in rows
    assert '<span class="chip chip--unlinked">not linked to strategy</span>' in rows
    assert "Grow &lt;EU&gt;" in rows
    assert 'value="tok&lt;en&gt;"' in rows
    assert 'name="next" value="/my-work/?a=1&amp;b=2"' in rows
    assert '<option value="ready" selected>Ready</option>' in rows
    assert '<option value="in_progress" selected>In progress</option>' in rows
    assert 'action="/work/22222222-2222-2222-2222-222222222222/status/"' in rows


def test_checks_due_link_to_the_decision():
    items = markup.checks_due_items_html([_wp()])
    assert items == (
        '<li><a href="/work/11111111-1111-1111-1111-111111111111/#decision">'
        'Ship &lt;it&gt; &amp; &quot;go&quot;</a> <span class="muted">— Churn &lt; 3 % '
        "(check on Mar 4)</span></li>"
    )
