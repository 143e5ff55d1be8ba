"""ETags from `version`, If-None-Match (304) and If-Match (412 with the current object)."""

from __future__ import annotations

import re

_TAG = re.compile(r'\s*(?:W/)?"([^"]*)"\s*')


def etag_for(obj) -> str:
    return f'"{obj.version}"'


def _tags(header: str) -> set[str] | None:
    """The versions named in an If-Match / If-None-Match header; None means `*`."""
    if header.strip() == "*":
        return None
    return {m.group(1) for m in _TAG.finditer(header)} or {header.strip()}


def not_modified(request, obj) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = _tags(header)
    return tags is None or str(obj.version) in tags


def precondition_failed(request, obj) -> bool:
    header = request.headers.get("If-Match")
    if not header:
        return False
    tags = _tags(header)
    return tags is not None and str(obj.version) not in tags
