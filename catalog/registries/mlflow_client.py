"""A small client for MLflow's REST API (the reads Attest needs, and webhook registration)."""

from __future__ import annotations

from collections.abc import Iterator

import requests

from catalog.registries.mlflow import RegistryModel, RegistryVersion, parse_model, parse_version


class RegistryUnavailable(RuntimeError):
    """The registry did not answer, or answered with a server error: try again later."""


class RegistryRequestRefused(RuntimeError):
    """The registry refused the request (credentials, bad input): retrying will not help."""


class MlflowClient:
    def __init__(self, base_url: str, *, credentials: dict | None = None, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
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
            raise RegistryUnavailable(f"{method} {url}: {exc}") from exc
        if response.status_code == 404 or (
            response.status_code == 400 and "RESOURCE_DOES_NOT_EXIST" in response.text
        ):
            return None
        if response.status_code >= 500 or response.status_code == 429:
            raise RegistryUnavailable(f"{method} {url}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise RegistryRequestRefused(
                f"{method} {url}: HTTP {response.status_code} {response.text[:300]}"
            )
        try:
            return response.json()
        except ValueError as exc:
            raise RegistryUnavailable(f"{method} {url}: answer is not JSON") from exc

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
