"""An environment name in the API: documented as one of ``ATTEST_ENVIRONMENTS``.

The set is configuration, read when the schema is generated (never at import time); the
services and ``monitoring.payloads`` still decide, so the field itself checks only the
length. Without the enum the schema promised that any string was a valid environment.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from approvals import configuration


class EnvironmentField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("help_text", "One of ATTEST_ENVIRONMENTS.")
        super().__init__(**kwargs)


class EnvironmentFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "approvals.api.fields.EnvironmentField"
    match_subclasses = True
    priority = 1  # over common.api.schema.NonBlankCharFieldExtension

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": configuration.environments()}
