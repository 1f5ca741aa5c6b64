from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("accounts/notifications/", views.subscription_edit, name="subscription-edit"),
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
    path("settings/notifications/", views.channel_list, name="channel-list"),
    path("settings/notifications/<uuid:channel_id>/", views.channel_detail, name="channel-detail"),
    path(
        "settings/notifications/<uuid:channel_id>/toggle/",
        views.channel_toggle,
        name="channel-toggle",
    ),
    path(
        "settings/notifications/<uuid:channel_id>/delete/",
        views.channel_delete,
        name="channel-delete",
    ),
    path(
        "settings/notifications/<uuid:channel_id>/messages/<uuid:message_id>/resend/",
        views.message_resend,
        name="message-resend",
    ),
]
