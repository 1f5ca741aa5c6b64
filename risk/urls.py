from django.urls import path

from risk import views

app_name = "risk"

urlpatterns = [
    path("models/<uuid:model_id>/risk/", views.assessment_detail, name="assessment-detail"),
    path("models/<uuid:model_id>/risk/assess/", views.assessment_edit, name="assessment-edit"),
    path(
        "models/<uuid:model_id>/risk/r<int:revision>/",
        views.assessment_detail,
        name="assessment-revision",
    ),
    path(
        "models/<uuid:model_id>/risk/r<int:revision>/review/",
        views.assessment_review,
        name="assessment-review",
    ),
    path(
        "models/<uuid:model_id>/risk/r<int:revision>/confirm/",
        views.assessment_confirm,
        name="assessment-confirm",
    ),
    path(
        "models/<uuid:model_id>/risk/r<int:revision>/return/",
        views.assessment_return,
        name="assessment-return",
    ),
    path("obligations/<uuid:obligation_id>/", views.obligation_update, name="obligation-update"),
    path("obligations/<uuid:obligation_id>/evidence/", views.evidence_add, name="evidence-add"),
    path("evidence/<uuid:evidence_id>/", views.evidence_download, name="evidence-download"),
]
