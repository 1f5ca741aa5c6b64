"""CI and reviewer API for deployment requests, the deploy gate and deployments."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.permissions import TokenHasScope
from approvals import gate, selectors, services
from approvals.api.serializers import (
    DecisionInput,
    DeploymentInput,
    DeploymentOutput,
    DeploymentRequestInput,
    DeploymentRequestOutput,
    GateAllowedOutput,
    GateDeniedOutput,
    GateQuery,
)
from approvals.models import DeploymentRequest
from catalog.models import ModelVersion
from catalog.selectors import model_version_get_by_name
from common import ratelimit
from common.api.schema import ERROR_RESPONSES, ErrorOutput

CONFLICT = {409: OpenApiResponse(ErrorOutput, description="Conflicts with the current state.")}


def _version(user, model_name: str, version: str) -> ModelVersion:
    return model_version_get_by_name(user=user, name=model_name, version=version)


def _output(request_row: DeploymentRequest) -> dict:
    row = DeploymentRequest.objects.select_related(
        "model_service", "model_version", "requested_by"
    ).get(pk=request_row.pk)
    return DeploymentRequestOutput(row).data


class DeploymentRequestCreateApi(APIView):
    """Open a deployment request for a model version and environment (submitted by default)."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.REQUESTS_WRITE

    @extend_schema(
        request=DeploymentRequestInput,
        responses={201: DeploymentRequestOutput, **ERROR_RESPONSES, **CONFLICT},
    )
    def post(self, request):
        data = DeploymentRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        version = _version(request.user, v["model"], v["version"])
        row = services.deployment_request_create(
            actor=request.user,
            model_version=version,
            environment=v["environment"],
            justification=v["justification"],
            metrics=v.get("metrics"),
            links=v.get("links"),
            submit=v["submit"],
            channel=(
                DeploymentRequest.Channel.API
                if isinstance(request.auth, ApiToken)
                else DeploymentRequest.Channel.WEB
            ),
        )
        return Response(_output(row), status=status.HTTP_201_CREATED)


class DeploymentRequestDetailApi(APIView):
    """One deployment request with its decisions (poll it from CI)."""

    permission_classes = [IsAuthenticated, TokenHasScope]

    @property
    def required_scope(self):
        # CI that opened the request may read it back with the same token.
        token = getattr(self.request, "auth", None)
        if isinstance(token, ApiToken) and ApiToken.Scope.REQUESTS_WRITE in token.scopes:
            return ApiToken.Scope.REQUESTS_WRITE
        return ApiToken.Scope.CATALOG_READ

    @extend_schema(responses={200: DeploymentRequestOutput, **ERROR_RESPONSES})
    def get(self, request, request_id):
        return Response(_output(selectors.request_get(user=request.user, pk=request_id)))


class DecisionCreateApi(APIView):
    """Approve or reject as a reviewer (signed-in session only: CI tokens never decide)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=DecisionInput,
        responses={200: DeploymentRequestOutput, **ERROR_RESPONSES, **CONFLICT},
    )
    def post(self, request, request_id):
        if isinstance(request.auth, ApiToken):
            raise PermissionDenied(gettext("API tokens cannot decide deployment requests."))
        row = selectors.request_get(user=request.user, pk=request_id)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.deployment_request_decide(
            actor=request.user, request=row, **data.validated_data
        )
        return Response(_output(row))


# The route serves ``approvals.api.gate.gate_view``, which answers bearer-token GETs itself and
# hands everything else (sessions, other methods, non-PostgreSQL databases) to this view; the
# OpenAPI schema is generated from this class. Its docstring is the schema's and OPTIONS'
# description: changing it changes the documented contract.
class GateApi(APIView):
    """May this version be deployed to this environment now? 200 allowed, 409 denied (with
    reasons). Fails closed: any error is a deny. Every answer is in the audit trail."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.GATE_READ

    @extend_schema(
        parameters=[GateQuery],
        responses={
            200: GateAllowedOutput,
            409: OpenApiResponse(GateDeniedOutput, description="Denied; `reasons` say why."),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        identity = (
            request.auth.key_id if isinstance(request.auth, ApiToken) else str(request.user.pk)
        )
        wait = ratelimit.hit("gate", identity, settings.ATTEST_RATE_GATE)
        if wait:
            raise Throttled(wait=wait, detail=gettext("Gate rate limit reached; retry later."))
        query = GateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        answer = gate.gate_answer(
            actor=request.user,
            model_name=q["model"],
            version=q["version"],
            environment=q["environment"],
            # An OIDC ID token: the gate's event names the rule that admitted it.
            audit_context=(
                request.auth.workload.audit_context()
                if getattr(request.auth, "workload", None) is not None
                else None
            ),
        )
        return Response(
            answer.as_json(),
            status=status.HTTP_200_OK if answer.allowed else status.HTTP_409_CONFLICT,
        )


class DeploymentCreateApi(APIView):
    """Record that CI deployed a version (409 without a valid approval)."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.DEPLOYMENTS_WRITE

    @extend_schema(
        request=DeploymentInput, responses={201: DeploymentOutput, **ERROR_RESPONSES, **CONFLICT}
    )
    def post(self, request):
        data = DeploymentInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        version = _version(request.user, v["model"], v["version"])
        deployment = services.deployment_record(
            actor=request.user,
            model_version=version,
            environment=v["environment"],
            reference=v.get("reference", ""),
        )
        return Response(DeploymentOutput(deployment).data, status=status.HTTP_201_CREATED)
