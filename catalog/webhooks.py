"""``POST /webhooks/<source-slug>/``: the registry webhook receiver (an adapter)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from catalog import services


def _too_large(limit: int) -> str:
    return _("Body larger than %(limit)s bytes.") % {"limit": limit}


@csrf_exempt  # authenticated by the HMAC signature instead
@require_POST
def registry_webhook(request, source_slug: str):
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
        source_slug=source_slug, headers=request.headers, body=body, now=time.time()
    )
    return JsonResponse({"detail": answer.detail}, status=answer.status)
