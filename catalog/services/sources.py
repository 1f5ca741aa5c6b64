"""Registry sources and their webhook secrets. Secrets are encrypted and shown only once.

Each kind's specifics (what a secret looks like, how the registry is reached) come from its
adapter (``catalog.registries.adapter_for``)."""

from __future__ import annotations

import json
import threading
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from catalog.audit_actions import (
    REGISTRY_SOURCE_CREATED,
    REGISTRY_SOURCE_DELETED,
    REGISTRY_SOURCE_DISABLED,
    REGISTRY_SOURCE_ENABLED,
    REGISTRY_SOURCE_UPDATED,
    REGISTRY_WEBHOOK_REGISTERED,
    WEBHOOK_SECRET_ADDED,
    WEBHOOK_SECRET_RETIRED,
)
from catalog.models import RegistrySource, WebhookSecret
from catalog.registries import adapter_for
from common import crypto

__all__ = [
    "registry_client",
    "registry_source_active_set",
    "registry_source_create",
    "registry_source_delete",
    "registry_source_update",
    "registry_source_webhook_register",
    "webhook_secret_add",
    "webhook_secret_retire",
    "webhook_secrets_active",
]

MIN_SECRET_LENGTH = 16
WEBHOOK_EVENTS = [
    {"entity": entity, "action": action}
    for entity, action in (
        ("REGISTERED_MODEL", "CREATED"),
        ("MODEL_VERSION", "CREATED"),
        ("MODEL_VERSION_TAG", "SET"),
        ("MODEL_VERSION_TAG", "DELETED"),
        ("MODEL_VERSION_ALIAS", "CREATED"),
        ("MODEL_VERSION_ALIAS", "DELETED"),
    )
]


def _check_secret(secret: str, kind: str = RegistrySource.Kind.MLFLOW) -> None:
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValidationError(
            {"secret": _("Use at least %(n)d characters.") % {"n": MIN_SECRET_LENGTH}}
        )
    problem = adapter_for(kind).secret_error(secret)
    if problem:
        raise ValidationError({"secret": problem})


@transaction.atomic
def registry_source_create(
    *,
    actor: Any | None,
    kind: str,
    slug: str,
    base_url: str,
    secret: str,
    name: str = "",
    credentials: dict | None = None,
    options: dict | None = None,
) -> RegistrySource:
    """Add a registry that may push webhooks to ``/webhooks/<slug>/``, with its first secret.

    Credentials (``{"token": ...}`` or ``{"username": ..., "password": ...}``) and the secret
    are stored encrypted; neither appears in the audit event. ``options`` are the kind's
    settings (SageMaker: ``region``, ``auth_header``, ``role_arn``, ``approval_environment``).
    """
    if kind not in RegistrySource.Kind.values:
        raise ValidationError({"kind": f"Unknown registry kind {kind!r}."})
    _check_secret(secret, kind)
    options = {k: v for k, v in (options or {}).items() if v not in (None, "")}
    source = RegistrySource(
        kind=kind,
        slug=slug,
        name=name,
        base_url=(base_url or "").rstrip("/"),
        settings=options,
        api_credentials_encrypted=crypto.encrypt(json.dumps(credentials)) if credentials else "",
    )
    source.full_clean()
    source.save()
    WebhookSecret.objects.create(
        source=source, label="initial", secret_encrypted=crypto.encrypt(secret)
    )
    audit_record(
        actor=actor,
        action=REGISTRY_SOURCE_CREATED,
        target=source,
        after={
            "kind": kind,
            "slug": slug,
            "base_url": source.base_url,
            "settings": options,
            "credentials": "set" if credentials else "none",
        },
    )
    return source


@transaction.atomic
def registry_source_update(
    *,
    actor: Any | None,
    source: RegistrySource,
    name: str,
    base_url: str,
    options: dict | None = None,
) -> RegistrySource:
    """Change a source's name, registry URL and kind settings (region, auth header, role,
    approval environment); its slug, kind, secrets and history stay. Audited with before/after."""
    row = RegistrySource.objects.select_for_update().get(pk=source.pk)
    options = {k: v for k, v in (options or {}).items() if v not in (None, "")}
    before = {"name": row.name, "base_url": row.base_url, "settings": row.settings}
    row.name, row.base_url = name, (base_url or "").rstrip("/")
    row.settings = {**row.settings, **options} if options else row.settings
    row.full_clean()
    after = {"name": row.name, "base_url": row.base_url, "settings": row.settings}
    if after == before:
        return row
    row.save(update_fields=["name", "base_url", "settings", "updated_at"])
    changed = [k for k in after if after[k] != before[k]]
    audit_record(
        actor=actor,
        action=REGISTRY_SOURCE_UPDATED,
        target=row,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return row


@transaction.atomic
def registry_source_active_set(
    *, actor: Any | None, source: RegistrySource, is_active: bool
) -> RegistrySource:
    """Disable a source (its deliveries are refused with 404, reconciliation skips it) or
    enable it again. Nothing is deleted: its catalog entries, inbox and audit trail stay."""
    row = RegistrySource.objects.select_for_update().get(pk=source.pk)
    if row.deleted_at is not None:
        raise ValidationError("A deleted registry cannot be enabled again: add a new source.")
    if row.is_active == is_active:
        return row
    row.is_active = is_active
    row.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action=REGISTRY_SOURCE_ENABLED if is_active else REGISTRY_SOURCE_DISABLED,
        target=row,
        after={"is_active": is_active},
    )
    return row


@transaction.atomic
def registry_source_delete(*, actor: Any | None, source: RegistrySource) -> RegistrySource:
    """Delete a source, keeping its history: the row stays (its catalog entries, inbox rows and
    audit events point at it) but leaves the registry list, its deliveries are refused, it is
    never reconciled or polled again, its secrets are retired and its API credentials erased.
    Its catalog entries keep their versions, approvals and documents. The slug stays taken, so
    an old webhook URL can never reach a new source by accident."""
    row = RegistrySource.objects.select_for_update().get(pk=source.pk)
    if row.deleted_at is not None:
        return row
    now = timezone.now()
    row.deleted_at, row.is_active, row.api_credentials_encrypted = now, False, ""
    row.save(update_fields=["deleted_at", "is_active", "api_credentials_encrypted", "updated_at"])
    retired = row.secrets.filter(retired_at__isnull=True).update(retired_at=now, updated_at=now)
    audit_record(
        actor=actor,
        action=REGISTRY_SOURCE_DELETED,
        target=row,
        after={"deleted_at": now.isoformat(), "secrets_retired": retired, "credentials": "erased"},
    )
    return row


@transaction.atomic
def webhook_secret_add(
    *, actor: Any | None, source: RegistrySource, secret: str | None = None, label: str = ""
) -> tuple[WebhookSecret, str]:
    """Add an active secret (rotation step 1); returns the row and the secret, shown once."""
    secret = secret or adapter_for(source.kind).new_secret()
    _check_secret(secret, source.kind)
    row = WebhookSecret.objects.create(
        source=source, label=label, secret_encrypted=crypto.encrypt(secret)
    )
    audit_record(
        actor=actor,
        action=WEBHOOK_SECRET_ADDED,
        target=source,
        after={"secret_id": str(row.pk), "label": label},
    )
    return row, secret


@transaction.atomic
def webhook_secret_retire(*, actor: Any | None, secret: WebhookSecret) -> None:
    """Stop accepting a secret (rotation step 2, once MLflow uses the new one)."""
    row = WebhookSecret.objects.select_for_update().get(pk=secret.pk)
    if row.retired_at is not None:
        return
    if not row.source.secrets.filter(retired_at__isnull=True).exclude(pk=row.pk).exists():
        raise ValidationError(_("Add a new secret before retiring the last active one."))
    row.retired_at = timezone.now()
    row.save(update_fields=["retired_at", "updated_at"])
    audit_record(
        actor=actor,
        action=WEBHOOK_SECRET_RETIRED,
        target=row.source,
        after={"secret_id": str(row.pk)},
    )


def webhook_secrets_active(source: RegistrySource) -> list[str]:
    return [
        crypto.decrypt(s.secret_encrypted) for s in source.secrets.filter(retired_at__isnull=True)
    ]


_clients = threading.local()
# Kinds whose client is a plain HTTP session, safe to keep: one per source and thread, so its
# connections are pooled across deliveries instead of opened anew for each.
_KEPT_CLIENT_KINDS = frozenset({RegistrySource.Kind.MLFLOW})


def registry_client(source: RegistrySource):
    """The source's registry client, built by its kind's adapter (``RegistryClient``); MLflow's
    is kept per thread while the source's URL, credentials and settings stay the same."""
    from django.conf import settings

    if source.kind not in _KEPT_CLIENT_KINDS:
        return _new_client(source, settings.ATTEST_REGISTRY_TIMEOUT_SECONDS)
    key = (
        source.pk,
        source.base_url,
        source.api_credentials_encrypted,
        json.dumps(source.settings, sort_keys=True, default=str),
        settings.ATTEST_REGISTRY_TIMEOUT_SECONDS,
    )
    kept = getattr(_clients, "by_key", None)
    if kept is None or len(kept) > 64:
        kept = _clients.by_key = {}
    client = kept.get(key)
    if client is None:
        client = kept[key] = _new_client(source, settings.ATTEST_REGISTRY_TIMEOUT_SECONDS)
    return client


def _new_client(source: RegistrySource, timeout: float):
    credentials = (
        json.loads(crypto.decrypt(source.api_credentials_encrypted))
        if source.api_credentials_encrypted
        else None
    )
    return adapter_for(source.kind).client(
        base_url=source.base_url,
        credentials=credentials,
        options=source.settings,
        timeout=timeout,
    )


def registry_source_webhook_register(
    *, actor: Any, source: RegistrySource, webhook_url: str
) -> tuple[dict, str]:
    """Create the webhook in MLflow through its REST API, with a fresh secret, and keep the
    secret here. Returns MLflow's webhook record and the new secret.

    MLflow is called before anything is written, outside any transaction: an audited write
    holds the portal-wide audit-chain lock until commit, and an HTTP call under it would stall
    every other audited action for as long as the registry takes to answer. If MLflow refuses,
    nothing is kept; the secret row and both audit events are then written in one transaction.
    """
    secret = adapter_for(source.kind).new_secret()
    webhook = registry_client(source).create_webhook(
        name=f"attest-{source.slug}", url=webhook_url, secret=secret, events=WEBHOOK_EVENTS
    )
    with transaction.atomic():
        row, secret = webhook_secret_add(
            actor=actor, source=source, secret=secret, label="registered via API"
        )
        audit_record(
            actor=actor,
            action=REGISTRY_WEBHOOK_REGISTERED,
            target=source,
            after={
                "webhook_id": webhook.get("webhook_id"),
                "url": webhook_url,
                "secret_id": str(row.pk),
            },
        )
    return webhook, secret
