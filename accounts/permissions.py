"""DRF permission: a token must carry the scope the endpoint needs; sessions are not scoped."""

from rest_framework.permissions import BasePermission

from accounts.models import ApiToken


def missing_scope_message(scope: str) -> str:
    """The 403's detail: which scope to add to the token (a CI owner fixes it in one step)."""
    return f"This token lacks the scope this endpoint needs: {scope}."


class TokenHasScope(BasePermission):
    """Views set ``required_scope``; a bearer token without it gets 403 naming the scope."""

    message = "This token lacks the scope this endpoint needs."

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return True
        required = getattr(view, "required_scope", None)
        if required is None or required in request.auth.scopes:
            return True
        self.message = missing_scope_message(required)  # DRF reads it from this instance
        if getattr(request.auth, "workload", None) is not None:
            self.message = (
                f"The trusted issuer rule {request.auth.workload.rule} grants no {required} "
                "scope: add it to the rule."
            )
        return False
