from django.urls import path

from governance.api import approvals, views

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
]
