"""Monitoring API: production metrics and input schemas from monitoring jobs and CI."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.permissions import TokenHasScope
from approvals import configuration as approval_configuration
from catalog.selectors import model_version_get
from common.api.schema import ERROR_RESPONSES, ErrorOutput
from monitoring import configuration, payloads, selectors, services
from monitoring.api.serializers import (
    MetricBatchInput,
    MetricBatchOutput,
    SchemaInput,
    SchemaOutput,
)

TOO_LARGE = {413: OpenApiResponse(ErrorOutput, description="Too many items or too many bytes.")}


def _raw_body(request, limit: int) -> bytes:
    """The body as sent, read at most ``limit`` bytes (413 beyond, unread if declared)."""
    too_large = payloads.PayloadError(
        413, f"The body is larger than {limit} bytes; split the batch.", {"body": ["Too large."]}
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise payloads.PayloadError(400, _("Malformed Content-Length.")) from None
    if declared > limit:
        raise too_large
    try:
        stream = request.stream
        raw = stream.read(limit + 1) if stream is not None else b""
    except RequestDataTooBig:
        raise too_large from None
    except RawPostDataException:
        raise payloads.PayloadError(
            400, _("The body was already read as a form; send application/json.")
        ) from None
    if len(raw) > limit:
        raise too_large
    return raw


def _alerts(rows) -> list[dict]:
    return [
        {
            "id": a.pk,
            "kind": a.kind,
            "model_service": a.model_service,
            "environment": a.environment,
            "metric": a.metric,
            "title": a.title,
            "state": a.state,
            "occurrences": a.occurrences,
        }
        for a in rows
    ]


class MetricBatchCreateApi(APIView):
    """Record a batch of production metric values (all or nothing) and check the thresholds.

    Unknown or invisible model/version: 404 listing the items (``items[<index>]``); invalid
    values (NaN, Infinity, wrong types, future timestamps): 400 listing the items; more than
    ATTEST_METRICS_MAX_ITEMS items: 413. Nothing is written unless every item is valid."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.METRICS_WRITE

    @extend_schema(
        request=MetricBatchInput,
        responses={201: MetricBatchOutput, **ERROR_RESPONSES, **TOO_LARGE},
    )
    def post(self, request):
        raw = _raw_body(request, configuration.metrics_max_bytes())
        items = payloads.metric_batch(
            raw,
            max_items=configuration.metrics_max_items(),
            environments=approval_configuration.environments(),
            now=timezone.now(),
            future_tolerance=configuration.metrics_future_tolerance(),
        )
        result = services.metrics_record(actor=request.user, items=items)
        body = {
            "batch_id": result.batch_id,
            "points": result.points,
            "models": result.models,
            "alerts_opened": _alerts(result.alerts_opened),
            "alerts_repeated": _alerts(result.alerts_repeated),
        }
        return Response(MetricBatchOutput(body).data, status=status.HTTP_201_CREATED)


class SchemaCreateApi(APIView):
    """Record the input schema (feature → type) a version saw in an environment; a difference
    from the reference schema opens an alert and is listed in the answer."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.METRICS_WRITE

    @extend_schema(request=SchemaInput, responses={201: SchemaOutput, **ERROR_RESPONSES})
    def post(self, request, model_id, version):
        row = model_version_get(user=request.user, model_id=model_id, version=version)
        model = row.model_service
        if not selectors.can_write_metrics(request.user, model):
            raise PermissionDenied(_("Only the owning team posts input schemas of its models."))
        raw = _raw_body(request, configuration.metrics_max_bytes())
        payload = payloads.schema_payload(raw, environments=approval_configuration.environments())
        result = services.schema_record(
            actor=request.user,
            model_version=row,
            environment=payload.environment,
            features=payload.features,
            reference=payload.reference,
        )
        body = {
            "schema": result.schema,
            "differences": result.differences,
            "alert": _alerts([result.alert])[0] if result.alert else None,
        }
        return Response(SchemaOutput(body).data, status=status.HTTP_201_CREATED)
