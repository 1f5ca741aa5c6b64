from django.urls import path

from monitoring.api import views

app_name = "monitoring-api"

urlpatterns = [
    path("metrics/", views.MetricBatchCreateApi.as_view(), name="metric-batch-create"),
    path(
        "models/<uuid:model_id>/versions/<str:version>/schema/",
        views.SchemaCreateApi.as_view(),
        name="schema-create",
    ),
]
