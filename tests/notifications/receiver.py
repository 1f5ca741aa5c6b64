"""A webhook receiver the tests run on a free loopback port: it verifies every delivery with
the ``standardwebhooks`` library (the specification's own implementation), records what came,
and answers the status codes a test lines up (then 204)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: dict | None  # the parsed payload when the signature verified, else None
    error: str = ""


@dataclass
class Receiver:
    secret: str | None = None  # set once the endpoint (and its secret) exists
    answers: list[int] = field(default_factory=list)  # status codes to answer first
    received: list[Received] = field(default_factory=list)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                verified, error = None, ""
                try:
                    verified = Webhook(receiver.secret or "").verify(body, headers)
                except (WebhookVerificationError, Exception) as exc:  # noqa: BLE001
                    error = f"{type(exc).__name__}: {exc}"
                receiver.received.append(Received(headers, body, verified, error))
                status = receiver.answers.pop(0) if receiver.answers else 204
                if verified is None and status < 300:
                    status = 401  # as a real receiver would: unsigned deliveries are refused
                payload = b'{"ok": false, "why": "receiver busy"}' if status >= 300 else b""
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/attest"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
