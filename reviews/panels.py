"""Cadence panels on planning's pages (see core/panels.py). Each runs a constant number of queries."""

from __future__ import annotations

from django.template.loader import render_to_string

from reviews import selectors


def strategic_objective_panel(request, objective) -> str:
    """What tactics taught us about this strategic objective: the loop back up (2 queries)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return ""
    learnings, total = selectors.learnings_for_objective(
        membership=membership, objective=objective, limit=5
    )
    return render_to_string(
        "reviews/_objective_learnings.html",
        {"learnings": learnings, "total": total, "objective": objective},
        request=request,
    )


def work_package_panel(request, work_package) -> str:
    """The review decisions taken on a work package (1 query; nothing when there are none)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return ""
    decisions = selectors.decisions_for_work_package(
        membership=membership, work_package=work_package
    )
    if not decisions:
        return ""
    return render_to_string(
        "reviews/_work_package_decisions.html", {"decisions": decisions}, request=request
    )
