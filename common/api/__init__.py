"""Shared REST API pieces: pagination and the error shape ``{"detail": ..., "errors": {...}}``."""

from common.api.errors import exception_handler
from common.api.pagination import StandardPagination

__all__ = ["StandardPagination", "exception_handler"]
