"""DRF object permission: reading a catalog entry (and its children) needs view permission."""

from rest_framework.permissions import BasePermission

from catalog.selectors import model_service_can_view


class CanViewModelService(BasePermission):
    """Defence in depth behind the selector: objects fetched by it are visible already; any
    other code path that hands DRF a catalog entry is checked again here (404, not 403)."""

    def has_object_permission(self, request, view, obj):
        return model_service_can_view(request.user, obj)
