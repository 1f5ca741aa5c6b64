"""The push API: any pipeline (TFX, Kubeflow Pipelines, custom CI) tells Attest about models.

Deliveries are ``POST /webhooks/<slug>/`` signed per the Standard Webhooks specification 1.0
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md,
https://www.standardwebhooks.com/): headers ``webhook-id``, ``webhook-timestamp`` (Unix
seconds) and ``webhook-signature`` (space-delimited ``v1,<base64>`` entries); the signed content
is ``{webhook-id}.{webhook-timestamp}.{raw body}`` under HMAC-SHA256 with the secret's key, the
secret being ``whsec_`` + base64 of at least 24 random bytes. Verified here by hand per the
spec (several active secrets for rotation, our own timestamp window); tests sign with the
``standardwebhooks`` library, the specification's own implementation.

The body (all of it; unknown fields are refused)::

    {"type": "model_version.registered" | "model_version.updated" | "model_version.deleted"
             | "model.deleted",
     "timestamp": "<RFC 3339>",
     "data": {"model": "<name>", "version": "<v>", "source_uri": "...", "run_id": "...",
              "description": "...", "metrics": {"auc": 0.91}, "tags": {"key": "value"}}}

``version`` is absent for ``model.deleted``. There is no registry to read back: the signed
delivery is the source's state at ``timestamp``, and that time guards every row
(compare-and-set), so a late, older delivery changes nothing. Pure module: no ORM.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets as secrets_module
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.utils.translation import gettext as _

from catalog.registries.base import (
    Adapter,
    EventState,
    PayloadError,
    Received,
    Refused,
    RegistryModel,
    RegistryVersion,
    WebhookEvent,
)
from common import input_guard

SECRET_PREFIX = "whsec_"  # noqa: S105 (the spec's prefix, not a secret)
MIN_KEY_BYTES = 24  # the spec: "Random. At least 24 bytes (192 bits, 512 maximum)"
TYPES = frozenset(
    {"model_version.registered", "model_version.updated", "model_version.deleted", "model.deleted"}
)
TOP_FIELDS = frozenset({"type", "timestamp", "data"})
DATA_FIELDS = frozenset(
    {"model", "version", "source_uri", "run_id", "description", "metrics", "tags"}
)
TEXT_LIMITS = {"model": 300, "version": 64, "source_uri": 1000, "run_id": 64, "description": 5000}

# The JSON schema of the body, for the OpenAPI document (documented, not used to validate:
# parse_body below is the check, with messages a pipeline author can act on).
BODY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type", "timestamp", "data"],
    "properties": {
        "type": {"type": "string", "enum": sorted(TYPES)},
        "timestamp": {"type": "string", "format": "date-time"},
        "data": {
            "type": "object",
            "additionalProperties": False,
            "required": ["model"],
            "properties": {
                "model": {"type": "string", "maxLength": 300},
                "version": {"type": "string", "maxLength": 64},
                "source_uri": {"type": "string", "maxLength": 1000},
                "run_id": {"type": "string", "maxLength": 64},
                "description": {"type": "string"},
                "metrics": {"type": "object", "additionalProperties": {"type": "number"}},
                "tags": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
    },
}


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets_module.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret; ValueError when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"A push secret starts with {SECRET_PREFIX!r} (Standard Webhooks).")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("The part after 'whsec_' must be base64.") from exc
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"The secret must hold at least {MIN_KEY_BYTES} random bytes.")
    return key


def secret_error(secret: str) -> str:
    try:
        secret_key(secret)
    except ValueError as exc:
        return str(exc)
    return ""


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    message = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_matches(
    secrets: Iterable[str], msg_id: str, timestamp: str, body: bytes, header: str
) -> bool:
    """True when any ``v1,`` entry of the header is the signature under any active secret."""
    offered = [s.encode() for s in header.split(" ") if s.startswith("v1,")]
    for secret in secrets:
        try:
            expected = sign(secret, msg_id, timestamp, body).encode()
        except ValueError:
            continue  # not a whsec_ secret: it verifies nothing
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return True
    return False


def _rfc3339(value) -> datetime:
    if not isinstance(value, str) or len(value) > 40 or "T" not in value.upper():
        raise PayloadError(
            _("'timestamp' must be an RFC 3339 date-time, e.g. 2026-11-22T10:00:00Z.")
        )
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError as exc:
        raise PayloadError(_("'timestamp' must be an RFC 3339 date-time.")) from exc
    if parsed.tzinfo is None:
        raise PayloadError(_("'timestamp' needs a time zone offset (Z or +hh:mm)."))
    return parsed.astimezone(UTC)


def parse_body(body: bytes) -> dict:
    """The body checked field by field; PayloadError names the first problem."""
    try:
        payload = input_guard.json_loads(body)
    except input_guard.InputRefused as exc:
        raise PayloadError(exc.detail) from exc
    if not isinstance(payload, dict):
        raise PayloadError(_("Body is not a JSON object."))
    unknown = sorted(set(payload) - TOP_FIELDS)
    if unknown:
        raise PayloadError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    if payload.get("type") not in TYPES:
        raise PayloadError(
            _("'type' must be one of %(types)s.") % {"types": ", ".join(sorted(TYPES))}
        )
    _rfc3339(payload.get("timestamp"))
    data = payload.get("data")
    if not isinstance(data, dict):
        raise PayloadError(_("'data' must be an object."))
    unknown = sorted(set(data) - DATA_FIELDS)
    if unknown:
        raise PayloadError(
            _("Unknown fields in data: %(fields)s.") % {"fields": ", ".join(unknown)}
        )
    for name, limit in TEXT_LIMITS.items():
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise PayloadError(
                _("data.%(name)s must be a string of at most %(limit)s characters.")
                % {"name": name, "limit": limit}
            )
    if not data.get("model"):
        raise PayloadError(_("data.model must be a non-empty string."))
    if payload["type"] == "model.deleted":
        if set(data) != {"model"}:
            raise PayloadError(_("model.deleted carries only data.model."))
    elif not data.get("version"):
        raise PayloadError(_("%(type)s needs data.version (a string).") % {"type": payload["type"]})
    metrics = data.get("metrics", {})
    if not isinstance(metrics, dict) or not all(
        isinstance(k, str)
        and isinstance(v, int | float)
        and not isinstance(v, bool)
        and math.isfinite(v)
        for k, v in metrics.items()
    ):
        raise PayloadError(_("data.metrics must map names to finite numbers."))
    tags = data.get("tags", {})
    if not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(k) <= 250 and len(v) <= 5000
        for k, v in tags.items()
    ):
        raise PayloadError(_("data.tags must map strings to strings."))
    return payload


def parse_event(body: bytes) -> WebhookEvent:
    payload = parse_body(body)
    entity, _, action = payload["type"].partition(".")
    data = payload["data"]
    return WebhookEvent(
        entity=entity,
        action=action,
        model_name=data["model"],
        version=data.get("version"),
        data=payload,
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
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signature = headers.get("webhook-signature", "")
    if not signature:
        raise Refused(401, "Missing webhook-signature (Standard Webhooks): sign the delivery.")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise Refused(401, "webhook-timestamp is missing or not Unix seconds.")
    if abs(now - int(timestamp)) > tolerance:
        raise Refused(401, "webhook-timestamp is outside the accepted window (replay refused).")
    if not msg_id or len(msg_id) > 100 or not msg_id.isascii() or "." in msg_id:
        raise Refused(400, "webhook-id is missing or malformed (ASCII, no '.', at most 100).")
    if not signature_matches(secrets, msg_id, timestamp, body, signature):
        raise Refused(401, "Signature does not match any active secret of this source.")
    try:
        event = parse_event(body)
    except PayloadError as exc:
        raise Refused(400, str(exc)) from exc
    return Received(msg_id, datetime.fromtimestamp(int(timestamp), tz=UTC), event)


class PushClient:
    """No registry behind a push source: the signed delivery is the state it announces."""

    WRITES_TAGS = False
    WRITES_ALIASES = False
    WRITES_APPROVAL_STATUS = False
    CAN_RECONCILE = False

    def read_for_event(self, event: WebhookEvent) -> EventState:
        payload = event.data
        at = _rfc3339(payload["timestamp"])
        data = payload["data"]
        tags = dict(data.get("tags") or {})
        model = RegistryModel(
            name=data["model"],
            description="",
            # Only the owner hint: the pipeline's tags belong to its versions.
            tags={"team": tags["team"]} if "team" in tags else {},
            aliases=None,
            created_at=None,
            updated_at=at,
        )
        if payload["type"] == "model.deleted":
            return EventState(model=model, deleted_model=True, changed_at=at)
        if payload["type"] == "model_version.deleted":
            return EventState(model=model, deleted_versions=(data["version"],), changed_at=at)
        version = RegistryVersion(
            model_name=data["model"],
            version=data["version"],
            source=data.get("source_uri", ""),
            run_id=data.get("run_id", ""),
            status="ready",
            description=data.get("description", ""),
            tags=tags,
            created_at=at if payload["type"] == "model_version.registered" else None,
            updated_at=at,
            metrics=dict(data.get("metrics") or {}),
        )
        return EventState(model=model, versions=[version], changed_at=at)

    def get_model(self, name: str):
        return None

    def get_version(self, name: str, version: str):
        return None

    def search_models(self) -> Iterator[RegistryModel]:
        return iter(())

    def search_versions(self, name: str) -> Iterator[RegistryVersion]:
        return iter(())

    def check(self) -> str:
        return _("Nothing to reach: the pipeline pushes to Attest. Send a signed delivery to test.")


ADAPTER = Adapter(
    kind="push",
    label="Push API (TFX, Kubeflow Pipelines, CI)",
    verify=verify,
    parse_stored=parse_event,
    client=lambda **kwargs: PushClient(),
    new_secret=new_secret,
    needs_url=False,
    setup_template="catalog/_setup_push.html",
    secret_help="A Standard Webhooks secret (whsec_ + base64); leave empty to have one made.",  # noqa: S106 (help text)
    secret_error=secret_error,
)
