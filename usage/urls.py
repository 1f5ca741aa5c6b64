from django.urls import path

from usage import budget_views, import_views, source_views, views

app_name = "usage"

urlpatterns = [
    path("models/<uuid:model_id>/usage/", views.model_usage, name="model-usage"),
    path(
        "models/<uuid:model_id>/usage/source/",
        source_views.usage_source_set,
        name="usage-source-set",
    ),
    path("usage/", views.usage_report, name="report"),
    path("usage/report.csv", views.usage_report_csv, name="report-csv"),
    path("usage/imports/", import_views.cost_import_upload, name="cost-import"),
    path("usage/budgets/", budget_views.budget_set, name="budget-set"),
    path("usage/budgets/<uuid:pk>/delete/", budget_views.budget_delete, name="budget-delete"),
]
