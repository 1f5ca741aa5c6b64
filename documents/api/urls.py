from django.urls import path

from documents.api import documents, model_cards, reports

app_name = "documents-api"

urlpatterns = [
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
