from django.urls import path

from audit.api import views

app_name = "audit-api"

urlpatterns = [path("audit-events/", views.AuditEventListApi.as_view(), name="event-list")]
