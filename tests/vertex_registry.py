"""A loopback stand-in for the Vertex AI Model Registry's REST API (v1).

Mocked on purpose: Vertex AI is a Google Cloud service with no emulator. It answers the
documented JSON of https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.models
for the calls Attest makes: ``models.list`` (each model's default version), ``:listVersions``,
``models.get`` of ``{model}@{versionId}``, ``:mergeVersionAliases`` (``-alias`` removes; an
alias names one version, so adding it moves it), with ``{"models": [...], "nextPageToken"}``
pages and RFC 3339 times.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def _now() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


class Store:
    def __init__(self, parent: str):
        self.parent = parent
        self.lock = threading.Lock()
        self.models: dict[str, list[dict]] = {}  # model id -> versions (oldest first)

    def upload(self, model: str, uri: str, *, display_name="", description="", labels=None):
        """What ``models.upload`` (a new model, or a new version with ``parentModel``) leaves."""
        with self.lock:
            versions = self.models.setdefault(model, [])
            version_id = str(len(versions) + 1)
            at = _now()
            versions.append(
                {
                    "name": f"{self.parent}/models/{model}",
                    "displayName": display_name or model,
                    "description": description,
                    "versionId": version_id,
                    "versionAliases": ["default"] if not versions else [],
                    "versionCreateTime": at,
                    "versionUpdateTime": at,
                    "createTime": versions[0]["createTime"] if versions else at,
                    "updateTime": at,
                    "labels": dict(labels or {}),
                    "artifactUri": uri,
                }
            )
            return versions[-1]

    def aliases(self, model: str) -> dict[str, str]:
        return {a: v["versionId"] for v in self.models.get(model, []) for a in v["versionAliases"]}

    def merge_aliases(self, model: str, version_id: str, aliases: list[str]) -> dict | None:
        with self.lock:
            versions = self.models.get(model, [])
            target = next((v for v in versions if v["versionId"] == version_id), None)
            if target is None:
                return None
            for alias in aliases:
                if alias.startswith("-"):
                    if alias[1:] in target["versionAliases"]:
                        target["versionAliases"].remove(alias[1:])
                else:
                    for other in versions:
                        if alias in other["versionAliases"]:
                            other["versionAliases"].remove(alias)
                    target["versionAliases"].append(alias)
                target["versionUpdateTime"] = _now()
            return target

    def delete_model(self, model: str) -> None:
        with self.lock:
            self.models.pop(model, None)


def _handler(store: Store, token: str):
    models_path = re.compile(rf"^/v1/{re.escape(store.parent)}/models$")
    one = re.compile(rf"^/v1/{re.escape(store.parent)}/models/([^/@:]+)(?:@([^/:]+))?(?::(\w+))?$")

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

        def _missing(self):
            self._send(404, {"error": {"code": 404, "status": "NOT_FOUND"}})

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {token}":
                return True
            self._send(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
            return False

        def _page(self, items, query):
            size = int(query.get("pageSize", ["100"])[0])
            start = int(query.get("pageToken", ["0"])[0] or 0)
            more = start + size < len(items)
            body = {"models": items[start : start + size]}
            if more:
                body["nextPageToken"] = str(start + size)
            return self._send(200, body)

        def do_GET(self):  # noqa: N802 (http.server's naming)
            if not self._authorised():
                return None
            url = urlparse(self.path)
            query = parse_qs(url.query)
            with store.lock:
                snapshot = {k: [dict(v) for v in vs] for k, vs in store.models.items()}
            if models_path.match(url.path):
                defaults = [
                    next((v for v in vs if "default" in v["versionAliases"]), vs[0])
                    for vs in snapshot.values()
                    if vs
                ]
                return self._page(defaults, query)
            match = one.match(url.path)
            if not match or match.group(1) not in snapshot:
                return self._missing()
            versions = snapshot[match.group(1)]
            model, version, verb = match.groups()
            if verb == "listVersions":
                named = [{**v, "name": f"{v['name']}@{v['versionId']}"} for v in versions]
                return self._page(named, query)
            if verb:
                return self._missing()
            if version is None:
                found = next((v for v in versions if "default" in v["versionAliases"]), None)
            else:
                found = next(
                    (
                        v
                        for v in versions
                        if v["versionId"] == version or version in v["versionAliases"]
                    ),
                    None,
                )
            return self._send(200, found) if found else self._missing()

        def do_POST(self):  # noqa: N802
            if not self._authorised():
                return None
            match = one.match(urlparse(self.path).path)
            if not match or match.group(3) != "mergeVersionAliases" or not match.group(2):
                return self._missing()
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            result = store.merge_aliases(match.group(1), match.group(2), body["versionAliases"])
            return self._send(200, result) if result else self._missing()

    return Handler


class VertexRegistry:
    """Start with ``VertexRegistry(project, location, token)``; ``url``, ``store``, ``stop()``."""

    def __init__(self, project: str, location: str, token: str):
        self.store = Store(f"projects/{project}/locations/{location}")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.store, token))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
