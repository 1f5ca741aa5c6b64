"""Serializer fields whose OpenAPI schema says exactly what they accept.

``HttpUrlField``: an http(s) URL, checked against one pattern that is both the server's rule
and the schema's ``pattern``. DRF's ``URLField`` was documented as ``format: uri`` (any
RFC 3986 URI: ``mailto:x``, ``http:///``, a 300-character host) while Django's URL validator
accepts far less, so what the schema called valid was refused and vice versa. Every URL the
pattern matches is one Django's ``URLValidator(schemes=["http", "https"])`` accepts too (the
services still run it): DNS labels of at most 32 characters, at most seven of them, a letters-
only top-level domain (so the host stays under the 253 characters DNS allows), ``localhost``
or an IPv4 address, an optional port, then RFC 3986 path, query and fragment characters.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils import html

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_HOST = rf"(?:(?:{_LABEL}\.){{1,6}}[A-Za-z]{{2,24}}|localhost|{_OCTET}(?:\.{_OCTET}){{3}})"
_PCHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
_REST = rf"(?::[0-9]{{1,5}})?(?:/{_PCHAR}*)*(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
# The same text is a Python and an ECMA-262 (OpenAPI) regular expression.
HTTP_URL_PATTERN = rf"^https?://{_HOST}{_REST}$"
_HTTP_URL = re.compile(HTTP_URL_PATTERN)


class HttpUrlField(serializers.CharField):
    """An http(s) URL (see the module docstring); no surrounding whitespace is trimmed, so
    what is checked is what is stored."""

    default_error_messages = {
        "invalid_url": _("An http(s) URL is required, e.g. https://ci.example.com/runs/42."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 1000)
        kwargs["trim_whitespace"] = False
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        # fullmatch: "$" alone would let a trailing newline through.
        if value and not _HTTP_URL.fullmatch(value):
            self.fail("invalid_url")
        return value


class StrictCharField(serializers.CharField):
    """Text that must be sent as a JSON string: DRF's ``CharField`` turns ``0`` into ``"0"``,
    which a caller reading the raw body afterwards sees as "nothing sent"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictFileField(serializers.FileField):
    """A file part, or nothing: a plain form field of the same name (``file=``) is refused
    instead of being read as "no file sent" (the schema says the field is binary)."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:  # a form
            return dictionary.get(self.field_name)
        return super().get_value(dictionary)
