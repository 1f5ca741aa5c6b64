"""Shared REST API pieces: pagination, the guarded JSON parser (``parsers``), fields whose
schema says what they accept (``fields``), and the error shape ``{"detail": ..., "errors": {...}}``
for DRF (``errors``) and for Django's own 400/403/404/500 under ``/api/`` (``views``)."""

from common.api.errors import exception_handler
from common.api.pagination import StandardPagination

__all__ = ["StandardPagination", "exception_handler"]
