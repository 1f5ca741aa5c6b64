"""The objects the persona × endpoint matrix (tests/test_permission_matrix.py) is tried on."""

from __future__ import annotations

from allauth.socialaccount.models import SocialAccount

from accounts import services as account_services
from catalog.models import RegistrySource, WebhookDelivery, WebhookSecret
from tests.factories import ModelServiceFactory, ModelVersionFactory


def build_world(personas) -> dict:
    """Two models (ours and another team's), a version each, and one of every admin object."""
    owned = ModelServiceFactory(name="owned-model", owner_team=personas.team)
    foreign = ModelServiceFactory(name="foreign-model", owner_team=personas.other_team)
    ModelVersionFactory(model_service=owned, version="1")
    ModelVersionFactory(model_service=foreign, version="1")
    personas.admin.is_staff = personas.admin.is_superuser = True  # the break-glass admin
    personas.admin.save()
    _, token = account_services.api_token_create(
        actor=None, user=personas.ci_bot, name="ci", scopes=["catalog:read"], expires_in_days=5
    )
    source = RegistrySource.objects.create(slug="mlflow", base_url="http://mlflow.invalid")
    secret = WebhookSecret.objects.create(source=source, secret_encrypted="x")
    delivery = WebhookDelivery.objects.create(
        source=source,
        delivery_id="d-1",
        signed_at="2026-11-22T00:00:00Z",
        entity="prompt",
        action="created",
        body="{}",
        payload={"data": {"name": "p"}},
        status="failed",
    )
    SocialAccount.objects.create(user=personas.outsider, provider="sso", uid="sub-1")
    from django.core.files.uploadedfile import SimpleUploadedFile

    from governance import services as governance_services
    from governance.models import Obligation

    answers = {
        "role": "provider",
        "gpai": False,
        "affected_people": "customers",
        "autonomy": "advisory",
        "data_sensitivity": "personal",
    }
    governance_services.assessment_submit(
        actor=personas.admin, model_service=owned, answers=answers
    )
    obligation = Obligation.objects.filter(model_service=owned).first()
    from governance.approvals import services as approval_services

    deployment_request = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=owned.versions.get(),
        environment="production",
        justification="matrix",
    )
    evidence = governance_services.evidence_add(
        actor=personas.admin, obligation=obligation, upload=SimpleUploadedFile("e.txt", b"evidence")
    )
    monitoring = _monitoring_world(personas, owned)
    return {
        **monitoring,
        "owned": owned,
        "foreign": foreign,
        "token": token,
        "secret": secret,
        "delivery": delivery,
        "obligation": obligation,
        "evidence": evidence,
        "request": deployment_request,
        "document": _finished_model_card(owned, personas.owner),
    }


def _monitoring_world(personas, owned) -> dict:
    """A threshold, an open alert, an incident and a recertification review of the owned model."""
    from django.db import transaction
    from django.utils import timezone

    from monitoring import services as monitoring_services
    from monitoring.models import Alert, RecertificationReview

    threshold = monitoring_services.threshold_create(
        actor=personas.owner, model_service=owned, metric="auc", min_value=0.5
    )
    with transaction.atomic():
        alert = Alert.objects.create(
            model_service=owned, kind="below_minimum", metric="auc", title="matrix",
            last_seen_at=timezone.now(),
        )  # fmt: skip
    incident = monitoring_services.incident_register(
        actor=personas.owner, model_service=owned, title="t", description="d",
        aware_at=timezone.now(),
    )  # fmt: skip
    review = RecertificationReview.objects.create(
        model_service=owned, tier="minimal", due_on=timezone.localdate()
    )
    return {"threshold": threshold, "alert": alert, "incident": incident, "review": review}


def _finished_model_card(model, owner):
    """A stored model-card version (set-up data: the pipeline itself is tested elsewhere)."""
    from django.core.files.base import ContentFile

    from governance.models import GeneratedDocument

    return GeneratedDocument.objects.create(
        kind="model_card",
        status="done",
        model_service=model,
        model_version=model.versions.get(),
        requested_by=owner,
        file=ContentFile(b"%PDF-1.4 matrix", name="card.pdf"),
    )
