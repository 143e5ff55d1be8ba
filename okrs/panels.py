"""OKR panels on planning's pages (see core/panels.py). Each runs a constant number of queries."""

from __future__ import annotations

from django.template.loader import render_to_string

from okrs import charts, rules, selectors


def strategic_objective_panel(request, objective) -> str:
    """The strategic objective's KPIs with their trend, and this cycle's OKRs serving it."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return ""
    okrs = selectors.strategy_okrs(membership=membership, strategic_objective=objective)
    sparks = {
        kpi.pk: charts.sparkline(list(kpi.values.all()), kpi.target_value) for kpi in okrs.kpis
    }
    return render_to_string(
        "okrs/_strategy_panel.html",
        {
            "strategic_objective": objective,
            "okrs": okrs,
            "kpis": [(kpi, sparks[kpi.pk]) for kpi in okrs.kpis],
            "can_write_kpis": rules.can_write_kpis(membership),
            "can_add_objectives": okrs.cycle is not None
            and not okrs.cycle.is_closed
            and membership.is_leader,
            "health_rule": rules.HEALTH_RULE,
        },
        request=request,
    )


def work_package_panel(request, work_package) -> str:
    """The key results a work package feeds: the outcomes this tactic should move."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return ""
    key_results = selectors.key_results_for_work_package(
        membership=membership, work_package=work_package
    )
    if not key_results:
        return ""
    return render_to_string(
        "okrs/_work_package_panel.html", {"key_results": key_results}, request=request
    )
