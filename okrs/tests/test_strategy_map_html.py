"""The strategy map's nodes are written out in Python (okrs/templatetags/strategy_map.py) with the
markup of the component templates: each fragment is held here to its template, byte for byte, so
that a change to a component shows up on the map too (or fails here)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from okrs.templatetags import strategy_map as html


@pytest.mark.parametrize("health", [None, "", "on_track", "at_risk", "off_track"])
def test_health_is_the_components(health):
    assert html.health_html(health) == render_to_string("okrs/_health.html", {"health": health})


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (0.0, None), (0.456, 0.62), (1.2, 0.0), (-0.1, 1.0), (0.999, None)],
)
@pytest.mark.parametrize("label", ["Progress of the objectives serving it", "", "A <b> & c"])
def test_progress_is_the_components(value, expected, label):
    context = {"value": value, "expected": expected, "label": label}
    assert html.progress_html(value, expected, label) == render_to_string(
        "okrs/_progress.html", context
    )


@pytest.mark.parametrize("confidence", [None, 0.0, 5.0, 5.875, 10.0])
@pytest.mark.parametrize("band", [None, "low", "high"])
@pytest.mark.parametrize("of_objective", [True, False])
def test_confidence_is_the_components(confidence, band, of_objective):
    context = {"confidence": confidence, "band": band, "of_objective": of_objective}
    assert html.confidence_html(confidence, band, of_objective=of_objective) == render_to_string(
        "okrs/_confidence.html", context
    )


def test_the_draft_pill_is_the_components():
    assert html.draft_pill_html() == render_to_string(
        "components/status_pill.html", {"status": "draft", "label": "Draft"}
    )


@pytest.mark.parametrize(
    "trade_offs", [[], ["No enterprise deals"], ["No on-premise", 'Nothing <b> & "quoted"']]
)
def test_trade_offs_are_the_components(trade_offs):
    assert html.tradeoffs_html(trade_offs) == render_to_string(
        "components/tradeoffs.html", {"trade_offs": trade_offs}
    )
