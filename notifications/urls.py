from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("settings/webhooks/", views.webhook_list, name="webhook-list"),
    path("settings/webhooks/new/", views.webhook_create, name="webhook-create"),
    path("settings/webhooks/<uuid:endpoint_id>/", views.webhook_detail, name="webhook-detail"),
    path("settings/webhooks/<uuid:endpoint_id>/edit/", views.webhook_edit, name="webhook-edit"),
    path(
        "settings/webhooks/<uuid:endpoint_id>/toggle/", views.webhook_toggle, name="webhook-toggle"
    ),
    path(
        "settings/webhooks/<uuid:endpoint_id>/rotate-secret/",
        views.webhook_rotate,
        name="webhook-rotate",
    ),
    path(
        "settings/webhooks/<uuid:endpoint_id>/delete/", views.webhook_delete, name="webhook-delete"
    ),
    path(
        "settings/webhooks/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook-redeliver",
    ),
]
