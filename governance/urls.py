from django.urls import path

from governance import approval_views, document_views, report_views, views

app_name = "governance"

urlpatterns = [
    path("models/<uuid:model_id>/risk/", views.assessment_detail, name="assessment-detail"),
    path("models/<uuid:model_id>/risk/assess/", views.assessment_edit, name="assessment-edit"),
    path(
        "models/<uuid:model_id>/risk/r<int:revision>/",
        views.assessment_detail,
        name="assessment-revision",
    ),
    path("obligations/<uuid:obligation_id>/", views.obligation_update, name="obligation-update"),
    path("obligations/<uuid:obligation_id>/evidence/", views.evidence_add, name="evidence-add"),
    path("evidence/<uuid:evidence_id>/", views.evidence_download, name="evidence-download"),
    # Deployment approvals
    path("reviews/", approval_views.inbox, name="inbox"),
    path(
        "models/<uuid:model_id>/deployments/request/",
        approval_views.request_create,
        name="request-create",
    ),
    path("requests/<uuid:request_id>/", approval_views.request_detail, name="request-detail"),
    path(
        "requests/<uuid:request_id>/decide/", approval_views.request_decide, name="request-decide"
    ),
    path(
        "requests/<uuid:request_id>/submit/", approval_views.request_submit, name="request-submit"
    ),
    path(
        "requests/<uuid:request_id>/withdraw/",
        approval_views.request_withdraw,
        name="request-withdraw",
    ),
    path(
        "requests/<uuid:request_id>/revoke/", approval_views.request_revoke, name="request-revoke"
    ),
    # Generated documents
    path("documents/<uuid:document_id>/", document_views.document_detail, name="document-detail"),
    path(
        "documents/<uuid:document_id>/download/",
        document_views.document_download,
        name="document-download",
    ),
    path(
        "models/<uuid:model_id>/versions/<str:version>/documents/<str:kind>/",
        document_views.document_request_for_version,
        name="document-request",
    ),
    path(
        "models/<uuid:model_id>/versions/<str:version>/card/",
        document_views.model_card_detail,
        name="model-card",
    ),
    # Reports (portfolio compliance reports)
    path("reports/", report_views.report_list, name="report-list"),
    path("reports/generate/", report_views.report_create, name="report-create"),
]
