from django.urls import path

from documents import soa_views, usage_views, views

app_name = "documents"

urlpatterns = [
    path("documents/<uuid:document_id>/", views.document_detail, name="document-detail"),
    path(
        "documents/<uuid:document_id>/download/",
        views.document_download,
        name="document-download",
    ),
    path(
        "models/<uuid:model_id>/versions/<str:version>/documents/<str:kind>/",
        views.document_request_for_version,
        name="document-request",
    ),
    path(
        "requests/<uuid:request_id>/evidence-pack/",
        views.evidence_pack_request_for_deployment_request,
        name="request-evidence-pack",
    ),
    path(
        "models/<uuid:model_id>/versions/<str:version>/card/",
        views.model_card_detail,
        name="model-card",
    ),
    path(
        "models/<uuid:model_id>/frameworks/iso42001-soa.pdf",
        soa_views.model_soa_pdf,
        name="model-soa-pdf",
    ),
    path("usage/report.pdf", usage_views.usage_report_pdf, name="usage-report-pdf"),
    # Reports (portfolio compliance reports)
    path("reports/", views.report_list, name="report-list"),
    path("reports/generate/", views.report_create, name="report-create"),
]
