"""A loopback stand-in for the Kubeflow Model Registry's REST API (v1alpha3).

Mocked on purpose: the real registry is a Go server with its own database, shipped as container
images, and neither runs here. It answers the documented JSON of
kubeflow/model-registry ``api/openapi/model-registry.yaml`` for the calls Attest makes (list
and find registered models and model versions, list a version's artifacts, PATCH a version) and
the calls a test makes to fill it (create models, versions and artifacts, archive). Ids are
strings, times are milliseconds since the epoch as strings, custom properties carry their
``metadataType``; lists are ``{"items", "nextPageToken", "pageSize", "size"}`` and page with an
opaque ``nextPageToken``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

API = "/api/model_registry/v1alpha3/"


def string_properties(values: dict[str, str]) -> dict:
    return {
        k: {"metadataType": "MetadataStringValue", "string_value": v} for k, v in values.items()
    }


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.next_id = 1
        self.models: dict[str, dict] = {}
        self.versions: dict[str, dict] = {}
        self.artifacts: dict[str, list[dict]] = {}
        self.requests: list[tuple[str, str]] = []

    def _new(self, **fields) -> dict:
        now = str(int(time.time() * 1000))
        resource = {
            "id": str(self.next_id),
            "createTimeSinceEpoch": now,
            "lastUpdateTimeSinceEpoch": now,
            "state": "LIVE",
            "customProperties": {},
            **fields,
        }
        self.next_id += 1
        return resource

    # What a test (or the registry's own UI / Python client) does.
    def create_model(self, name: str, description: str = "", properties=None) -> dict:
        with self.lock:
            model = self._new(
                name=name,
                description=description,
                customProperties=string_properties(properties or {}),
            )
            self.models[model["id"]] = model
            return model

    def create_version(self, model: dict, name: str, uri: str, properties=None) -> dict:
        with self.lock:
            version = self._new(
                name=name,
                registeredModelId=model["id"],
                author="pipeline",
                customProperties=string_properties(properties or {}),
            )
            self.versions[version["id"]] = version
            artifact = self._new(
                name=f"{model['name']}-{name}", uri=uri, artifactType="model-artifact"
            )
            self.artifacts[version["id"]] = [artifact]
            return version

    def update(self, resource: dict, **fields) -> None:
        with self.lock:
            resource.update(fields)
            resource["lastUpdateTimeSinceEpoch"] = str(int(time.time() * 1000) + 1)


def _page(items: list[dict], query: dict) -> dict:
    size = int(query.get("pageSize", ["100"])[0])
    start = int(query.get("nextPageToken", ["0"])[0] or 0)
    chunk = items[start : start + size]
    more = start + size < len(items)
    return {
        "items": chunk,
        "nextPageToken": str(start + size) if more else "",
        "pageSize": size,
        "size": len(chunk),
    }


def _handler(store: Store, token: str | None):
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

        def _route(self, method: str):
            url = urlparse(self.path)
            store.requests.append((method, url.path))
            if token and self.headers.get("Authorization") != f"Bearer {token}":
                return self._send(401, {"code": "401", "message": "unauthorized"})
            if not url.path.startswith(API):
                return self._send(404, {"code": "404", "message": "not found"})
            parts = url.path[len(API) :].strip("/").split("/")
            query = parse_qs(url.query)
            if method == "GET":
                return self._get(parts, query)
            if method == "PATCH" and len(parts) == 2 and parts[0] == "model_versions":
                version = store.versions.get(parts[1])
                if version is None:
                    return self._send(404, {"code": "404", "message": "no such version"})
                length = int(self.headers.get("Content-Length") or 0)
                change = json.loads(self.rfile.read(length) or b"{}")
                store.update(version, **change)
                return self._send(200, version)
            return self._send(405, {"code": "405", "message": "method not allowed"})

        def _get(self, parts, query):
            with store.lock:
                models = list(store.models.values())
                versions = list(store.versions.values())
            if parts == ["registered_models"]:
                return self._send(200, _page(models, query))
            if parts == ["registered_model"]:
                name = query.get("name", [""])[0]
                found = next((m for m in models if m["name"] == name), None)
                return self._send(200, found) if found else self._send(404, {"code": "404"})
            if len(parts) == 3 and parts[0] == "registered_models" and parts[2] == "versions":
                mine = [v for v in versions if v["registeredModelId"] == parts[1]]
                return self._send(200, _page(mine, query))
            if parts == ["model_version"]:
                name = query.get("name", [""])[0]
                parent = query.get("parentResourceId", [""])[0]
                found = next(
                    (v for v in versions if v["name"] == name and v["registeredModelId"] == parent),
                    None,
                )
                return self._send(200, found) if found else self._send(404, {"code": "404"})
            if len(parts) == 3 and parts[0] == "model_versions" and parts[2] == "artifacts":
                return self._send(200, _page(store.artifacts.get(parts[1], []), query))
            return self._send(404, {"code": "404", "message": "not found"})

        def do_GET(self):  # noqa: N802 (http.server's naming)
            self._route("GET")

        def do_PATCH(self):  # noqa: N802
            self._route("PATCH")

    return Handler


class KubeflowRegistry:
    """Start with ``KubeflowRegistry()``; ``url``, ``store``; ``stop()`` when done."""

    def __init__(self, token: str | None = None):
        self.store = Store()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.store, token))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
