"""Template context shared by every page: navigation, and the audit-trail alarm."""

from accounts.roles import can_read_audit_log, is_admin


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_can_read_audit": False, "nav_is_admin": False, "audit_alarm": None}
    readers = can_read_audit_log(user)
    return {
        "nav_can_read_audit": readers,
        "nav_is_admin": is_admin(user),
        "audit_alarm": _audit_alarm() if readers else None,
    }


def _audit_alarm():
    """The last nightly verification, when it found the audit trail broken."""
    from django.core.cache import cache

    from audit.tasks import VERIFICATION_CACHE_KEY

    try:
        result = cache.get(VERIFICATION_CACHE_KEY)
    except Exception:  # the cache being down must not break every page
        return None
    return result if result and not result.get("intact") else None
