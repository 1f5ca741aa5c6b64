"""Reports over the API: Annex IV technical documentation of a model version, and portfolio
compliance reports.

Generating a document only reads the portal's records (the PDF is a view of them), so the
``catalog:read`` scope covers both asking for one (POST → 202 with the status and a
``Location`` to poll) and fetching it (GET). Who may see which document is the same gate as in
the browser: a model's documents follow the model's visibility (404 otherwise); a portfolio
report covers the models its requester may see.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated

from accounts.models import ApiToken
from accounts.permissions import TokenHasScope
from catalog.models import ModelVersion
from catalog.selectors import model_version_get
from common import input_guard
from common.api.fields import StrictCharField
from common.api.schema import ERROR_RESPONSES
from documents import selectors, services
from documents.api.documents import DocumentOutput, document_status_response, pdf_response
from documents.kinds import portfolio
from documents.models import GeneratedDocument

Kind = GeneratedDocument.Kind
ACCEPTED = {
    202: OpenApiResponse(
        DocumentOutput,
        description="Queued. Poll the `Location` (the document's status) until `status` is "
        "`done`, then download it.",
    )
}
PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF")}


@extend_schema_field(
    # What documents.kinds.portfolio.clean_parameters accepts: a date, or "" / null for "ever".
    {"type": "string", "nullable": True, "anyOf": [{"format": "date"}, {"maxLength": 0}]}
)
class _SinceField(StrictCharField):
    default_error_messages = {"date": "A date as YYYY-MM-DD, or empty."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and input_guard.iso_date(value) is None:  # fromisoformat reads 2026-W01-1
            self.fail("date")
        return value


LANGUAGE_HELP = "The document's language. Default: the request's (Accept-Language), else en."
# DRF fills {input} in with str.format; a lazy string keeps the reader's language.
INVALID_LANGUAGE = gettext_lazy('One of: en, de (not "{input}").')


def _language_field():
    return serializers.ChoiceField(
        choices=settings.LANGUAGES,  # the same choice set as the document's field (one enum)
        required=False,
        allow_null=True,
        help_text=LANGUAGE_HELP,
        error_messages={"invalid_choice": INVALID_LANGUAGE},
    )


class DocumentLanguageInput(serializers.Serializer):
    language = _language_field()


class TechnicalDocumentationQuery(serializers.Serializer):
    # No default from Accept-Language here: without the parameter the answer stays what it
    # always was (the latest PDF, whatever its language), so existing pipelines keep working.
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        error_messages={"invalid_choice": INVALID_LANGUAGE},
    )


class PortfolioReportInput(serializers.Serializer):
    # The body's types, checked before portfolio.clean_parameters reads its meaning (it read
    # {"since": {}} as "no date").

    team = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="A team slug; empty for every team.",
    )
    since = _SinceField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Decisions and deployments since this date (YYYY-MM-DD, not in the "
        'future); "" or null for all time.',
    )
    language = _language_field()


def _version(user, model_id, version: str) -> ModelVersion:
    return model_version_get(user=user, model_id=model_id, version=version)


class TechnicalDocumentationApi(generics.GenericAPIView):
    """EU AI Act technical documentation (Annex IV) of one version of a high-risk model."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.CATALOG_READ
    serializer_class = DocumentOutput
    pagination_class = None

    @extend_schema(
        operation_id="technical_documentation_download",
        summary="Download the latest Annex IV technical documentation",
        parameters=[
            OpenApiParameter(
                "language",
                OpenApiTypes.STR,
                enum=[code for code, _name in settings.LANGUAGES],
                description="The latest PDF in this language. Default: the latest PDF in "
                "whichever language it was generated (the `language` of the document; "
                "Accept-Language does not choose it).",
            )
        ],
        responses={**PDF, **ERROR_RESPONSES},
    )
    def get(self, request, model_id, version):
        row = _version(request.user, model_id, version)
        query = TechnicalDocumentationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        language = query.validated_data.get("language")
        document = selectors.latest_document(
            kind=Kind.ANNEX_IV, model_version=row, language=language
        )
        if document is None and language:
            raise NotFound(
                _(
                    "No technical documentation in %(language)s has been generated for this "
                    'version yet; POST {"language": "%(language)s"} to this address to '
                    "generate it."
                )
                % {"language": language}
            )
        if document is None:
            raise NotFound(
                _(
                    "No technical documentation has been generated for this version yet; "
                    "POST to this address to generate it."
                )
            )
        return pdf_response(document)

    @extend_schema(
        operation_id="technical_documentation_generate",
        summary="Generate Annex IV technical documentation (high-risk models only)",
        request=DocumentLanguageInput,
        responses={**ACCEPTED, **ERROR_RESPONSES},
    )
    def post(self, request, model_id, version):
        row = _version(request.user, model_id, version)
        body = DocumentLanguageInput(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        document = services.document_request(
            actor=request.user,
            kind=Kind.ANNEX_IV,
            model_version=row,
            language=body.validated_data.get("language"),
        )
        return document_status_response(document, status=202)


class PortfolioReportApi(generics.ListAPIView):
    """Portfolio compliance reports: generate one, or list the ones you requested."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.CATALOG_READ
    serializer_class = DocumentOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return GeneratedDocument.objects.none()
        return (
            selectors.document_visible(user=self.request.user)
            .filter(kind=Kind.PORTFOLIO, requested_by=self.request.user)
            .order_by("-created_at")
        )

    @extend_schema(
        operation_id="portfolio_reports_list",
        summary="Your portfolio reports, newest first",
        responses={200: DocumentOutput(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="portfolio_report_generate",
        summary="Generate a portfolio compliance report",
        request=PortfolioReportInput,
        responses={**ACCEPTED, **ERROR_RESPONSES},
    )
    def post(self, request):
        body = PortfolioReportInput(data=request.data)
        body.is_valid(raise_exception=True)
        raw = request.data
        if isinstance(raw, dict):  # the language is the document's, not a report parameter
            raw = {key: value for key, value in raw.items() if key != "language"}
        parameters = portfolio.clean_parameters(raw)
        document = services.document_request(
            actor=request.user,
            kind=Kind.PORTFOLIO,
            parameters=parameters,
            language=body.validated_data.get("language"),
        )
        return document_status_response(document, status=202)
