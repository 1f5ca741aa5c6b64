"""Read-only audit API (``GET /api/v1/audit-events/``) for auditors' tools."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated

from audit.models import AuditEvent
from audit.selectors import AUDIT_LOG_PERMISSION, AuditFilters, audit_event_list
from common.api.pagination import StrictPageSize
from common.api.schema import ERROR_RESPONSES


class AuditEventOutput(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "seq",
            "occurred_at",
            "actor_id",
            "actor_label",
            "source",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "subject_id",
            "before",
            "after",
            "request_id",
            "ip_address",
            "prev_hash",
            "hash",
        ]


class CanReadAuditLog(BasePermission):
    """Auditors, compliance officers and admins; a token also needs the audit:read scope."""

    message = "Reading the audit trail needs the auditor role (and, for tokens, audit:read)."

    def has_permission(self, request, view):
        scopes = getattr(request.auth, "scopes", None)
        if scopes is not None and "audit:read" not in scopes:
            return False
        return request.user.has_perm(AUDIT_LOG_PERMISSION)


class SeqCursor(StrictPageSize, CursorPagination):
    """Keyset pagination on the sequence: constant cost at any depth, millions of rows."""

    ordering = "-seq"
    page_size = 100
    max_page_size = 1000

    def decode_cursor(self, request):
        # DRF passes the cursor's position to the query unchecked: a forged "p=abc" was a 500.
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor is not None else None
        if position is not None and not (
            position.isascii() and position.isdigit() and len(position) <= 19
        ):
            raise NotFound(self.invalid_cursor_message)
        return cursor


@extend_schema(
    parameters=[
        *(OpenApiParameter(name, str) for name in ("action", "actor", "source", "target_type")),
        OpenApiParameter("subject", OpenApiTypes.UUID, description="A model id."),
    ],
    responses={200: AuditEventOutput(many=True), **ERROR_RESPONSES},
)
class AuditEventListApi(generics.ListAPIView):
    """The audit trail, newest first, with the hash-chain fields of every event."""

    serializer_class = AuditEventOutput
    permission_classes = [IsAuthenticated, CanReadAuditLog]
    pagination_class = SeqCursor
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        events = audit_event_list(
            user=self.request.user,
            filters=AuditFilters(
                action=params.get("action", "")[:100],
                actor=params.get("actor", "")[:150],
                source=params.get("source", "")[:16],
                target_type=params.get("target_type", "")[:100],
            ),
        )
        subject = params.get("subject")
        if subject is not None:
            try:
                events = events.filter(subject_id=uuid.UUID(subject))
            except ValueError:
                raise ValidationError({"subject": ["A model id (UUID)."]}) from None
        return events
