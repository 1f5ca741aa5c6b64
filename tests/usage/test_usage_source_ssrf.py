"""A usage source's Prometheus URL is a team's input: it goes through the same SSRF check as the
outgoing webhooks (common.outbound): private, loopback and reserved addresses refused unless
ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE, checked again at every read, address pinned."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest
from django.test import Client

from accounts.models import ApiToken
from approvals import services as approval_services
from tests.approvals.approval_helpers import assessed_model
from usage import prometheus, services
from usage.models import DailyUsage, UsageSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def deployed(personas):
    model = assessed_model(personas, "minimal", name="credit-scoring", versions=("1",))
    v1 = model.versions.get(version="1")
    request = approval_services.deployment_request_create(
        actor=personas.owner, model_version=v1, environment="production", justification="Q3."
    )
    approval_services.deployment_request_decide(
        actor=personas.compliance, request=request, verdict="approve"
    )
    deployment = approval_services.deployment_record(
        actor=personas.ci_bot, model_version=v1, environment="production"
    )
    return SimpleNamespace(model=model, deployment=deployment)


@pytest.fixture
def ci(api_token):
    token = api_token(scopes=[ApiToken.Scope.DEPLOYMENTS_WRITE])
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def counting_server():
    """A loopback HTTP server counting the requests it gets (it must get none)."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            body = json.dumps({"status": "success", "data": {"resultType": "matrix",
                               "result": []}}).encode()  # fmt: skip
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", hits=hits)
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9090",
        "http://localhost:9090",
        "http://10.0.0.5:9090",
        "http://169.254.169.254/latest/meta-data",  # a cloud's instance metadata service
        "http://0.0.0.0:9090",
    ],
)
def test_private_targets_are_refused_by_default(ci, deployed, settings, url):
    settings.ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE = False
    response = ci.put(
        f"/api/v1/deployments/{deployed.deployment.pk}/usage-source/",
        json.dumps({"prometheus_url": url, "requests": "http_requests_total"}),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    problem = response.json()["errors"]["prometheus_url"][0]
    assert "ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE" in problem
    assert not UsageSource.objects.exists()


def test_the_service_refuses_ipv6_loopback_too(personas, deployed, settings):
    """(The API's URL field refuses IPv6 literals before the service sees them.)"""
    from common.errors import ValidationError

    settings.ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError, match="private"):
        services.usage_source_set(
            actor=personas.owner,
            deployment=deployed.deployment,
            prometheus_url="http://[::1]:9090",
            requests="up",
        )


def test_a_public_address_is_accepted(ci, deployed, settings):
    settings.ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE = False
    response = ci.put(
        f"/api/v1/deployments/{deployed.deployment.pk}/usage-source/",
        json.dumps({"prometheus_url": "http://93.184.215.14:9090", "requests": "up"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def test_the_lab_setting_allows_a_private_prometheus(ci, deployed, settings):
    settings.ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE = True
    response = ci.put(
        f"/api/v1/deployments/{deployed.deployment.pk}/usage-source/",
        json.dumps({"prometheus_url": "http://127.0.0.1:9090", "requests": "up"}),
        content_type="application/json",
    )
    assert response.status_code == 200


def test_a_read_checks_again_and_calls_nothing(personas, deployed, settings, counting_server):
    """Stored while allowed, read after the setting was turned off: refused before any call,
    the stored days as they were, the page's error set."""
    settings.ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE = True
    source = services.usage_source_set(
        actor=personas.owner,
        deployment=deployed.deployment,
        prometheus_url=counting_server.url,
        requests="up",
    )
    now = datetime(2026, 11, 2, 12, tzinfo=UTC)
    services.usage_source_read(source=source, days=[now.date()], now=now)  # allowed: it calls
    assert counting_server.hits
    counting_server.hits.clear()
    settings.ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE = False
    with pytest.raises(prometheus.PrometheusError, match="may not be called"):
        services.usage_source_read(source=source, days=[now.date()], now=now)
    assert counting_server.hits == []
    source.refresh_from_db()
    assert "private" in source.last_error
    assert DailyUsage.objects.filter(deployment=deployed.deployment).count() == 1


def test_redirects_are_not_followed(settings):
    """A 3xx is an answer, not a hop to wherever it points (a redirect to a private address
    would get round the check)."""

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(prometheus.PrometheusError, match="302 without JSON"):
            prometheus.query_range(
                f"http://127.0.0.1:{server.server_port}",
                "up",
                datetime(2026, 11, 2, tzinfo=UTC),
                datetime(2026, 11, 2, 0, 1, tzinfo=UTC),
                60,
                5,
                allow_private=True,
            )
    finally:
        server.shutdown()
        server.server_close()
