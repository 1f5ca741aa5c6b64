"""A1: every service that changes state records its audit events, exactly as listed here; and
every action those services record is declared once, with a label people read.

The services are found, not listed: every public function of each project app's ``services``
module (or of every module of its ``services`` package), and of any other module of an app that
calls ``audit_record`` (``approvals.gate``, ``approvals.writeback``). Each must have a recipe
(call it, expect exactly these audit actions) or a written reason in ``NO_EVENT`` why it records
nothing. A new service without a row here fails the first test.
"""

import ast
import importlib
import inspect
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import accounts.services
import audit.verification_requests
import catalog.services.entries
import catalog.services.ingest
import catalog.services.sources
import catalog.services.team_moves
import risk.obligation_plan_services
import risk.ruleset
import risk.ruleset_change_services
import risk.services
from accounts.models import IssuerRule, Team, TrustedIssuer
from audit import actions as audit_actions
from audit.models import AuditEvent
from catalog.models import WebhookDelivery
from risk.models import Obligation
from tests.audit.recipes_governance import approval_recipes, document_recipes, monitoring_recipes
from tests.audit.recipes_notifications import notification_recipes
from tests.audit.recipes_usage import usage_recipes
from tests.audit.services_without_events import NO_EVENT
from tests.catalog.mlflow_fixtures import SECRET
from tests.factories import ModelServiceFactory, UserFactory

ROOT = Path(settings.BASE_DIR)


def _project_apps():
    """The apps whose code lives in this repository (not Django's, not installed packages)."""
    return [
        config
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and ".venv" not in Path(config.path).parts
    ]


@cache
def _source_files() -> list[tuple[str, Path, ast.Module]]:
    """(dotted module name, path, syntax tree) of every module of the project apps, migrations
    left out."""
    found = []
    for config in _project_apps():
        for path in sorted(Path(config.path).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, path, ast.parse(path.read_text(), str(path))))
    return found


def _calls_audit_record(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "audit_record"
        for node in ast.walk(tree)
    )


def service_modules():
    """An app's ``services`` module or package, any module named ``*_services``
    (``risk.obligation_plan_services``: services over other services), and every other module
    calling audit_record."""
    for name, _path, tree in _source_files():
        module = name.split(".")[1] if "." in name else ""
        if module == "services" or module.endswith("_services") or _calls_audit_record(tree):
            yield importlib.import_module(name)


ANSWERS = {
    "role": "provider",
    "gpai": False,
    "affected_people": "customers",
    "autonomy": "advisory",
    "data_sensitivity": "personal",
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
        # A compliance officer's submission is in force at once (an owner's is a proposal).
        risk.services.assessment_submit(actor=p.compliance, model_service=model, answers=ANSWERS)
        return Obligation.objects.filter(model_service=model, is_current=True).first()

    # Proposals to confirm and to return, made now (their own events are not counted).
    def _proposal():
        other_model = ModelServiceFactory(owner_team=team)
        return risk.services.assessment_submit(
            actor=p.owner, model_service=other_model, answers=ANSWERS
        )

    to_confirm, to_return = _proposal(), _proposal()

    # A model assessed under the earlier rule set, made now, for the bulk move to the current.
    def _under_v1():
        v1 = risk.ruleset.get("2024-1689.v1")
        earlier = ModelServiceFactory(owner_team=team)
        answers, _ = risk.ruleset.validate(v1, ANSWERS, complete=False)
        risk.services.assessment_submit(
            actor=p.compliance, model_service=earlier, answers=answers, rules=v1
        )
        return earlier

    to_move = _under_v1()
    issuers = []  # the trusted issuer saved by its recipe, for the rule's recipe after it

    def offered():
        # A model of the team offered to the other team (asking is audited too).
        return catalog.services.team_moves.team_move_request(
            actor=p.owner,
            model_service=ModelServiceFactory(owner_team=team),
            to_team=p.other_team,
            reason="Fraud runs it now.",
        )

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
        "accounts.services.user_language_set": (
            lambda: accounts.services.user_language_set(actor=p.owner, user=p.owner, language="de"),
            ["accounts.language_changed"],
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
        "catalog.services.sources.registry_source_update": (
            lambda: catalog.services.sources.registry_source_update(
                actor=p.admin, source=source(), name="Renamed", base_url="http://y.example.com"
            ),
            ["catalog.registry_source_created", "catalog.registry_source_updated"],
        ),
        "catalog.services.sources.registry_source_active_set": (
            lambda: catalog.services.sources.registry_source_active_set(
                actor=p.admin, source=source(), is_active=False
            ),
            ["catalog.registry_source_created", "catalog.registry_source_disabled"],
        ),
        "catalog.services.sources.registry_source_delete": (
            lambda: catalog.services.sources.registry_source_delete(actor=p.admin, source=source()),
            ["catalog.registry_source_created", "catalog.registry_source_deleted"],
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
        "catalog.services.team_moves.team_move_request": (
            offered,
            ["catalog.team_move_requested"],
        ),
        "catalog.services.team_moves.team_move_accept": (
            lambda: catalog.services.team_moves.team_move_accept(
                actor=p.other_owner, move=offered()
            ),
            [
                "catalog.team_move_requested",
                "catalog.team_move_accepted",
                "catalog.access_revoked",
                "catalog.access_granted",
            ],
        ),
        "catalog.services.team_moves.team_move_decline": (
            lambda: catalog.services.team_moves.team_move_decline(
                actor=p.other_owner, move=offered(), comment="Not ours."
            ),
            ["catalog.team_move_requested", "catalog.team_move_declined"],
        ),
        "catalog.services.team_moves.team_move_cancel": (
            lambda: catalog.services.team_moves.team_move_cancel(actor=p.owner, move=offered()),
            ["catalog.team_move_requested", "catalog.team_move_cancelled"],
        ),
        "risk.services.assessment_draft_save": (
            lambda: risk.services.assessment_draft_save(
                actor=p.owner, model_service=model, answers={"role": "provider"}
            ),
            ["governance.assessment_draft_saved"],
        ),
        "risk.services.assessment_submit": (
            submitted,
            ["governance.assessment_submitted", "governance.risk_tier_changed"],
        ),
        "accounts.services.sign_in_lockout_record": (
            lambda: accounts.services.sign_in_lockout_record(
                scope="account",
                client_address="192.0.2.1",
                username="x",
                locked_until=timezone.now() + timedelta(minutes=5),
            ),
            ["accounts.sign_in_locked"],
        ),
        "accounts.services.sign_in_lockout_clear": (
            lambda: accounts.services.sign_in_lockout_clear(
                actor=p.admin,
                lockout=accounts.services.sign_in_lockout_record(
                    scope="address",
                    client_address="192.0.2.2",
                    username="",
                    locked_until=timezone.now() + timedelta(minutes=5),
                ),
            ),
            ["accounts.sign_in_locked", "accounts.sign_in_lockout_cleared"],
        ),
        "accounts.services.trusted_issuer_save": (
            lambda: issuers.append(
                accounts.services.trusted_issuer_save(
                    actor=p.admin,
                    issuer=TrustedIssuer(
                        name="GitHub Actions",
                        preset=TrustedIssuer.Preset.GITHUB,
                        issuer="https://token.actions.githubusercontent.com",
                        audience="attest",
                    ),
                )
            ),
            ["accounts.trusted_issuer_saved"],
        ),
        "accounts.services.issuer_rule_save": (
            lambda: accounts.services.issuer_rule_save(
                actor=p.admin,
                rule=IssuerRule(
                    issuer=issuers[0],
                    claims={"repository": "acme/models"},
                    service_account=p.ci_bot,
                    scopes=["gate:read"],
                ),
            ),
            ["accounts.issuer_rule_saved"],
        ),
        "audit.verification_requests.verification_request": (
            lambda: audit.verification_requests.verification_request(actor=p.compliance),
            ["audit.verification_requested"],
        ),
        "risk.ruleset_change_services.assessments_move": (
            lambda: risk.ruleset_change_services.assessments_move(
                actor=p.compliance, model_ids=[to_move.pk], new_questions_checked=True
            ),
            ["governance.assessment_submitted", "risk.assessment_moved_to_ruleset"],
        ),
        "risk.services.assessment_confirm": (
            lambda: risk.services.assessment_confirm(actor=p.compliance, assessment=to_confirm),
            ["risk.assessment_confirmed", "governance.risk_tier_changed"],
        ),
        "risk.services.assessment_return": (
            lambda: risk.services.assessment_return(
                actor=p.compliance, assessment=to_return, comment="Not Annex III."
            ),
            ["risk.assessment_returned"],
        ),
        "risk.services.obligation_update": (
            lambda: risk.services.obligation_update(
                actor=p.owner, obligation=submitted(), status="in_progress"
            ),
            [
                "governance.assessment_submitted",
                "governance.obligation_changed",
            ],
        ),
        "risk.obligation_plan_services.obligations_plan": (
            lambda: risk.obligation_plan_services.obligations_plan(
                actor=p.owner,
                model_service=model,
                obligations=[submitted()],
                owner=p.compliance,
                due_date=timezone.localdate() + timedelta(days=30),
            ),
            ["governance.assessment_submitted", "governance.obligation_changed"],
        ),
        "risk.services.evidence_add": (
            lambda: risk.services.evidence_add(
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
    for module in service_modules():
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
        | set(document_recipes(personas))
        | set(usage_recipes(personas))
        | set(notification_recipes(personas))
        | set(NO_EVENT)
    )
    missing = public_services() - covered
    assert not missing, f"services without an audit expectation: {sorted(missing)}"
    stale = covered - public_services()
    assert not stale, f"stale rows in the completeness table: {sorted(stale)}"


def test_discovery_finds_the_services_outside_services_modules():
    """The rule above is what finds them: a module outside ``services`` that writes events."""
    found = public_services()
    assert {"approvals.gate.gate_answer", "approvals.writeback.request_writeback"} <= found
    assert "documents.services.document_request" in found
    assert "accounts.services.team_create" in found


@pytest.mark.django_db
def test_each_service_records_exactly_its_events(personas):
    failures = []
    # Monitoring first: its daily checks must see only the deployments its recipes made.
    all_recipes = (
        monitoring_recipes(personas)
        | recipes(personas)
        | approval_recipes(personas)
        | document_recipes(personas)
        | usage_recipes(personas)
        | notification_recipes(personas)
    )
    declared = {action.code for action in audit_actions.all_actions()}
    for name, (call, expected) in all_recipes.items():
        before = AuditEvent.objects.count()
        call()
        actions = list(AuditEvent.objects.order_by("seq")[before:].values_list("action", flat=True))
        if actions != expected:
            failures.append(f"{name}: {actions}, expected {expected}")
        if set(actions) - declared:
            failures.append(f"{name}: records undeclared actions {sorted(set(actions) - declared)}")
    assert not failures, "\n".join(failures)
