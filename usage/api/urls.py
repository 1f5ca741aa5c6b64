from django.urls import path

from usage.api import budget_views, views

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
    # the metrics API's usage points (teams without Prometheus), beside POST /api/v1/metrics/
    path("metrics/usage/", views.UsagePointsRecordApi.as_view(), name="usage-points-create"),
    path("budgets/", budget_views.BudgetListCreateApi.as_view(), name="budget-list"),
    path("budgets/<uuid:budget_id>/", budget_views.BudgetDetailApi.as_view(), name="budget-detail"),
    path("reports/usage-cost/", views.UsageCostReportApi.as_view(), name="usage-cost-report"),
]
