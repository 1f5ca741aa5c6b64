"""Template context shared by every page: the navigation the signed-in user may use."""

from accounts.roles import can_read_audit_log, is_admin


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_can_read_audit": False, "nav_is_admin": False}
    return {"nav_can_read_audit": can_read_audit_log(user), "nav_is_admin": is_admin(user)}
