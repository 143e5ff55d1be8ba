"""JSON responses encoded by orjson, byte for byte what DRF's ``JSONRenderer`` writes.

DRF's renderer runs the standard library's encoder, whose ``default`` hook is called in Python
for every UUID and time on a page (about a third of a list page's server time at 100 rows).
orjson encodes in C; what it would write differently goes through DRF's own ``default``
(times: ``OPT_PASSTHROUGH_DATETIME``; decimals and anything else orjson does not know), and
whatever orjson refuses (integers beyond 64 bits, non-string keys, ``indent=`` in the Accept
header) is rendered by DRF's renderer as before. U+2028/U+2029 are escaped as DRF does.

``orjson.Fragment`` (JSON text already encoded, e.g. a ``jsonb`` column read as text) is
written as it is; the fallback renderer parses it back.
"""

from __future__ import annotations

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class _Encoder(JSONEncoder):
    """DRF's encoder, plus what the orjson path may hand over (fragments)."""

    def default(self, obj):
        if isinstance(obj, orjson.Fragment):
            return orjson.loads(obj.contents)
        return super().default(obj)


_default = _Encoder().default


class FastJSONRenderer(JSONRenderer):
    encoder_class = _Encoder

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if (
            self.ensure_ascii
            or not self.compact
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_default, option=_OPTIONS)
        except (orjson.JSONEncodeError, TypeError, ValueError):
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2\x80" in body:
            for raw, escaped in _LINE_SEPARATORS:
                body = body.replace(raw, escaped)
        return body
