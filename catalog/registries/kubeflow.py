"""Kubeflow Model Registry: registered models are models, their model versions are versions,
string custom properties are tags; Attest writes its approval back as custom properties.

The registry is a passive store (it sends no events), so a kubeflow source is polled: the
``catalog.tasks.poll_sources`` beat task reconciles it every ``ATTEST_POLL_INTERVAL_SECONDS``,
and "Reconcile now" on the source's page does the same at once. A delivery to
``/webhooks/<slug>/`` is refused.

REST API v1alpha3, from the project's OpenAPI document (kubeflow/model-registry,
``api/openapi/model-registry.yaml``):

- ``GET /api/model_registry/v1alpha3/registered_models?pageSize=&nextPageToken=`` and
  ``GET .../registered_models/{id}/versions`` answer lists ``{"items": [...], "nextPageToken":
  "", "pageSize": n, "size": n}``; ``GET .../registered_model?name=`` and
  ``GET .../model_version?name=&parentResourceId=`` find one by name (404 when absent);
- resources carry ``id`` (a string), ``name``, ``description``, ``state`` (``LIVE`` or
  ``ARCHIVED``), ``createTimeSinceEpoch`` / ``lastUpdateTimeSinceEpoch`` (milliseconds, as
  strings) and ``customProperties``: ``{"key": {"metadataType": "MetadataStringValue",
  "string_value": "..."}}`` (also ``MetadataIntValue``/``int_value``, ``MetadataDoubleValue``/
  ``double_value``, ``MetadataBoolValue``/``bool_value``);
- a version's artifact (its ``uri``) is listed at ``GET .../model_versions/{id}/artifacts``;
- ``PATCH .../model_versions/{id}`` with ``{"customProperties": {...}}`` updates a version.

The registry has no delete: archiving (``state: ARCHIVED``) is how a model or version leaves
it, so an archived one is treated as gone and the catalog marks it deleted, keeping its history.
"""

from __future__ import annotations

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

API = "/api/model_registry/v1alpha3"
LIVE = "LIVE"
MAX_PAGES = 1000  # 100 000 models or versions at 100 a page: a registry answering forever stops
VALUE_FIELDS = {
    "MetadataStringValue": "string_value",
    "MetadataIntValue": "int_value",
    "MetadataDoubleValue": "double_value",
    "MetadataBoolValue": "bool_value",
}


def _time(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def properties(resource: dict) -> dict[str, str]:
    """Custom properties of the scalar types as text; struct and proto values are skipped."""
    found = {}
    for key, value in (resource.get("customProperties") or {}).items():
        if not isinstance(value, dict):
            continue
        field = VALUE_FIELDS.get(value.get("metadataType", ""))
        if field and field in value:
            raw = value[field]
            found[str(key)] = str(raw).lower() if isinstance(raw, bool) else str(raw)
    return found


def parse_model(resource: dict) -> RegistryModel:
    return RegistryModel(
        name=resource["name"],
        description=resource.get("description") or "",
        tags=properties(resource),
        aliases=None,  # the registry has no aliases
        created_at=_time(resource.get("createTimeSinceEpoch")),
        updated_at=_time(resource.get("lastUpdateTimeSinceEpoch")),
    )


def parse_version(model_name: str, resource: dict, artifact_uri: str) -> RegistryVersion:
    return RegistryVersion(
        model_name=model_name,
        version=resource["name"],
        source=artifact_uri,
        run_id="",  # the registry records no training run id of its own
        status="ready",
        description=resource.get("description") or "",
        tags=properties(resource),
        created_at=_time(resource.get("createTimeSinceEpoch")),
        updated_at=_time(resource.get("lastUpdateTimeSinceEpoch")),
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
        404, "A Kubeflow Model Registry source receives no deliveries: Attest polls the registry."
    )


def parse_stored(body: bytes) -> WebhookEvent:
    raise PayloadError(_("A Kubeflow Model Registry source has no stored deliveries."))


class KubeflowClient:
    """The Model Registry reads Attest needs and the approval write-back, over its REST API."""

    WRITES_TAGS = True
    WRITES_ALIASES = False
    WRITES_APPROVAL_STATUS = False
    CAN_RECONCILE = True

    def __init__(self, base_url: str, *, credentials: dict | None = None, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        credentials = credentials or {}
        # In a cluster: a service account token (the registry sits behind kube-rbac-proxy or an
        # Istio gateway that checks it).
        if credentials.get("token"):
            self.session.headers["Authorization"] = f"Bearer {credentials['token']}"
        elif credentials.get("username"):
            self.session.auth = (credentials["username"], credentials.get("password", ""))

    def _call(self, method: str, path: str, **kwargs) -> dict | None:
        url = f"{self.base_url}{API}/{path}"
        return json_call(self.session, method, url, timeout=self.timeout, **kwargs)

    def _pages(self, path: str, page_size: int = 100) -> Iterator[dict]:
        token = ""
        for _page in range(MAX_PAGES):
            params = {"pageSize": page_size, **({"nextPageToken": token} if token else {})}
            data = self._call("GET", path, params=params)
            if data is None:
                return
            yield from (item for item in data.get("items") or [] if isinstance(item, dict))
            token = data.get("nextPageToken") or ""
            if not token:
                return

    def _model_resource(self, name: str) -> dict | None:
        found = self._call("GET", "registered_model", params={"name": name})
        return found if found and found.get("state", LIVE) == LIVE else None

    def _version_resource(self, name: str, version: str) -> dict | None:
        model = self._model_resource(name)
        if model is None:
            return None
        found = self._call(
            "GET", "model_version", params={"name": version, "parentResourceId": model["id"]}
        )
        return found if found and found.get("state", LIVE) == LIVE else None

    def _artifact_uri(self, version_id: str) -> str:
        for artifact in self._pages(f"model_versions/{version_id}/artifacts", page_size=20):
            if artifact.get("uri"):
                return str(artifact["uri"])
        return ""

    def get_model(self, name: str) -> RegistryModel | None:
        resource = self._model_resource(name)
        return parse_model(resource) if resource else None

    def get_version(self, name: str, version: str) -> RegistryVersion | None:
        resource = self._version_resource(name, version)
        if resource is None:
            return None
        return parse_version(name, resource, self._artifact_uri(resource["id"]))

    def search_models(self) -> Iterator[RegistryModel]:
        for resource in self._pages("registered_models"):
            if resource.get("state", LIVE) == LIVE and resource.get("name"):
                yield parse_model(resource)

    def search_versions(self, name: str) -> Iterator[RegistryVersion]:
        model = self._model_resource(name)
        if model is None:
            return
        for resource in self._pages(f"registered_models/{model['id']}/versions"):
            if resource.get("state", LIVE) == LIVE and resource.get("name"):
                yield parse_version(name, resource, self._artifact_uri(resource["id"]))

    def read_for_event(self, event: WebhookEvent) -> EventState:
        """What the registry holds now for one model (used by "Sync now" of one model)."""
        model = self.get_model(event.model_name)
        if model is None:
            return EventState(model=None)
        return EventState(model=model, versions=list(self.search_versions(event.model_name)))

    # --- Write-back (approval custom properties) ---
    # PATCH sends the version's whole customProperties map, read just before, so keys set by
    # others stay and a removed key is really gone.
    def _patch_properties(self, name: str, version: str, change) -> None:
        resource = self._version_resource(name, version)
        if resource is None:
            raise RegistryRequestRefused(f"{name!r} version {version!r} is not in the registry.")
        custom = dict(resource.get("customProperties") or {})
        change(custom)
        if (
            self._call(
                "PATCH", f"model_versions/{resource['id']}", json={"customProperties": custom}
            )
            is None
        ):
            raise RegistryRequestRefused(f"{name!r} version {version!r} is not in the registry.")

    def set_version_tag(self, name: str, version: str, key: str, value: str) -> None:
        def put(custom: dict) -> None:
            custom[key] = {"metadataType": "MetadataStringValue", "string_value": value}

        self._patch_properties(name, version, put)

    def delete_version_tag(self, name: str, version: str, key: str) -> None:
        self._patch_properties(name, version, lambda custom: custom.pop(key, None))

    def check(self) -> str:
        """Test connection: one page of one model, with the credentials configured."""
        data = self._call("GET", "registered_models", params={"pageSize": 1})
        if data is None or "items" not in data:
            raise RegistryRequestRefused(_("No Kubeflow Model Registry REST API at this URL."))
        return _("The Kubeflow Model Registry answered: its REST API is reachable.")


def _client(*, base_url: str, credentials: dict | None, options: dict, timeout: float):
    return KubeflowClient(base_url, credentials=credentials, timeout=timeout)


ADAPTER = Adapter(
    kind="kubeflow",
    label="Kubeflow Model Registry",
    verify=verify,
    parse_stored=parse_stored,
    client=_client,
    # Nothing signs deliveries (there are none); the source still holds one, unused.
    new_secret=lambda: secrets_module.token_urlsafe(32),
    needs_url=True,
    setup_template="catalog/_setup_kubeflow.html",
    approval_in_tags=True,
    secret_help="Not used: the registry sends nothing, Attest polls it. Leave empty.",  # noqa: S106 (help text)
)
