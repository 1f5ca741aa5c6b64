"""Vertex AI Model Registry: a model (its resource id) is a catalog entry, each of its versions
(``versionId``) one of its versions; version aliases are aliases, labels are tags. Attest writes
its approval back as the environment's version alias (``production`` on the approved version).

The registry sends no events of its own (only Cloud Audit Logs), so a vertex source is polled
like a Kubeflow one (``catalog.tasks.poll_sources``, ``ATTEST_POLL_INTERVAL_SECONDS``).

REST API v1 (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.models):

- ``GET /v1/projects/{p}/locations/{l}/models?pageSize=&pageToken=`` lists models (their
  default version) as ``{"models": [...], "nextPageToken": "..."}``;
- ``GET /v1/{model}:listVersions`` lists every version of one model the same way (each
  ``name`` then carries the version id);
- ``GET /v1/{model}@{versionId}`` reads one version; 404 when it does not exist;
- ``POST /v1/{model}@{versionId}:mergeVersionAliases`` with ``{"versionAliases": ["prod"]}``
  adds aliases, ``"-prod"`` removes one (aliases match ``[a-z][a-zA-Z0-9-]{0,126}[a-z-0-9]``).

A model resource: ``name`` (``projects/…/models/{id}``), ``displayName``, ``description``,
``versionId``, ``versionAliases``, ``versionDescription``, ``versionCreateTime`` /
``versionUpdateTime`` (RFC 3339), ``labels``, ``artifactUri``. Credentials: Google's
application default credentials (a service account with ``aiplatform.models.list``/``get`` and
``aiplatform.models.update`` for the aliases), or a bearer token given as the source's API token.
"""

from __future__ import annotations

import itertools
import re
import secrets as secrets_module
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import requests
from django.utils.translation import gettext as _

from catalog.registries.base import (
    Adapter,
    EventState,
    PayloadError,
    Received,
    Refused,
    RegistryModel,
    RegistryRequestRefused,
    RegistryVersion,
    WebhookEvent,
)
from catalog.registries.rest import json_call

DEFAULT_ENDPOINT = "https://{location}-aiplatform.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/cloud-platform"
MAX_PAGES = 1000
# Vertex's own rule for an alias (mergeVersionAliases, "versionAliases[]").
ALIAS = re.compile(r"^[a-z][a-zA-Z0-9-]{0,126}[a-z0-9-]$")


def _time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        # RFC 3339 with up to nanoseconds: fromisoformat takes microseconds at most.
        head, dot, tail = value.replace("Z", "+00:00").partition(".")
        if dot:
            digits = "".join(itertools.takewhile(str.isdigit, tail))
            zone = tail[len(digits) :]
            head = f"{head}.{digits[:6]}{zone}"
        parsed = datetime.fromisoformat(head)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def model_id(resource: dict) -> str:
    """``projects/p/locations/l/models/fraud@3`` → ``fraud``."""
    return str(resource.get("name", "")).rsplit("/", 1)[-1].split("@", 1)[0]


def parse_model(resource: dict, versions: list[dict]) -> RegistryModel:
    aliases = {
        alias: str(v.get("versionId"))
        for v in versions
        for alias in v.get("versionAliases") or []
        if alias != "default"  # Vertex's own marker of the default version, not governance
    }
    return RegistryModel(
        name=model_id(resource),
        description=resource.get("description") or resource.get("displayName") or "",
        tags={str(k): str(v) for k, v in (resource.get("labels") or {}).items()},
        aliases=aliases,
        created_at=_time(resource.get("createTime")),
        updated_at=_time(resource.get("updateTime")),
    )


def parse_version(resource: dict) -> RegistryVersion:
    return RegistryVersion(
        model_name=model_id(resource),
        version=str(resource.get("versionId", "")),
        source=resource.get("artifactUri") or "",
        run_id="",
        status="ready",
        description=resource.get("versionDescription") or "",
        tags={str(k): str(v) for k, v in (resource.get("labels") or {}).items()},
        created_at=_time(resource.get("versionCreateTime")),
        updated_at=_time(resource.get("versionUpdateTime")),
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
    raise Refused(
        404, "A Vertex AI Model Registry source receives no deliveries: Attest polls the registry."
    )


def parse_stored(body: bytes) -> WebhookEvent:
    raise PayloadError(_("A Vertex AI Model Registry source has no stored deliveries."))


class VertexClient:
    """The Model Registry reads and the alias write-back, over Vertex AI's REST API."""

    WRITES_TAGS = False  # labels allow only [a-z0-9_-]: Attest's approval goes in an alias
    WRITES_ALIASES = True
    WRITES_APPROVAL_STATUS = False
    CAN_RECONCILE = True

    def __init__(
        self,
        *,
        project: str,
        location: str,
        base_url: str = "",
        credentials: dict | None = None,
        timeout: float = 10,
    ):
        self.parent = f"projects/{project}/locations/{location}"
        self.base_url = (base_url or DEFAULT_ENDPOINT.format(location=location)).rstrip("/")
        self.timeout = timeout
        credentials = credentials or {}
        if credentials.get("token"):
            self.session = requests.Session()
            self.session.headers["Authorization"] = f"Bearer {credentials['token']}"
        else:
            self.session = _default_credentials_session()

    def _call(self, method: str, path: str, **kwargs) -> dict | None:
        url = f"{self.base_url}/v1/{path}"
        return json_call(self.session, method, url, timeout=self.timeout, **kwargs)

    def _pages(self, path: str) -> Iterator[dict]:
        token = ""
        for _page in range(MAX_PAGES):
            params = {"pageSize": 100, **({"pageToken": token} if token else {})}
            data = self._call("GET", path, params=params)
            if data is None:
                return
            yield from (m for m in data.get("models") or [] if isinstance(m, dict))
            token = data.get("nextPageToken") or ""
            if not token:
                return

    def _model_path(self, name: str) -> str:
        if not name or "/" in name or "@" in name or ":" in name:
            raise RegistryRequestRefused(f"{name!r} is not a Vertex AI model id.")
        return f"{self.parent}/models/{name}"

    def _versions(self, name: str) -> list[dict]:
        return list(self._pages(f"{self._model_path(name)}:listVersions"))

    def get_model(self, name: str) -> RegistryModel | None:
        resource = self._call("GET", self._model_path(name))
        if resource is None:
            return None
        return parse_model(resource, self._versions(name))

    def get_version(self, name: str, version: str) -> RegistryVersion | None:
        resource = self._call("GET", f"{self._model_path(name)}@{version}")
        return parse_version(resource) if resource else None

    def search_models(self) -> Iterator[RegistryModel]:
        for resource in self._pages(f"{self.parent}/models"):
            name = model_id(resource)
            if name:
                yield parse_model(resource, self._versions(name))

    def search_versions(self, name: str) -> Iterator[RegistryVersion]:
        for resource in self._versions(name):
            if resource.get("versionId"):
                yield parse_version(resource)

    def read_for_event(self, event: WebhookEvent) -> EventState:
        model = self.get_model(event.model_name)
        if model is None:
            return EventState(model=None)
        return EventState(model=model, versions=list(self.search_versions(event.model_name)))

    # --- Write-back (the environment's version alias) ---
    def _merge_aliases(self, name: str, version: str, aliases: list[str]) -> None:
        for alias in aliases:
            if not ALIAS.match(alias.lstrip("-")):
                raise RegistryRequestRefused(
                    f"{alias.lstrip('-')!r} is not a valid Vertex AI version alias."
                )
        path = f"{self._model_path(name)}@{version}:mergeVersionAliases"
        if self._call("POST", path, json={"versionAliases": aliases}) is None:
            raise RegistryRequestRefused(f"{name!r} version {version} is not in Vertex AI.")

    def set_alias(self, name: str, alias: str, version: str) -> None:
        # Vertex moves an alias that another version holds (an alias names one version).
        self._merge_aliases(name, version, [alias])

    def delete_alias(self, name: str, alias: str) -> None:
        model = self.get_model(name)
        holder = (model.aliases or {}).get(alias) if model else None
        if holder:
            self._merge_aliases(name, holder, [f"-{alias}"])

    def check(self) -> str:
        data = self._call("GET", f"{self.parent}/models", params={"pageSize": 1})
        if data is None:
            raise RegistryRequestRefused(
                _("No Vertex AI Model Registry for %(parent)s.") % {"parent": self.parent}
            )
        return _("Vertex AI answered: the Model Registry of %(parent)s is reachable.") % {
            "parent": self.parent
        }


def _default_credentials_session():
    """Google's application default credentials (GOOGLE_APPLICATION_CREDENTIALS, workload
    identity, the metadata server) as an authorised session."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    from google.auth.transport.requests import AuthorizedSession

    try:
        credentials, _ = google.auth.default(scopes=[SCOPE])
    except DefaultCredentialsError as exc:
        raise RegistryRequestRefused(
            "No Google credentials: set GOOGLE_APPLICATION_CREDENTIALS or give an API token."
        ) from exc
    return AuthorizedSession(credentials)


def _client(*, base_url: str, credentials: dict | None, options: dict, timeout: float):
    return VertexClient(
        project=options.get("project", ""),
        location=options.get("location", ""),
        base_url=base_url,
        credentials=credentials,
        timeout=timeout,
    )


ADAPTER = Adapter(
    kind="vertex",
    label="Vertex AI Model Registry",
    verify=verify,
    parse_stored=parse_stored,
    client=_client,
    new_secret=lambda: secrets_module.token_urlsafe(32),
    needs_url=False,
    setup_template="catalog/_setup_vertex.html",
    secret_help="Not used: the registry sends nothing, Attest polls it. Leave empty.",  # noqa: S106 (help text)
)
