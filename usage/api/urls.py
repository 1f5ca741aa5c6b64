from django.urls import path

from usage.api import views

app_name = "usage-api"

urlpatterns = [
    path("costs/imports/", views.CostImportCreateApi.as_view(), name="cost-import-create"),
    path(
        "deployments/<uuid:deployment_id>/usage-source/",
        views.UsageSourceSetApi.as_view(),
        name="usage-source",
    ),
    path(
        "deployments/<uuid:deployment_id>/usage/",
        views.UsageListApi.as_view(),
        name="usage-list",
    ),
    path("reports/usage-cost/", views.UsageCostReportApi.as_view(), name="usage-cost-report"),
]
