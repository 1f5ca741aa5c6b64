"""Request id and channel for every request, so audit events can be traced to the request."""

from __future__ import annotations

import re
import uuid

from common import request_context

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Tag each request with an id (taken from ``X-Request-ID`` when sane) and its channel.

    The id is echoed in the response header; the channel is ``api`` under ``/api/``,
    ``webhook`` under ``/webhooks/`` and ``web`` otherwise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        if request.path.startswith("/api/"):
            source = "api"
        elif request.path.startswith("/webhooks/"):
            source = "webhook"
        else:
            source = "web"
        request.request_id = request_id
        token = request_context.set_for_request(
            request_context.RequestContext(
                request_id=request_id, source=source, ip_address=request.META.get("REMOTE_ADDR")
            )
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response
