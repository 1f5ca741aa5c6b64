"""URL map. Fixed contracts (see ARCHITECTURE.md): /api/v1/..., /api/schema/, /api/docs/,
/healthz, /readyz, /webhooks/<source-slug>/."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from catalog import webhooks as catalog_webhooks
from common import views as common_views

# Under /api/ these answer the API's JSON error shape (an unmatched or malformed address such
# as /api/v1/models/not-a-uuid/ never reaches DRF); elsewhere the portal's pages.
handler400 = "common.api.views.error_400"
handler403 = "common.api.views.error_403"
handler404 = "common.api.views.error_404"
handler500 = "common.api.views.error_500"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:dashboard", permanent=False)),
    path("healthz", common_views.healthz, name="healthz"),
    path("readyz", common_views.readyz, name="readyz"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("accounts.sso.urls")),
    path("models/", include("catalog.urls")),
    path("audit/", include("audit.urls")),
    path("", include("risk.urls")),
    path("", include("approvals.urls")),
    path("", include("documents.urls")),
    path("", include("monitoring.urls")),
    path("", include("usage.urls")),
    path("", include("notifications.urls")),
    path("", include("portal.urls")),
    path("registries/", include("catalog.registry_urls")),
    path("api/v1/", include("catalog.api.urls")),
    path("api/v1/", include("risk.api.urls")),
    path("api/v1/", include("approvals.api.urls")),
    path("api/v1/", include("documents.api.urls")),
    path("api/v1/", include("audit.api.urls")),
    path("api/v1/", include("monitoring.api.urls")),
    path("api/v1/", include("usage.api.urls")),
    path(
        "webhooks/<slug:source_slug>/", catalog_webhooks.registry_webhook, name="registry-webhook"
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
