"""The API token settings page: create (shown once), list, revoke."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST = reverse("accounts:token-list")
CREATE = reverse("accounts:token-create")
TOKEN_RE = re.compile(r"attest_[0-9a-f]{12}_[A-Za-z0-9-]+")


def create(client, **overrides):
    data = {"name": "GitHub Actions", "scopes": ["catalog:read"], "expires_in_days": "30"}
    data.update(overrides)
    return client.post(CREATE, data)


def shown_token(response) -> str:
    return TOKEN_RE.search(response.content.decode()).group(0)


def make_token(user, name="ci"):
    token, _ = services.api_token_create(
        actor=None, user=user, name=name, scopes=["catalog:read"], expires_in_days=5
    )
    return token


def test_created_token_is_shown_once_and_only_its_hmac_is_stored(personas, client_for):
    client = client_for(personas.owner)
    response = create(client, scopes=["catalog:read", "gate:read"])
    assert response.status_code == 200
    assert "will not be shown again" in response.content.decode()
    raw = shown_token(response)
    secret = raw.split("_")[2]
    token = ApiToken.objects.get()
    assert token.user == personas.owner
    assert token.scopes == ["catalog:read", "gate:read"]
    assert raw.startswith(f"attest_{token.key_id}_")
    for field in ApiToken._meta.concrete_fields:
        assert secret not in str(getattr(token, field.attname)), field.name
    # Nowhere to be found again: not in the URL, the session, the messages or the list page.
    assert secret not in response.request["PATH_INFO"]
    assert all(secret not in str(v) for v in client.session.values())
    listing = client.get(LIST)
    assert listing.status_code == 200
    body = listing.content.decode()
    assert secret not in body
    assert f"attest_{token.key_id}_…" in body
    assert "GitHub Actions" in body


def test_shown_once_page_is_not_stored_by_caches(personas, client_for):
    response = create(client_for(personas.owner))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_token_created_on_the_page_authenticates_against_the_api(personas, client_for, owned_model):
    raw = shown_token(create(client_for(personas.owner)))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    answer = api.get("/api/v1/models/")
    assert answer.status_code == 200
    assert [m["name"] for m in answer.json()["results"]] == [owned_model.name]
    event = AuditEvent.objects.get(action="accounts.token_created")
    assert event.actor_id == personas.owner.pk
    assert event.source == "web"
    assert raw.split("_")[2] not in str(event.after)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"scopes": []}, "scopes", "Choose at least one scope."),
        ({"scopes": ["root"]}, "scopes", "not one of the available choices"),
        ({"expires_in_days": "366"}, "expires_in_days", "between 1 and 365 days"),
        ({"expires_in_days": "0"}, "expires_in_days", "between 1 and 365 days"),
        ({"expires_in_days": ""}, "expires_in_days", "between 1 and 365 days"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_bad_input_is_shown_inline_and_creates_nothing(
    personas, client_for, settings, overrides, field, message
):
    settings.ATTEST_TOKEN_MAX_DAYS = 365
    response = create(client_for(personas.owner), **overrides)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert not TOKEN_RE.search(response.content.decode())
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="accounts.token_created").exists()


def test_expiry_limit_follows_the_setting(personas, client_for, settings):
    settings.ATTEST_TOKEN_MAX_DAYS = 30
    client = client_for(personas.owner)
    assert create(client, expires_in_days="31").status_code == 400
    assert 'max="30"' in client.get(LIST).content.decode()
    assert create(client, expires_in_days="30").status_code == 200


def test_default_expiry_is_ninety_days_and_scopes_are_labelled(personas, client_for):
    body = client_for(personas.owner).get(LIST).content.decode()
    assert 'name="expires_in_days" value="90"' in body
    for scope in ApiToken.Scope:
        assert f'value="{scope.value}"' in body and str(scope.label) in body


def test_list_shows_own_tokens_with_expired_and_revoked_states(personas, client_for):
    mine = make_token(personas.owner, name="mine")
    revoked = make_token(personas.owner, name="old-one")
    services.api_token_revoke(actor=personas.owner, token=revoked)
    ApiToken.objects.filter(pk=mine.pk).update(expires_at="2020-01-01T00:00:00Z")
    make_token(personas.ci_bot, name="bot-token")
    make_token(personas.teammate, name="teammates-token")
    response = client_for(personas.owner).get(LIST)
    assert {t.name for t in response.context["tokens"]} == {"mine", "old-one"}
    body = response.content.decode()
    assert "Expired" in body and "Revoked" in body
    assert "bot-token" not in body and "teammates-token" not in body


def test_revoking_own_token_works_and_is_audited(personas, client_for):
    client = client_for(personas.owner)
    raw = shown_token(create(client))
    token = ApiToken.objects.get()
    response = client.post(reverse("accounts:token-revoke", args=[token.pk]), follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="accounts.token_revoked")
    assert event.target_id == str(token.pk)
    assert event.actor_id == personas.owner.pk
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/models/").status_code == 401


def test_revoking_another_users_token_is_a_404(personas, client_for):
    theirs = make_token(personas.teammate)
    response = client_for(personas.owner).post(reverse("accounts:token-revoke", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert not AuditEvent.objects.filter(action="accounts.token_revoked").exists()


def test_admin_may_revoke_any_token(personas, client_for):
    theirs = make_token(personas.teammate)
    response = client_for(personas.admin).post(reverse("accounts:token-revoke", args=[theirs.pk]))
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None
    assert AuditEvent.objects.get(action="accounts.token_revoked").target_id == str(theirs.pk)


def test_admin_issues_a_token_for_a_service_account(personas, client_for):
    client = client_for(personas.admin)
    choices = {str(u) for u in client.get(LIST).context["form"].fields["user"].queryset}
    assert choices == {str(personas.admin), str(personas.ci_bot)}
    response = create(client, user=str(personas.ci_bot.pk))
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.user == personas.ci_bot
    event = AuditEvent.objects.get(action="accounts.token_created")
    assert event.after["user"] == "ci-bot"
    assert token in client.get(LIST).context["tokens"]  # administrators see the bot's tokens


def test_admin_cannot_issue_a_token_for_a_person(personas, client_for):
    response = create(client_for(personas.admin), user=str(personas.owner.pk))
    assert response.status_code == 400
    assert "user" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_non_admin_cannot_issue_a_token_for_someone_else(personas, client_for):
    response = create(client_for(personas.owner), user=str(personas.ci_bot.pk))
    assert response.status_code == 200  # the field does not exist for them: ignored
    assert ApiToken.objects.get().user == personas.owner


def test_anonymous_is_sent_to_sign_in(client_for):
    client = client_for(None)
    for response in (client.get(LIST), create(client)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not ApiToken.objects.exists()


def test_create_and_revoke_need_csrf(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.owner)
    assert create(client).status_code == 403
    token = make_token(personas.owner)
    assert client.post(reverse("accounts:token-revoke", args=[token.pk])).status_code == 403
    assert ApiToken.objects.count() == 1


def test_creating_and_revoking_never_logs_the_token(personas, client_for, caplog):
    caplog.set_level("DEBUG")
    client = client_for(personas.owner)
    secret = shown_token(create(client)).split("_")[2]
    client.post(reverse("accounts:token-revoke", args=[ApiToken.objects.get().pk]))
    assert secret not in caplog.text


def test_sending_the_same_form_twice_issues_one_token(personas, client_for):
    """A reload of the shown-once page re-sends the POST: the second one must not issue a token
    the person never sees."""
    client = client_for(personas.owner)
    key = client.get(LIST).context["form"].initial["submission_key"]
    first = create(client, submission_key=key)
    assert TOKEN_RE.search(first.content.decode())
    again = create(client, submission_key=key)
    assert again.status_code == 302 and again["Location"] == LIST
    assert "already sent" in client.get(LIST).content.decode()
    assert ApiToken.objects.count() == 1
    assert AuditEvent.objects.filter(action="accounts.token_created").count() == 1
    # A freshly rendered form has a new key and works.
    fresh = client.get(LIST).context["form"].initial["submission_key"]
    assert fresh != key and TOKEN_RE.search(create(client, submission_key=fresh).content.decode())
    assert ApiToken.objects.count() == 2
