from django.urls import path

from documents.api import documents, evidence_packs, model_cards, reports

app_name = "documents-api"

urlpatterns = [
    path(
        "documents/signing-certificate/",
        evidence_packs.SigningCertificateApi.as_view(),
        name="signing-certificate",
    ),
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
    path(
        "models/<uuid:model_id>/versions/<str:version>/evidence-pack",
        evidence_packs.EvidencePackApi.as_view(),
        name="evidence-pack",
    ),
    path(
        "deployment-requests/<uuid:request_id>/evidence-pack",
        evidence_packs.DeploymentRequestEvidencePackApi.as_view(),
        name="deployment-request-evidence-pack",
    ),
    path("reports/portfolio", reports.PortfolioReportApi.as_view(), name="portfolio-reports"),
]
