"""Requests per token (or per signed-in person), counted in Redis in one round trip.

DRF's ``SimpleRateThrottle`` keeps a list of every request's time in the cache and reads and
writes it whole on each request (two round trips, and up to the rate's number of timestamps
pickled each way). Here the count is a *sliding window counter*: one Redis counter per fixed
window (``INCR``), and the previous window's count weighted by how much of it still lies within
the last ``duration`` seconds. ``INCR``, ``EXPIRE`` and the ``GET`` of the previous window go in
one pipeline: one round trip per request. A refused request is not counted (as in DRF).
"""

from __future__ import annotations

import logging
import math

from django.core.cache import cache
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from core.models import ApiToken

logger = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (or per signed-in person for browser sessions). 429 with Retry-After.

    The counts live in the cache (Redis). When it cannot be reached the request is let through
    unthrottled: an API that keeps answering beats one that fails every request (tests/faults)."""

    scope = "api"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            return self._count(self.num_requests, self.duration)
        except (RedisError, OSError):
            logger.warning("Throttling skipped: the cache cannot be reached", exc_info=True)
            return True

    def _count(self, limit: int, duration: int) -> bool:
        now = self.timer()
        window = int(now // duration)
        elapsed = (now - window * duration) / duration  # 0 ≤ elapsed < 1
        current = cache.make_and_validate_key(f"{self.key}:{window}")
        previous = cache.make_and_validate_key(f"{self.key}:{window - 1}")
        client = cache._cache.get_client(current, write=True)  # type: ignore[attr-defined]
        pipe = client.pipeline(transaction=False)
        pipe.incr(current)
        pipe.expire(current, 2 * duration)  # still read as "previous" in the next window
        pipe.get(previous)
        count, _, before = pipe.execute()
        before = int(before or 0)
        if count + before * (1 - elapsed) <= limit:
            return True
        client.decr(current)  # a refused request does not count (only refusals pay for this)
        count -= 1
        self._wait = self._seconds_until_allowed(limit, duration, count, before, elapsed)
        return False

    @staticmethod
    def _seconds_until_allowed(
        limit: int, duration: int, count: int, before: int, elapsed: float
    ) -> float:
        """When one more request fits, if no other arrives meanwhile."""
        if count + 1 <= limit and before:
            # Within this window, once enough of the previous one has slid out of view.
            needed = 1 - (limit - count - 1) / before
            return max(needed - elapsed, 0.0) * duration
        # After this window: then this window's count is the one sliding out.
        rest = (1 - elapsed) * duration
        if count + 1 <= limit or not count:
            return rest
        return rest + (1 - (limit - 1) / count) * duration

    def wait(self):
        return max(1, math.ceil(getattr(self, "_wait", self.duration)))
