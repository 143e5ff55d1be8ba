"""The strategy map's nodes are written out in Python (okrs/templatetags/strategy_map.py) with the
markup of the component templates: each fragment is held here to its template, byte for byte, so
that a change to a component shows up on the map too (or fails here)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from okrs.templatetags import strategy_map as html


@pytest.mark.parametrize(
    "trade_offs", [[], ["No enterprise deals"], ["No on-premise", 'Nothing <b> & "quoted"']]
)
def test_trade_offs_are_the_components(trade_offs):
    assert html.tradeoffs_html(trade_offs) == render_to_string(
        "components/tradeoffs.html", {"trade_offs": trade_offs}
    )
