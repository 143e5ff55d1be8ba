"""Slots where apps further right add panels to pages of apps further left.

Imports point one way (core ← planning ← okrs ← backlog ← reviews), so a planning page cannot
ask okrs for its key results. Instead okrs registers a panel for the slot in its AppConfig.ready(),
and the planning page renders whatever is registered:

    @panels.register("strategic_objective_detail", order=10)
    def key_results_panel(request, objective):
        return render_to_string("okrs/_objective_panel.html", {...}, request=request)

A panel returns HTML (or "" to show nothing). Each panel must run a constant number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

Panel = Callable[..., str]
SLOTS = ("strategic_objective_detail", "initiative_detail", "work_package_detail")
_registry: dict[str, list[tuple[int, Panel]]] = defaultdict(list)


def register(slot: str, *, order: int = 100) -> Callable[[Panel], Panel]:
    if slot not in SLOTS:
        raise ValueError(f"Unknown panel slot {slot!r}; known: {', '.join(SLOTS)}")

    def decorator(panel: Panel) -> Panel:
        if panel not in [p for _, p in _registry[slot]]:
            _registry[slot].append((order, panel))
            _registry[slot].sort(key=lambda item: item[0])
        return panel

    return decorator


def render(slot: str, request, obj) -> list[SafeString]:
    return [mark_safe(html) for _, panel in _registry[slot] if (html := panel(request, obj))]  # noqa: S308 - panels render templates
