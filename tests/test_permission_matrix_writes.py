"""S1, writes: every state-changing page, API operation and admin form answers every persona as
the table says and a refused write changes nothing; every route has a row; read-only routes
refuse every write method. The persona world and the read matrix are in
tests/test_permission_matrix.py."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse

from accounts.models import ApiToken
from tests.permission_snapshot import (
    audit_actions_since,
    audit_position,
    changed_tables,
    database_state,
)
from tests.permission_table import AUDITED_REFUSALS, COLUMNS, WRITE_MATRIX
from tests.permission_world import build_world
from tests.permission_writes import SENDS, Cell, Send, encode
from tests.test_permission_matrix import SIGNED_IN, route_urls, walk


@pytest.fixture
def world(personas):
    return build_world(personas)


# --- Writes: every state-changing page, API operation and admin form ----------------------
# The table is tests/permission_table.py (one row per endpoint, one column per persona); the
# request behind each row is in tests/permission_writes.py.


def _rows():
    for name, method, variant, on, cells in WRITE_MATRIX:
        expected = cells.split()
        assert len(expected) == len(COLUMNS), f"{name} {variant}: {len(expected)} cells"
        yield name, method, variant, on, dict(zip(COLUMNS, expected, strict=True))


def _section(name: str) -> str:
    """The URL namespace ("admin" for the Django admin, "root" for names without one)."""
    return name.split(":")[0] if ":" in name else "root"


WRITE_SECTIONS = sorted({_section(name) for name, *_ in WRITE_MATRIX})


def write_client(persona, personas, world) -> tuple[Client, object]:
    """A client for ``persona`` in write cells, and the user it acts as (None: anonymous)."""
    client = Client(raise_request_exception=True)
    if persona in {"ci_token", "ci_bot"}:
        token = world["token"] if persona == "ci_token" else world["writer_token"]
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client, personas.ci_bot
    if persona == "anonymous":
        return client, None
    user = getattr(personas, persona)
    client.force_login(user)
    return client, user


def send_request(client: Client, send: Send):
    if send.method == "GET":
        return client.get(send.url, send.query)
    data, extra = encode(send)
    if send.form is not None:  # a browser form: multipart, as with a file
        return client.post(send.url, data)
    return client.generic(send.method, send.url, data, **extra)


def _to_sign_in(response) -> bool:
    location = response.get("Location", "") if response.status_code == 302 else ""
    return location.split("?")[0] == reverse("accounts:login")


def run_cell(name, method, variant, on, persona, personas, world) -> tuple[str, str]:
    """Send the row's write as ``persona`` in a savepoint rolled back afterwards; return the
    request ("POST /...") and what happened ("403", "ok", ... or why it is neither)."""
    with transaction.atomic():
        client, user = write_client(persona, personas, world)
        send = SENDS[(name, variant)](Cell(world, personas, on, user))
        assert send.method == method, f"{name} {variant}: sends {send.method}, row says {method}"
        before, position = database_state(), audit_position()
        shown = f"{send.method} {send.url}"
        try:
            response = send_request(client, send)
        except Exception as exc:  # a 500: show what the server raised
            transaction.set_rollback(True)
            return shown, f"500 ({type(exc).__name__}: {exc})"
        changed = changed_tables(before, database_state())
        events = audit_actions_since(position)
        transaction.set_rollback(True)
    status = response.status_code
    if 200 <= status < 400 and events:  # every write that succeeds is audited (STYLE.md)
        outcome = "ok"
    elif _to_sign_in(response):
        outcome = "in"
    else:
        outcome = str(status)
    refusal_audit = AUDITED_REFUSALS.get(name, set())
    if outcome != "ok" and (changed or not set(events) <= refusal_audit):
        outcome += f" but wrote {changed} {events}"
    return shown, outcome


@pytest.mark.django_db
@pytest.mark.parametrize("section", WRITE_SECTIONS)
def test_every_write_answers_every_persona_as_expected(personas, world, section):
    failures = []
    for name, method, variant, on, expected in _rows():
        if _section(name) != section:
            continue
        for persona, want in expected.items():
            shown, got = run_cell(name, method, variant, on, persona, personas, world)
            if got != want:
                failures.append(
                    f"{persona:12} {shown} ({name} {variant} {on or ''}): {got}, expected {want}"
                )
    assert not failures, "\n".join(failures)


# --- Every route has its row ------------------------------------------------------------------
# Routes that change nothing: their GET rows are in the page and API matrices above, and
# test_read_routes_refuse_every_write_method checks POST/PUT/PATCH/DELETE change nothing there.
READ_ONLY_ROUTES = {
    "", "healthz", "readyz", "api-schema", "api-docs", "account_login", "portal:dashboard",
    "approvals:gate-keys",
    "accounts:token-list",
    "catalog:model-list", "catalog:model-detail", "catalog:team-move-list",
    "catalog:team-move-detail",
    "audit:event-list", "audit:event-export", "audit:public-key", "audit:event-detail",
    "risk:assessment-detail", "risk:assessment-revision", "risk:assessment-review",
    "risk:evidence-download",
    "risk:model-frameworks", "risk:model-soa-export", "risk:model-nist-profile-export",
    "risk:framework-coverage", "documents:model-soa-pdf",
    "approvals:inbox", "approvals:my-requests", "approvals:requests-pending",
    "approvals:request-detail",
    "documents:document-detail", "documents:document-download", "documents:model-card",
    "documents:report-list",
    "monitoring:model-monitoring", "monitoring:alert-list", "monitoring:alert-detail",
    "monitoring:incident-list", "monitoring:incident-detail", "monitoring:incident-open-list",
    "usage:model-usage", "usage-api:usage-list", "usage-api:usage-cost-report",
    "usage:report", "usage:report-csv", "documents:usage-report-pdf",
    "registries:list", "registries:inbox", "registries:detail",
    "notifications:webhook-list", "notifications:webhook-detail", "notifications:channel-detail",
    "catalog-api:model-list", "catalog-api:model-detail", "catalog-api:model-versions",
    "risk-api:obligations", "approvals-api:deployment-request-detail",
    "documents-api:document-detail", "documents-api:document-download", "documents-api:model-card",
    "documents-api:signing-certificate",
    "audit-api:event-list", "audit-api:event-detail", "audit-api:event-proof",
    "audit-api:consistency", "audit-api:tree-heads", "audit-api:public-key",
}  # fmt: skip
# allauth's own SSO steps: no Attest object behind them and no persona difference (without a
# pending SSO sign-in they answer the same to everyone; the GET matrix pins those answers). The
# OIDC flow itself is tested end to end against a real identity provider (tests/accounts,
# tests/browser). They are still swept for write methods below.
ALLAUTH_ROUTES = {
    "account_inactive": "allauth's 'account inactive' page: static text",
    "socialaccount_login_cancelled": "allauth's 'sign-in cancelled' page: static text",
    "socialaccount_login_error": "allauth's 'sign-in failed' page: static text",
    "socialaccount_signup": "allauth's SSO sign-up step: needs a pending SSO sign-in",
    "openid_connect_login": "the OIDC redirect to the identity provider",
    "openid_connect_callback": "the identity provider's answer (state and code checked)",
}


def route_keys() -> set[str]:
    """Every route's key (URL name, or the route when unnamed) but the Django admin's, which
    the admin test above walks."""
    return {
        name or route
        for name, route, _pattern in walk(get_resolver().url_patterns)
        if not route.startswith("admin/")
    }


def test_every_route_has_a_row_in_the_matrix():
    routes = route_keys()
    writes = {name for name, *_ in WRITE_MATRIX if not name.startswith("admin:")}
    declared = writes | READ_ONLY_ROUTES | set(ALLAUTH_ROUTES)
    assert not routes - declared, f"routes without a row: {sorted(routes - declared)}"
    assert not declared - routes, f"rows for routes that are gone: {sorted(declared - routes)}"
    assert not writes & READ_ONLY_ROUTES, sorted(writes & READ_ONLY_ROUTES)
    assert set(SENDS) == {(name, variant) for name, _method, variant, *_ in WRITE_MATRIX}


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Read-only pages without a method restriction: any method renders the page as GET does (it
# changes nothing, which the sweep checks). Any other route refuses write methods with 405,
# or redirects / answers 404 as it does for GET (REDIRECTS_OR_404).
ANSWER_ANY_METHOD_AS_GET = READ_ONLY_ROUTES - {
    "", "healthz", "readyz", "api-schema", "api-docs", "account_login",
} - {name for name in READ_ONLY_ROUTES if "-api:" in name}  # fmt: skip
REDIRECTS_OR_404 = {
    "": 302,  # to the dashboard
    "account_login": 302,  # to the sign-in page
    "accounts:login": 302,  # signed in already: to the dashboard
    "socialaccount_signup": 302,  # no pending SSO sign-in: back to sign-in
    "openid_connect_login": 404,  # no SSO provider configured in this test
    "openid_connect_callback": 404,
    "risk:assessment-revision": 404,  # the foreign model has no revision 1
    "risk:assessment-review": 404,
}


@pytest.mark.django_db
def test_read_routes_refuse_every_write_method(personas, world):
    """Every write method a route has no row for changes nothing, even for an administrator
    (a superuser: the persona allowed the most), and is refused with 405 where the view
    restricts methods."""
    row_methods: dict[str, set[str]] = {}
    for name, method, *_ in WRITE_MATRIX:
        row_methods.setdefault(name, set()).add(method)
    failures = []
    for key, which, url in route_urls(world):
        for method in sorted(set(WRITE_METHODS) - row_methods.get(key, set())):
            allowed = {405, REDIRECTS_OR_404.get(key, 405)}
            if key in ANSWER_ANY_METHOD_AS_GET:
                allowed.add(200)
            with transaction.atomic():
                client, _ = write_client("admin", personas, world)
                before, position = database_state(), audit_position()
                try:
                    got = client.generic(method, url, "", content_type="application/json")
                    status = got.status_code
                except Exception as exc:  # a 500: show what the server raised
                    status = f"500 ({type(exc).__name__}: {exc})"
                changed = changed_tables(before, database_state())
                events = audit_actions_since(position)
                transaction.set_rollback(True)
            if changed or events or status not in allowed:
                failures.append(
                    f"{method} {url} ({key} {which or ''}): {status}, expected one of "
                    f"{sorted(allowed)}{f'; wrote {changed} {events}' if changed or events else ''}"
                )
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(SIGNED_IN))
def test_only_admins_issue_tokens_for_a_service_account(personas, client_for, persona):
    """The token form names whose token it is for administrators only; anyone else who posts
    ``user`` gets a token of their own, never one for the CI bot."""
    user = getattr(personas, persona)
    response = client_for(user).post(
        reverse("accounts:token-create"),
        {
            "name": "for ci",
            "scopes": ["gate:read"],
            "expires_in_days": 5,
            "user": personas.ci_bot.pk,
        },
    )
    assert response.status_code == 200
    owner = ApiToken.objects.get(name="for ci").user
    assert owner == (personas.ci_bot if persona == "admin" else user)
