"""Daily usage read from a real Prometheus scraping an exporter the test runs: what the exporter
served is what is stored, a day read twice is replaced, Prometheus unreachable leaves the days
as they were and the page says so."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from approvals import services as approval_services
from tests.approvals.approval_helpers import assessed_model
from tests.usage.prometheus_server import Exporter, Prometheus
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
def serving(tmp_path, settings):
    """The exporter (nothing served yet) and Prometheus scraping it, both stopped after."""
    settings.ATTEST_USAGE_STEP_SECONDS = 1
    exporter = Exporter().start()
    prometheus = Prometheus(tmp_path, exporter.port)
    try:
        prometheus.wait_for('up{job="model"}', 1)
        # Seen at zero first: the counters start within the day, from nothing served.
        prometheus.wait_for('count_over_time(model_requests_total{code="200"}[1m])', 2)
        yield SimpleNamespace(exporter=exporter, prometheus=prometheus)
    finally:
        prometheus.stop()
        exporter.stop()


SOURCE = {
    "requests": 'model_requests_total{job="model"}',
    "errors": 'model_requests_total{job="model",code=~"5.."}',
    "latency": 'model_request_duration_seconds_bucket{job="model"}',
}


def _serve(serving, ok, failed, fast, medium, slow):
    observations = [0.05] * fast + [0.2] * medium + [0.4] * slow
    serving.exporter.serve(ok=ok, failed=failed, observations=observations)
    serving.prometheus.wait_for('sum(model_requests_total{job="model"})', ok + failed)
    serving.prometheus.wait_for(
        'model_request_duration_seconds_count{job="model"}', len(observations)
    )
    time.sleep(1.5)  # one more step past the last change


def test_usage_read_from_prometheus_is_what_the_exporter_served(
    deployed, serving, api_token, personas
):
    token = api_token(scopes=[ApiToken.Scope.DEPLOYMENTS_WRITE])
    ci = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/deployments/{deployed.deployment.pk}/usage-source/"
    answer = ci.put(
        url, {"prometheus_url": serving.prometheus.url, **SOURCE}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    _serve(serving, ok=140, failed=7, fast=100, medium=40, slow=7)

    today = timezone.now().date()
    out = StringIO()
    call_command("read_usage", "--date", today.isoformat(), stdout=out)
    row = DailyUsage.objects.get(deployment=deployed.deployment, day=today)
    assert (row.requests, row.errors) == (147, 7)
    # histogram_quantile: p50 rank 73.5 in (0, 0.1]; p95 rank 139.65 in (0.1, 0.25]
    assert row.latency_p50_ms == pytest.approx(73.5, abs=0.5)
    assert row.latency_p95_ms == pytest.approx(248.7, abs=0.5)
    assert "147 requests, 7 errors" in out.getvalue()

    # More served, the day read again: replaced, one row per day.
    _serve(serving, ok=190, failed=10, fast=150, medium=43, slow=7)
    call_command("read_usage", "--date", today.isoformat(), stdout=StringIO())
    row = DailyUsage.objects.get(deployment=deployed.deployment, day=today)
    assert (row.requests, row.errors) == (200, 10)
    assert DailyUsage.objects.filter(deployment=deployed.deployment).count() == 1

    # The API reads it back (catalog:read), within since/until.
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {api_token()}")
    usage_url = f"/api/v1/deployments/{deployed.deployment.pk}/usage/"
    days = reader.get(usage_url, {"since": today.isoformat()}).json()["days"]
    assert [(d["day"], d["requests"], d["errors"]) for d in days] == [(today.isoformat(), 200, 10)]
    assert (
        reader.get(usage_url, {"until": (today - timedelta(days=1)).isoformat()}).json()["days"]
        == []
    )
    assert reader.get(usage_url, {"since": "2026-13-01"}).status_code == 400

    # Prometheus gone: the stored day stays, the command says so and fails, the page too.
    serving.prometheus.stop()
    with pytest.raises(CommandError, match="could not be read"):
        call_command(
            "read_usage", "--date", today.isoformat(), stdout=StringIO(), stderr=StringIO()
        )
    row.refresh_from_db()
    assert (row.requests, row.errors) == (200, 10)
    source = UsageSource.objects.get()
    assert "unreachable" in source.last_error
    owner = Client()
    owner.force_login(personas.owner)
    page = owner.get(f"/models/{deployed.model.pk}/usage/")
    assert page.status_code == 200
    assert "Last read failed" in page.content.decode()


def test_usage_source_is_set_by_the_owning_team_only(deployed, personas, api_token):
    url = f"/api/v1/deployments/{deployed.deployment.pk}/usage-source/"
    body = {"prometheus_url": "http://127.0.0.1:9", **SOURCE}
    for user, expected in [
        (personas.owner, 200),
        (personas.reviewer, 403),
        (personas.other_owner, 404),
    ]:
        client = Client()
        client.force_login(user)
        assert client.put(url, body, content_type="application/json").status_code == expected
    bad = Client()
    bad.force_login(personas.owner)
    assert (
        bad.put(
            url, {**body, "prometheus_url": "ftp://x"}, content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        bad.put(url, {**body, "requests": ""}, content_type="application/json").status_code == 400
    )
