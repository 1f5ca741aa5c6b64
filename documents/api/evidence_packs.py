"""Evidence packs over the API, and the certificate that verifies them.

``POST /api/v1/models/<id>/versions/<v>/evidence-pack`` and
``POST /api/v1/deployment-requests/<id>/evidence-pack`` ask for a pack (202 with the document's
status and a ``Location`` to poll; download it from ``/api/v1/documents/<id>/download/``). Who
may ask is who may ask for the version's model card: anyone who sees the model (404 otherwise),
with the ``catalog:read`` scope for tokens, as for the other documents (making one only reads
records). ``GET /api/v1/documents/signing-certificate/`` is public: a recipient checks a pack
with it and needs no account.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.permissions import TokenHasScope
from approvals.selectors import request_get
from catalog.selectors import model_version_get
from common.api.schema import ERROR_RESPONSES
from documents import services
from documents.api.documents import DocumentOutput, document_status_response
from documents.api.model_cards import JsonAnswers
from documents.evidence_packs import REQUEST_PARAMETER
from documents.models import GeneratedDocument
from documents.signing_keys import document_signing_identity

# The registered type for a PEM certificate followed by its chain: RFC 8555 section 9.1
# (https://iana.org/assignments/media-types/application/pem-certificate-chain).
PEM_CHAIN = "application/pem-certificate-chain"
ACCEPTED = {
    202: OpenApiResponse(
        DocumentOutput,
        description="Queued. Poll the `Location` until `status` is `done`, then download the "
        "ZIP from `download_url`; verify it with docs/verify_evidence_pack.py.",
    )
}


class EvidencePackApi(APIView):
    """Ask for the evidence pack of one model version."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.CATALOG_READ

    @extend_schema(
        operation_id="evidence_pack_generate",
        summary="Generate the evidence pack of a model version (a signed ZIP)",
        request=None,
        responses={**ACCEPTED, **ERROR_RESPONSES},
    )
    def post(self, request, model_id, version):
        row = model_version_get(user=request.user, model_id=model_id, version=version)
        document = services.document_request(
            actor=request.user, kind=GeneratedDocument.Kind.EVIDENCE_PACK, model_version=row
        )
        return document_status_response(document, status=202)


class DeploymentRequestEvidencePackApi(APIView):
    """Ask for the evidence pack of one deployment request: its version's documents, evidence
    and assessment, with this request's approval records only."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.CATALOG_READ

    @extend_schema(
        operation_id="deployment_request_evidence_pack_generate",
        summary="Generate the evidence pack of a deployment request (a signed ZIP)",
        request=None,
        responses={**ACCEPTED, **ERROR_RESPONSES},
    )
    def post(self, request, request_id):
        deployment_request = request_get(user=request.user, pk=request_id)
        document = services.document_request(
            actor=request.user,
            kind=GeneratedDocument.Kind.EVIDENCE_PACK,
            model_version=deployment_request.model_version,
            parameters={REQUEST_PARAMETER: str(deployment_request.pk)},
        )
        return document_status_response(document, status=202)


class SigningCertificateApi(APIView):
    """The document-signing certificate (PEM, followed by its issuing chain if any): what
    docs/verify_evidence_pack.py takes as ``--cert``. Public, like the gate's keys."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    content_negotiation_class = JsonAnswers

    @extend_schema(
        operation_id="document_signing_certificate",
        summary="The document-signing certificate (PEM)",
        responses={(200, PEM_CHAIN): OpenApiResponse(OpenApiTypes.STR, description="PEM")},
    )
    def get(self, request):
        identity = document_signing_identity()
        response = HttpResponse(identity.chain_pem(), content_type=PEM_CHAIN)
        response["Content-Disposition"] = 'attachment; filename="attest-document-signing.pem"'
        response["X-Certificate-SHA256"] = identity.fingerprint_sha256()
        return response
