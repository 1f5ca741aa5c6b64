"""A1: every service that changes state records its audit events, exactly as listed here.

The test enumerates the public functions of every services module: each must have a recipe
(call it, expect exactly these audit actions) or a written reason why it records nothing.
A new service without a row here fails the first test.
"""

import inspect

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import accounts.services
import audit.services
import catalog.services.entries
import catalog.services.ingest
import catalog.services.sources
import governance.approvals.gate
import governance.approvals.services.decisions
import governance.approvals.services.deployments
import governance.approvals.services.lifecycle
import governance.approvals.services.requests
import governance.approvals.writeback
import governance.services
import monitoring.services.alerts
import monitoring.services.deployments
import monitoring.services.incidents
import monitoring.services.metrics
import monitoring.services.reviews
import monitoring.services.schemas
import monitoring.services.thresholds
from accounts.models import Team
from audit.models import AuditEvent
from catalog.models import WebhookDelivery
from governance.models import Obligation
from tests.audit.recipes_governance import approval_recipes, monitoring_recipes
from tests.catalog.mlflow_fixtures import SECRET
from tests.factories import ModelServiceFactory, UserFactory

MODULES = [
    accounts.services,
    audit.services,
    catalog.services.entries,
    catalog.services.sources,
    catalog.services.ingest,
    governance.services,
    governance.approvals.services.requests,
    governance.approvals.services.decisions,
    governance.approvals.services.lifecycle,
    governance.approvals.services.deployments,
    governance.approvals.gate,
    governance.approvals.writeback,
    monitoring.services.alerts,
    monitoring.services.metrics,
    monitoring.services.thresholds,
    monitoring.services.deployments,
    monitoring.services.schemas,
    monitoring.services.incidents,
    monitoring.services.reviews,
]
ANSWERS = {
    "role": "provider",
    "gpai": False,
    "affected_people": "customers",
    "autonomy": "advisory",
    "data_sensitivity": "personal",
}

NO_EVENT = {
    "audit.services.audit_record": "it is the event writer itself",
    "catalog.services.entries.model_service_governance_summary_set": "copy; governance audits",
    "catalog.services.sources.webhook_secrets_active": "read",
    "catalog.services.sources.registry_client": "builds a REST client",
    "catalog.services.ingest.registry_delivery_receive": "the inbox row is the record",
    "catalog.services.ingest.timestamp_is_fresh": "pure check",
    "catalog.services.ingest.registry_inbox_sweep": "re-queue; C7 tests its event",
    "catalog.services.ingest.registry_delivery_process": "audited via what it applies",
    "catalog.services.ingest.registry_reconcile": "W6 tests its events",
    "catalog.services.ingest.registry_model_lock": "a lock; changes nothing",
    "catalog.services.sources.registry_source_webhook_register": "needs MLflow; journey test",
    "governance.services.can_assess": "read",
    "governance.services.subject_snapshot": "read",
    "governance.services.completeness": "read",
    "accounts.services.team_members_set": "composite: one member event per change",
    "accounts.services.team_reviewers_set": "composite: one reviewer event per change",
    "accounts.services.user_sso_sync": "composite: one role/team event per change (SSO test)",
    "governance.approvals.services.lifecycle.approvals_due_for_reminder": "reminder mark only",
    "governance.approvals.gate.evaluate": "read; gate_answer records the answer",
    "governance.approvals.writeback.request_writeback": "needs MLflow; test_writeback.py",
    "governance.approvals.writeback.pending_writebacks": "read",
    "governance.approvals.writeback.retry_delay": "pure backoff arithmetic",
    "monitoring.services.reviews.reviews_due_for_reminder": "reminder mark; no state change",
}


def _team(w):
    return w["team"]


def recipes(p):
    """name -> (call, expected actions). ``p`` is the personas fixture. Recipes run in order on
    shared data, and a service records nothing when nothing changed: after the first
    submission the tier stays the same, so later submissions write no tier-change event."""
    user = UserFactory(username="subject")
    other = UserFactory(username="stakeholder")
    team = p.team
    model = ModelServiceFactory(owner_team=team)

    def submitted():
        governance.services.assessment_submit(actor=p.owner, model_service=model, answers=ANSWERS)
        return Obligation.objects.filter(model_service=model, is_current=True).first()

    slugs = iter(f"s{n}" for n in range(100))

    def source():
        return catalog.services.sources.registry_source_create(
            actor=p.admin,
            kind="mlflow",
            slug=next(slugs),
            base_url="http://x.example.com",
            secret=SECRET,
        )

    return {
        "accounts.services.team_create": (
            lambda: accounts.services.team_create(actor=p.admin, name="N", slug="n"),
            ["accounts.team_created"],
        ),
        "accounts.services.team_save": (
            lambda: accounts.services.team_save(actor=p.admin, team=Team(name="M", slug="m")),
            ["accounts.team_created"],
        ),
        "accounts.services.team_member_add": (
            lambda: accounts.services.team_member_add(actor=p.admin, team=team, user=user),
            ["accounts.team_member_added"],
        ),
        "accounts.services.team_member_remove": (
            lambda: accounts.services.team_member_remove(actor=p.admin, team=team, user=p.teammate),
            ["accounts.team_member_removed"],
        ),
        "accounts.services.team_reviewer_add": (
            lambda: accounts.services.team_reviewer_add(actor=p.admin, team=team, user=user),
            ["accounts.team_reviewer_added"],
        ),
        "accounts.services.team_reviewer_remove": (
            lambda: accounts.services.team_reviewer_remove(
                actor=p.admin, team=team, user=p.reviewer
            ),
            ["accounts.team_reviewer_removed"],
        ),
        "accounts.services.user_role_grant": (
            lambda: accounts.services.user_role_grant(actor=p.admin, user=user, role="auditor"),
            ["accounts.role_granted"],
        ),
        "accounts.services.user_role_revoke": (
            lambda: accounts.services.user_role_revoke(
                actor=p.admin, user=p.auditor, role="auditor"
            ),
            ["accounts.role_revoked"],
        ),
        "accounts.services.api_token_create": (
            lambda: accounts.services.api_token_create(
                actor=p.admin, user=p.ci_bot, name="t", scopes=["catalog:read"], expires_in_days=1
            ),
            ["accounts.token_created"],
        ),
        "accounts.services.api_token_revoke": (
            lambda: accounts.services.api_token_revoke(
                actor=p.admin,
                token=accounts.services.api_token_create(
                    actor=None, user=p.ci_bot, name="t", scopes=["catalog:read"], expires_in_days=1
                )[0],
            ),
            ["accounts.token_created", "accounts.token_revoked"],
        ),
        "accounts.services.session_signed_in": (
            lambda: accounts.services.session_signed_in(user=p.owner),
            ["accounts.signed_in"],
        ),
        "accounts.services.session_signed_out": (
            lambda: accounts.services.session_signed_out(user=p.owner),
            ["accounts.signed_out"],
        ),
        "accounts.services.session_sign_in_failed": (
            lambda: accounts.services.session_sign_in_failed(username="x"),
            ["accounts.sign_in_failed"],
        ),
        "catalog.services.entries.model_service_register": (
            lambda: catalog.services.entries.model_service_register(
                actor=p.admin, name="new", owner_team=team
            ),
            ["catalog.model_registered", "catalog.access_granted"],
        ),
        "catalog.services.entries.model_service_update_metadata": (
            lambda: catalog.services.entries.model_service_update_metadata(
                actor=p.owner, model_service=model, changes={"purpose": "changed"}
            ),
            ["catalog.model_updated"],
        ),
        "catalog.services.entries.model_version_register": (
            lambda: catalog.services.entries.model_version_register(
                actor=None, model_service=model, version="1"
            ),
            ["catalog.version_registered"],
        ),
        "catalog.services.entries.model_service_share": (
            lambda: catalog.services.entries.model_service_share(
                actor=p.owner, model_service=model, user=user
            ),
            ["catalog.access_granted"],
        ),
        "catalog.services.entries.model_service_unshare": (
            lambda: (
                catalog.services.entries.model_service_share(
                    actor=None, model_service=model, user=other
                ),
                catalog.services.entries.model_service_unshare(
                    actor=p.owner, model_service=model, user=other
                ),
            ),
            ["catalog.access_granted", "catalog.access_revoked"],
        ),
        "catalog.services.sources.registry_source_create": (
            source,
            ["catalog.registry_source_created"],
        ),
        "catalog.services.sources.webhook_secret_add": (
            lambda: catalog.services.sources.webhook_secret_add(actor=p.admin, source=source()),
            ["catalog.registry_source_created", "catalog.webhook_secret_added"],
        ),
        "catalog.services.sources.webhook_secret_retire": (
            lambda: (
                lambda s: (
                    catalog.services.sources.webhook_secret_add(actor=None, source=s),
                    catalog.services.sources.webhook_secret_retire(
                        actor=p.admin, secret=s.secrets.order_by("created_at").first()
                    ),
                )
            )(source()),
            [
                "catalog.registry_source_created",
                "catalog.webhook_secret_added",
                "catalog.webhook_secret_retired",
            ],
        ),
        "catalog.services.ingest.registry_delivery_retry": (
            lambda: catalog.services.ingest.registry_delivery_retry(
                actor=p.admin,
                delivery=WebhookDelivery.objects.create(
                    source=source(),
                    delivery_id="d",
                    signed_at="2026-01-01T00:00:00Z",
                    entity="prompt",
                    action="created",
                    body="{}",
                    payload={},
                    status="failed",
                ),
            ),
            ["catalog.registry_source_created", "catalog.delivery_retried"],
        ),
        "governance.services.assessment_draft_save": (
            lambda: governance.services.assessment_draft_save(
                actor=p.owner, model_service=model, answers={"role": "provider"}
            ),
            ["governance.assessment_draft_saved"],
        ),
        "governance.services.assessment_submit": (
            submitted,
            ["governance.assessment_submitted", "governance.risk_tier_changed"],
        ),
        "governance.services.obligation_update": (
            lambda: governance.services.obligation_update(
                actor=p.owner, obligation=submitted(), status="in_progress"
            ),
            [
                "governance.assessment_submitted",
                "governance.obligation_changed",
            ],
        ),
        "governance.services.evidence_add": (
            lambda: governance.services.evidence_add(
                actor=p.owner,
                obligation=submitted(),
                upload=SimpleUploadedFile("e.txt", b"evidence"),
            ),
            [
                "governance.assessment_submitted",
                "governance.evidence_added",
            ],
        ),
    }


def public_services():
    names = set()
    for module in MODULES:
        for name, obj in inspect.getmembers(module, inspect.isfunction):
            if obj.__module__ == module.__name__ and not name.startswith("_"):
                names.add(f"{module.__name__}.{name}")
    return names


@pytest.mark.django_db
def test_every_service_is_accounted_for(personas):
    covered = (
        set(recipes(personas))
        | set(approval_recipes(personas))
        | set(monitoring_recipes(personas))
        | set(NO_EVENT)
    )
    missing = public_services() - covered
    assert not missing, f"services without an audit expectation: {sorted(missing)}"
    assert not covered - public_services(), "stale rows in the completeness table"


@pytest.mark.django_db
def test_each_service_records_exactly_its_events(personas):
    failures = []
    # Monitoring first: its daily checks must see only the deployments its recipes made.
    all_recipes = monitoring_recipes(personas) | recipes(personas) | approval_recipes(personas)
    for name, (call, expected) in all_recipes.items():
        before = AuditEvent.objects.count()
        call()
        actions = list(AuditEvent.objects.order_by("seq")[before:].values_list("action", flat=True))
        if actions != expected:
            failures.append(f"{name}: {actions}, expected {expected}")
    assert not failures, "\n".join(failures)
