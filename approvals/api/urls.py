from django.urls import path

from approvals.api import views
from approvals.api.gate import gate_view

app_name = "approvals-api"

urlpatterns = [
    path(
        "deployment-requests/",
        views.DeploymentRequestCreateApi.as_view(),
        name="deployment-request-create",
    ),
    path(
        "deployment-requests/<uuid:request_id>/",
        views.DeploymentRequestDetailApi.as_view(),
        name="deployment-request-detail",
    ),
    path(
        "deployment-requests/<uuid:request_id>/decisions/",
        views.DecisionCreateApi.as_view(),
        name="deployment-request-decide",
    ),
    path("gate/", gate_view, name="gate"),
    path("deployments/", views.DeploymentCreateApi.as_view(), name="deployment-create"),
]
