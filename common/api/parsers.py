"""The API's JSON parser: DRF's, through the input guard (``common.input_guard.json_loads``).

DRF's own ``JSONParser`` reads any size, lets ``RecursionError`` and Python's 4,300-digit
integer limit escape as 500s, and hands NUL characters and lone surrogates to the database.
This one reads at most ``ATTEST_JSON_MAX_BYTES`` (413 beyond) and refuses what the guard
refuses with a 400 in the API's error shape (the ``RequestRefused`` branch of
``common.api.errors.exception_handler``).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.parsers import JSONParser

from common import input_guard


class GuardedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.ATTEST_JSON_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise input_guard.InputRefused(
                _("The body is larger than %(limit)d bytes.") % {"limit": limit},
                {"body": [_("Too large.")]},
                status_code=413,
            )
        return input_guard.json_loads(
            raw,
            max_depth=settings.ATTEST_JSON_MAX_DEPTH,
            max_int_digits=settings.ATTEST_JSON_MAX_INT_DIGITS,
        )
