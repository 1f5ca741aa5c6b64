"""Red-team finding 6: two half-sent request bodies froze the portal (sync gunicorn, no proxy).

Runs the production pieces on loopback: gunicorn with config/gunicorn.py, and Debian's nginx
with deploy/nginx/attest.conf as shipped, only its upstream address and listen port replaced.
A "stalled body" is a POST to the webhook receiver (which reads its body) announcing 100 kB,
sending 1 kB and going quiet. A frozen server shows as a socket timeout on /healthz, never as a
measured time.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_CONF = ROOT / "deploy" / "nginx" / "attest.conf"
GUNICORN_CONF = ROOT / "config" / "gunicorn.py"
# Generous: /healthz answers in milliseconds; only a server that is stuck misses this.
ANSWER_TIMEOUT = 5.0
STARTUP_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_serving(process: subprocess.Popen, port: int, log: Path, what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if _healthz(port, timeout=1.0) == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{what} did not serve /healthz within {STARTUP_TIMEOUT:.0f} s:\n{log.read_text()}")


def _healthz(port: int, timeout: float = ANSWER_TIMEOUT) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status
    finally:
        conn.close()


def _healthz_or_fail(port: int, why: str, timeout: float = ANSWER_TIMEOUT) -> int:
    try:
        return _healthz(port, timeout=timeout)
    except TimeoutError:
        pytest.fail(f"/healthz did not answer within {timeout:.0f} s: {why}")


@contextlib.contextmanager
def _stalled_bodies(port: int, count: int):
    """``count`` connections that sent their headers and 1 kB of a 100 kB body, then went quiet."""
    head = (
        b"POST /webhooks/proxy-test/ HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: 100000\r\n\r\n"
    )
    sockets = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT)
            sockets.append(sock)
            sock.sendall(head + b"{" * 1000)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def _shipped_body_limit() -> int:
    match = re.search(r"^\s*client_max_body_size\s+(\d+)([km]?);", SHIPPED_CONF.read_text(), re.M)
    assert match, "deploy/nginx/attest.conf sets no client_max_body_size"
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[match.group(2)]


@pytest.fixture
def start_gunicorn(tmp_path):
    """Start ``gunicorn -c config/gunicorn.py config.wsgi`` on a free port; stop it afterwards."""
    started: list[subprocess.Popen] = []

    def start(**env_overrides: str) -> int:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if k != "GUNICORN_CMD_ARGS"}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings_test",
            # /healthz needs no database; a stalled body that finally arrives gets a quick
            # error here instead of a query against a real one.
            TEST_DATABASE_URL="postgres://nobody@127.0.0.1:9/unused",
            **env_overrides,
        )
        log = tmp_path / f"gunicorn-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)]
                + ["--bind", f"127.0.0.1:{port}", "config.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        _wait_until_serving(process, port, log, "gunicorn")
        return port

    yield start
    for process in started:
        _stop(process)


@pytest.fixture
def start_nginx(tmp_path):
    """Run the shipped deploy/nginx/attest.conf in Debian's nginx, in front of ``upstream_port``."""
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        pytest.fail("nginx is missing: apt-get install nginx (.ci/run does it)")
    started: list[subprocess.Popen] = []

    def start(upstream_port: int) -> int:
        port = _free_port()
        prefix = tmp_path / f"nginx-{port}"
        prefix.mkdir()
        shipped = SHIPPED_CONF.read_text()
        site = shipped.replace("server web:8000;", f"server 127.0.0.1:{upstream_port};")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
        assert site.count(f"127.0.0.1:{upstream_port}") == 1, "upstream 'server web:8000;' moved"
        assert site.count(f"listen 127.0.0.1:{port};") == 1, "'listen 80;' moved"
        (prefix / "attest.conf").write_text(site)
        (prefix / "nginx.conf").write_text(
            # Root's tmp_path is private (0700): workers run as root too, or they could not
            # spool bodies there. Off root, "user" is ignored.
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\n"
            f"error_log {prefix}/error.log info;\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            f"  access_log {prefix}/access.log;\n"
            f"  client_body_temp_path {prefix}/client_body;\n"
            f"  proxy_temp_path {prefix}/proxy;\n"
            f"  fastcgi_temp_path {prefix}/fastcgi;\n"
            f"  uwsgi_temp_path {prefix}/uwsgi;\n"
            f"  scgi_temp_path {prefix}/scgi;\n"
            f"  include {prefix}/attest.conf;\n"
            "}\n"
        )
        log = prefix / "error.log"
        process = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        _wait_until_serving(process, port, log, "nginx")
        return port

    yield start
    for process in started:
        _stop(process)


def test_two_stalled_bodies_do_not_delay_healthz_behind_the_shipped_nginx(
    start_gunicorn, start_nginx
):
    # One thread: a single stalled body reaching gunicorn would hold it (next test), so an
    # answer here is nginx's doing.
    proxy = start_nginx(start_gunicorn(WEB_CONCURRENCY="1", GUNICORN_THREADS="1"))
    with _stalled_bodies(proxy, 2):
        time.sleep(0.5)  # let nginx read them (a non-buffering proxy would pass them on now)
        assert _healthz_or_fail(proxy, "nginx passed the stalled bodies to gunicorn") == 200


def test_two_stalled_bodies_sent_straight_to_a_one_thread_gunicorn_hold_it(start_gunicorn):
    # The contrast: without the proxy the same server is stuck, so the test above can tell.
    app = start_gunicorn(WEB_CONCURRENCY="1", GUNICORN_THREADS="1")
    with _stalled_bodies(app, 2), pytest.raises(TimeoutError):
        _healthz(app, timeout=3.0)


def test_shipped_gunicorn_answers_healthz_while_two_bodies_stall_without_the_proxy(
    start_gunicorn,
):
    app = start_gunicorn(WEB_CONCURRENCY="1")  # the shipped threads per worker, one process
    with _stalled_bodies(app, 2):
        assert _healthz_or_fail(app, "the stalled bodies hold every gthread thread") == 200


def test_a_stalled_body_frees_its_thread_after_the_body_timeout(start_gunicorn):
    app = start_gunicorn(WEB_CONCURRENCY="1", GUNICORN_THREADS="1", GUNICORN_BODY_TIMEOUT="1")
    with _stalled_bodies(app, 1):
        # The thread is back after the 1 s read timeout plus gunicorn's own drain of the unread
        # body (at most 5 s); without the timeout it stays with the stalled client.
        status = _healthz_or_fail(
            app, "config/gunicorn.py's pre_request set no read timeout", timeout=15.0
        )
    assert status == 200


def test_nginx_refuses_a_body_above_its_limit_before_gunicorn_sees_it(start_gunicorn, start_nginx):
    proxy = start_nginx(start_gunicorn(WEB_CONCURRENCY="1", GUNICORN_THREADS="1"))
    conn = http.client.HTTPConnection("127.0.0.1", proxy, timeout=ANSWER_TIMEOUT)
    try:
        conn.putrequest("POST", "/webhooks/proxy-test/")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(_shipped_body_limit() + 1))
        conn.endheaders()
        answer = conn.getresponse()
    finally:
        conn.close()
    assert answer.status == 413
    assert answer.getheader("X-Request-ID") is None  # the app tags every answer it gives


def test_proxy_body_limit_admits_the_largest_bodies_attest_accepts(settings):
    limit = _shipped_body_limit()
    assert limit > settings.ATTEST_EVIDENCE_MAX_BYTES  # plus multipart framing
    assert limit > settings.ATTEST_METRICS_MAX_BYTES
    assert limit > settings.ATTEST_WEBHOOK_MAX_BYTES
