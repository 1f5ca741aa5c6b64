"""Django's error handlers (``config/urls.py``), answering the API's JSON error shape under
``/api/`` and the portal's pages elsewhere.

A URL under ``/api/`` that matches nothing (``/api/v1/models/not-a-uuid/``), a 400 Django
raises itself (a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``) and an unexpected 500 never reach
DRF's exception handler; an API client still gets ``{"detail": ..., "errors": {}}``.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from common import views as page_views


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _answer(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": {}}, status=status)


def error_400(request, exception=None):
    if _is_api(request):
        return _answer(_("The request is malformed."), 400)
    return defaults.bad_request(request, exception)


def error_403(request, exception=None):
    if _is_api(request):
        return _answer(_("You do not have permission to perform this action."), 403)
    return page_views.error_403(request, exception)


def error_404(request, exception=None):
    if _is_api(request):
        return _answer(_("No API endpoint or object at this address."), 404)
    return page_views.error_404(request, exception)


def error_500(request):
    if _is_api(request):
        return _answer(
            _("Internal error; the request id in X-Request-ID helps the operators find it."), 500
        )
    return page_views.error_500(request)
