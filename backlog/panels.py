"""Backlog's panels on pages of apps further left (see core/panels.py)."""

from __future__ import annotations

from django.template.loader import render_to_string

from backlog import rules, selectors


def work_package_panel(request, work_package) -> str:
    """Rank, score, sprints and the idea it came from, beside the work package."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return ""
    facts = selectors.work_package_backlog_facts(membership=membership, work_package=work_package)
    return render_to_string(
        "backlog/_work_package_panel.html",
        {
            "wp": work_package,
            "facts": facts,
            "can_manage": rules.can_manage_backlog(membership, work_package.team_id),
        },
        request=request,
    )
