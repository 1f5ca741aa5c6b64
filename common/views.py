"""Health endpoints and error pages. No business logic lives here."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """The process is up and answering. Checks nothing else, on purpose (liveness probe)."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        logger.warning("readyz: database unreachable: %s", exc)
        return "unreachable"
    return None


def _check_broker() -> str | None:
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except Exception as exc:
        logger.warning("readyz: broker unreachable: %s", exc)
        return "unreachable"
    return None


@never_cache
@require_GET
def readyz(request):
    """Database (and Redis, when configured) reachable: 200, else 503 naming what is down."""
    checks = {"database": _check_database() or "ok"}
    checks["broker"] = (_check_broker() or "ok") if settings.REDIS_URL else "not configured"
    ready = all(value in ("ok", "not configured") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # No request context: the failure may be the database that context processors would query.
    return HttpResponseServerError(loader.get_template("500.html").render())
