from django.urls import path

from risk.api import views

app_name = "risk-api"

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
]
