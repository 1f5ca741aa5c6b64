"""Error answers documented in the OpenAPI schema, shared by every endpoint."""

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
    400: OpenApiResponse(ErrorOutput, description="Invalid input; `errors` says what and where."),
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
