"""The objects the persona × endpoint matrix (tests/test_permission_matrix.py) is tried on."""

from __future__ import annotations

from allauth.socialaccount.models import SocialAccount

from accounts import services as account_services
from accounts.models import ApiToken, IssuerRule, TrustedIssuer
from approvals.models import DriftFinding
from catalog import services as catalog_services
from catalog.models import RegistrySource, WebhookDelivery, WebhookSecret
from tests.factories import ModelServiceFactory, ModelVersionFactory
from usage.models import Budget

# Answers to the risk questionnaire that classify a model (not as high-risk).
ANSWERS = {
    "role": "provider",
    "gpai": False,
    "affected_people": "customers",
    "autonomy": "advisory",
    "data_sensitivity": "personal",
}


def build_world(personas) -> dict:
    """Two models (ours, shared read-only with the viewer, and another team's), a version each,
    and one of every admin object.

    The write matrix also needs, of the owned model: an approved request (v2 → staging), a draft
    (v3 → staging), a version nobody asked for yet (v4) and a pending move to the other team
    (asked by the owner); and a CI token holding every scope.
    """
    owned = ModelServiceFactory(name="owned-model", owner_team=personas.team)
    foreign = ModelServiceFactory(name="foreign-model", owner_team=personas.other_team)
    # The viewer is a stakeholder the owned model is shared with (read-only).
    catalog_services.model_service_share(
        actor=personas.owner, model_service=owned, user=personas.viewer
    )
    # A pending move of the owned model to the other team (the receiving team answers).
    move = catalog_services.team_move_request(
        actor=personas.owner, model_service=owned, to_team=personas.other_team, reason="matrix"
    )
    ModelVersionFactory(model_service=owned, version="1")
    ModelVersionFactory(model_service=foreign, version="1")
    personas.admin.is_staff = personas.admin.is_superuser = True  # the break-glass admin
    personas.admin.save()
    _, token = account_services.api_token_create(
        actor=None, user=personas.ci_bot, name="ci", scopes=["catalog:read"], expires_in_days=5
    )
    # Nothing listens on port 9: registry calls from the matrix fail at once, without DNS.
    source = RegistrySource.objects.create(slug="mlflow", base_url="http://127.0.0.1:9")
    secret = WebhookSecret.objects.create(source=source, secret_encrypted="x")
    WebhookSecret.objects.create(source=source, secret_encrypted="y", label="next")
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
    # An active password sign-in lockout (of a username nobody has: no persona is locked out).
    account_services.sign_in_lockout_record(
        scope="account",
        client_address="203.0.113.9",
        username="ghost",
        locked_until=_in_five_minutes(),
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from risk import services as governance_services
    from risk.models import Obligation

    governance_services.assessment_submit(
        actor=personas.admin, model_service=owned, answers=ANSWERS
    )
    obligation = Obligation.objects.filter(model_service=owned).first()
    from approvals import services as approval_services

    deployment_request = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=owned.versions.get(version="1"),
        environment="production",
        justification="matrix",
    )
    draft = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=ModelVersionFactory(model_service=owned, version="3"),
        environment="staging",
        justification="matrix",
        submit=False,
    )
    ModelVersionFactory(model_service=owned, version="4")
    _, writer_token = account_services.api_token_create(
        actor=None,
        user=personas.ci_bot,
        name="ci-writer",
        scopes=[scope for scope, _ in ApiToken.Scope.choices],
        expires_in_days=5,
    )
    evidence = governance_services.evidence_add(
        actor=personas.admin, obligation=obligation, upload=SimpleUploadedFile("e.txt", b"evidence")
    )
    monitoring = _monitoring_world(personas, owned)
    # Approved last: evidence and assessments after an approval send it back to review.
    approved = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=ModelVersionFactory(model_service=owned, version="2"),
        environment="staging",
        justification="matrix",
    )
    approved = approval_services.deployment_request_decide(
        actor=personas.reviewer, request=approved, verdict="approve"
    )
    assert approved.state == "approved", approved.state
    deployment = approval_services.deployment_record(
        actor=personas.ci_bot, model_version=approved.model_version, environment="staging"
    )
    # A registry alias moved by hand (on the foreign model: nothing is asked of its gate).
    DriftFinding.objects.create(
        model_service=foreign,
        model_version=foreign.versions.get(),
        environment="production",
        alias="production",
        detail="matrix",
    )
    document = _finished_model_card(owned, personas.owner)
    # CI workload identity: a trusted issuer with one rule (admin pages, issue 23).
    issuer = account_services.trusted_issuer_save(
        actor=None,
        issuer=TrustedIssuer(
            name="GitHub Actions",
            preset=TrustedIssuer.Preset.GITHUB,
            issuer="https://token.actions.githubusercontent.com",
            audience="attest",
        ),
    )
    account_services.issuer_rule_save(
        actor=None,
        rule=IssuerRule(
            issuer=issuer,
            claims={"repository": "acme/models"},
            service_account=personas.ci_bot,
            scopes=["gate:read"],
        ),
    )
    # An outgoing webhook endpoint with one failed delivery (issue 23; nothing on port 9).
    from notifications import services as notification_services
    from notifications.models import WebhookDelivery as OutgoingDelivery

    webhook_endpoint, _ = notification_services.webhook_endpoint_create(
        actor=personas.admin,
        name="Release pipeline",
        url="http://127.0.0.1:9/hook",
        event_types=["deployment_request.approved"],
    )
    webhook_delivery = OutgoingDelivery.objects.create(
        endpoint=webhook_endpoint,
        event_id="evt_" + "0" * 32,
        event_type="deployment_request.approved",
        payload={"id": "evt_" + "0" * 32, "type": "deployment_request.approved", "data": {}},
        state=OutgoingDelivery.State.FAILED,
        attempts=5,
    )
    from notifications import channels as notification_channels
    from notifications.models import NotificationMessage

    channel = notification_channels.notification_channel_create(
        actor=personas.admin,
        name="#reviews",
        url="json://127.0.0.1:9/chat",
        event_types=["deployment_request.submitted"],
        teams=[personas.team],
    )
    channel_message = NotificationMessage.objects.create(
        channel=channel,
        event_id="evt_" + "0" * 32,
        event_type="deployment_request.submitted",
        title="Review requested",
        body="Decide: http://testserver/",
        state=NotificationMessage.State.FAILED,
        attempts=5,
    )
    approved.refresh_from_db()
    assert approved.state == "approved", approved.state  # nothing above sent it back to review
    budget = Budget.objects.create(
        team=personas.other_team, amount=500, currency="EUR", created_by=personas.compliance
    )
    return {
        "budget": budget,
        **monitoring,
        "owned": owned,
        "foreign": foreign,
        "move": move,
        "token": token,
        "secret": secret,
        "delivery": delivery,
        "obligation": obligation,
        "evidence": evidence,
        "request": deployment_request,
        "approved": approved,
        "draft": draft,
        "writer_token": writer_token,
        "deployment": deployment,  # the owned model's, in staging (usage API)
        "document": document,
        "webhook_endpoint": webhook_endpoint,
        "webhook_delivery": webhook_delivery,
        "channel": channel,
        "channel_message": channel_message,
    }


def _in_five_minutes():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(minutes=5)


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

    from documents.models import GeneratedDocument

    return GeneratedDocument.objects.create(
        kind="model_card",
        status="done",
        model_service=model,
        model_version=model.versions.get(version="1"),
        requested_by=owner,
        file=ContentFile(b"%PDF-1.4 matrix", name="card.pdf"),
    )
