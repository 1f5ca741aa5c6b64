"""A small client for MLflow's REST API (the reads Attest needs, write-back and webhook
registration), and MLflow's registry adapter (``ADAPTER``, see ``catalog.registries.base``)."""

from __future__ import annotations

import secrets as secrets_module
from collections.abc import Iterator

import requests
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from catalog.registries import errors, mlflow
from catalog.registries.base import (
    Adapter,
    EventState,
    RegistryModel,
    RegistryRequestRefused,
    RegistryUnavailable,
    RegistryVersion,
    WebhookEvent,
)
from catalog.registries.mlflow import parse_model, parse_version

__all__ = ["ADAPTER", "MlflowClient", "RegistryRequestRefused", "RegistryUnavailable"]

# Events about one version: re-reading that version (and the model) is enough.
_VERSION_ENTITIES = frozenset({"model_version", "model_version_tag"})


class MlflowClient:
    WRITES_TAGS = True
    WRITES_ALIASES = True
    WRITES_APPROVAL_STATUS = False
    CAN_RECONCILE = True

    def __init__(self, base_url: str, *, credentials: dict | None = None, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        # One client per source and process is kept (catalog.services.sources.registry_client),
        # so its connections are reused. A kept-alive connection the server closed meanwhile
        # fails on reuse: one retry, for reads only (writes are never sent twice).
        retry = Retry(total=1, connect=1, read=1, status=0, other=0, allowed_methods={"GET"})
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        credentials = credentials or {}
        if credentials.get("token"):
            self.session.headers["Authorization"] = f"Bearer {credentials['token']}"
        elif credentials.get("username"):
            self.session.auth = (credentials["username"], credentials.get("password", ""))

    def _call(self, method: str, path: str, **kwargs) -> dict | None:
        url = f"{self.base_url}/api/2.0/mlflow/{path}"
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            # One sentence with the next step, not urllib3's "Max retries exceeded ..." text.
            raise RegistryUnavailable(errors.network_error(exc, url=url)) from exc
        if response.status_code == 404 or (
            response.status_code == 400 and "RESOURCE_DOES_NOT_EXIST" in response.text
        ):
            return None
        if response.status_code >= 500 or response.status_code == 429:
            raise RegistryUnavailable(errors.http_error(response.status_code, url=url))
        if response.status_code >= 400:
            refused = errors.http_error(response.status_code, url=url)
            if response.status_code not in (401, 403):  # the registry's reason helps here
                refused += " " + _("MLflow said: %(answer)s") % {"answer": response.text[:300]}
            raise RegistryRequestRefused(refused)
        try:
            return response.json()
        except ValueError as exc:
            raise RegistryUnavailable(errors.not_json(url=url)) from exc

    def get_model(self, name: str) -> RegistryModel | None:
        data = self._call("GET", "registered-models/get", params={"name": name})
        return parse_model(data["registered_model"]) if data else None

    def get_version(self, name: str, version: str) -> RegistryVersion | None:
        data = self._call("GET", "model-versions/get", params={"name": name, "version": version})
        return parse_version(data["model_version"]) if data else None

    def _pages(self, path: str, key: str, params: dict) -> Iterator[dict]:
        token = None
        while True:
            data = self._call(
                "GET", path, params={**params, **({"page_token": token} if token else {})}
            )
            if not data:
                return
            yield from data.get(key, [])
            token = data.get("next_page_token")
            if not token:
                return

    def search_models(self, page_size: int = 100) -> Iterator[RegistryModel]:
        for item in self._pages(
            "registered-models/search", "registered_models", {"max_results": page_size}
        ):
            yield parse_model(item)

    def search_versions(self, name: str, page_size: int = 200) -> Iterator[RegistryVersion]:
        escaped = name.replace("'", "\\'")
        for item in self._pages(
            "model-versions/search",
            "model_versions",
            {"filter": f"name='{escaped}'", "max_results": page_size},
        ):
            yield parse_version(item)

    # --- Write-back (approval tags and aliases) ---
    # MLflow's handlers read a JSON body on DELETE as on POST (handlers._get_request_message).
    # Setting on a model or version the registry does not have is refused (nothing was written,
    # retrying will not help); deleting what is absent is not an error.
    def _write(self, method: str, path: str, body: dict) -> None:
        if self._call(method, path, json=body) is None and method != "DELETE":
            raise RegistryRequestRefused(
                f"{method} {path}: {body.get('name')!r} version {body.get('version')!r} "
                "is not in the registry."
            )

    def set_version_tag(self, name: str, version: str, key: str, value: str) -> None:
        self._write(
            "POST",
            "model-versions/set-tag",
            {"name": name, "version": version, "key": key, "value": value},
        )

    def delete_version_tag(self, name: str, version: str, key: str) -> None:
        self._write(
            "DELETE", "model-versions/delete-tag", {"name": name, "version": version, "key": key}
        )

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self._write(
            "POST", "registered-models/alias", {"name": name, "alias": alias, "version": version}
        )

    def delete_alias(self, name: str, alias: str) -> None:
        self._write("DELETE", "registered-models/alias", {"name": name, "alias": alias})

    def read_for_event(self, event: WebhookEvent) -> EventState:
        """The model an event names and the versions it may have changed, read now."""
        state = self.get_model(event.model_name)
        if state is None:
            # MLflow's test ping ("example_model") and events for since-deleted models.
            return EventState(model=None)
        if event.version and event.entity in _VERSION_ENTITIES:
            version = self.get_version(event.model_name, event.version)
            return EventState(model=state, versions=[version] if version is not None else [])
        # Model and alias events re-read every version: MLflow sends nothing for renames, so
        # this is how versions announced under an old name reach the catalog.
        return EventState(model=state, versions=list(self.search_versions(event.model_name)))

    def read_for_events(self, events: list[WebhookEvent]) -> EventState:
        """Several events about one model, read once: the model once, and each version they
        name once; every version if any of them is a model or alias event (as
        ``read_for_event`` reads for one such event). Re-reading is what makes any number of
        events about a model cost the same as one: the current state stands for all."""
        name = events[0].model_name
        state = self.get_model(name)
        if state is None:
            return EventState(model=None)
        if any(not (e.version and e.entity in _VERSION_ENTITIES) for e in events):
            return EventState(model=state, versions=list(self.search_versions(name)))
        numbers = sorted({e.version for e in events}, key=lambda v: (len(v), v))
        versions = [self.get_version(name, number) for number in numbers]
        return EventState(model=state, versions=[v for v in versions if v is not None])

    def check(self) -> str:
        """Test connection: one page of one model, with the credentials configured."""
        data = self._call("GET", "registered-models/search", params={"max_results": 1})
        if data is None:
            raise RegistryRequestRefused(
                _(
                    "No MLflow model registry API at this URL (HTTP 404): check that the "
                    "source's URL is the MLflow server's base address, without /api/2.0."
                )
            )
        return _("MLflow answered: the model registry API is reachable with these credentials.")

    def create_webhook(self, *, name: str, url: str, secret: str, events: list[dict]) -> dict:
        data = self._call(
            "POST",
            "webhooks",
            json={
                "name": name,
                "url": url,
                "secret": secret,
                "events": events,
                "description": "Attest model governance",
            },
        )
        if not data:
            raise RegistryRequestRefused("This MLflow server has no webhook API (MLflow >= 3.3).")
        return data["webhook"]


def _client(*, base_url: str, credentials: dict | None, options: dict, timeout: float):
    return MlflowClient(base_url, credentials=credentials, timeout=timeout)


ADAPTER = Adapter(
    kind="mlflow",
    label="MLflow",
    verify=mlflow.verify,
    parse_stored=mlflow.parse_event,
    client=_client,
    new_secret=lambda: secrets_module.token_urlsafe(32),
    setup_template="catalog/_setup_mlflow.html",
    secret_help="The webhook secret, also set on the MLflow webhook.",  # noqa: S106 (help text)
)
