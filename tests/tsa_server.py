"""A real RFC 3161 timestamp authority on loopback: OpenSSL's ``ts -reply`` answers each
timestamp query, behind a small HTTP wrapper on a free port.

The HTTP transport is RFC 3161 section 3.4: the query is POSTed as
``application/timestamp-query`` and the answer is ``application/timestamp-reply``. The
``[tsa]`` configuration section follows openssl-ts(1), "CONFIGURATION FILE OPTIONS"; the
signing certificate must carry the critical extended key usage timeStamping, which
``tests/signing_pki.py`` gives it.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG = """\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = {cert}
certs = {chain}
signer_key = {key}
signer_digest = sha256
default_policy = 1.3.6.1.4.1.4146.999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class TsaServer:
    """Start with ``start()``, stop with ``stop()``; ``url`` is where to POST queries and
    ``answered`` counts the timestamps issued."""

    def __init__(self, *, cert: Path, key: Path, chain: Path):
        self.folder = Path(tempfile.mkdtemp(prefix="attest-tsa-"))
        (self.folder / "serial").write_text("01\n")
        self.config = self.folder / "tsa.cnf"
        self.config.write_text(CONFIG.format(dir=self.folder, cert=cert, key=key, chain=chain))
        self.answered = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/tsa"

    def reply(self, query: bytes) -> bytes:
        with self._lock:  # one serial file: one reply at a time
            query_path, reply_path = self.folder / "query.tsq", self.folder / "reply.tsr"
            query_path.write_bytes(query)
            subprocess.run(
                [
                    "openssl",
                    "ts",
                    "-reply",
                    "-config",
                    str(self.config),
                    "-queryfile",
                    str(query_path),
                    "-out",
                    str(reply_path),
                ],
                check=True,
                capture_output=True,
                timeout=30,
            )
            self.answered += 1
            return reply_path.read_bytes()

    def start(self) -> TsaServer:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                query = self.rfile.read(length)
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415, "expected application/timestamp-query")
                    return
                try:
                    body = tsa.reply(query)
                except subprocess.CalledProcessError as exc:
                    self.send_error(400, exc.stderr.decode(errors="replace")[:200])
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
