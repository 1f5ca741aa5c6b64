"""A loopback stand-in for an Azure Machine Learning workspace's model REST API.

Mocked on purpose: Azure Machine Learning is a cloud service with no local emulator. It answers
the documented JSON of https://learn.microsoft.com/rest/api/azureml/model-containers and
.../model-versions (api-version 2024-04-01) for the calls Attest makes: list models, get a
model, list and get its versions (``{"value": [...], "nextLink": url}`` pages), and the version
``createOrUpdate`` (PUT) Attest's tag write-back uses. Bearer tokens only (what Entra ID issues);
archived resources carry ``properties.isArchived``.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def _now() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")  # 7 digits, like Azure


class Store:
    def __init__(self, workspace_path: str):
        self.workspace_path = workspace_path
        self.lock = threading.Lock()
        self.models: dict[str, dict] = {}
        self.versions: dict[str, list[dict]] = {}

    def register(
        self, name: str, uri: str, *, description="", tags=None, job="", model_tags=None
    ) -> dict:
        """What ``az ml model create`` leaves: the model container (once) and a new version."""
        with self.lock:
            at = _now()
            if name not in self.models:
                self.models[name] = {
                    "id": f"{self.workspace_path}/models/{name}",
                    "name": name,
                    "type": "Microsoft.MachineLearningServices/workspaces/models",
                    "properties": {
                        "description": "",
                        "tags": dict(model_tags or {}),
                        "isArchived": False,
                    },
                    "systemData": {"createdAt": at, "lastModifiedAt": at},
                }
            versions = self.versions.setdefault(name, [])
            version = str(len(versions) + 1)
            versions.append(
                {
                    "id": f"{self.workspace_path}/models/{name}/versions/{version}",
                    "name": version,
                    "type": "Microsoft.MachineLearningServices/workspaces/models/versions",
                    "properties": {
                        "description": description,
                        "tags": dict(tags or {}),
                        "properties": {"azureml.modelFormat": "mlflow"},
                        "modelUri": uri,
                        "modelType": "mlflow_model",
                        "jobName": job,
                        "isArchived": False,
                        "stage": "Development",
                    },
                    "systemData": {"createdAt": at, "lastModifiedAt": at},
                }
            )
            self.models[name]["properties"]["latestVersion"] = version
            return versions[-1]

    def version(self, name: str, version: str) -> dict | None:
        return next((v for v in self.versions.get(name, []) if v["name"] == version), None)

    def tags(self, name: str, version: str) -> dict:
        return dict(self.version(name, version)["properties"]["tags"])

    def set_tags(self, name: str, version: str, tags: dict) -> None:
        with self.lock:
            found = self.version(name, version)
            found["properties"]["tags"] = dict(tags)
            found["systemData"]["lastModifiedAt"] = _now()

    def archive(self, name: str, version: str | None = None) -> None:
        with self.lock:
            target = self.version(name, version) if version else self.models[name]
            target["properties"]["isArchived"] = True


def _handler(store: Store, token: str, api_version: str):
    prefix = re.escape(store.workspace_path)
    models = re.compile(rf"^{prefix}/models$")
    model = re.compile(rf"^{prefix}/models/([^/]+)$")
    versions = re.compile(rf"^{prefix}/models/([^/]+)/versions$")
    version = re.compile(rf"^{prefix}/models/([^/]+)/versions/([^/]+)$")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, body) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _error(self, status: int, code: str):
            self._send(status, {"error": {"code": code, "message": code}})

        def _checked(self):
            if self.headers.get("Authorization") != f"Bearer {token}":
                self._error(401, "InvalidAuthenticationToken")
                return None
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if query.get("api-version") != [api_version]:
                self._error(400, "InvalidApiVersionParameter")
                return None
            return url, query

        def _page(self, items, query, url):
            # ARM lists hide archived resources unless listViewType asks (ActiveOnly default).
            items = [i for i in items if not i["properties"].get("isArchived")]
            top = int(query.get("$top", ["50"])[0])
            start = int(query.get("$skip", ["0"])[0])
            body = {"value": items[start : start + top]}
            if start + top < len(items):
                host = f"http://{self.headers['Host']}"
                body["nextLink"] = (
                    f"{host}{url.path}?api-version={api_version}&$skip={start + top}&$top={top}"
                )
            return self._send(200, body)

        def do_GET(self):  # noqa: N802 (http.server's naming)
            checked = self._checked()
            if checked is None:
                return None
            url, query = checked
            with store.lock:
                if models.match(url.path):
                    return self._page(list(store.models.values()), query, url)
                if found := versions.match(url.path):
                    return self._page(store.versions.get(found.group(1), []), query, url)
                if found := model.match(url.path):
                    hit = store.models.get(found.group(1))
                    return self._send(200, hit) if hit else self._error(404, "NotFound")
                if found := version.match(url.path):
                    hit = store.version(*found.groups())
                    return self._send(200, hit) if hit else self._error(404, "NotFound")
            return self._error(404, "NotFound")

        def do_PUT(self):  # noqa: N802
            checked = self._checked()
            if checked is None:
                return None
            found = version.match(checked[0].path)
            if not found or store.version(*found.groups()) is None:
                return self._error(404, "NotFound")
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            properties = body["properties"]
            # Immutable fields must come back unchanged (the service refuses other changes).
            current = store.version(*found.groups())["properties"]
            if properties.get("modelUri") != current["modelUri"]:
                return self._error(400, "UserError")
            store.set_tags(*found.groups(), properties.get("tags") or {})
            return self._send(200, store.version(*found.groups()))

    return Handler


class AzureMLWorkspace:
    """``AzureMLWorkspace(subscription, resource_group, workspace, token)``: ``url``, ``store``,
    ``stop()``."""

    def __init__(self, subscription: str, resource_group: str, workspace: str, token: str):
        path = (
            f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/"
            f"Microsoft.MachineLearningServices/workspaces/{workspace}"
        )
        self.store = Store(path)
        self.server = ThreadingHTTPServer(
            ("127.0.0.1", 0), _handler(self.store, token, "2024-04-01")
        )
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
