"""A real Prometheus (Debian's ``prometheus`` binary) on a free port, scraping a tiny exporter
the test runs in a thread. Both are stopped by the fixture that started them."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

BUCKETS = (0.1, 0.25, 0.5, 1.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Exporter:
    """Serves ``model_requests_total{code}`` and a ``model_request_duration_seconds``
    histogram in the Prometheus text format; the test sets what has been served."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ok = 0
        self.failed = 0
        self.observations: list[float] = []
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                body = exporter.render().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve(self, *, ok: int, failed: int, observations: list[float]) -> None:
        with self.lock:
            self.ok, self.failed, self.observations = ok, failed, list(observations)

    def render(self) -> str:
        with self.lock:
            lines = [
                "# TYPE model_requests_total counter",
                f'model_requests_total{{code="200"}} {self.ok}',
                f'model_requests_total{{code="500"}} {self.failed}',
                "# TYPE model_request_duration_seconds histogram",
            ]
            for le in BUCKETS:
                n = sum(1 for o in self.observations if o <= le)
                lines.append(f'model_request_duration_seconds_bucket{{le="{le}"}} {n}')
            n = len(self.observations)
            lines.append(f'model_request_duration_seconds_bucket{{le="+Inf"}} {n}')
            lines.append(f"model_request_duration_seconds_sum {sum(self.observations)}")
            lines.append(f"model_request_duration_seconds_count {n}")
        return "\n".join(lines) + "\n"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Prometheus:
    """``prometheus`` with a config written here: one job ``model`` scraping the exporter every
    second; its data in ``workdir``."""

    def __init__(self, workdir: Path, target_port: int):
        binary = shutil.which("prometheus")
        if binary is None:
            raise RuntimeError(
                "Debian's prometheus package is not installed (apt-get install prometheus)"
            )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: model\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{target_port}']\n"
        )
        self.log = (workdir / "prometheus.log").open("wb")
        self.process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def query(self, promql: str) -> list:
        answer = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=5)
        return answer.json()["data"]["result"]

    def wait_for(self, promql: str, expected: float, timeout: float = 30) -> None:
        """Until the instant query ``promql`` answers ``expected`` (the scrape saw it)."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited with {self.process.returncode}")
            try:
                result = self.query(promql)
                last = result
                if result and float(result[0]["value"][1]) == expected:
                    return
            except (requests.RequestException, KeyError, ValueError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"{promql} never answered {expected} (last: {last})")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.log.close()
