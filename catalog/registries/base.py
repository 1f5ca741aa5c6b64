"""The registry adapter interface: what every registry kind provides to the shared ingestion.

Adding a registry is one module under ``catalog/registries/`` that builds an ``Adapter``:

- ``verify(headers=, body=, secrets=, now=, tolerance=, options=, query=)`` authenticates one
  delivery on the raw body and returns a ``Received`` (delivery id, signing time, parsed event),
  or raises ``Refused`` with the HTTP status and a reason a person can act on, or ``Handshake``
  when the registry is validating the endpoint rather than delivering;
- ``answer_options`` (optional) answers an ``OPTIONS`` request (CloudEvents' handshake);
- ``parse_stored(body)`` parses an inbox row's raw body again when it is processed;
- ``client(base_url=, credentials=, options=, timeout=)`` builds the registry's client: reads of
  one model, one version, the whole registry (``search_models`` / ``search_versions``), the
  state an event points at (``read_for_event``), a connection check, and the write-back of an
  approval (tags and aliases, or an approval status, as the registry has them).

Everything around the adapters (inbox, idempotency, locking, sweeper, reconciliation, the
write-back queue, drift) is shared: ``catalog.services.ingest``, ``approvals.writeback``.
Pure module: no ORM, no settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class RegistryUnavailable(RuntimeError):
    """The registry did not answer, or answered with a server error: try again later."""


class RegistryRequestRefused(RuntimeError):
    """The registry refused the request (credentials, bad input): retrying will not help."""


class PayloadError(ValueError):
    """The body is not a payload of this registry kind that Attest understands."""


class Refused(Exception):
    """A delivery refused at the door: ``status`` (400, 401, ...) and a reason to show."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Handshake(Exception):
    """Not an event: the registry proving the endpoint before it delivers (Event Grid's
    subscription validation). Answered with ``status``, a JSON ``body`` (or none) and
    ``headers``; nothing is stored."""

    def __init__(self, status: int = 200, body: dict | None = None, headers=None):
        super().__init__("handshake")
        self.status, self.body, self.headers = status, body, dict(headers or {})


@dataclass(frozen=True)
class WebhookEvent:
    """One registry event, as stored in the inbox (``entity``/``action`` name what happened;
    ``data`` is the registry's own payload, kept for the processor and the inbox page)."""

    entity: str
    action: str
    model_name: str
    version: str | None = None
    data: dict = field(default_factory=dict)
    concerns_models: bool = True


@dataclass(frozen=True)
class Received:
    delivery_id: str
    signed_at: datetime
    event: WebhookEvent


@dataclass(frozen=True)
class RegistryVersion:
    """One version as the registry knows it. ``metrics`` and ``approval_status`` are ``None``
    for registries that do not have them (MLflow's model versions carry neither), so the
    catalog keeps what it holds instead of clearing it."""

    model_name: str
    version: str
    source: str
    run_id: str
    status: str  # our ModelVersion.Status value: "ready", "pending" or "failed"
    description: str
    tags: dict[str, str]
    created_at: datetime | None
    updated_at: datetime | None
    metrics: dict | None = None
    approval_status: str | None = None


@dataclass(frozen=True)
class RegistryModel:
    name: str
    description: str
    tags: dict[str, str]
    aliases: dict[str, str] | None  # alias -> version; None: this registry has no aliases
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class EventState:
    """What the registry says now about the model an event names (read before any write).

    ``model`` None: not in the registry, nothing to apply. ``deleted_model`` / ``deleted_versions``:
    the source said so itself (the push API); they are marked deleted, never dropped.
    ``changed_at`` guards deletions against a newer state already applied."""

    model: RegistryModel | None
    versions: list[RegistryVersion] = field(default_factory=list)
    deleted_model: bool = False
    deleted_versions: tuple[str, ...] = ()
    changed_at: datetime | None = None


class RegistryClient(Protocol):
    """What the shared code asks of a registry. Write capabilities are flags, so write-back
    writes what the registry has: tags and aliases (MLflow), an approval status (SageMaker),
    or nothing (the push API has no registry to write to)."""

    WRITES_TAGS: bool
    WRITES_ALIASES: bool
    WRITES_APPROVAL_STATUS: bool
    CAN_RECONCILE: bool

    def get_model(self, name: str) -> RegistryModel | None: ...
    def get_version(self, name: str, version: str) -> RegistryVersion | None: ...
    def search_models(self) -> Iterator[RegistryModel]: ...
    def search_versions(self, name: str) -> Iterator[RegistryVersion]: ...
    def read_for_event(self, event: WebhookEvent) -> EventState: ...
    def check(self) -> str: ...


@dataclass(frozen=True)
class Adapter:
    kind: str
    label: str
    verify: Callable[..., Received]  # secrets: an iterable, decrypted on first use
    parse_stored: Callable[[bytes], WebhookEvent]
    client: Callable[..., Any]
    new_secret: Callable[[], str]
    needs_url: bool = True
    # Shown on the source's page: what to set up on the registry's side.
    setup_template: str = ""
    secret_help: str = ""
    # True when Attest's approval lives only in the version properties it writes back (no
    # aliases, no approval status): a change to them behind Attest's back is drift (Kubeflow).
    approval_in_tags: bool = False
    # OPTIONS /webhooks/<slug>/ (headers=, query=, secrets=, options=) -> Handshake; None: 405.
    answer_options: Callable[..., Handshake] | None = None
    # "" when the secret suits this kind, else why not (the push kind needs a whsec_ secret).
    secret_error: Callable[[str], str] = lambda secret: ""
