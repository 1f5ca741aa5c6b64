from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("models/<uuid:model_id>/monitoring/", views.model_monitoring, name="model-monitoring"),
    path(
        "models/<uuid:model_id>/monitoring/thresholds/new/",
        views.threshold_create,
        name="threshold-create",
    ),
    path("thresholds/<uuid:threshold_id>/", views.threshold_edit, name="threshold-edit"),
    path("thresholds/<uuid:threshold_id>/delete/", views.threshold_delete, name="threshold-delete"),
    path("alerts/", views.alert_list, name="alert-list"),
    path("alerts/<uuid:alert_id>/", views.alert_detail, name="alert-detail"),
    path("alerts/<uuid:alert_id>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<uuid:alert_id>/resolve/", views.alert_resolve, name="alert-resolve"),
    path("models/<uuid:model_id>/incidents/", views.incident_list, name="incident-list"),
    path("models/<uuid:model_id>/incidents/new/", views.incident_create, name="incident-create"),
    path("incidents/", views.incident_open_list, name="incident-open-list"),
    path("incidents/<uuid:incident_id>/", views.incident_detail, name="incident-detail"),
    path("incidents/<uuid:incident_id>/edit/", views.incident_edit, name="incident-edit"),
    path(
        "recertifications/<uuid:review_id>/complete/",
        views.review_complete,
        name="review-complete",
    ),
]
