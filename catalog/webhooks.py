"""``POST /webhooks/<source-slug>/``: the registry webhook receiver (an adapter)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from catalog import services


def _too_large(limit: int) -> str:
    return _("Body larger than %(limit)s bytes.") % {"limit": limit}


def _respond(answer) -> HttpResponse:
    if answer.body is None and answer.status == 200 and not answer.detail:
        response = HttpResponse(status=200)  # OPTIONS: the answer is in the headers
    else:
        response = JsonResponse(
            answer.body if answer.body is not None else {"detail": answer.detail},
            status=answer.status,
        )
    for name, value in answer.headers.items():
        response[name] = value
    return response


@csrf_exempt  # authenticated by the HMAC signature (or the registry's key) instead
@require_http_methods(["POST", "OPTIONS"])
def registry_webhook(request, source_slug: str):
    query = {"key": request.GET.get("key", "")} if "key" in request.GET else {}
    if request.method == "OPTIONS":  # CloudEvents' endpoint validation (Azure Event Grid)
        return _respond(
            services.registry_delivery_options(
                source_slug=source_slug, headers=request.headers, query=query
            )
        )
    limit = settings.ATTEST_WEBHOOK_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return JsonResponse({"detail": _("Malformed Content-Length.")}, status=400)
    if declared > limit:
        # Refuse before reading (or verifying) anything.
        return JsonResponse({"detail": _too_large(limit)}, status=413)
    try:
        body = request.read(limit + 1)
    except (RequestDataTooBig, OSError):
        return JsonResponse({"detail": _too_large(limit)}, status=413)
    if len(body) > limit:
        return JsonResponse({"detail": _too_large(limit)}, status=413)
    answer = services.registry_delivery_receive(
        source_slug=source_slug, headers=request.headers, body=body, now=time.time(), query=query
    )
    return _respond(answer)
