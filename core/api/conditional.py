"""ETags, If-None-Match (304) and If-Match (412 with the current object).

An ETag is ``"<version>-<digest>"``: the object's ``version`` (what its editable fields are at)
and a digest of the representation sent. Figures computed from other rows (a key result's
current value after a check-in, an objective's progress, quality warnings) change the digest
without a new version, so If-None-Match answers 304 only when the body would be the same.
If-Match is about the edit a client based its change on: it compares versions, so a client may
send back the whole ETag or just the version (``"3"``).
"""

from __future__ import annotations

import hashlib
import re

import orjson
from rest_framework import status
from rest_framework.response import Response

_TAG = re.compile(r'\s*(?:W/)?"([^"]*)"\s*')


def etag_for(obj, data) -> str:
    """The ETag of ``obj`` sent as ``data`` (the serializer's output)."""
    body = orjson.dumps(data, default=str, option=orjson.OPT_SORT_KEYS)
    return f'"{obj.version}-{hashlib.blake2b(body, digest_size=8).hexdigest()}"'


def _tags(header: str) -> set[str] | None:
    """The entity tags named in an If-Match / If-None-Match header; None means `*`."""
    if header.strip() == "*":
        return None
    return {m.group(1) for m in _TAG.finditer(header)} or {header.strip()}


def not_modified(request, etag: str) -> bool:
    """If-None-Match names this ETag (or `*`): the client's copy is this very body."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = _tags(header)
    return tags is None or etag.strip('"') in tags


def conditional_get(request, response):
    """A GET's response, or 304 (with its ETag, no body) when If-None-Match names its ETag."""
    etag = response.get("ETag")
    if etag and not_modified(request, etag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return response


def precondition_failed(request, obj) -> bool:
    """If-Match names versions (whole ETags or bare versions) and none is the object's."""
    header = request.headers.get("If-Match")
    if not header:
        return False
    tags = _tags(header)
    return tags is not None and str(obj.version) not in {t.split("-", 1)[0] for t in tags}
