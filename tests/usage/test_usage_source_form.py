"""The usage source form on a model's usage page, and its selector presets (issue 22, point 1:
"presets documented for KServe, Seldon, BentoML, MLflow serving and a generic
http_requests_total with labels ... or the deployment page")."""

from __future__ import annotations

import html
from types import SimpleNamespace

import pytest

from approvals import services as approval_services
from audit.models import AuditEvent
from tests.approvals.approval_helpers import assessed_model
from usage import presets
from usage.models import UsageSource

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


def test_every_preset_fills_the_selectors_with_the_models_name():
    keys = {p.key for p in presets.PRESETS}
    assert keys == {"kserve", "seldon", "bentoml", "mlflow", "http"}
    for preset in presets.PRESETS:
        filled = preset.filled('fraud"v2')
        assert filled["requests"] and filled["latency"], preset.key
        assert "{name}" not in "".join(filled.values())
        assert filled["latency"].startswith(("request_", "seldon_", "bentoml_", "rest_", "http_"))
        assert "_bucket" in filled["latency"]
        if preset.key != "mlflow":  # MLServer's REST histogram has no model label
            assert 'fraud\\"v2' in filled["latency"]  # quoted as a PromQL string


def test_a_preset_fills_the_form_on_the_page(personas, client_for, deployed):
    page = client_for(personas.owner).get(
        f"/models/{deployed.model.pk}/usage/", {"preset": "kserve"}
    )
    text = html.unescape(page.content.decode())
    assert 'value="request_predict_seconds_count{model_name="credit-scoring"}"' in text
    assert 'value="request_predict_seconds_bucket{model_name="credit-scoring"}"' in text
    assert not UsageSource.objects.exists()  # a preset saves nothing


def test_the_owner_saves_a_source_through_the_form(personas, client_for, deployed):
    filled = presets.preset_get("bentoml").filled("credit-scoring")
    client = client_for(personas.owner)
    response = client.post(
        f"/models/{deployed.model.pk}/usage/source/",
        {"deployment": str(deployed.deployment.pk), "prometheus_url": "http://127.0.0.1:9090",
         **filled},
    )  # fmt: skip
    assert response.status_code == 302
    source = UsageSource.objects.get(deployment=deployed.deployment)
    assert (source.requests, source.errors) == (filled["requests"], filled["errors"])
    assert AuditEvent.objects.filter(action="usage.usage_source_set").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "is read from http://127.0.0.1:9090" in page
    assert html.unescape(page).count(filled["latency"]) == 1  # shown back in the form


def test_a_bad_url_is_shown_and_nothing_saved(personas, client_for, deployed):
    client = client_for(personas.owner)
    response = client.post(
        f"/models/{deployed.model.pk}/usage/source/",
        {"deployment": str(deployed.deployment.pk), "prometheus_url": "not a url",
         "requests": "http_requests_total"},
        follow=True,
    )  # fmt: skip
    assert "Prometheus URL: " in response.content.decode()
    assert not UsageSource.objects.exists()


def test_only_the_owning_team_sees_and_sends_the_form(personas, client_for, deployed):
    url = f"/models/{deployed.model.pk}/usage/"
    assert "usage-preset" in client_for(personas.owner).get(url).content.decode()
    assert "usage-preset" not in client_for(personas.reviewer).get(url).content.decode()
    body = {"deployment": str(deployed.deployment.pk), "prometheus_url": "http://127.0.0.1:9",
            "requests": "x"}  # fmt: skip
    assert client_for(personas.reviewer).post(f"{url}source/", body).status_code == 403
    assert client_for(personas.other_owner).post(f"{url}source/", body).status_code == 404
    assert not UsageSource.objects.exists()
