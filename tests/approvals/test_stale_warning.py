"""Before a model-card edit that would make approvals stale, the edit page lists them and asks
to confirm; the saved message repeats them with links (issue 20, point 1: one clause added to
Limitations made the gate answer 409 with only "Saved. Changed: limitations.")."""

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import DeploymentRequest
from catalog.models import ModelService
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db
State = DeploymentRequest.State


@pytest.fixture
def approved(personas):
    model = assessed_model(personas, "minimal")
    request = services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="Better AUC on the hold-out set.",
    )
    return services.deployment_request_decide(
        actor=personas.reviewer, request=request, verdict="approve"
    )


def _form(model: ModelService, **changes) -> dict:
    fields = ["description", "purpose", "intended_use", "intended_users", "out_of_scope_use",
              "stakeholders", "lifecycle_status", "training_data", "input_features",
              "parameters", "results", "limitations", "reproduction"]  # fmt: skip
    data = {name: getattr(model, name) or "" for name in fields}
    data["tags"] = ", ".join(model.tags or [])
    data.update(changes)
    return data


def test_an_edit_that_stales_an_approval_asks_first_and_saves_nothing(
    personas, client_for, approved
):
    model = approved.model_service
    client = client_for(personas.owner)
    url = reverse("catalog:model-edit", args=[model.pk])
    response = client.post(url, _form(model, limitations="Also weak on thin files."))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Saving this makes approvals stale." in page
    assert reverse("approvals:request-detail", args=[approved.pk]) in page
    assert "v1 → production" in page
    model.refresh_from_db()
    approved.refresh_from_db()
    assert model.limitations != "Also weak on thin files." and approved.state == State.APPROVED


def test_confirming_saves_and_the_message_links_the_stale_approvals(
    personas, client_for, approved, django_capture_on_commit_callbacks
):
    model = approved.model_service
    client = client_for(personas.owner)
    url = reverse("catalog:model-edit", args=[model.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {**_form(model, limitations="Also weak on thin files."), "confirm_consequences": "yes"},
            follow=True,
        )
    page = response.content.decode()
    approved.refresh_from_db()
    assert approved.state == State.STALE
    assert "These approvals are now stale and need a re-review:" in page
    link = reverse("approvals:request-detail", args=[approved.pk])
    assert f'<a href="{link}">v1 → production</a>' in page


def test_an_edit_outside_the_model_card_saves_at_once(personas, client_for, approved):
    model = approved.model_service
    client = client_for(personas.owner)
    url = reverse("catalog:model-edit", args=[model.pk])
    response = client.post(url, _form(model, stakeholders="Risk committee"), follow=True)
    assert "Saved. Changed: stakeholders." in response.content.decode()
    approved.refresh_from_db()
    assert approved.state == State.APPROVED
