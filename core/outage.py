"""The answer when the database cannot be reached: a 503 with Retry-After, not a 500.

Django calls ``handler500`` inside the ``except`` block of the request that failed, so the
exception is at hand. A lost or refused database connection (PostgreSQL restarting, say) is
answered with 503: `application/problem+json` under /api/, a plain page elsewhere, both built
without touching the database. Anything else is Django's usual 500. The next request reconnects
on its own (``CONN_HEALTH_CHECKS``): nothing needs a restart (tests/faults/test_outages.py).
"""

from __future__ import annotations

import json
import logging
import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse
from django.views.defaults import server_error

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Back in a moment · Throughline</title></head>
<body><main><h1>Back in a moment</h1>
<p>Throughline cannot reach its database just now. Nothing you sent was half-saved.
Try again in a few seconds.</p></main></body></html>
"""


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def server_error_or_unavailable(request, *args, **kwargs):
    exc = sys.exc_info()[1]
    if not database_unavailable(exc):
        return server_error(request, *args, **kwargs)
    logger.warning("Database unavailable: %s", exc)
    if request.path.startswith("/api/"):
        body = {
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "The database cannot be reached just now; retry shortly.",
        }
        response = HttpResponse(
            json.dumps(body), status=503, content_type="application/problem+json"
        )
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
