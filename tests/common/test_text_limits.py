"""Every free-text field people type into has a maximum length (issue 20, point 2), held by the
database, the model, the forms, the API and the services: a too-long value is a clear 400 or
form error naming the field and the limit, never a 500, and nothing is written."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from approvals import services as approvals
from approvals.models import DeploymentRequest
from catalog import services as catalog
from catalog.models import ModelService
from common.errors import ValidationError
from common.text import COMMENT, JUSTIFICATION, LONG_TEXT, BoundedTextField
from monitoring import services as monitoring
from monitoring.models import Incident
from risk import services as risk
from risk.models import Obligation, RiskAssessment
from tests.approvals.approval_helpers import assessed_model
from tests.risk.test_assessments import CREDIT

pytestmark = pytest.mark.django_db

# Text Attest writes itself, or copies from a registry or a remote answer: people do not type
# it into Attest, and refusing it would lose what the registry or the remote said.
NOT_TYPED = {
    ("audit", "auditcheckpoint", "checkpoint"),
    ("catalog", "registrysource", "api_credentials_encrypted"),
    ("catalog", "webhooksecret", "secret_encrypted"),
    ("catalog", "webhookdelivery", "body"),
    ("catalog", "webhookdelivery", "last_error"),
    ("catalog", "modelservice", "registry_description"),
    ("catalog", "modelversion", "description"),
    ("monitoring", "alert", "detail"),
    ("usage", "usagesource", "last_error"),
    ("common", "outboxmessage", "last_error"),
    ("approvals", "deploymentrequest", "writeback_error"),
    ("approvals", "driftfinding", "detail"),
    ("notifications", "webhookendpoint", "secret_encrypted"),
    ("notifications", "webhookendpoint", "previous_secret_encrypted"),
    ("notifications", "webhookdelivery", "last_response_excerpt"),
    ("notifications", "webhookattempt", "response_excerpt"),
    ("notifications", "notificationchannel", "url_encrypted"),
    ("notifications", "notificationsubscription", "url_encrypted"),
    ("notifications", "notificationmessage", "body"),
    ("notifications", "notificationmessage", "last_error"),
    ("documents", "generateddocument", "error"),
}


def test_every_text_field_is_bounded_unless_attest_writes_it():
    unbounded = sorted(
        (m._meta.app_label, m._meta.model_name, f.name)
        for m in apps.get_models()
        if m._meta.app_label not in {"admin", "auth", "contenttypes", "sessions", "guardian"}
        and not m._meta.app_label.startswith(("account", "socialaccount", "django_"))
        for f in m._meta.concrete_fields
        if isinstance(f, models.TextField) and not isinstance(f, BoundedTextField)
    )
    typed = [key for key in unbounded if key not in NOT_TYPED]
    assert typed == [], f"free text without a maximum length: {typed}"
    assert set(unbounded) >= NOT_TYPED, f"not fields (any more): {NOT_TYPED - set(unbounded)}"


def test_the_database_refuses_what_skips_the_checks(owned_model):
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelService.objects.filter(pk=owned_model.pk).update(limitations="x" * (LONG_TEXT + 1))
    ModelService.objects.filter(pk=owned_model.pk).update(limitations="x" * LONG_TEXT)


def test_model_card_edit_refuses_a_too_long_section_and_keeps_the_card(personas, owned_model):
    purpose, limitations = owned_model.purpose, owned_model.limitations
    with pytest.raises(ValidationError) as refused:
        catalog.model_service_update_metadata(
            actor=personas.owner,
            model_service=owned_model,
            changes={"purpose": "Fine.", "limitations": "x" * (LONG_TEXT + 1)},
        )
    assert list(refused.value.message_dict) == ["limitations"]
    assert "20,000" in refused.value.message_dict["limitations"][0]
    owned_model.refresh_from_db()
    assert (owned_model.purpose, owned_model.limitations) == (purpose, limitations)


def test_model_edit_page_shows_the_limit_next_to_the_field(personas, owned_model, client_for):
    response = client_for(personas.owner).post(
        reverse("catalog:model-edit", args=[owned_model.pk]),
        {"name": owned_model.name, "lifecycle_status": "development", "limitations": "y" * 20_001},
    )
    assert response.status_code == 400
    assert "limitations" in response.context["form"].errors
    page = response.content.decode()
    assert 'maxlength="20000"' in page


def test_obligation_justification_is_bounded_in_the_service_and_the_inline_form(
    personas, owned_model, client_for
):
    risk.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    item = Obligation.objects.filter(model_service=owned_model, is_current=True).first()
    with pytest.raises(ValidationError) as refused:
        risk.obligation_update(
            actor=personas.compliance, obligation=item, justification="j" * (JUSTIFICATION + 1)
        )
    assert "10,000" in refused.value.message_dict["justification"][0]
    # A long page of reasons is fine: the limit is the field's, not the old form's 2,000.
    response = client_for(personas.compliance).post(
        reverse("risk:obligation-update", args=[item.pk]),
        {"status": "not_applicable", "justification": "j" * 5_000},
    )
    assert response.status_code == 302
    assert len(Obligation.objects.get(pk=item.pk).justification) == 5_000
    response = client_for(personas.compliance).post(
        reverse("risk:obligation-update", args=[item.pk]),
        {"status": "not_applicable", "justification": "k" * (JUSTIFICATION + 1)},
        follow=True,
    )
    assert response.status_code == 200
    assert "10000" in response.content.decode() or "10,000" in response.content.decode()
    assert Obligation.objects.get(pk=item.pk).justification == "j" * 5_000


def test_a_confirmation_comment_is_refused_not_cut_short(personas, owned_model):
    risk.assessment_submit(actor=personas.owner, model_service=owned_model, answers=CREDIT)
    proposal = RiskAssessment.objects.filter(model_service=owned_model).latest("created_at")
    with pytest.raises(ValidationError) as refused:
        risk.assessment_confirm(
            actor=personas.compliance, assessment=proposal, comment="c" * (COMMENT + 1)
        )
    assert list(refused.value.message_dict) == ["comment"]
    proposal.refresh_from_db()
    assert proposal.status == RiskAssessment.Status.PROPOSED


def test_an_evidence_note_is_refused_not_cut_short(personas, owned_model):
    risk.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    item = Obligation.objects.filter(model_service=owned_model, is_current=True).first()
    with pytest.raises(ValidationError) as refused:
        risk.evidence_add(
            actor=personas.compliance,
            obligation=item,
            link="https://wiki.example.com/runbook",
            description="n" * 501,
        )
    assert list(refused.value.message_dict) == ["description"]
    assert not item.evidence.exists()


def test_request_justification_reason_and_decision_comment_are_bounded(personas):
    model = assessed_model(personas, "minimal")
    version = model.versions.get()
    with pytest.raises(ValidationError) as refused:
        approvals.deployment_request_create(
            actor=personas.owner,
            model_version=version,
            environment="staging",
            justification="j" * (JUSTIFICATION + 1),
        )
    assert list(refused.value.message_dict) == ["justification"]
    request = approvals.deployment_request_create(
        actor=personas.owner, model_version=version, environment="staging", justification="Go."
    )
    with pytest.raises(ValidationError) as refused:
        approvals.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="reject", comment="c" * 5_001
        )
    assert list(refused.value.message_dict) == ["comment"]
    with pytest.raises(ValidationError) as refused:
        approvals.deployment_request_withdraw(
            actor=personas.owner, request=request, reason="r" * (JUSTIFICATION + 1)
        )
    assert list(refused.value.message_dict) == ["reason"]
    request.refresh_from_db()
    assert request.state == DeploymentRequest.State.SUBMITTED and not request.decisions.exists()


def test_the_api_answers_400_naming_the_field_and_the_schema_documents_the_limit(
    personas, api_token
):
    model = assessed_model(personas, "minimal")
    ci = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=[ApiToken.Scope.REQUESTS_WRITE])}")
    response = ci.post(
        "/api/v1/deployment-requests/",
        {
            "model": model.name,
            "version": "1",
            "environment": "staging",
            "justification": "j" * (JUSTIFICATION + 1),
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "justification" in response.json()["errors"]
    assert not DeploymentRequest.objects.exists()
    schema = ci.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert components["DeploymentRequestInputRequest"]["properties"]["justification"][
        "maxLength"
    ] == (JUSTIFICATION)
    assert components["DecisionInputRequest"]["properties"]["comment"]["maxLength"] == COMMENT
    assert (
        components["ModelServiceDetailOutput"]["properties"]["limitations"]["maxLength"]
        == LONG_TEXT
    )


def test_incident_texts_and_alert_comments_are_bounded(personas, owned_model):
    with pytest.raises(ValidationError) as refused:
        monitoring.incident_register(
            actor=personas.owner,
            model_service=owned_model,
            title="Wrong scores",
            description="d" * (LONG_TEXT + 1),
            corrective_actions="c" * (LONG_TEXT + 1),
            aware_at=timezone.now() - timedelta(hours=1),
        )
    assert set(refused.value.message_dict) == {"description", "corrective_actions"}
    assert not Incident.objects.exists()


def test_the_incident_form_refuses_a_too_long_description_with_a_400(
    personas, owned_model, client_for
):
    response = client_for(personas.owner).post(
        reverse("monitoring:incident-create", args=[owned_model.pk]),
        {
            "title": "Wrong scores",
            "description": "d" * (LONG_TEXT + 1),
            "severity": "medium",
            "aware_at": "2026-12-01T10:00",
            "report_stage": "none",
        },
    )
    assert response.status_code == 400
    assert "description" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_a_team_move_reason_is_bounded_by_its_column(personas, owned_model):
    from catalog.services.team_moves import team_move_request

    with pytest.raises(ValidationError) as refused:
        team_move_request(
            actor=personas.owner,
            model_service=owned_model,
            to_team=personas.other_team,
            reason="r" * (JUSTIFICATION + 1),
        )
    assert "10,000" in refused.value.message_dict["reason"][0]
    # the old 2,000-character cap is gone: a long page of reasons is fine
    move = team_move_request(
        actor=personas.owner,
        model_service=owned_model,
        to_team=personas.other_team,
        reason="r" * 3_000,
    )
    assert len(move.reason) == 3_000
