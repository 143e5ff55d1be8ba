"""Links to many objects of one kind: ``reverse()`` once, the id put in for each object.

Pages that link dozens or hundreds of rows (boards, maps, tables) resolve a URL pattern once
per page instead of once a link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

_BLANK = "00000000-0000-0000-0000-000000000000"


def id_url(name: str) -> Callable[[Any], str]:
    """The URL named ``name`` (a pattern taking one id) as a function of the id."""
    head, tail = reverse(name, args=[_BLANK]).split(_BLANK)
    return lambda pk: f"{head}{pk}{tail}"
