"""Risk assessment, obligations and evidence API. Permission-aware reads via the catalog gate."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.permissions import TokenHasScope
from catalog.selectors import model_service_get, model_service_visible
from common.api.parsers import GuardedJSONParser
from common.api.schema import ERROR_RESPONSES
from risk import selectors, services
from risk.api.serializers import (
    EvidenceInput,
    EvidenceOutput,
    ObligationOutput,
    RiskAssessmentInput,
    RiskAssessmentOutput,
)
from risk.models import Obligation


class RiskAssessmentApi(APIView):
    """The model's EU AI Act assessment in force (GET; the proposal awaiting confirmation when
    nothing is in force yet) or new answers (PUT: in force at once from a compliance officer,
    a proposal otherwise, status "proposed")."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    # The service names the questions; here they sit in the body's "answers" (the handler in
    # common.api.errors nests the service's field errors under it).
    service_errors_under = "answers"

    @property
    def required_scope(self):
        return (
            ApiToken.Scope.CATALOG_READ
            if self.request.method == "GET"
            else ApiToken.Scope.ASSESSMENTS_WRITE
        )

    def _output(self, model, assessment):
        assessment.review_reasons = (
            selectors.review_reasons(model, assessment) if assessment.status == "submitted" else []
        )
        proposal = selectors.assessment_proposal(model)
        assessment.pending_proposal = (
            proposal if proposal is not None and proposal.pk != assessment.pk else None
        )
        return RiskAssessmentOutput(assessment).data

    @extend_schema(responses={200: RiskAssessmentOutput, **ERROR_RESPONSES})
    def get(self, request, model_id):
        model = model_service_get(user=request.user, model_id=model_id)
        assessment = selectors.assessment_latest(model) or selectors.assessment_proposal(model)
        if assessment is None:
            raise Http404(_("This model has not been assessed yet."))
        return Response(self._output(model, assessment))

    @extend_schema(
        request=RiskAssessmentInput,
        responses={200: RiskAssessmentOutput, 201: RiskAssessmentOutput, **ERROR_RESPONSES},
    )
    def put(self, request, model_id):
        model = model_service_get(user=request.user, model_id=model_id)
        if not services.can_assess(request.user, model):  # 403 before looking at the input
            raise PermissionDenied(
                _("Only the owning team, compliance officers and admins assess.")
            )
        data = RiskAssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        action = (
            services.assessment_submit
            if data.validated_data["submit"]
            else services.assessment_draft_save
        )
        assessment = action(
            actor=request.user, model_service=model, answers=request.data.get("answers")
        )
        numbered = assessment.status in ("submitted", "proposed")
        code = status.HTTP_201_CREATED if numbered else status.HTTP_200_OK
        return Response(self._output(model, assessment), status=code)


class ObligationListApi(APIView):
    """The model's current obligations checklist with evidence."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.CATALOG_READ

    @extend_schema(responses={200: ObligationOutput(many=True), **ERROR_RESPONSES})
    def get(self, request, model_id):
        model = model_service_get(user=request.user, model_id=model_id)
        return Response(ObligationOutput(selectors.obligations_current(model), many=True).data)


class EvidenceCreateApi(APIView):
    """Attach evidence to an obligation: a file (multipart) or a link (JSON or form)."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.EVIDENCE_WRITE
    parser_classes = [MultiPartParser, FormParser, GuardedJSONParser]

    @extend_schema(
        request={"multipart/form-data": EvidenceInput, "application/json": EvidenceInput},
        responses={201: EvidenceOutput, **ERROR_RESPONSES},
    )
    def post(self, request, obligation_id):
        obligation = (
            Obligation.objects.filter(pk=obligation_id)
            .filter(model_service__in=model_service_visible(user=request.user))
            .select_related("model_service")
            .first()
        )
        if obligation is None:
            raise Http404(_("No such obligation."))
        data = EvidenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.evidence_add(
            actor=request.user,
            obligation=obligation,
            upload=data.validated_data.get("file"),
            link=data.validated_data.get("link") or "",
            description=data.validated_data.get("description") or "",
        )
        return Response(EvidenceOutput(evidence).data, status=status.HTTP_201_CREATED)
