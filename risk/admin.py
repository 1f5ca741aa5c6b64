"""Read-only admin pages for risk records. Assessments, obligations and evidence change only
through the audited services (the questionnaire and obligation pages)."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from risk.models import Evidence, Obligation, RiskAssessment


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(ReadOnlyAdmin):
    list_display = (
        "model_service",
        "revision",
        "status",
        "tier",
        "ruleset_version",
        "submitted_at",
    )
    list_filter = ("status", "tier", "ruleset_version")
    search_fields = ("model_service__name",)


@admin.register(Obligation)
class ObligationAdmin(ReadOnlyAdmin):
    list_display = ("model_service", "article", "title", "status", "due_date", "is_current")
    list_filter = ("status", "is_current")
    search_fields = ("model_service__name", "article", "title")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("obligation", "file_name", "link", "sha256", "created_at")
    search_fields = ("file_name", "link", "sha256")
