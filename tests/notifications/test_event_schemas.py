"""docs/events.md is the payload contract: every event type the services emit has a JSON
Schema there, and real payloads, emitted by the real services, validate against it."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from jsonschema import Draft202012Validator

from approvals import services as approval_services
from common.events import DISPATCH_TASK, all_event_types
from common.models import OutboxMessage
from monitoring import services as monitoring_services
from monitoring.models import Alert, RecertificationReview
from monitoring.services.alerts import AlertSpec, _alert_raise
from tests.approvals.approval_helpers import assessed_model

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def documented_schemas() -> dict[str, dict]:
    """Every ```json block of docs/events.md that is a schema, by its title."""
    blocks = re.findall(r"```json\n(.*?)\n```", DOC.read_text(encoding="utf-8"), flags=re.S)
    schemas = {}
    for block in blocks:
        schema = json.loads(block)
        Draft202012Validator.check_schema(schema)
        schemas[schema["title"]] = schema
    return schemas


def validate(schema: dict, instance: dict) -> list[str]:
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_every_declared_event_type_is_documented_and_nothing_else():
    schemas = documented_schemas()
    declared = {t.type for t in all_event_types()}
    assert set(schemas) - {"envelope"} == declared
    assert set(schemas["envelope"]["properties"]["type"]["enum"]) == declared


def emitted() -> list[dict]:
    return [
        m.args[0]
        for m in OutboxMessage.objects.filter(task_name=DISPATCH_TASK).order_by("created_at")
    ]


@pytest.mark.django_db
def test_payloads_the_services_emit_validate_against_the_documented_schemas(personas):
    model = assessed_model(personas, "minimal", name="credit-scoring", versions=("1", "2", "3"))
    version = {v.version: v for v in model.versions.all()}

    def request(v: str, environment: str = "production"):
        return approval_services.deployment_request_create(
            actor=personas.owner,
            model_version=version[v],
            environment=environment,
            justification="Quarterly retrain.",
        )

    def approve(req):
        return approval_services.deployment_request_decide(
            actor=personas.reviewer, request=req, verdict="approve"
        )

    revoked = approve(request("1"))
    approval_services.approval_revoke(
        actor=personas.compliance, request=revoked, reason="Found a data leak."
    )
    approval_services.deployment_request_decide(
        actor=personas.reviewer, request=request("2"), verdict="reject", comment="AUC too low."
    )
    stale = approve(request("3"))
    with transaction.atomic():
        approval_services.approval_mark_for_rereview(
            request=stale, reason="auc fell below the threshold"
        )
    expiring = approve(request("1", "staging"))
    approval_services.approvals_due_for_reminder(now=expiring.expires_at - timedelta(days=1))
    approval_services.approvals_expire(now=expiring.expires_at + timedelta(seconds=1))
    with transaction.atomic():
        _alert_raise(
            AlertSpec(
                model_service=model,
                kind=Alert.Kind.BELOW_MINIMUM,
                environment="production",
                metric="auc",
                title="auc in production: 0.70 is below the minimum 0.75",
                model_version=version["3"],
                observed_value=0.7,
                limit_value=0.75,
            )
        )
    monitoring_services.incident_register(
        actor=personas.owner,
        model_service=model,
        title="Loans refused to a whole postcode",
        description="A feed outage set income to 0 for one region.",
        severity="high",
        serious=True,
        serious_category="general",
        aware_at=timezone.now() - timedelta(hours=1),
    )

    incident = model.incidents.get()
    near = monitoring_services.incidents_warn_deadline_near(
        now=incident.report_deadline - timedelta(hours=10)
    )
    assert near == [incident]

    RecertificationReview.objects.create(
        model_service=model, tier="minimal", due_on=timezone.localdate() + timedelta(days=3)
    )
    assert len(monitoring_services.reviews_due_for_reminder()) == 1
    events = emitted()
    schemas = documented_schemas()
    seen = {e["type"] for e in events}
    assert seen == {t.type for t in all_event_types()}, "every type was emitted at least once"
    failures = []
    for event in events:
        failures += [
            f"envelope of {event['type']}: {p}" for p in validate(schemas["envelope"], event)
        ]
        failures += [
            f"{event['type']}: {p}" for p in validate(schemas[event["type"]], event["data"])
        ]
        datetime.fromisoformat(event["timestamp"])  # RFC 3339 as Python reads it
    assert not failures, "\n".join(failures)
    # The re-review that follows a stale approval points back at it.
    rereviews = [
        e["data"]["re_review_of"]
        for e in events
        if e["type"] == "deployment_request.submitted" and e["data"]["re_review_of"]
    ]
    assert rereviews == [str(stale.pk)]
    serious = next(e for e in events if e["type"] == "incident.created")["data"]
    assert serious["report_deadline"] is not None and serious["serious_category"] == "general"


def test_a_payload_that_breaks_the_contract_fails_the_schema():
    """The check above can fail: a renamed field or a wrong type is caught."""
    schema = documented_schemas()["deployment_request.rejected"]
    good = {
        "request_id": "0b1e5a4e-9c7e-4c49-a0f2-d3f1c1c2a9b1",
        "request_url": "https://attest.example.com/requests/0b1e/",
        "model_id": "5f0c5a4e-9c7e-4c49-a0f2-d3f1c1c2a9b1",
        "model": "m",
        "team": None,
        "version": "1",
        "environment": "production",
        "risk_tier": "minimal",
        "state": "rejected",
        "actor": "reviewer",
        "comment": "no",
    }
    assert validate(schema, good) == []
    renamed = {**{k: v for k, v in good.items() if k != "model"}, "model_name": "m"}
    assert validate(schema, renamed)
    assert validate(schema, {**good, "version": 1})
