"""A model version's card over the API: Model Card Toolkit JSON, Hugging Face README, PDF, or
the version as a CycloneDX 1.6 ML-BOM or an SPDX 3.0.1 AI document (documents/exports/).

The format comes from ``?format=json|markdown|pdf|cyclonedx|spdx`` or else from the Accept
header (JSON by default). A PDF is answered only when a finished model-card document was made
from exactly the current records (its ``inputs_hash`` matches) with the current template;
otherwise one is requested and the answer is 202 with the document's status and a Location to
poll.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.permissions import TokenHasScope
from catalog.selectors import model_version_get
from common.api.schema import ERROR_RESPONSES
from documents import model_card_formats, services
from documents import selectors as document_selectors
from documents.api.documents import DocumentOutput, document_status_response, pdf_response
from documents.exports import cyclonedx, spdx
from documents.kinds import model_card

FORMATS = {
    "json": "application/json",
    "markdown": "text/markdown",
    "pdf": "application/pdf",
    "cyclonedx": cyclonedx.MEDIA_TYPE,
    "spdx": spdx.MEDIA_TYPE,
}


class HtmlSafeJSONRenderer(JSONRenderer):
    """JSON with ``<``, ``>`` and ``&`` written as ``\\u003c``-style escapes: the same data
    once parsed, but a model's ``<script>`` never appears raw in the body (they can only occur
    inside JSON strings, so the replacement is exact)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        body = super().render(data, accepted_media_type, renderer_context)
        return body.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")


class JsonAnswers(BaseContentNegotiation):
    """Errors and status answers are JSON whatever was asked; the view itself reads
    ``format`` and Accept (DRF's own ``?format=`` handling would 404 on "markdown")."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def requested_format(request) -> str:
    fmt = request.query_params.get("format")
    if fmt is not None:
        if fmt not in FORMATS:  # exactly as documented: an empty ?format= is refused too
            raise ValidationError({"format": [f"One of {', '.join(FORMATS)}."]})
        return fmt
    accept = request.headers.get("Accept", "")
    for name in ("pdf", "markdown", "cyclonedx", "spdx"):
        if FORMATS[name] in accept:
            return name
    return "json"


class ModelCardApi(APIView):
    """The model card of one version."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.CATALOG_READ
    content_negotiation_class = JsonAnswers
    renderer_classes = [HtmlSafeJSONRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=list(FORMATS),
                description="Overrides the Accept header. Default: json.",
            ),
            OpenApiParameter(
                "download",
                OpenApiTypes.BOOL,
                description="Answer with Content-Disposition: attachment (all but pdf).",
            ),
            OpenApiParameter(
                "language",
                OpenApiTypes.STR,
                enum=["en", "de"],
                description="format=pdf: the language of the PDF. Default: the request's "
                "(Accept-Language), else en.",
            ),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="Model Card Toolkit JSON (schema v0.0.2)."
            ),
            (200, "text/markdown"): OpenApiResponse(
                OpenApiTypes.STR, description="Hugging Face README.md with YAML front matter."
            ),
            (200, cyclonedx.MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="format=cyclonedx: CycloneDX 1.6 BOM, the version as a "
                "machine-learning-model component with its modelCard.",
            ),
            (200, spdx.MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="format=spdx: SPDX 3.0.1 JSON-LD with the AI profile (an "
                "ai_AIPackage, its CreationInfo, SpdxDocument and Relationship).",
            ),
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The PDF, made from the current records."
            ),
            202: OpenApiResponse(
                DocumentOutput,
                description="A PDF is being generated: poll the Location (status) URL.",
            ),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request, model_id, version):
        row = model_version_get(user=request.user, model_id=model_id, version=version)
        model = row.model_service
        fmt = requested_format(request)
        download = requested_download(request)
        filename = f"model-card-{model.name}-v{row.version}"
        if fmt == "pdf":
            language = _language(request.query_params.get("language"))
            with translation.override(language):  # the PDF's data is worded in its language
                data = model_card.card_data(row)
            document = document_selectors.model_card_current(row, data)
            if document is not None:
                return pdf_response(document)
            pending = document_selectors.model_card_pending(row)
            if pending is None or pending.language != language:
                pending = services.document_request(
                    actor=request.user, kind=model_card.KIND, model_version=row, language=language
                )
            return document_status_response(pending, status=202)
        data = model_card.card_data(row)
        if fmt == "markdown":
            response = HttpResponse(
                model_card_formats.to_huggingface_readme(data),
                content_type="text/markdown; charset=utf-8",
            )
            filename = "README.md"
        elif fmt in ("cyclonedx", "spdx"):
            response = HttpResponse(
                _html_safe_json(_bom(request, row, data, fmt)), content_type=FORMATS[fmt]
            )
            filename += ".cdx.json" if fmt == "cyclonedx" else ".spdx3.json"
            filename = filename.replace("model-card-", "", 1)
        else:
            response = Response(model_card_formats.to_model_card_toolkit(data))
            filename += ".json"
        if download:
            response["Content-Disposition"] = f'attachment; filename="{_safe(filename)}"'
        return response


def _bom(request, row, data: dict, fmt: str) -> dict:
    now = timezone.now()
    if fmt == "cyclonedx":
        return cyclonedx.to_cyclonedx(data, created=now)
    page = request.build_absolute_uri(
        reverse("documents:model-card", args=[row.model_service_id, row.version])
    )
    return spdx.to_spdx(
        data,
        namespace=request.build_absolute_uri(request.path),
        page_url=page,
        created=now,
        recorded=row.created_at,
    )


def _html_safe_json(value: dict) -> bytes:
    """JSON with ``<``, ``>`` and ``&`` escaped, as ``HtmlSafeJSONRenderer`` writes it."""
    body = json.dumps(value, ensure_ascii=False, indent=2).encode()
    return body.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")


def _language(value) -> str:
    """The ``language`` query parameter as a document language (a ValidationError, so a 400
    from the API's error handler, for anything else)."""
    return services.document_language(value)


def requested_download(request) -> bool:
    value = request.query_params.get("download")
    if value is None:
        return False
    if value not in ("true", "false", "1", "0"):
        raise ValidationError({"download": ["true or false."]})
    return value in ("true", "1")


def _safe(filename: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)[:150]
