from django.urls import path

from audit.api import views

app_name = "audit-api"

urlpatterns = [
    path("audit-events/", views.AuditEventListApi.as_view(), name="event-list"),
    path("audit-events/<uuid:event_id>/", views.AuditEventDetailApi.as_view(), name="event-detail"),
    path(
        "audit-events/<uuid:event_id>/proof", views.AuditEventProofApi.as_view(), name="event-proof"
    ),
    path("audit/consistency/", views.AuditConsistencyApi.as_view(), name="consistency"),
    path("audit/tree-heads/", views.AuditTreeHeadListApi.as_view(), name="tree-heads"),
    path("audit/public-key/", views.AuditPublicKeyApi.as_view(), name="public-key"),
]
