"""Read-only admin page for generated documents (rendered by the audited document services)."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from documents.models import GeneratedDocument


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ReadOnlyAdmin):
    list_display = ("kind", "model_service", "revision", "status", "generated_at", "file_sha256")
    list_filter = ("kind", "status")
    search_fields = ("model_service__name", "file_sha256")
