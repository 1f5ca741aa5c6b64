"""Usage and cost API: FOCUS imports, usage sources and daily usage, the usage-cost report."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.permissions import TokenHasScope
from common.api.parsers import GuardedJSONParser
from common.api.schema import ERROR_RESPONSES, ErrorOutput
from common.errors import RequestRefused
from monitoring import configuration as monitoring_configuration
from usage import access, configuration, selectors, services, usage_points
from usage.api.serializers import (
    CostImportInput,
    CostImportOutput,
    DailyUsageOutput,
    ReportQueryInput,
    UsageCostReportOutput,
    UsageListOutput,
    UsagePointsInput,
    UsagePointsOutput,
    UsageQueryInput,
    UsageSourceInput,
    UsageSourceOutput,
)

TOO_LARGE = {413: OpenApiResponse(ErrorOutput, description="The file is larger than allowed.")}
NOT_MULTIPART = {
    415: OpenApiResponse(
        ErrorOutput, description="Not multipart/form-data: send the file as `file`."
    )
}


class CostImportCreateApi(APIView):
    """Import a FOCUS billing export (multipart field ``file``, CSV or Parquet).

    Rows are matched to models by the ATTEST_COST_MODEL_TAG tag (default ``attest-model``);
    untagged cost is kept as unmatched. Replaces the earlier rows of each billing account and
    month the file covers. A file missing required FOCUS columns is a 400 naming them."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.COSTS_WRITE
    parser_classes = [MultiPartParser, FormParser, GuardedJSONParser]

    @extend_schema(
        request={"multipart/form-data": CostImportInput},
        responses={201: CostImportOutput, **ERROR_RESPONSES, **TOO_LARGE, **NOT_MULTIPART},
    )
    def post(self, request):
        if not access.can_import_costs(request.user):  # permission before input
            raise PermissionDenied(services.IMPORT_REFUSED)
        data = CostImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        limit = configuration.cost_import_max_bytes()
        if upload.size > limit:
            raise RequestRefused(
                _("The file is larger than %(limit)s bytes.") % {"limit": limit},
                {"file": [_("Too large.")]},
                status_code=413,
            )
        imported = services.cost_import_create(
            actor=request.user,
            upload=upload,
            file_name=upload.name,
            cost_column=data.validated_data["cost_column"],
        )
        return Response(CostImportOutput(imported).data, status=status.HTTP_201_CREATED)


class UsageSourceSetApi(APIView):
    """Name the Prometheus server and PromQL selectors a deployment's usage is read from:
    ``requests`` and ``errors`` counters, ``latency`` histogram buckets (``..._bucket``)."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.DEPLOYMENTS_WRITE

    @extend_schema(request=UsageSourceInput, responses={200: UsageSourceOutput, **ERROR_RESPONSES})
    def put(self, request, deployment_id):
        deployment = selectors.deployment_get(user=request.user, deployment_id=deployment_id)
        if not access.can_set_usage_source(request.user, deployment.model_service):
            raise PermissionDenied(services.SOURCE_REFUSED)
        data = UsageSourceInput(data=request.data)
        data.is_valid(raise_exception=True)
        source = services.usage_source_set(
            actor=request.user, deployment=deployment, **data.validated_data
        )
        return Response(UsageSourceOutput(source).data)


class UsageListApi(APIView):
    """A deployment's daily usage (UTC days), ``since`` and ``until`` inclusive."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.CATALOG_READ

    @extend_schema(
        parameters=[UsageQueryInput], responses={200: UsageListOutput, **ERROR_RESPONSES}
    )
    def get(self, request, deployment_id):
        deployment = selectors.deployment_get(user=request.user, deployment_id=deployment_id)
        query = UsageQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.daily_usage_list(
            deployment=deployment,
            since=query.validated_data.get("since"),
            until=query.validated_data.get("until"),
        )
        return Response(
            {"deployment": str(deployment.pk), "days": DailyUsageOutput(rows, many=True).data}
        )


class UsageCostReportApi(APIView):
    """Usage and cost per model for a month, of the models the caller may see; ``unmatched``
    (cost tagged with no model) for compliance officers and administrators only."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.CATALOG_READ

    @extend_schema(
        parameters=[ReportQueryInput], responses={200: UsageCostReportOutput, **ERROR_RESPONSES}
    )
    def get(self, request):
        query = ReportQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        text = query.validated_data.get("month")
        if text:
            month = date(int(text[:4]), int(text[5:7]), 1)
        else:
            month = timezone.now().date().replace(day=1)
        if month.year < 1970:
            raise RequestRefused(_("month is too early."), {"month": [_("From 1970-01 on.")]})
        report = selectors.usage_cost_report(
            user=request.user, month=month, team=query.validated_data.get("team", "")
        )
        return Response(report)


class UsagePointsRecordApi(APIView):
    """Usage points for teams without Prometheus, through the metrics API: per deployment and
    UTC day, ``requests``, ``errors`` and optionally ``latency_p50_ms`` / ``latency_p95_ms``.

    All or nothing, as metric batches: bad items are a 400, deployments you cannot see a 404,
    each listing the items (``items[<index>]``); more than ATTEST_METRICS_MAX_ITEMS a 413. A day
    already stored for the deployment (read from Prometheus or posted) is replaced."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.METRICS_WRITE

    @extend_schema(
        request=UsagePointsInput,
        responses={201: UsagePointsOutput, **ERROR_RESPONSES, **TOO_LARGE},
    )
    def post(self, request):
        limit = monitoring_configuration.metrics_max_items()
        try:
            points = usage_points.parse_points(
                request.data, max_items=limit, today=timezone.now().date()
            )
        except usage_points.PointsInvalid as exc:
            raise RequestRefused(
                _("Some items are not valid; nothing was recorded."), exc.errors
            ) from None
        except OverflowError:
            raise RequestRefused(
                _("More than %(limit)s items; split the batch.") % {"limit": limit},
                {"items": [_("Too many.")]},
                status_code=413,
            ) from None
        rows = services.usage_points_record(actor=request.user, points=points)
        body = {
            "points": len(rows),
            "deployments": sorted({str(r.deployment_id) for r in rows}),
        }
        return Response(UsagePointsOutput(body).data, status=status.HTTP_201_CREATED)
