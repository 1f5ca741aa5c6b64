"""Generated documents over the API: status and download of any document version."""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.permissions import TokenHasScope
from common.api.schema import ERROR_RESPONSES
from documents import selectors
from documents.models import GeneratedDocument


class DocumentOutput(serializers.ModelSerializer):
    # Null for portfolio reports, which belong to no model and no version.
    model = serializers.CharField(source="model_service.name", default=None, allow_null=True)
    version = serializers.CharField(source="model_version.version", default=None, allow_null=True)
    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedDocument
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "progress_label",
            "model",
            "version",
            "revision",
            "parameters",
            "language",
            "template_version",
            "inputs_hash",
            "content_hash",
            "file_sha256",
            "signature_level",
            "signer_fingerprint",
            "pages",
            "size",
            "generated_at",
            "error",
            "status_url",
            "download_url",
        ]

    def get_status_url(self, obj) -> str:
        return reverse("documents-api:document-detail", args=[obj.pk])

    def get_download_url(self, obj) -> str | None:
        if obj.status != GeneratedDocument.Status.DONE:
            return None
        return reverse("documents-api:document-download", args=[obj.pk])


def document_status_response(document, status=200) -> Response:
    response = Response(DocumentOutput(document).data, status=status)
    if status == 202:
        response["Location"] = reverse("documents-api:document-detail", args=[document.pk])
    return response


def pdf_response(document) -> FileResponse:
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.download_name,
        content_type=document.media_type,
    )
    response["X-Content-SHA256"] = document.content_hash
    return response


class DocumentDetailApi(APIView):
    """Status of a generated document (poll it after a 202)."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.CATALOG_READ

    @extend_schema(responses={200: DocumentOutput, **ERROR_RESPONSES})
    def get(self, request, document_id):
        return document_status_response(selectors.document_get(user=request.user, pk=document_id))


class DocumentDownloadApi(APIView):
    """The file of a finished document version: a PDF, or an evidence pack's ZIP."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scope = ApiToken.Scope.CATALOG_READ

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF"),
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="An evidence pack (signed ZIP)"
            ),
            **ERROR_RESPONSES,
        }
    )
    def get(self, request, document_id):
        document = selectors.document_get(user=request.user, pk=document_id)
        if document.status != GeneratedDocument.Status.DONE:
            raise NotFound("This document is not ready yet; poll its status.")
        return pdf_response(document)
