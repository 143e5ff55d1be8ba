"""What a server process does once, after Django is set up and before its first request.

``settle_heap`` builds what every request would otherwise build lazily (the URL resolver), then
moves everything alive at that point (modules, settings, URL patterns, model metadata: about
150 000 objects) into the garbage collector's permanent generation with ``gc.freeze()``. Full
collections then scan only what requests allocate, not the whole start-up heap again: on a
two-core machine a full collection over the unfrozen heap took 110-290 ms, and it is what the
95th percentile of the heavier pages caught. Objects are not copied or leaked: frozen objects
are simply never scanned for cycles (they live as long as the process anyway).
"""

from __future__ import annotations

import gc


def settle_heap() -> None:
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 - import and compile the URL conf now
    gc.collect()
    gc.freeze()
