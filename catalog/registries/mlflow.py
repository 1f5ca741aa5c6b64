"""MLflow's webhook contract and REST answers, as pure functions (see reference/mlflow-webhooks.md).

Signature: ``v1,`` + base64(HMAC-SHA256(secret, delivery_id + "." + timestamp + "." + raw_body)).
Timestamps in REST answers are milliseconds since the epoch.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils.translation import gettext as _

from catalog.registries.base import (
    PayloadError,
    Received,
    Refused,
    RegistryModel,
    RegistryVersion,
    WebhookEvent,
)
from common import input_guard

__all__ = [
    "PayloadError",
    "RegistryModel",
    "RegistryVersion",
    "WebhookEvent",
    "parse_event",
    "sign",
    "signature_matches",
    "timestamp_fresh",
    "verify",
]

SIGNATURE_PREFIX = "v1,"
# Entities Attest acts on; prompt-registry events are stored and ignored.
MODEL_ENTITIES = frozenset(
    {"registered_model", "model_version", "model_version_tag", "model_version_alias"}
)


def sign(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    message = delivery_id.encode() + b"." + timestamp.encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return SIGNATURE_PREFIX + base64.b64encode(digest).decode()


def signature_matches(
    secrets: Iterable[str], delivery_id: str, timestamp: str, body: bytes, header: str
) -> bool:
    """True when ``header`` is the signature of the delivery under any active secret."""
    if not header.startswith(SIGNATURE_PREFIX):
        return False
    return any(
        hmac.compare_digest(sign(secret, delivery_id, timestamp, body).encode(), header.encode())
        for secret in secrets
    )


def timestamp_fresh(timestamp: str, now: float, tolerance: int) -> bool:
    """|now - timestamp| <= tolerance; malformed timestamps are not fresh."""
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return False
    return abs(now - int(timestamp)) <= tolerance


def parse_event(body: bytes) -> WebhookEvent:
    # Strictly, even behind a valid signature: the body is stored raw in a text column and
    # parsed in a jsonb one, which hold no NUL and no lone surrogate; NaN, 1e400, 5,000-digit
    # integers and 50,000-deep nesting are refused too (a 400, never a 500).
    try:
        payload = input_guard.json_loads(body)
    except input_guard.InputRefused as exc:
        raise PayloadError(exc.detail) from exc
    if not isinstance(payload, dict):
        raise PayloadError(_("Body is not a JSON object."))
    entity, action, data = payload.get("entity"), payload.get("action"), payload.get("data")
    if not isinstance(entity, str) or not isinstance(action, str) or not isinstance(data, dict):
        raise PayloadError(_("Body needs string 'entity' and 'action' and an object 'data'."))
    name = data.get("name")
    if not isinstance(name, str) or not name or len(name) > 300:
        raise PayloadError(_("data.name must be a non-empty string."))
    version = data.get("version")
    if version is not None and not isinstance(version, str | int):
        raise PayloadError(_("data.version must be a string."))
    return WebhookEvent(
        entity=entity[:60],
        action=action[:60],
        model_name=name,
        version=str(version) if version is not None else None,
        data=data,
        concerns_models=entity[:60] in MODEL_ENTITIES,
    )


def from_millis(value) -> datetime | None:
    if value in (None, ""):
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def _tags(items) -> dict[str, str]:
    return {str(t["key"]): str(t.get("value", "")) for t in items or []}


def parse_version(data: dict) -> RegistryVersion:
    return RegistryVersion(
        model_name=data["name"],
        version=str(data["version"]),
        source=data.get("source") or "",
        run_id=data.get("run_id") or "",
        status=version_status((data.get("status") or "READY").upper()),
        description=data.get("description") or "",
        tags=_tags(data.get("tags")),
        created_at=from_millis(data.get("creation_timestamp")),
        updated_at=from_millis(data.get("last_updated_timestamp")),
    )


def parse_model(data: dict) -> RegistryModel:
    return RegistryModel(
        name=data["name"],
        description=data.get("description") or "",
        tags=_tags(data.get("tags")),
        aliases={a["alias"]: str(a["version"]) for a in data.get("aliases") or []},
        created_at=from_millis(data.get("creation_timestamp")),
        updated_at=from_millis(data.get("last_updated_timestamp")),
    )


def version_status(mlflow_status: str) -> str:
    """MLflow's PENDING_REGISTRATION / READY / FAILED_REGISTRATION → our status values."""
    return {"PENDING_REGISTRATION": "pending", "FAILED_REGISTRATION": "failed"}.get(
        mlflow_status, "ready"
    )


def verify(
    *,
    headers,
    body: bytes,
    secrets: Iterable[str],
    now: float,
    tolerance: int,
    options: dict,
    query=None,
) -> Received:
    """MLflow's delivery check: signature header present, timestamp inside the window,
    delivery id well-formed, HMAC matching an active secret, body parseable (in that order)."""
    delivery_id = headers.get("X-MLflow-Delivery-Id", "")
    timestamp = headers.get("X-MLflow-Timestamp", "")
    signature = headers.get("X-MLflow-Signature", "")
    if not signature:
        raise Refused(401, "Missing X-MLflow-Signature: configure the webhook's secret.")
    if not timestamp_fresh(timestamp, now, tolerance):
        raise Refused(401, "X-MLflow-Timestamp is missing or outside the accepted window.")
    if not delivery_id or len(delivery_id) > 100 or not delivery_id.isascii():
        raise Refused(400, "X-MLflow-Delivery-Id is missing or malformed.")
    if not signature_matches(secrets, delivery_id, timestamp, body, signature):
        raise Refused(401, "Signature does not match any active secret of this source.")
    try:
        event = parse_event(body)
    except PayloadError as exc:
        raise Refused(400, str(exc)) from exc
    return Received(delivery_id, datetime.fromtimestamp(int(timestamp), tz=UTC), event)
