from django.contrib import admin

from catalog.models import ModelService, ModelVersion, RegistrySource


class ReadOnlyAdmin(admin.ModelAdmin):
    """Catalog changes go through services (audited), so the admin only shows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RegistrySource)
class RegistrySourceAdmin(ReadOnlyAdmin):
    list_display = ("slug", "kind", "base_url", "is_active")


@admin.register(ModelService)
class ModelServiceAdmin(ReadOnlyAdmin):
    list_display = ("name", "owner_team", "lifecycle_status", "risk_tier")
    list_filter = ("lifecycle_status", "risk_tier", "owner_team")
    search_fields = ("name", "registry_name")


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("model_service", "version", "status", "registry_created_at")
    search_fields = ("model_service__name", "version")
