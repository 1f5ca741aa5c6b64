"""The request behind each row of the write matrix (tests/test_permission_matrix.py).

``SENDS[(url_name, variant)]`` builds the request from the world of tests/permission_world.py.
It runs inside the cell's savepoint, so it may first make the object it writes to (a token of
the persona's own, a high-risk tier): that object is gone again before the next cell. Every
body is valid, so an allowed persona's write succeeds and a refused one fails on permission
alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.admin import UserAdminForm
from accounts.models import ApiToken, SignInLockout, User
from approvals import configuration
from audit.models import AuditEvent
from catalog import services as catalog_services
from catalog.forms import ModelMetadataForm
from catalog.models import ModelService
from monitoring.forms import IncidentForm, ThresholdForm
from risk import ruleset as rulesets
from risk import services as risk_services
from tests.factories import PASSWORD
from tests.permission_world import ANSWERS


@dataclass
class Send:
    method: str
    url: str
    form: dict | None = None  # form fields (multipart when a value is a file)
    json: dict | None = None
    body: bytes | None = None  # sent as is (the webhook receiver reads raw bytes)
    query: dict = field(default_factory=dict)


@dataclass
class Cell:
    """What a request builder may use: the world, the personas, the row's model, the user."""

    world: dict
    personas: object
    on: str | None  # "owned", "foreign" or None
    user: User | None  # the persona's user (None: anonymous; the CI bot for token personas)

    @property
    def model(self) -> ModelService:
        return self.world[self.on]

    def url(self, name: str, **kwargs) -> str:
        return reverse(name, kwargs=kwargs)


def post(url: str, **form) -> Send:
    return Send("POST", url, form=form)


def api(method: str, url: str, body: dict) -> Send:
    return Send(method, url, json=body)


def form_values(form) -> dict:
    """An unbound form's initial values as the browser would post them back."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value in (None, False, ""):
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        elif isinstance(value, datetime):
            data[name] = value.strftime("%Y-%m-%dT%H:%M")
        else:
            data[name] = str(getattr(value, "pk", value))
    return data


def _answers_form(action: str) -> dict:
    values = {k: ({True: "yes", False: "no"}.get(v, v)) for k, v in ANSWERS.items()}
    return {**values, "action": action}


def _assessed(model: ModelService, personas) -> ModelService:
    """The foreign model has no assessment in the world; a request needs one."""
    if not model.risk_assessments.exists():
        risk_services.assessment_submit(actor=personas.admin, model_service=model, answers=ANSWERS)
    return model


def _proposal(c: Cell, name: str, **form) -> Send:
    """A fresh proposal: the owning team's model owner submitted answers for confirmation."""
    author = c.personas.owner if c.on == "owned" else c.personas.other_owner
    proposal = risk_services.assessment_submit(actor=author, model_service=c.model, answers=ANSWERS)
    assert proposal.status == "proposed", proposal.status
    return post(c.url(name, model_id=c.model.pk, revision=proposal.revision), **form)


def _under_earlier_ruleset(c: Cell) -> Send:
    """The model assessed under rule set v1; the bulk move re-assesses it under the current."""
    v1 = rulesets.get("2024-1689.v1")
    answers, _ = rulesets.validate(v1, ANSWERS, complete=False)
    risk_services.assessment_submit(
        actor=c.personas.admin, model_service=c.model, answers=answers, rules=v1
    )
    return post(c.url("risk:ruleset-change"), models=str(c.model.pk), new_questions_checked="on")


def _verify_now(c: Cell) -> Send:
    """No verification running (the cache outlives each cell's rolled-back savepoint)."""
    from django.core.cache import cache

    from audit.verification_requests import RUNNING_KEY

    cache.delete(RUNNING_KEY)
    return post(c.url("audit:verify-now"))


def _high_risk(model: ModelService) -> ModelService:
    ModelService.objects.filter(pk=model.pk).update(risk_tier="high")
    return model


def _model_edit(c: Cell) -> Send:
    data = {**form_values(ModelMetadataForm(instance=c.model)), "description": "Changed."}
    # The world's approvals bind the card: confirm their re-review (the edit page asks first).
    data["confirm_consequences"] = "yes"
    return post(c.url("catalog:model-edit", model_id=c.model.pk), **data)


def _team_move(c: Cell, action: str, **form) -> Send:
    """The world's pending move (owned model → other team); "offered to us" on the foreign
    model: a fresh move of it from the other team to the personas' team."""
    if c.on == "owned":
        move = c.world["move"]
    else:
        move = catalog_services.team_move_request(
            actor=c.personas.other_owner,
            model_service=c.model,
            to_team=c.personas.team,
            reason="Matrix.",
        )
    return post(c.url(f"catalog:team-move-{action}", move_id=move.pk), **form)


def _team_move_create(c: Cell) -> Send:
    to_team = c.personas.other_team if c.on == "owned" else c.personas.team
    return post(
        c.url("catalog:team-move-create", model_id=c.model.pk), to_team=to_team.slug, reason="M."
    )


def _own_token(c: Cell) -> Send:
    token, _ = account_services.api_token_create(
        actor=None,
        user=c.user or c.personas.owner,
        name="own",
        scopes=["catalog:read"],
        expires_in_days=5,
    )
    return post(c.url("accounts:token-revoke", token_id=token.pk))


def _request_form(c: Cell) -> Send:
    model = _assessed(c.model, c.personas)
    version = model.versions.get(version="4" if c.on == "owned" else "1")
    return post(
        c.url("approvals:request-create", model_id=model.pk),
        version=str(version.pk),
        environment="staging",
        justification="Matrix.",
    )


def _request_api(c: Cell) -> Send:
    model = _assessed(c.model, c.personas)
    version = "4" if c.on == "owned" else "1"
    return api(
        "POST",
        c.url("approvals-api:deployment-request-create"),
        {"model": model.name, "version": version, "environment": "staging", "justification": "x"},
    )


def _threshold_edit(c: Cell) -> Send:
    threshold = c.world["threshold"]
    form = ThresholdForm(
        initial=ThresholdForm.initial_from(threshold), environments=configuration.environments()
    )
    data = {**form_values(form), "min_value": "0.6"}
    return post(c.url("monitoring:threshold-edit", threshold_id=threshold.pk), **data)


def _incident_form(c: Cell) -> dict:
    return {
        "title": "Matrix incident",
        "description": "What happened.",
        "severity": "medium",
        "aware_at": timezone.now().strftime("%Y-%m-%dT%H:%M"),
        "report_stage": "none",
        "status": "open",
    }


def _incident_edit(c: Cell) -> Send:
    incident = c.world["incident"]
    form = IncidentForm(
        initial=IncidentForm.initial_from(incident), versions=c.model.versions.all()
    )
    data = {**form_values(form), "title": "Renamed"}
    return post(c.url("monitoring:incident-edit", incident_id=incident.pk), **data)


def _team_change(c: Cell) -> Send:
    team = c.personas.team
    members = [str(u.pk) for u in team.members] + [str(c.personas.outsider.pk)]
    return post(
        c.url("admin:accounts_team_change", object_id=team.pk),
        name=team.name,
        description="",
        reviewers=[str(u.pk) for u in team.reviewers.all()],
        members=members,
    )


def _user_change(c: Cell) -> Send:
    user = c.personas.outsider
    data = form_values(UserAdminForm(instance=user))
    data.pop("password", None)
    data["roles"] = ["viewer"]
    return post(c.url("admin:accounts_user_change", object_id=user.pk), **data)


def _metrics(c: Cell) -> Send:
    item = {
        "model": c.model.name,
        "version": "1",
        "environment": "production",
        "metric": "auc",
        "value": 0.9,
        "timestamp": timezone.now().isoformat(),
    }
    return api("POST", c.url("monitoring-api:metric-batch-create"), {"items": [item]})


def _audit_delete(c: Cell) -> Send:
    event = AuditEvent.objects.order_by("seq").first()
    return post(c.url("admin:audit_auditevent_delete", object_id=event.pk), post="yes")


def _ci_token_revoke(c: Cell) -> Send:
    token = ApiToken.objects.get(name="ci")
    return post(
        c.url("admin:accounts_apitoken_changelist"),
        action="revoke",
        index="0",
        _selected_action=[str(token.pk)],
    )


def _trusted_issuer_add(c: Cell) -> Send:
    """A GitLab issuer with one rule (CI workload identity), through the admin's inline form."""
    from accounts.models import User

    return post(
        c.url("admin:accounts_trustedissuer_add"),
        name="GitLab",
        preset="gitlab",
        issuer="https://gitlab.example.com",
        audience="attest",
        is_active="on",
        **{
            "rules-TOTAL_FORMS": "1",
            "rules-INITIAL_FORMS": "0",
            "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "1000",
            "rules-0-name": "deploy",
            "rules-0-claims_text": "project_path=acme/models",
            "rules-0-service_account": str(User.objects.get(username="ci-bot").pk),
            "rules-0-scopes": ["gate:read"],
            "rules-0-is_active": "on",
        },
    )


def _lockout_clear(c: Cell) -> Send:
    lockout = SignInLockout.objects.get(username="ghost")
    return post(
        c.url("admin:accounts_signinlockout_changelist"),
        action="clear",
        index="0",
        _selected_action=[str(lockout.pk)],
    )


def _cost_import(c: Cell) -> Send:
    """A one-row FOCUS 1.0 export (the columns the importer reads) tagged with the model."""
    header = "BillingAccountId,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,EffectiveCost,Tags"
    line = (
        '1,EUR,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,1.50,"{""attest-model"": ""owned-model""}"'
    )
    content = f"{header}\n{line}\n".encode()
    return Send(
        "POST",
        c.url("usage-api:cost-import-create"),
        form={"file": SimpleUploadedFile("focus.csv", content)},
    )


SENDS: dict[tuple[str, str], Callable[[Cell], Send]] = {
    # accounts
    ("accounts:login", "password"): lambda c: post(
        c.url("accounts:login"), username="owner", password=PASSWORD
    ),
    ("accounts:logout", ""): lambda c: post(c.url("accounts:logout")),
    ("accounts:language", ""): lambda c: post(c.url("accounts:language"), language="de", next="/"),
    ("account_logout", ""): lambda c: post(c.url("account_logout")),
    ("accounts:token-create", ""): lambda c: post(
        c.url("accounts:token-create"),
        name="matrix",
        scopes=["catalog:read"],
        expires_in_days=5,
        **({"user": str(c.user.pk)} if c.user else {}),  # only administrators get the field
    ),
    ("accounts:token-revoke", "own"): _own_token,
    ("accounts:token-revoke", "ci bot's"): lambda c: post(
        c.url("accounts:token-revoke", token_id=ApiToken.objects.get(name="ci").pk)
    ),
    # catalog
    ("catalog:model-edit", ""): _model_edit,
    ("catalog:team-move-create", ""): _team_move_create,
    ("catalog:team-move-create", "pending"): _team_move_create,
    ("catalog:team-move-accept", ""): lambda c: _team_move(c, "accept"),
    ("catalog:team-move-accept", "offered"): lambda c: _team_move(c, "accept"),
    ("catalog:team-move-decline", ""): lambda c: _team_move(c, "decline", comment="Not ours."),
    ("catalog:team-move-cancel", ""): lambda c: _team_move(c, "cancel"),
    # risk
    ("risk:assessment-edit", "draft"): lambda c: post(
        c.url("risk:assessment-edit", model_id=c.model.pk), **_answers_form("save")
    ),
    ("risk:assessment-edit", "submit"): lambda c: post(
        c.url("risk:assessment-edit", model_id=c.model.pk), **_answers_form("submit")
    ),
    ("risk:assessment-confirm", "proposal"): lambda c: _proposal(
        c, "risk:assessment-confirm", comment="Checked."
    ),
    ("risk:assessment-return", "proposal"): lambda c: _proposal(
        c, "risk:assessment-return", comment="Answer the Annex III question again."
    ),
    ("risk:ruleset-change", "earlier"): _under_earlier_ruleset,
    ("audit:verify-now", ""): lambda c: _verify_now(c),
    ("risk:obligation-update", "plan"): lambda c: post(
        c.url("risk:obligation-update", obligation_id=c.world["obligation"].pk),
        status="in_progress",
        due_date="2027-01-31",
    ),
    ("risk:obligation-update", "certify"): lambda c: post(
        c.url("risk:obligation-update", obligation_id=c.world["obligation"].pk),
        status="met",
        justification="Checked.",
    ),
    ("risk:obligation-plan", ""): lambda c: post(
        c.url("risk:obligation-plan", model_id=c.model.pk),
        obligations=[str(c.world["obligation"].pk)],
        due_date="2027-01-31",
    ),
    ("risk:evidence-add", "file"): lambda c: post(
        c.url("risk:evidence-add", obligation_id=c.world["obligation"].pk),
        file=SimpleUploadedFile("matrix.txt", b"matrix evidence"),
        description="Matrix.",
    ),
    # approvals
    ("approvals:request-create", ""): _request_form,
    ("approvals:request-submit", "draft"): lambda c: post(
        c.url("approvals:request-submit", request_id=c.world["draft"].pk)
    ),
    ("approvals:request-withdraw", "submitted"): lambda c: post(
        c.url("approvals:request-withdraw", request_id=c.world["request"].pk), reason="Matrix."
    ),
    ("approvals:request-decide", "reject"): lambda c: post(
        c.url("approvals:request-decide", request_id=c.world["request"].pk),
        verdict="reject",
        comment="Matrix.",
    ),
    ("approvals:request-revoke", "approved"): lambda c: post(
        c.url("approvals:request-revoke", request_id=c.world["approved"].pk), reason="Matrix."
    ),
    # documents
    ("documents:document-request", "model card"): lambda c: post(
        c.url("documents:document-request", model_id=c.model.pk, version="1", kind="model_card")
    ),
    ("documents:document-request", "evidence pack"): lambda c: post(
        c.url("documents:document-request", model_id=c.model.pk, version="1", kind="evidence_pack")
    ),
    ("documents:request-evidence-pack", ""): lambda c: post(
        c.url("documents:request-evidence-pack", request_id=c.world["request"].pk)
    ),
    ("documents:report-create", ""): lambda c: post(c.url("documents:report-create")),
    # monitoring
    ("monitoring:threshold-create", ""): lambda c: post(
        c.url("monitoring:threshold-create", model_id=c.model.pk), metric="latency", max_value=5
    ),
    ("monitoring:threshold-edit", ""): _threshold_edit,
    ("monitoring:threshold-delete", ""): lambda c: post(
        c.url("monitoring:threshold-delete", threshold_id=c.world["threshold"].pk)
    ),
    ("monitoring:alert-acknowledge", ""): lambda c: post(
        c.url("monitoring:alert-acknowledge", alert_id=c.world["alert"].pk),
        **{"ack-comment": "On it."},
    ),
    ("monitoring:alert-resolve", ""): lambda c: post(
        c.url("monitoring:alert-resolve", alert_id=c.world["alert"].pk),
        **{"resolve-comment": "Fixed."},
    ),
    ("monitoring:incident-create", ""): lambda c: post(
        c.url("monitoring:incident-create", model_id=c.model.pk), **_incident_form(c)
    ),
    ("monitoring:incident-edit", ""): _incident_edit,
    ("monitoring:review-complete", ""): lambda c: post(
        c.url("monitoring:review-complete", review_id=c.world["review"].pk),
        outcome="recertified",
        comment="Reviewed metrics and incidents.",
    ),
    # registry sources and the webhook inbox
    ("registries:create", ""): lambda c: post(
        c.url("registries:create"),
        kind="mlflow",
        slug="second",
        base_url="http://127.0.0.1:9",
        secret="s" * 24,
    ),
    ("registries:secret-add", ""): lambda c: post(
        c.url("registries:secret-add", slug="mlflow"), label="matrix"
    ),
    ("registries:secret-retire", ""): lambda c: post(
        c.url("registries:secret-retire", slug="mlflow", secret_id=c.world["secret"].pk)
    ),
    ("registries:webhook-register", "unreachable"): lambda c: post(
        c.url("registries:webhook-register", slug="mlflow")
    ),
    ("registries:reconcile", "unreachable"): lambda c: post(
        c.url("registries:reconcile", slug="mlflow")
    ),
    ("registries:test", "unreachable"): lambda c: post(c.url("registries:test", slug="mlflow")),
    ("registries:edit", ""): lambda c: post(
        c.url("registries:edit", slug="mlflow"), name="Renamed", base_url="http://127.0.0.1:9"
    ),
    ("registries:toggle", ""): lambda c: post(c.url("registries:toggle", slug="mlflow")),
    ("registries:delete", ""): lambda c: post(c.url("registries:delete", slug="mlflow")),
    ("registries:delivery-retry", ""): lambda c: post(
        c.url("registries:delivery-retry", pk=c.world["delivery"].pk)
    ),
    # outgoing webhook endpoints
    ("notifications:webhook-create", ""): lambda c: Send(
        "POST",
        c.url("notifications:webhook-create"),
        form={"name": "Second", "url": "http://127.0.0.1:9/second", "event_types": "alert.opened"},
    ),
    ("notifications:webhook-edit", ""): lambda c: Send(
        "POST",
        c.url("notifications:webhook-edit", endpoint_id=c.world["webhook_endpoint"].pk),
        form={
            "name": "Renamed",
            "url": "http://127.0.0.1:9/hook",
            "event_types": ["deployment_request.approved", "alert.opened"],
        },
    ),
    ("notifications:webhook-toggle", ""): lambda c: post(
        c.url("notifications:webhook-toggle", endpoint_id=c.world["webhook_endpoint"].pk)
    ),
    ("notifications:webhook-rotate", ""): lambda c: post(
        c.url("notifications:webhook-rotate", endpoint_id=c.world["webhook_endpoint"].pk)
    ),
    ("notifications:webhook-delete", ""): lambda c: post(
        c.url("notifications:webhook-delete", endpoint_id=c.world["webhook_endpoint"].pk)
    ),
    ("notifications:webhook-redeliver", ""): lambda c: post(
        c.url(
            "notifications:webhook-redeliver",
            endpoint_id=c.world["webhook_endpoint"].pk,
            delivery_id=c.world["webhook_delivery"].pk,
        )
    ),
    ("notifications:subscription-edit", ""): lambda c: Send(
        "POST",
        c.url("notifications:subscription-edit"),
        form={"event_types": "alert.opened", "apprise_url": "json://127.0.0.1:9/me"},
    ),
    ("notifications:channel-list", ""): lambda c: Send(
        "POST",
        c.url("notifications:channel-list"),
        form={"name": "#alerts", "url": "json://127.0.0.1:9/alerts", "event_types": "alert.opened"},
    ),
    ("notifications:channel-toggle", ""): lambda c: post(
        c.url("notifications:channel-toggle", channel_id=c.world["channel"].pk)
    ),
    ("notifications:channel-delete", ""): lambda c: post(
        c.url("notifications:channel-delete", channel_id=c.world["channel"].pk)
    ),
    ("notifications:message-resend", ""): lambda c: post(
        c.url(
            "notifications:message-resend",
            channel_id=c.world["channel"].pk,
            message_id=c.world["channel_message"].pk,
        )
    ),
    ("registry-webhook", "unsigned"): lambda c: Send(
        "POST", c.url("registry-webhook", source_slug="mlflow"), body=b"{}"
    ),
    # API
    ("risk-api:risk-assessment", "answers"): lambda c: api(
        "PUT",
        c.url("risk-api:risk-assessment", model_id=c.model.pk),
        {"answers": ANSWERS, "submit": True},
    ),
    ("risk-api:evidence-create", "link"): lambda c: api(
        "POST",
        c.url("risk-api:evidence-create", obligation_id=c.world["obligation"].pk),
        {"link": "https://example.com/evidence", "description": "Matrix."},
    ),
    ("approvals-api:deployment-request-create", ""): _request_api,
    ("approvals-api:deployment-request-decide", "reject"): lambda c: api(
        "POST",
        c.url("approvals-api:deployment-request-decide", request_id=c.world["request"].pk),
        {"verdict": "reject", "comment": "Matrix."},
    ),
    ("approvals-api:gate", "approved"): lambda c: Send(
        "GET",
        c.url("approvals-api:gate"),
        query={"model": c.model.name, "version": "2", "environment": "staging"},
    ),
    ("approvals-api:deployment-create", "approved"): lambda c: api(
        "POST",
        c.url("approvals-api:deployment-create"),
        {"model": c.model.name, "version": "2", "environment": "staging", "reference": "ci#1"},
    ),
    ("monitoring-api:metric-batch-create", ""): _metrics,
    ("monitoring-api:schema-create", ""): lambda c: api(
        "POST",
        c.url("monitoring-api:schema-create", model_id=c.model.pk, version="1"),
        {"environment": "production", "features": {"age": "int"}},
    ),
    ("usage-api:cost-import-create", "focus csv"): _cost_import,
    ("usage:cost-import", "focus csv"): lambda c: Send(
        "POST", c.url("usage:cost-import"), form=_cost_import(c).form
    ),
    ("usage-api:budget-list", ""): lambda c: api(
        "POST",
        c.url("usage-api:budget-list"),
        {"team": "credit-risk", "amount": "250", "currency": "EUR"},
    ),
    ("usage-api:budget-detail", "amount"): lambda c: api(
        "PATCH",
        c.url("usage-api:budget-detail", budget_id=c.world["budget"].pk),
        {"amount": "99"},
    ),
    ("usage-api:budget-detail", ""): lambda c: Send(
        "DELETE", c.url("usage-api:budget-detail", budget_id=c.world["budget"].pk)
    ),
    ("usage:budget-set", ""): lambda c: post(
        c.url("usage:budget-set"), model="owned-model", amount="250", currency="EUR"
    ),
    ("usage:budget-delete", ""): lambda c: post(
        c.url("usage:budget-delete", pk=c.world["budget"].pk)
    ),
    ("usage-api:usage-points-create", ""): lambda c: api(
        "POST",
        c.url("usage-api:usage-points-create"),
        {
            "items": [
                {
                    "deployment": str(c.world["deployment"].pk),
                    "date": "2026-11-01",
                    "requests": 10,
                    "errors": 1,
                }
            ]
        },
    ),  # fmt: skip
    ("usage:usage-source-set", ""): lambda c: post(
        c.url("usage:usage-source-set", model_id=c.model.pk),
        deployment=str(c.world["deployment"].pk),
        prometheus_url="http://127.0.0.1:9",
        requests="http_requests_total",
    ),
    ("usage-api:usage-source", ""): lambda c: api(
        "PUT",
        c.url("usage-api:usage-source", deployment_id=c.world["deployment"].pk),
        {"prometheus_url": "http://127.0.0.1:9", "requests": "http_requests_total"},
    ),
    ("documents-api:technical-documentation", "high-risk"): lambda c: api(
        "POST",
        c.url(
            "documents-api:technical-documentation", model_id=_high_risk(c.model).pk, version="1"
        ),
        {},
    ),
    ("documents-api:portfolio-reports", ""): lambda c: api(
        "POST", c.url("documents-api:portfolio-reports"), {}
    ),
    ("documents-api:evidence-pack", ""): lambda c: api(
        "POST", c.url("documents-api:evidence-pack", model_id=c.model.pk, version="1"), {}
    ),
    ("documents-api:deployment-request-evidence-pack", ""): lambda c: api(
        "POST",
        c.url("documents-api:deployment-request-evidence-pack", request_id=c.world["request"].pk),
        {},
    ),
    # Django admin
    ("admin:accounts_team_add", ""): lambda c: post(
        c.url("admin:accounts_team_add"), name="Matrix", slug="matrix", description=""
    ),
    ("admin:accounts_team_change", "add member"): _team_change,
    ("admin:accounts_user_change", "grant role"): _user_change,
    ("admin:accounts_apitoken_changelist", "revoke"): _ci_token_revoke,
    ("admin:accounts_signinlockout_changelist", "clear"): _lockout_clear,
    ("admin:accounts_trustedissuer_add", "with rule"): _trusted_issuer_add,
    ("admin:audit_auditevent_delete", ""): _audit_delete,
}


def encode(send: Send) -> tuple[str, dict]:
    """The test client's (data, extra) for ``send``."""
    if send.json is not None:
        return json.dumps(send.json), {"content_type": "application/json"}
    if send.body is not None:
        return send.body, {"content_type": "application/json"}
    return send.form or {}, {}
