"""One error shape for the API: ``{"detail": "<what went wrong>", "errors": {field: [...]}}``.

The only place the API turns an exception into an answer (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``).
The typed errors of ``common.errors`` arrive here from the services unchanged: a Django
``ValidationError`` is a 400 with its per-field messages, ``PermissionDenied`` a 403, ``NotFound``
/ ``Http404`` / ``ObjectDoesNotExist`` a 404, ``Conflict`` a 409 (with any extra keys it carries,
e.g. the gate's ``reasons``). DRF's own exceptions (serializer errors, 401, 429) get the same shape.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from common import errors

NON_FIELD = "non_field_errors"


def _field_errors(exc: errors.ValidationError) -> dict[str, list[str]]:
    """A Django ``ValidationError``'s messages by field; messages naming no field go under
    ``non_field_errors`` (DRF's name for them)."""
    if not hasattr(exc, "error_dict"):
        return {NON_FIELD: exc.messages}
    return {
        (NON_FIELD if field == "__all__" else field): messages
        for field, messages in exc.message_dict.items()
    }


def exception_handler(exc, context):
    if isinstance(exc, errors.ValidationError):
        field_errors = _field_errors(exc)
        # An API whose input nests what the service checks (``{"answers": {...}}``) says where.
        under = getattr(context.get("view"), "service_errors_under", None)
        exc = exceptions.ValidationError({under: field_errors} if under else field_errors)
    elif isinstance(exc, errors.RequestRefused):
        set_rollback()
        return Response(exc.as_json(), status=exc.status_code)
    elif isinstance(exc, errors.ObjectDoesNotExist):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field_errors = (
            response.data if isinstance(response.data, dict) else {NON_FIELD: response.data}
        )
        response.data = {"detail": _("The request is invalid; see errors."), "errors": field_errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "errors": {}}
    return response
