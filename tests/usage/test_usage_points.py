"""Usage points through the metrics API (issue 22, point 1: "The metrics API also accepts usage
points for teams without Prometheus"): all or nothing, a day posted again replaces that day,
audited; the owning team's CI and people only."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from approvals import services as approval_services
from audit.models import AuditEvent
from tests.approvals.approval_helpers import assessed_model
from usage import usage_points
from usage.models import DailyUsage

URL = "/api/v1/metrics/usage/"
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
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=[ApiToken.Scope.METRICS_WRITE])}")


def post(client, items):
    return client.post(URL, json.dumps({"items": items}), content_type="application/json")


def point(deployment, day, requests=1000, errors=10, **extra):
    return {"deployment": str(deployment.pk), "date": str(day), "requests": requests,
            "errors": errors, **extra}  # fmt: skip


def test_points_are_stored_per_day_and_read_back(ci, deployed):
    d = deployed.deployment
    response = post(
        ci,
        [
            point(d, date(2026, 11, 1), latency_p50_ms=41.5, latency_p95_ms=120),
            point(d, date(2026, 11, 2), requests=500, errors=0),
        ],
    )
    assert response.status_code == 201, response.content
    assert response.json() == {"points": 2, "deployments": [str(d.pk)]}
    first = DailyUsage.objects.get(deployment=d, day=date(2026, 11, 1))
    assert (first.requests, first.errors, first.latency_p50_ms, first.latency_p95_ms) == (
        1000, 10, 41.5, 120.0
    )  # fmt: skip
    back = ci.get(f"/api/v1/deployments/{d.pk}/usage/")  # catalog:read is not in this token
    assert back.status_code == 403
    event = AuditEvent.objects.get(action="usage.usage_recorded")
    assert event.after == {"days": ["2026-11-01", "2026-11-02"], "requests": 1500, "errors": 10}


def test_posting_a_day_again_replaces_it(ci, deployed):
    d = deployed.deployment
    assert post(ci, [point(d, date(2026, 11, 1))]).status_code == 201
    assert post(ci, [point(d, date(2026, 11, 1), requests=700, errors=7)]).status_code == 201
    [row] = DailyUsage.objects.filter(deployment=d)
    assert (row.requests, row.errors, row.latency_p95_ms) == (700, 7, None)


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ({"requests": -1}, "negative"),
        ({"requests": 5, "errors": 6}, "more errors than requests"),
        ({"requests": "10"}, "whole number"),
        ({"requests": 1.5}, "whole number"),
        ({"date": "2026-11-1"}, "YYYY-MM-DD"),
        ({"date": str(datetime.now(UTC).date() + timedelta(days=3))}, "future"),
        ({"latency_p95_ms": -3}, "negative"),
        ({"deployment": "not-an-id"}, "UUID"),
        ({"colour": "blue"}, "Unknown field: colour"),
    ],
)
def test_one_bad_item_refuses_the_whole_batch(ci, deployed, bad, says):
    d = deployed.deployment
    items = [point(d, date(2026, 11, 1)), point(d, date(2026, 11, 2)) | bad]
    response = post(ci, items)
    assert response.status_code == 400, response.content
    assert says in " ".join(response.json()["errors"]["items[1]"])
    assert (
        not DailyUsage.objects.exists()
        and not AuditEvent.objects.filter(action="usage.usage_recorded").exists()
    )


def test_the_same_day_twice_in_a_batch_is_refused(ci, deployed):
    d = deployed.deployment
    response = post(ci, [point(d, date(2026, 11, 1)), point(d, date(2026, 11, 1), requests=20)])
    assert response.status_code == 400
    assert "items[0]" in response.json()["errors"]["items[1]"][0]


def test_a_deployment_you_cannot_see_is_a_404_and_nothing_is_written(
    personas, client_for, deployed
):
    d = deployed.deployment
    items = [point(d, date(2026, 11, 1)), point(d, date(2026, 11, 2))]
    response = post(client_for(personas.other_owner), items)
    assert response.status_code == 404
    assert set(response.json()["errors"]) == {"items[0]", "items[1]"}
    ghost = {**point(d, date(2026, 11, 3)), "deployment": "00000000-0000-4000-8000-000000000000"}
    response = post(client_for(personas.owner), [*items, ghost])
    assert response.status_code == 404 and list(response.json()["errors"]) == ["items[2]"]
    assert not DailyUsage.objects.exists()


def test_who_may_post(personas, client_for, api_token, deployed):
    items = [point(deployed.deployment, date(2026, 11, 1))]
    assert post(client_for(personas.reviewer), items).status_code == 403  # sees it, not theirs
    assert post(client_for(personas.compliance), items).status_code == 403
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=['catalog:read'])}")
    response = post(reader, items)
    assert response.status_code == 403 and "metrics:write" in response.json()["detail"]
    assert not DailyUsage.objects.exists()
    assert post(client_for(personas.owner), items).status_code == 201


def test_too_many_items_is_a_413(ci, deployed, settings):
    settings.ATTEST_METRICS_MAX_ITEMS = 2
    d = deployed.deployment
    days = [point(d, date(2026, 11, n)) for n in (1, 2, 3)]
    assert post(ci, days).status_code == 413
    assert not DailyUsage.objects.exists()


def test_parse_points_names_every_bad_item():
    today = timezone.now().date()
    body = {"items": [{"deployment": "x"}, {"deployment": "00000000-0000-4000-8000-000000000000",
            "date": "2026-11-01", "requests": 3}]}  # fmt: skip
    with pytest.raises(usage_points.PointsInvalid) as caught:
        usage_points.parse_points(body, max_items=10, today=today)
    assert list(caught.value.errors) == ["items[0]"]
    assert "Missing: date, requests." in caught.value.errors["items[0]"]
