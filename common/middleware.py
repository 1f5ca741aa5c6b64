"""Request id, channel and client address for every request, so audit events can be traced to
the request and rate limits count the real client (common/client_address.py)."""

from __future__ import annotations

import re
import uuid

from django.conf import settings

from common import request_context
from common.client_address import client_address, parse_trusted_proxies

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
        # The client, not the proxy in front of us (X-Forwarded-For only from trusted proxies).
        request.client_address = client_address(
            request.META.get("REMOTE_ADDR", ""),
            request.META.get("HTTP_X_FORWARDED_FOR", ""),
            parse_trusted_proxies(settings.ATTEST_TRUSTED_PROXIES),
        )
        token = request_context.set_for_request(
            request_context.RequestContext(
                request_id=request_id, source=source, ip_address=request.client_address or None
            )
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ServiceErrorPageMiddleware:
    """A typed service error that reached a page unhandled answers its own 4xx page, not a 500.

    Pages normally catch service errors through ``common.forms.form_errors`` and show them by
    the form; this is the net under that (a ``Conflict`` from a service a page calls outside
    the helper). The API has its own handler (``common.api.errors``); 403 and 404 have Django's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import ValidationError
        from django.http import Http404
        from django.shortcuts import render

        from common.errors import RequestRefused

        if request.path.startswith("/api/") or isinstance(exception, Http404):
            return None
        if isinstance(exception, RequestRefused):
            status, detail = exception.status_code, exception.detail
        elif isinstance(exception, ValidationError):
            status, detail = 400, " ".join(exception.messages)
        else:
            return None
        return render(request, "refused.html", {"status": status, "detail": detail}, status=status)


class ProductErrorPagesMiddleware:
    """With DEBUG on (the embedded demo), answer Attest's own 404 and 500 pages instead of
    Django's yellow technical ones, which show settings and URL patterns and look broken to a
    new user. ``ATTEST_TECHNICAL_ERROR_PAGES=true`` brings the technical pages back for
    developers; the traceback is logged either way. It sees responses, not exceptions, so it also
    catches the 404 for an address no URL pattern matches (raised before any view runs)."""

    TECHNICAL_MARK = b"DEBUG = True</code>"  # in both technical_404 and technical_500

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not settings.DEBUG or settings.ATTEST_TECHNICAL_ERROR_PAGES:
            return response
        if response.status_code not in (404, 500) or response.streaming:
            return response
        if self.TECHNICAL_MARK not in response.content:
            return response
        from common.api import views as error_views

        if response.status_code == 404:
            return error_views.error_404(request)
        return error_views.error_500(request)
