"""The typed errors services raise, and what each means to the person who caused it.

One DRF handler (``common.api.errors.exception_handler``) turns them into the API's answer
``{"detail": ..., "errors": {field: [...]}}`` and one helper (``common.forms.form_errors``)
into form errors, so no view translates an error by hand:

- ``ValidationError`` (Django's own, raised with a field dict): the input is wrong; 400, or the
  messages next to the fields of the form.
- ``Forbidden`` (Django's ``PermissionDenied``): a visible object, an action the actor may not
  take; 403, or Django's 403 page.
- ``NotFound`` (an ``Http404``; ``ObjectDoesNotExist`` counts too): nothing the actor may see by
  that name; 404, or Django's 404 page. An object outside your scope is a 404, never a 403.
- ``Conflict``: the action clashes with the object's current state; 409, or a message above the
  form. A subclass may carry more of the answer (the approvals' ``GateRefused`` adds
  ``reasons``).
- ``RequestRefused``: the base of ``Conflict`` and ``NotFound``, for a refusal with its own
  status (a body too large, 413) raised by pure parsing code.

Imports no app: every app may raise these.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404

Forbidden = PermissionDenied

__all__ = [
    "Conflict",
    "Forbidden",
    "Http404",
    "NotFound",
    "ObjectDoesNotExist",
    "PermissionDenied",
    "RequestRefused",
    "ValidationError",
]


class RequestRefused(Exception):
    """A refusal with an HTTP status, a one-line ``detail``, per-field ``errors`` and any
    ``extra`` keys of the API answer (kept beside ``detail`` and ``errors``)."""

    status_code = 400

    def __init__(
        self,
        detail: str,
        errors: dict[str, list[str]] | None = None,
        *,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = dict(errors or {})
        self.extra = dict(extra or {})
        if status_code is not None:
            self.status_code = status_code

    def as_json(self) -> dict[str, Any]:
        """The API answer: ``{"detail": ..., "errors": {...}, **extra}``."""
        return {**self.extra, "detail": self.detail, "errors": self.errors}


class Conflict(RequestRefused):
    """The action clashes with the current state of what it acts on (HTTP 409): deciding a
    request twice, resolving a resolved alert."""

    status_code = 409

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None):
        super().__init__(detail, extra=extra)


class NotFound(RequestRefused, Http404):
    """Nothing by that name that the actor may see (HTTP 404; in pages, Django's 404). May
    list which parts of the input named nothing, as ``errors``."""

    status_code = 404

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail, errors)
