"""Read-only audit API for auditors' tools: the trail (``/api/v1/audit-events/``), one event
with every field of its canonical form, its inclusion proof, consistency proofs between signed
tree heads, the heads themselves and the public key (RFC 9162 §2.1, C2SP checkpoints). Every
endpoint needs the audit-log role, and tokens the ``audit:read`` scope."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import chain, checkpoints, proofs
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


class AuditEventDetailOutput(serializers.ModelSerializer):
    """Every field of the canonical form (``audit/chain.py``) under its own name, with the
    chain version: the leaf is SHA-256(0x00 || canonical bytes of these fields)."""

    sealed = serializers.BooleanField(read_only=True)
    occurred_at = serializers.SerializerMethodField()
    actor_id = serializers.SerializerMethodField()
    subject_id = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "chain_version",
            "sealed",
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
            "sealed_at",
        ]

    def get_occurred_at(self, event) -> str:
        return chain.timestamp(event.occurred_at)

    def get_actor_id(self, event) -> str | None:
        return str(event.actor_id) if event.actor_id else None

    def get_subject_id(self, event) -> str | None:
        return str(event.subject_id) if event.subject_id else None


class InclusionProofOutput(serializers.Serializer):
    leaf_index = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    leaf_hash = serializers.CharField()
    inclusion_path = serializers.ListField(child=serializers.CharField())
    checkpoint = serializers.CharField()


class ConsistencyProofOutput(serializers.Serializer):
    first = serializers.IntegerField()
    second = serializers.IntegerField()
    consistency_path = serializers.ListField(child=serializers.CharField())


class TreeHeadOutput(serializers.Serializer):
    tree_size = serializers.IntegerField(source="seq")
    root_hash = serializers.CharField()
    timestamp = serializers.CharField(source="signed_at")
    checkpoint = serializers.CharField()


class PublicKeyOutput(serializers.Serializer):
    pem = serializers.CharField()
    note_verifier_key = serializers.CharField()
    origin = serializers.CharField()


class CanReadAuditLog(BasePermission):
    """Auditors, compliance officers and admins; a token also needs the audit:read scope."""

    message = gettext_lazy(
        "Reading the audit trail needs the auditor role (and, for tokens, audit:read)."
    )

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
        *(OpenApiParameter(name, str) for name in ("action", "actor", "target_type")),
        OpenApiParameter("source", str, enum=AuditEvent.Source.values, description="A channel."),
        OpenApiParameter("subject", OpenApiTypes.UUID, description="A model id."),
    ],
    responses={200: AuditEventOutput(many=True), **ERROR_RESPONSES},
)
class AuditEventListApi(generics.ListAPIView):
    """The audit trail, newest first, with the hash-chain fields of every event. Events still
    sealing (no ``seq`` yet, normally for less than a second) join it once sealed;
    ``/api/v1/audit-events/<id>/`` shows them meanwhile."""

    serializer_class = AuditEventOutput
    permission_classes = [IsAuthenticated, CanReadAuditLog]
    pagination_class = SeqCursor
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        source = params.get("source", "")
        if source and source not in AuditEvent.Source.values:
            raise ValidationError(
                {
                    "source": [
                        gettext("One of %(values)s.")
                        % {"values": ", ".join(AuditEvent.Source.values)}
                    ]
                }
            )
        events = audit_event_list(
            user=self.request.user,
            filters=AuditFilters(
                action=params.get("action", "")[:100],
                actor=params.get("actor", "")[:150],
                source=params.get("source", "")[:16],
                target_type=params.get("target_type", "")[:100],
            ),
        )
        events = events.filter(seq__isnull=False)  # the keyset cursor needs a sequence number
        subject = params.get("subject")
        if subject is not None:
            try:
                events = events.filter(subject_id=uuid.UUID(subject))
            except ValueError:
                raise ValidationError({"subject": ["A model id (UUID)."]}) from None
        return events


# What ``_size`` accepts, for the schema.
TREE_SIZE = {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}


def _size(params, name: str, *, required: bool) -> int | None:
    """A tree size from the query: ASCII digits, at most 18 of them, else a 400."""
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise ValidationError({name: ["Required: a tree size (a whole number)."]})
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise ValidationError({name: ["A tree size: a whole number, 0 or more."]})
    return int(value)


def _event(request, event_id) -> AuditEvent:
    event = audit_event_list(user=request.user).filter(pk=event_id).first()
    if event is None:
        raise NotFound(gettext("No such audit event."))
    return event


@extend_schema(responses={200: AuditEventDetailOutput, **ERROR_RESPONSES})
class AuditEventDetailApi(APIView):
    """One event with its chain version and every field of its canonical form; ``seq`` and
    ``hash`` are null while it is still sealing."""

    permission_classes = [IsAuthenticated, CanReadAuditLog]

    def get(self, request, event_id):
        return Response(AuditEventDetailOutput(_event(request, event_id)).data)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "tree_size", TREE_SIZE, description="A signed tree head's size (default: the latest)."
        )
    ],
    responses={200: InclusionProofOutput, **ERROR_RESPONSES},
)
class AuditEventProofApi(APIView):
    """The event's inclusion proof (RFC 9162 §2.1.3) in a signed tree head, with that head's
    checkpoint; verify it with docs/verify_audit_export.py or any RFC 9162 client."""

    permission_classes = [IsAuthenticated, CanReadAuditLog]

    def get(self, request, event_id):
        tree_size = _size(request.query_params, "tree_size", required=False)
        event = _event(request, event_id)
        try:
            proof = proofs.inclusion_proof(event, tree_size)
        except proofs.ProofUnavailableError as exc:
            raise NotFound(str(exc)) from None
        return Response(InclusionProofOutput(proof).data)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "first", TREE_SIZE, required=True, description="The earlier head's size (<= second)."
        ),
        OpenApiParameter("second", TREE_SIZE, required=True, description="The later head's size."),
    ],
    responses={200: ConsistencyProofOutput, **ERROR_RESPONSES},
)
class AuditConsistencyApi(APIView):
    """The consistency proof (RFC 9162 §2.1.4) between two signed tree heads: the later tree
    holds the earlier one unchanged."""

    permission_classes = [IsAuthenticated, CanReadAuditLog]

    def get(self, request):
        first = _size(request.query_params, "first", required=True)
        second = _size(request.query_params, "second", required=True)
        if first > second:
            raise ValidationError({"first": [gettext("Must not be larger than second.")]})
        try:
            path = proofs.consistency_proof(first, second)
        except proofs.ProofUnavailableError as exc:
            raise NotFound(str(exc)) from None
        return Response({"first": first, "second": second, "consistency_path": path})


@extend_schema(
    parameters=[
        OpenApiParameter("limit", TREE_SIZE, description="At most this many (100, ≤ 1000).")
    ],
    responses={200: TreeHeadOutput(many=True), **ERROR_RESPONSES},
)
class AuditTreeHeadListApi(APIView):
    """Signed tree heads, newest first, each with its C2SP checkpoint (signed note)."""

    permission_classes = [IsAuthenticated, CanReadAuditLog]

    def get(self, request):
        limit = _size(request.query_params, "limit", required=False) or 100
        heads = proofs.tree_heads(limit=min(limit, 1000))
        return Response(TreeHeadOutput(heads, many=True).data)


@extend_schema(responses={200: PublicKeyOutput, **ERROR_RESPONSES})
class AuditPublicKeyApi(APIView):
    """The Ed25519 key that signs the tree heads: as PEM, and as the C2SP signed-note verifier
    key (``<name>+<key id>+<base64 key>``) that witnesses and note libraries read."""

    permission_classes = [IsAuthenticated, CanReadAuditLog]

    def get(self, request):
        return Response(
            {
                "pem": checkpoints.public_key_pem(),
                "note_verifier_key": checkpoints.note_verifier_key(),
                "origin": checkpoints.origin(),
            }
        )
