"""Template context shared by every page: navigation, and the audit-trail alarm."""

from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from accounts.roles import can_read_audit_log, is_admin
from approvals.selectors import inbox
from audit.tasks import VERIFICATION_CACHE_KEY


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_can_read_audit": False, "nav_is_admin": False, "audit_alarm": None}
    readers = can_read_audit_log(user)
    people = not getattr(user, "is_service_account", False)
    return {
        "nav_can_read_audit": readers,
        "nav_is_admin": is_admin(user),
        "audit_alarm": _audit_alarm() if readers else None,
        "nav_show_reviews": people,
        # Lazy: one COUNT query, only when a page shows the navigation.
        "nav_inbox_count": SimpleLazyObject(lambda: _inbox_count(user)) if people else 0,
    }


def _inbox_count(user) -> int:
    """Deployment requests waiting for this user's decision."""
    return inbox(user=user).count()


def _audit_alarm():
    """The last nightly verification, when it found the audit trail broken."""
    try:
        result = cache.get(VERIFICATION_CACHE_KEY)
    except Exception:  # the cache being down must not break every page
        return None
    return result if result and not result.get("intact") else None
