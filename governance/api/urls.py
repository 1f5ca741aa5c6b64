from django.urls import path

from governance.api import approvals, documents, model_cards, reports, views

app_name = "governance-api"

urlpatterns = [
    path(
        "models/<uuid:model_id>/risk-assessment/",
        views.RiskAssessmentApi.as_view(),
        name="risk-assessment",
    ),
    path(
        "models/<uuid:model_id>/obligations/", views.ObligationListApi.as_view(), name="obligations"
    ),
    path(
        "obligations/<uuid:obligation_id>/evidence/",
        views.EvidenceCreateApi.as_view(),
        name="evidence-create",
    ),
    path(
        "deployment-requests/",
        approvals.DeploymentRequestCreateApi.as_view(),
        name="deployment-request-create",
    ),
    path(
        "deployment-requests/<uuid:request_id>/",
        approvals.DeploymentRequestDetailApi.as_view(),
        name="deployment-request-detail",
    ),
    path(
        "deployment-requests/<uuid:request_id>/decisions/",
        approvals.DecisionCreateApi.as_view(),
        name="deployment-request-decide",
    ),
    path("gate/", approvals.GateApi.as_view(), name="gate"),
    path("deployments/", approvals.DeploymentCreateApi.as_view(), name="deployment-create"),
    path(
        "documents/<uuid:document_id>/",
        documents.DocumentDetailApi.as_view(),
        name="document-detail",
    ),
    path(
        "documents/<uuid:document_id>/download/",
        documents.DocumentDownloadApi.as_view(),
        name="document-download",
    ),
    path(
        "models/<uuid:model_id>/versions/<str:version>/model-card",
        model_cards.ModelCardApi.as_view(),
        name="model-card",
    ),
    path(
        "models/<uuid:model_id>/versions/<str:version>/technical-documentation",
        reports.TechnicalDocumentationApi.as_view(),
        name="technical-documentation",
    ),
    path("reports/portfolio", reports.PortfolioReportApi.as_view(), name="portfolio-reports"),
]
