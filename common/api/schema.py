"""Error answers documented in the OpenAPI schema, shared by every endpoint, and the schema
extensions that make fields document exactly what they accept."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorOutput = inline_serializer(
    name="Error",
    fields={
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.JSONField(), required=False),
    },
)

ERROR_RESPONSES = {
    400: OpenApiResponse(
        ErrorOutput,
        description=(
            "Invalid input; `errors` says what and where. Refused in any request: NUL characters"
            " and lone surrogates (in the address, query, headers, forms and JSON strings); and"
            " anywhere in a JSON body: nesting deeper than ATTEST_JSON_MAX_DEPTH (64), integers"
            " longer than ATTEST_JSON_MAX_INT_DIGITS (20 digits), numbers beyond ±1e300. A JSON"
            " body over ATTEST_JSON_MAX_BYTES (1 MiB) is a 413."
        ),
    ),
    401: OpenApiResponse(
        ErrorOutput, description="Missing, invalid, expired or revoked credentials."
    ),
    403: OpenApiResponse(
        ErrorOutput, description="Authenticated, but not allowed (role or token scope)."
    ),
    404: OpenApiResponse(ErrorOutput, description="No such object, or not visible to the caller."),
    429: OpenApiResponse(
        ErrorOutput, description="Rate limit reached; retry after the `Retry-After` seconds."
    ),
}


# --- Field schemas that say what the fields accept -------------------------------------------
class NonBlankCharFieldExtension(OpenApiSerializerFieldExtension):
    """A required-text ``CharField`` trims whitespace and then refuses the empty string, so
    ``"  "`` is as invalid as ``""``: besides ``minLength: 1`` the schema says "at least one
    non-space character" (``pattern: \\S``)."""

    target_class = "rest_framework.fields.CharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        field = self.target
        if (
            direction == "request"
            and isinstance(schema, dict)
            and schema.get("type") == "string"
            and not field.allow_blank
            and field.trim_whitespace
            and "pattern" not in schema
        ):
            schema["pattern"] = r"\S"
        return schema


class HttpUrlFieldExtension(OpenApiSerializerFieldExtension):
    """``common.api.fields.HttpUrlField``: its own pattern (``^$`` too when blank is allowed)."""

    target_class = "common.api.fields.HttpUrlField"
    match_subclasses = True
    priority = 1  # over NonBlankCharFieldExtension

    def map_serializer_field(self, auto_schema, direction):
        from common.api.fields import HTTP_URL_PATTERN

        field = self.target
        pattern = HTTP_URL_PATTERN
        if field.allow_blank:
            pattern = f"^(?:{HTTP_URL_PATTERN[1:-1]})?$"
        schema = {"type": "string", "pattern": pattern, "maxLength": field.max_length}
        if not field.allow_blank:
            schema["minLength"] = 1
        return schema
