from django.urls import path

from risk import framework_views, ruleset_change_views, views

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
    path(
        "models/<uuid:model_id>/frameworks/",
        framework_views.model_frameworks,
        name="model-frameworks",
    ),
    path(
        "models/<uuid:model_id>/frameworks/iso42001-soa.csv",
        framework_views.model_soa_export,
        name="model-soa-export",
    ),
    path(
        "models/<uuid:model_id>/frameworks/nist-ai-rmf-profile.csv",
        framework_views.model_nist_profile_export,
        name="model-nist-profile-export",
    ),
    path("frameworks/", framework_views.framework_coverage, name="framework-coverage"),
    path("risk/ruleset-change/", ruleset_change_views.ruleset_change, name="ruleset-change"),
    path(
        "models/<uuid:model_id>/risk/obligations/plan/",
        views.obligation_plan,
        name="obligation-plan",
    ),
    path("obligations/<uuid:obligation_id>/", views.obligation_update, name="obligation-update"),
    path("obligations/<uuid:obligation_id>/evidence/", views.evidence_add, name="evidence-add"),
    path("evidence/<uuid:evidence_id>/", views.evidence_download, name="evidence-download"),
]
