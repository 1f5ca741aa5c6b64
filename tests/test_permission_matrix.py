"""S1: persona × endpoint matrix over every URL in the URL conf and every OpenAPI operation.

Reads: every page, admin page and API operation answers every persona as expected, and lists
show exactly the objects the persona may see. Writes: every state-changing page, API operation
and admin form answers every persona as expected (the table: tests/permission_table.py; the
request behind each row: tests/permission_writes.py), and a refused write changes nothing at
all. Every route needs a row (a new page without one fails), and a write method a route has no
row for changes nothing, even for an administrator.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator

from accounts.models import ApiToken
from tests.permission_world import build_world

PERSONAS = [
    "anonymous",
    "owner",
    "teammate",
    "other_owner",
    "reviewer",
    "compliance",
    "auditor",
    "viewer",
    "outsider",
    "admin",
    "ci_token",
]
SIGNED_IN = set(PERSONAS) - {"anonymous", "ci_token"}  # HTML pages ignore bearer tokens
SEES = {
    "owned": {
        "owner",
        "teammate",
        "reviewer",
        "compliance",
        "auditor",
        "viewer",
        "admin",
        "ci_token",
    },  # the viewer: shared read-only
    "foreign": {"other_owner", "compliance", "auditor", "admin"},
}
EDITS = {"owned": {"owner", "teammate", "admin"}, "foreign": {"other_owner", "admin"}}
AUDIT_READERS = {"compliance", "auditor", "admin"}


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}" if p.name else None, prefix + str(p.pattern), p


@pytest.fixture
def world(personas):
    return build_world(personas)


def client_for(persona, personas, world) -> Client:
    client = Client()
    if persona == "ci_token":
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world['token']}"
    elif persona != "anonymous":
        client.force_login(getattr(personas, persona))
    return client


# --- Attest's own pages ---------------------------------------------------------------------
def page_expectations(name: str, persona: str, which: str | None) -> int:
    signed_in = persona in SIGNED_IN
    if name in {
        "healthz",
        "readyz",
        "account_inactive",
        "socialaccount_login_cancelled",
        "approvals:gate-keys",  # the gate decisions' public keys: for anyone (issue 23)
    }:
        return 200
    if name in {"api-schema", "api-docs"}:
        # Red-team finding 8: the schema is for signed-in users and tokens only (unless
        # ATTEST_PUBLIC_API_DOCS); DRF answers 401 (it asks for a bearer token) to anyone else.
        return 401 if persona == "anonymous" else 200
    if name in {"documents:document-request", "documents:request-evidence-pack"}:
        return 405  # POST only, checked before sign-in
    if name == "socialaccount_login_error":
        return 401  # allauth answers its "sign-in failed" page with 401
    if name in {"accounts:logout", "account_logout", "accounts:language", "registry-webhook"}:
        return 405  # sign-out, the language switch and the webhook receiver are POST only
    if name in {"", "account_login", "socialaccount_signup"}:
        return 302  # redirects (no pending SSO sign-up: back to sign-in)
    if name in {"openid_connect_login", "openid_connect_callback"}:
        return 404  # no SSO provider configured in this test
    if name == "accounts:login":
        return 302 if signed_in else 200
    if name in {
        "registries:delivery-retry",
        "registries:secret-add",
        "registries:secret-retire",
        "registries:webhook-register",
        "registries:reconcile",
        "registries:test",
        "registries:toggle",
        "registries:delete",
    }:
        return 405 if signed_in else 302  # POST-only actions, behind sign-in
    if name in {"accounts:token-create", "accounts:token-revoke"}:
        return 405 if signed_in else 302  # POST-only token actions, behind sign-in
    if name in {
        "notifications:webhook-toggle",
        "notifications:webhook-rotate",
        "notifications:webhook-delete",
        "notifications:webhook-redeliver",
        "notifications:channel-toggle",
        "notifications:channel-delete",
        "notifications:message-resend",
    }:
        return 405 if signed_in else 302  # POST-only webhook and channel actions, behind sign-in
    if name in {
        "catalog:team-move-accept",
        "catalog:team-move-decline",
        "catalog:team-move-cancel",
    }:
        return 405 if signed_in else 302  # POST-only answers to a team move, behind sign-in
    if name in {
        "approvals:request-decide",
        "approvals:request-submit",
        "approvals:request-withdraw",
        "approvals:request-revoke",
    }:
        return 405 if signed_in else 302  # POST-only request actions, behind sign-in
    if name == "documents:report-create":
        return 405 if signed_in else 302  # POST-only: generate a portfolio report
    if name in {
        "monitoring:alert-acknowledge",
        "monitoring:alert-resolve",
        "monitoring:threshold-delete",
        "monitoring:review-complete",
    }:
        return 405 if signed_in else 302  # POST-only monitoring actions, behind sign-in
    if not signed_in:
        return 302  # to the sign-in page
    if name == "accounts:token-list":
        return 200  # everyone manages their own API tokens
    if name == "portal:dashboard":
        return 200
    if name == "catalog:model-list":
        return 200
    if name == "catalog:model-detail":
        return 200 if persona in SEES[which] else 404
    if name == "catalog:model-edit":
        if persona not in SEES[which]:
            return 404
        return 200 if persona in EDITS[which] else 403
    if name == "catalog:team-move-create":  # the owning team offers its model to another
        if persona not in SEES[which]:
            return 404
        return 200 if persona in EDITS[which] else 403
    if name == "catalog:team-move-list":
        return 200  # everyone signed in: what is offered to their teams (often nothing)
    if name == "catalog:team-move-detail":  # the owned model's move to the other team
        return 200 if persona in SEES["owned"] | {"other_owner"} else 404  # + receiving team
    if name in {"audit:event-export", "audit:public-key", "audit:event-detail"}:
        return 200 if persona in AUDIT_READERS else 403
    if name == "audit:event-list":
        return 200 if persona in AUDIT_READERS else 403
    if name.startswith("registries:"):
        return 200 if persona == "admin" else 403  # administrators only
    if name == "notifications:subscription-edit":
        return 200  # everyone manages their own notifications
    if name.startswith("notifications:"):
        return 200 if persona == "admin" else 403  # outgoing webhooks: administrators only
    if name in {"risk:assessment-detail", "risk:assessment-revision", "risk:assessment-review"}:
        if persona not in SEES[which]:
            return 404
        return 200 if name == "risk:assessment-detail" or which == "owned" else 404
    if name == "risk:ruleset-change":
        return 200 if persona in {"compliance", "admin"} else 403  # the change report
    if name == "risk:assessment-edit":
        if persona not in SEES[which]:
            return 404
        return 200 if persona in EDITS[which] | {"compliance"} else 403
    if name in {
        "risk:obligation-update",
        "risk:obligation-plan",
        "risk:evidence-add",
        "audit:verify-now",
    }:
        return 405  # POST-only
    if name in {"risk:assessment-confirm", "risk:assessment-return"}:
        return 405  # POST-only
    if name == "risk:evidence-download":
        return 200 if persona in SEES["owned"] else 404
    if name in {
        "risk:model-frameworks",
        "risk:model-soa-export",
        "risk:model-nist-profile-export",
        "documents:model-soa-pdf",
    }:
        return 200 if persona in SEES[which] else 404  # framework coverage follows the model
    if name == "risk:framework-coverage":
        return 200  # the portfolio's coverage: of what the persona may see (often nothing)
    if name == "approvals:my-requests":
        return 200  # everyone signed in: the requests they opened (often none)
    if name == "approvals:requests-pending":
        return 200  # everyone signed in: requests awaiting review among what they may see
    if name == "approvals:inbox":
        return 200  # everyone signed in has an inbox (empty unless they review)
    if name == "approvals:request-detail":
        return 200 if persona in SEES["owned"] else 404  # the request is for the owned model
    if name == "documents:model-card":
        return 200 if persona in SEES[which] else 404  # a version's card follows its model
    if name == "documents:report-list":
        return 200  # everyone signed in may generate reports on what they see
    if name == "monitoring:alert-list":
        return 200  # alerts of every model the persona may see
    if name == "monitoring:incident-open-list":
        return 200  # open incidents of every model the persona may see
    if name in {"monitoring:model-monitoring", "monitoring:incident-list"}:
        return 200 if persona in SEES[which] else 404
    if name in {"monitoring:alert-detail", "monitoring:incident-detail"}:
        return 200 if persona in SEES["owned"] else 404  # they belong to the owned model
    if name == "monitoring:threshold-create":
        if persona not in SEES[which]:
            return 404
        return 200 if persona in EDITS[which] else 403  # the owning team sets thresholds
    if name == "monitoring:threshold-edit":
        if persona not in SEES["owned"]:
            return 404
        return 200 if persona in EDITS["owned"] else 403
    if name == "monitoring:incident-create":
        if persona not in SEES[which]:
            return 404
        return 200 if persona in EDITS[which] | {"compliance"} else 403
    if name == "monitoring:incident-edit":
        if persona not in SEES["owned"]:
            return 404
        return 200 if persona in EDITS["owned"] | {"compliance"} else 403
    if name in {"documents:document-detail", "documents:document-download"}:
        return 200 if persona in SEES["owned"] else 404
    if name == "approvals:request-create":
        if persona not in SEES[which]:
            return 404
        return 200 if persona in EDITS[which] else 403  # the owning team (and admins) request
    if name == "usage:model-usage":
        return 200 if persona in SEES[which] else 404  # usage and cost follow the model
    if name in {
        "usage:budget-set",
        "usage:budget-delete",
        "usage:cost-import",
        "usage:usage-source-set",
    }:
        return 405 if signed_in else 302  # POST-only budget actions, behind sign-in
    if name in {"usage:report", "usage:report-csv", "documents:usage-report-pdf"}:
        return 200  # of the models the persona may see (often none)
    raise AssertionError(f"no expectation for URL {name!r}: add it to the matrix")


def route_values(world) -> dict:
    """A value for every URL parameter of the URL conf (model_id is set per target)."""
    return {
        "slug": "mlflow",
        "source_slug": "mlflow",
        "provider_id": "sso",
        "pk": world["delivery"].pk,
        "secret_id": world["secret"].pk,
        "obligation_id": world["obligation"].pk,
        "evidence_id": world["evidence"].pk,
        "revision": 1,
        "fmt": "jsonl",
        "seq": 1,
        "token_id": ApiToken.objects.get(name="ci").pk,
        "request_id": world["request"].pk,
        "document_id": world["document"].pk,
        "kind": "model_card",
        "version": "1",
        "threshold_id": world["threshold"].pk,
        "alert_id": world["alert"].pk,
        "incident_id": world["incident"].pk,
        "review_id": world["review"].pk,
        "move_id": world["move"].pk,
        "deployment_id": world["deployment"].pk,
        "budget_id": world["budget"].pk,
        "event_id": "00000000-0000-4000-8000-000000000000",
        "endpoint_id": world["webhook_endpoint"].pk,
        "delivery_id": world["webhook_delivery"].pk,
        "channel_id": world["channel"].pk,
        "message_id": world["channel_message"].pk,
    }


def route_urls(world, *, skip=("admin/",)):
    """(key, target, url) for every route but those under ``skip``: once per model (owned,
    foreign) for routes about a model. The key is the URL name (the route for unnamed ones)."""
    values = route_values(world)
    for name, route, pattern in walk(get_resolver().url_patterns):
        if route.startswith(skip):
            continue
        key = name or route
        params = set(pattern.pattern.converters)
        if "model_id" in params:
            for which in ("owned", "foreign"):
                kwargs = {p: values[p] for p in params - {"model_id"}}
                yield key, which, reverse(name, kwargs={**kwargs, "model_id": world[which].pk})
        elif params:
            yield key, None, reverse(name, kwargs={p: values[p] for p in params})
        else:
            yield key, None, "/" + route.replace("^", "").replace("$", "")


def page_urls(world):
    # API routes are covered by the OpenAPI test below, the admin by the admin test.
    return route_urls(world, skip=("admin/", "api/v1/"))


@pytest.mark.django_db
def test_every_page_answers_every_persona_as_expected(personas, world):
    failures = []
    urls = list(page_urls(world))
    assert len(urls) >= 20
    for persona in PERSONAS:
        client = client_for(persona, personas, world)
        for name, which, url in urls:
            expected = page_expectations(name, persona, which)
            got = client.get(url).status_code
            if got != expected:
                failures.append(
                    f"{persona:12} GET {url} ({name}/{which}): {got}, expected {expected}"
                )
    assert not failures, "\n".join(failures)


# --- Django admin ---------------------------------------------------------------------------
# may add; others are read-only
EDITABLE_IN_ADMIN = {"accounts.user", "accounts.team", "accounts.trustedissuer"}


def admin_expectation(name: str, persona: str) -> int:
    view = name.split(":", 1)[1]
    if persona != "admin":
        return 200 if view == "login" else 302  # the admin's sign-in form, or off to it
    if view == "login":
        return 302  # already signed in as staff
    if view == "logout":
        return 405  # POST only
    if view in {"autocomplete"}:
        return 403  # no search parameters given
    if view == "view_on_site":
        return 404  # catalog entries have no public URL
    if view in {"index", "app_list", "password_change", "password_change_done", "jsi18n"}:
        return 200
    label = view.rsplit("_", 1)[0]
    action = view.rsplit("_", 1)[1]
    app_model = label.replace("_", ".", 1)
    if action == "add":
        return 200 if app_model in EDITABLE_IN_ADMIN else 403
    if action == "delete":
        return 403  # nothing is deleted through the admin
    return 200


def admin_urls(world, personas):
    from django.contrib.contenttypes.models import ContentType

    # One object of every registered model (the world holds at least one of each).
    chosen = {
        "accounts.user": personas.owner,
        "accounts.team": personas.team,
        "catalog.modelservice": world["owned"],
        "catalog.modelversion": world["owned"].versions.first(),
    }
    instances = {}
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        instances[label] = chosen.get(label) or model._default_manager.order_by("pk").first()
    missing = sorted(label for label, instance in instances.items() if instance is None)
    assert not missing, f"add one of each to tests/permission_world.py: {missing}"
    for name, _route, pattern in walk(get_resolver().url_patterns):
        if not name or not name.startswith("admin:"):
            continue
        params = set(pattern.pattern.regex.groupindex) | set(
            getattr(pattern.pattern, "converters", {})
        )
        if not params:
            yield name, reverse(name)
        elif params == {"app_label"}:
            for app in sorted({label.split(".")[0] for label in instances}):
                yield name, reverse(name, kwargs={"app_label": app})
        elif "content_type_id" in params:
            ct = ContentType.objects.get_for_model(world["owned"])
            yield (
                name,
                reverse(name, kwargs={"content_type_id": ct.pk, "object_id": world["owned"].pk}),
            )
        elif params == {"id"}:  # the admin's "change password" page of a user
            yield name, reverse(name, kwargs={"id": personas.owner.pk})
        elif "object_id" in params:
            label = name.split(":", 1)[1].rsplit("_", 1)[0]
            model_key = next(k for k in instances if label == k.replace(".", "_"))
            yield name, reverse(name, kwargs={"object_id": instances[model_key].pk})
        else:
            raise AssertionError(f"admin URL {name} has parameters {params}: add them here")


@pytest.mark.django_db
def test_every_admin_page_answers_every_persona_as_expected(personas, world):
    urls = list(admin_urls(world, personas))
    assert len(urls) > 40
    failures = []
    for persona in PERSONAS:
        client = client_for(persona, personas, world)
        for name, url in urls:
            expected = admin_expectation(name, persona)
            got = client.get(url).status_code
            if got != expected:
                failures.append(f"{persona:12} GET {url} ({name}): {got}, expected {expected}")
    assert not failures, "\n".join(failures)


# --- API: every operation in the OpenAPI schema ---------------------------------------------
def api_expectation(path: str, method: str, persona: str, which: str | None) -> int:
    if path == "/api/v1/documents/signing-certificate/":
        return 200  # public: a recipient verifies evidence packs with it
    if persona == "anonymous":
        return 401
    if path == "/api/v1/costs/imports/":  # costs:write; the second line and service accounts
        return 400 if persona in {"compliance", "admin"} else 403  # no file: 400
    if path == "/api/v1/budgets/":  # read: catalog:read; create: costs:write, the second line
        if method == "get":
            return 200
        if persona == "ci_token":
            return 403
        return 400 if persona in {"compliance", "admin"} else 403  # empty body: 400
    if path == "/api/v1/budgets/{budget_id}/":  # the other team's budget
        if method != "get" and persona == "ci_token":
            return 403  # the token lacks costs:write
        if persona == "admin":
            return 404  # the compliance officer, asked before the admin, deleted it
        if persona not in {"other_owner", "compliance", "admin"}:
            return 404  # its team's members and the second line see it
        if method == "get":
            return 200
        if persona == "other_owner":
            return 403
        return 204 if method == "delete" else 400  # PATCH without amount or currency: 400
    if path.startswith("/api/v1/deployments/{deployment_id}/"):  # the owned model's deployment
        if persona == "ci_token" and method == "put":
            return 403  # the token lacks deployments:write
        if persona not in SEES["owned"]:
            return 404
        if method == "put":  # usage source: the owning team; empty body: 400
            return 400 if persona in EDITS["owned"] else 403
        return 200
    if method == "put":  # risk assessment answers: needs the assessments:write scope
        if persona == "ci_token":
            return 403
        if persona not in SEES[which]:
            return 404
        return 400 if persona in EDITS[which] | {"compliance"} else 403  # empty body: 400
    if path in {"/api/v1/deployment-requests/", "/api/v1/deployments/"}:
        return 403 if persona == "ci_token" else 400  # token lacks the scope; empty body: 400
    if path == "/api/v1/gate/":
        return 403 if persona == "ci_token" else 400  # no gate:read; missing parameters: 400
    if path == "/api/v1/deployment-requests/{request_id}/":
        return 200 if persona in SEES["owned"] else 404
    if path == "/api/v1/deployment-requests/{request_id}/decisions/":
        if persona == "ci_token":
            return 403  # tokens never decide
        return 400 if persona in SEES["owned"] else 404  # empty body: 400
    if path == "/api/v1/audit-events/":
        return 200 if persona in AUDIT_READERS else 403  # (the CI token lacks audit:read)
    if path.startswith(("/api/v1/audit-events/{event_id}/", "/api/v1/audit/")):
        if persona not in AUDIT_READERS:
            return 403
        # an unknown event id: 404; consistency without first/second: 400
        return 404 if "{event_id}" in path else 400 if path.endswith("/consistency/") else 200
    if "{obligation_id}" in path:  # evidence upload
        if persona == "ci_token":
            return 403  # the token lacks evidence:write
        if persona not in SEES["owned"]:
            return 404
        return 400 if persona in EDITS["owned"] | {"compliance"} else 403
    if path.startswith("/api/v1/documents/{document_id}/"):
        return 200 if persona in SEES["owned"] else 404  # the CI token has catalog:read
    if path.endswith("/evidence-pack"):  # POST: asks for a pack (catalog:read)
        if "{request_id}" in path:
            return 202 if persona in SEES["owned"] else 404  # the request is the owned model's
        return 202 if persona in SEES[which] else 404
    if path == "/api/v1/reports/portfolio":
        return 202 if method == "post" else 200  # catalog:read; scope is what you may see
    if path.endswith("/technical-documentation"):
        if persona not in SEES[which]:
            return 404
        # POST: neither model is high-risk (400); GET: nothing generated yet (404)
        return 400 if method == "post" else 404
    if path in {"/api/v1/metrics/", "/api/v1/metrics/usage/"}:
        return 403 if persona == "ci_token" else 400  # token lacks metrics:write; empty body
    if path.endswith("/schema/"):  # input schema of a version
        if persona == "ci_token":
            return 403  # the token lacks metrics:write
        if persona not in SEES[which]:
            return 404
        return 400 if persona in EDITS[which] else 403  # the owning team posts; empty body
    if path.endswith("/model-card"):  # Model Card Toolkit JSON by default (catalog:read)
        return 200 if persona in SEES[which] else 404
    if which is None:
        return 200
    if persona not in SEES[which]:
        return 404
    if path.endswith("/risk-assessment/") and which == "foreign":
        return 404  # visible, but not assessed yet
    return 200


@pytest.mark.django_db
def test_every_api_operation_answers_every_persona_as_expected(personas, world):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [(path, method) for path, item in schema["paths"].items() for method in item]
    # Every API route of the URL conf is in the schema, so this test covers all of them.
    api_routes = {
        "/"
        + route.replace("<uuid:model_id>", "{model_id}")
        .replace("<uuid:obligation_id>", "{obligation_id}")
        .replace("<uuid:request_id>", "{request_id}")
        .replace("<uuid:document_id>", "{document_id}")
        .replace("<str:version>", "{version}")
        .replace("<uuid:event_id>", "{event_id}")
        .replace("<uuid:deployment_id>", "{deployment_id}")
        .replace("<uuid:budget_id>", "{budget_id}")
        for _, route, _ in walk(get_resolver().url_patterns)
        if route.startswith("api/v1/")
    }
    assert api_routes == set(schema["paths"])
    failures = []
    for persona in PERSONAS:
        client = client_for(persona, personas, world)
        for path, method in operations:
            targets = (
                [("owned", path), ("foreign", path)] if "{model_id}" in path else [(None, path)]
            )
            for which, template in targets:
                url = template.replace("{model_id}", str(world[which].pk)) if which else template
                url = url.replace("{obligation_id}", str(world["obligation"].pk))
                url = url.replace("{request_id}", str(world["request"].pk))
                url = url.replace("{document_id}", str(world["document"].pk))
                url = url.replace("{version}", "1")
                url = url.replace("{event_id}", "00000000-0000-4000-8000-000000000000")
                url = url.replace("{deployment_id}", str(world["deployment"].pk))
                url = url.replace("{budget_id}", str(world["budget"].pk))
                got = client.generic(
                    method.upper(), url, "{}", content_type="application/json"
                ).status_code
                expected = api_expectation(path, method, persona, which)
                if got != expected:
                    failures.append(
                        f"{persona:12} {method.upper()} {url}: {got}, expected {expected}"
                    )
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(SIGNED_IN | {"ci_token"}))
def test_lists_show_exactly_what_the_persona_may_see(personas, world, persona):
    expected = {world[w].name for w in ("owned", "foreign") if persona in SEES[w]}
    client = client_for(persona, personas, world)
    api = client.get("/api/v1/models/").json()
    assert {m["name"] for m in api["results"]} == expected
    assert api["count"] == len(expected)
    if persona != "ci_token":
        page = client.get(reverse("catalog:model-list"))
        assert {m.name for m in page.context["page"].object_list} == expected
