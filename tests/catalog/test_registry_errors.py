"""Registry failures read as one sentence with the next step (issue 20, point 7), not urllib3's
"HTTPConnectionPool(...): Max retries exceeded ... NewConnectionError" text. Each class of
failure is produced for real: a closed port, a name that cannot resolve (.invalid, RFC 2606),
a listening socket that never answers, TLS spoken to a plain-HTTP server, and a loopback HTTP
server answering 401, 403, 404, 500 and HTML. Checked through the MLflow client and the shared
REST call, on the source page (Test connection), in the sync results and in the inbox."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
import requests
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from catalog.registries import rest
from catalog.registries.base import RegistryRequestRefused, RegistryUnavailable
from catalog.registries.mlflow_client import MlflowClient

RAW = ("Max retries", "HTTPConnectionPool", "NewConnectionError", "urllib3", "Errno", "object at")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens


@contextmanager
def _silent_server():
    """Accepts connections (the kernel's backlog) and never answers a byte."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    try:
        yield s.getsockname()[1]
    finally:
        s.close()


@contextmanager
def _http_server(
    status: int, body: bytes = b'{"error_code": "X", "message": "no"}', ctype="application/json"
):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _mlflow_error(url: str) -> Exception:
    with pytest.raises((RegistryUnavailable, RegistryRequestRefused)) as caught:
        MlflowClient(url, timeout=1).check()
    return caught.value


def _rest_error(url: str) -> Exception:
    with pytest.raises((RegistryUnavailable, RegistryRequestRefused)) as caught:
        rest.json_call(requests.Session(), "GET", url + "/api/models", timeout=1)
    return caught.value


def _plain(message: str) -> None:
    assert not any(r in message for r in RAW), message
    assert message.count(". ") <= 1 and message.endswith("."), message  # one sentence


CALLS = [_mlflow_error, _rest_error]


@pytest.mark.parametrize("call", CALLS)
def test_connection_refused(call):
    error = call(f"http://127.0.0.1:{_closed_port()}")
    assert isinstance(error, RegistryUnavailable)
    assert "refused the connection" in str(error) and "port" in str(error)
    _plain(str(error))


@pytest.mark.parametrize("call", CALLS)
def test_unknown_host_name(call):
    error = call("http://registry.attest-test.invalid")
    assert "could not be found (DNS)" in str(error)
    _plain(str(error))


@pytest.mark.parametrize("call", CALLS)
def test_timeout(call):
    with _silent_server() as port:
        error = call(f"http://127.0.0.1:{port}")
    assert "did not answer in time" in str(error)
    _plain(str(error))


@pytest.mark.parametrize("call", CALLS)
def test_tls_to_a_plain_http_server(call):
    with _http_server(200) as port:
        error = call(f"https://127.0.0.1:{port}")
    assert "(TLS)" in str(error) and "https://" in str(error)
    _plain(str(error))


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(
    "status,words,kind",
    [
        (401, "refused the credentials (HTTP 401)", RegistryRequestRefused),
        (403, "does not allow this (HTTP 403)", RegistryRequestRefused),
        (500, "internal error (HTTP 500)", RegistryUnavailable),
        (503, "internal error (HTTP 503)", RegistryUnavailable),
    ],
)
def test_http_errors(call, status, words, kind):
    with _http_server(status) as port:
        error = call(f"http://127.0.0.1:{port}")
    assert isinstance(error, kind) and words in str(error), str(error)
    assert f"127.0.0.1:{port}" in str(error)


def test_mlflow_404_says_where_the_api_should_be():
    with _http_server(404) as port:
        error = _mlflow_error(f"http://127.0.0.1:{port}")
    assert "HTTP 404" in str(error) and "base address" in str(error)


@pytest.mark.parametrize("call", CALLS)
def test_an_html_answer_points_at_a_proxy_or_sign_in_page(call):
    with _http_server(200, b"<html>Sign in</html>", "text/html") as port:
        error = call(f"http://127.0.0.1:{port}")
    assert "not with the registry API's JSON" in str(error)


# --- Where a person reads them --------------------------------------------------------------
def _add_source(url: str, slug: str = "down") -> None:
    call_command(
        "add_registry_source",
        "--kind=mlflow",
        f"--slug={slug}",
        f"--url={url}",
        "--secret=" + "s" * 20,
        stdout=StringIO(),
    )


@pytest.mark.django_db
def test_test_connection_on_the_source_page(client_for, personas):
    _add_source(f"http://127.0.0.1:{_closed_port()}")
    response = client_for(personas.admin).post(reverse("registries:test", args=["down"]))
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Connection failed:") and "refused the connection" in message
    assert not any(r in message for r in RAW)


@pytest.mark.django_db
def test_sync_results_read_the_sentence():
    from catalog.tasks import reconcile_all_sources

    with _http_server(401) as port:
        _add_source(f"http://127.0.0.1:{port}")
        results = reconcile_all_sources()
    assert "refused the credentials (HTTP 401)" in results["down"]["error"]


@pytest.mark.django_db
def test_the_inbox_row_reads_the_sentence(client_for, personas):
    from catalog.models import RegistrySource, WebhookDelivery
    from catalog.services.inbox import _record_failures

    with _http_server(500) as port:
        _add_source(f"http://127.0.0.1:{port}")
        source = RegistrySource.objects.get(slug="down")
        row = WebhookDelivery.objects.create(
            source=source,
            delivery_id="d1",
            signed_at=timezone.now(),
            entity="registered_model",
            action="created",
            body="{}",
            payload={},
            attempts=1,
        )
        try:
            MlflowClient(source.base_url, timeout=1).get_model("credit")
        except RegistryUnavailable as exc:
            _record_failures([row], exc)
    row.refresh_from_db()
    assert row.last_error.startswith(f"127.0.0.1:{port} had an internal error (HTTP 500)")
    page = client_for(personas.admin).get(reverse("registries:inbox")).content.decode()
    assert "had an internal error (HTTP 500)" in page


def test_sagemaker_connection_refused_reads_the_same_sentence(monkeypatch):
    """boto3 against a closed port on the loopback (no AWS reached; dummy credentials)."""
    from catalog.registries.sagemaker import SageMakerClient

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    port = _closed_port()
    client = SageMakerClient(
        region="eu-central-1", endpoint_url=f"http://127.0.0.1:{port}", timeout=1
    )
    with pytest.raises(RegistryUnavailable) as caught:
        client.check()
    assert f"127.0.0.1:{port} refused the connection" in str(caught.value)
    _plain(str(caught.value))
