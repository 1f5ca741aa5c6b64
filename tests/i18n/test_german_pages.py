"""Every page of the sign-in, tokens, dashboard, approvals and audit areas, rendered in German
(Accept-Language: de, as a browser set to German sends it), shows no English UI text."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import loader
from django.urls import reverse
from django.utils import translation

from accounts.models import ApiToken
from approvals import services
from approvals.models import DeploymentRequest
from audit.actions import target_type_label
from audit.models import AuditEvent
from audit.sequencer import seal_pending
from catalog.models import ModelService, ModelVersion
from risk.models import Obligation, RiskAssessment
from tests.approvals.approval_helpers import assessed_model
from tests.i18n.english import context_of, english_words

pytestmark = pytest.mark.django_db
OTHERS = (ModelService, ModelVersion, RiskAssessment, Obligation)
GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9,en;q=0.5"}


def test_the_detector_finds_english_and_passes_german():
    assert english_words("<p>Approve the <b>request</b></p>") == ["Approve", "request", "the"]
    assert english_words('<button aria-label="Sign out">x</button>') == ["Sign", "out"]
    assert english_words("<p>Antrag freigeben</p><code>the code</code>") == []
    assert english_words("<p>the credit-model</p>", data=["the credit-model"]) == []


def _data(personas) -> list[str]:
    """What the pages show from the database and the rule set: not UI text. Rule-set text
    (obligation titles, reasons) is translated with the rule sets; the labels of the risk and
    catalog apps' choices (risk tier, obligation and version status) with those apps."""
    data = [u.username for u in personas.__dict__.values() if hasattr(u, "username")]
    data += [t.name for t in (personas.team, personas.other_team)]
    data += list(ModelService.objects.values_list("name", flat=True))
    # Choice labels are lazy (translatable): the page shows them as text.
    data += [str(label) for label in (*ModelService.RiskTier.labels, *Obligation.Status.labels)]
    data += [str(label) for label in ModelVersion.Status.labels]
    data += ["Minimal", "Limited", "High", "Prohibited"]
    for title, article in Obligation.objects.values_list("title", "article"):
        data += [title, article]
    for result in RiskAssessment.objects.values_list("result", flat=True):
        for reason in (result or {}).get("reasons", []) + [(result or {}).get("decided_by")]:
            if reason:
                data += [reason.get("text", ""), reason.get("article", "")]
    data += list(DeploymentRequest.objects.values_list("justification", flat=True))
    data += list(ApiToken.objects.values_list("name", flat=True))
    data += list(AuditEvent.objects.values_list("target_label", flat=True))
    for model in ModelService.objects.all():
        data += [model.description, model.intended_use, model.out_of_scope_use, model.limitations]
        data += [model.training_data]
    for event in AuditEvent.objects.all():  # codes, field names and values recorded
        data += [event.action, *event.changed_fields]
        for values in (event.before or {}, event.after or {}):
            data += [str(k) for k in values] + [str(v) for v in values.values()]
    data += list(ApiToken.Scope.values)
    # Object types of the catalog and risk apps, named (and translated) by those apps.
    data += [target_type_label(f"{m._meta.app_label}.{m._meta.model_name}") for m in OTHERS]
    data += ["credit-scoring", "production", "staging", "Test set-up."]
    return data


def _assert_german(page: str, personas, where: str) -> None:
    assert 'lang="de"' in page, f"{where}: not rendered in German"
    found = english_words(page, _data(personas))
    where_found = "\n".join(f"  {w}: …{context_of(page, w)}…" for w in found)
    assert not found, f"{where}: English words {found}\n{where_found}"


@pytest.fixture
def world(personas):
    model = assessed_model(personas, "high", name="retail-credit-pd", versions=("1", "2"))
    version = model.versions.get(version="2")
    submitted = services.deployment_request_create(
        actor=personas.owner,
        model_version=version,
        environment="production",
        justification="Retrained on 2025 data.",
        metrics={"auc": 0.83},
    )
    draft = services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="staging",
        justification="Staging first.",
        submit=False,
    )
    return {"model": model, "submitted": submitted, "draft": draft}


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("owner", lambda w: reverse("portal:dashboard")),
        ("owner", lambda w: reverse("accounts:token-list")),
        ("admin", lambda w: reverse("accounts:token-list")),
        ("owner", lambda w: reverse("approvals:my-requests")),
        ("owner", lambda w: reverse("approvals:request-create", args=[w["model"].pk])),
        ("owner", lambda w: reverse("approvals:request-detail", args=[w["draft"].pk])),
        ("owner", lambda w: reverse("approvals:request-detail", args=[w["submitted"].pk])),
        ("reviewer", lambda w: reverse("approvals:inbox")),
        ("reviewer", lambda w: reverse("approvals:request-detail", args=[w["submitted"].pk])),
        ("compliance", lambda w: reverse("approvals:request-detail", args=[w["submitted"].pk])),
        ("auditor", lambda w: reverse("audit:event-list")),
        ("auditor", lambda w: reverse("audit:event-detail", args=[1])),
        ("reviewer", lambda w: reverse("audit:event-list")),  # 403 page
        ("owner", lambda w: "/no-such-page/"),  # 404 page
    ],
)
def test_signed_in_pages_in_german(personas, client_for, world, persona, url):
    seal_pending()  # event #1 for its detail page
    address = url(world)
    response = client_for(getattr(personas, persona)).get(address, **GERMAN)
    assert response.status_code in (200, 403, 404), (address, response.status_code)
    _assert_german(response.content.decode(), personas, f"{persona} {address}")


@pytest.mark.parametrize(
    "name", ["accounts:login", "account_inactive", "socialaccount_login_cancelled"]
)
def test_signed_out_pages_in_german(personas, client, name):
    response = client.get(reverse(name), **GERMAN)
    assert response.status_code == 200
    _assert_german(response.content.decode(), personas, name)


def test_failed_sign_in_says_so_in_german(personas, client):
    page = client.post(
        reverse("accounts:login"), {"username": "owner", "password": "wrong"}, **GERMAN
    ).content.decode()
    assert "Benutzernamen" in page or "Passwort" in page  # Django's own message, in German
    _assert_german(page, personas, "failed sign-in")


def test_token_created_page_in_german(personas, client_for):
    response = client_for(personas.owner).post(
        reverse("accounts:token-create"),
        {"name": "ci", "scopes": ["catalog:read"], "expires_in_days": 30},
        **GERMAN,
    )
    assert response.status_code == 200
    _assert_german(response.content.decode(), personas, "token created")


@pytest.mark.parametrize(
    ("template", "context"),
    [
        ("429.html", {"retry_after": 30}),
        ("500.html", {}),
        ("refused.html", {"status": 409, "detail": ""}),
        ("socialaccount/authentication_error.html", {}),
        ("socialaccount/login.html", {"provider": {"name": "Keycloak"}}),
    ],
)
def test_error_and_sso_pages_in_german(personas, rf, template, context):
    request = rf.get("/")
    request.user = AnonymousUser()
    with translation.override("de"):
        page = loader.render_to_string(template, context, request=request)
    _assert_german(page, personas, template)
