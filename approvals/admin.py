"""Read-only admin pages for approvals. Requests and decisions change only through the audited
services (the review pages and the API); the database refuses other changes anyway."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from approvals.models import ApprovalDecision, Deployment, DeploymentRequest, DriftFinding


@admin.register(DeploymentRequest)
class DeploymentRequestAdmin(ReadOnlyAdmin):
    list_display = ("model_service", "model_version", "environment", "state", "submitted_at")
    list_filter = ("state", "environment", "channel")
    search_fields = ("model_service__name",)


@admin.register(ApprovalDecision)
class ApprovalDecisionAdmin(ReadOnlyAdmin):
    list_display = ("request", "approver", "verdict", "created_at")
    list_filter = ("verdict",)


@admin.register(Deployment)
class DeploymentAdmin(ReadOnlyAdmin):
    list_display = ("model_service", "model_version", "environment", "created_at")
    list_filter = ("environment",)


@admin.register(DriftFinding)
class DriftFindingAdmin(ReadOnlyAdmin):
    list_display = ("model_service", "alias", "created_at")
