"""DRF permission: a token must carry the scope the endpoint needs; sessions are not scoped."""

from rest_framework.permissions import BasePermission

from accounts.models import ApiToken


class TokenHasScope(BasePermission):
    """Views set ``required_scope``; a bearer token without it gets 403."""

    message = "This token lacks the scope this endpoint needs."

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return True
        required = getattr(view, "required_scope", None)
        return required is None or required in request.auth.scopes
