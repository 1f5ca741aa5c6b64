from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services, tokens
from accounts.models import ApiToken
from audit.models import AuditEvent

LIST = "/api/v1/models/"


def get_with(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(LIST)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "attest",
        "attest__x",
        "other_0123456789ab_secret",
        "attest_short_secret",
        "attest_0123456789ab_",
        "a_b_c_d",
    ],
)
def test_parse_rejects_foreign_shapes(raw):
    assert tokens.parse(raw) is None


def test_generate_round_trips_and_secret_is_long():
    key_id, secret, token = tokens.generate()
    assert tokens.parse(token) == (key_id, secret)
    assert len(secret) >= 40  # 256 bits, URL-safe base64
    assert tokens.secrets_match(secret, tokens.hash_secret(secret, "pepper"), "pepper")
    assert not tokens.secrets_match(secret, tokens.hash_secret(secret, "pepper"), "other")


@pytest.mark.django_db
def test_token_is_stored_only_as_hmac_and_creation_is_audited(personas):
    token, raw = services.api_token_create(
        actor=personas.admin,
        user=personas.ci_bot,
        name="ci",
        scopes=["catalog:read"],
        expires_in_days=30,
    )
    assert raw.split("_")[2] not in token.secret_hash
    event = AuditEvent.objects.get(action="accounts.token_created")
    assert event.target_id == str(token.pk)
    assert raw not in str(event.after) and raw.split("_")[2] not in str(event.after)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["root"]}, "scopes"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 10_000}, "expires_in_days"),
    ],
)
def test_token_creation_rules(personas, kwargs, field):
    args = {"scopes": ["catalog:read"], "expires_in_days": 30, **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.api_token_create(actor=None, user=personas.ci_bot, name="x", **args)
    assert field in exc.value.message_dict
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_valid_token_authenticates(api_token):
    assert get_with(api_token()).status_code == 200


@pytest.mark.django_db
def test_wrong_secret_expired_revoked_and_inactive_tokens_are_401(personas, api_token):
    raw = api_token()
    prefix, key_id, secret = raw.split("_")
    assert get_with(f"{prefix}_{key_id}_{secret[:-1]}x").status_code == 401
    assert get_with("attest_000000000000_nope").status_code == 401

    token = ApiToken.objects.get(key_id=key_id)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert get_with(raw).status_code == 401

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert get_with(raw).status_code == 200
    services.api_token_revoke(actor=personas.admin, token=token)
    assert get_with(raw).status_code == 401
    assert AuditEvent.objects.filter(action="accounts.token_revoked").count() == 1

    other = api_token()
    personas.ci_bot.is_active = False
    personas.ci_bot.save()
    assert get_with(other).status_code == 401


@pytest.mark.django_db
def test_malformed_authorization_header_is_401(api_token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer a b")
    assert client.get(LIST).status_code == 401


@pytest.mark.django_db
def test_create_api_token_command_prints_token_alone_on_last_line(personas):
    out = StringIO()
    call_command(
        "create_api_token",
        "ci-bot",
        "--scope",
        "catalog:read",
        "--scope",
        "gate:read",
        "--expires-days",
        "7",
        stdout=out,
    )
    last = out.getvalue().strip().splitlines()[-1]
    assert tokens.parse(last) is not None
    assert get_with(last).status_code == 200
    token = ApiToken.objects.get()
    assert token.scopes == ["catalog:read", "gate:read"]
    assert AuditEvent.objects.get(action="accounts.token_created").source == "cli"


@pytest.mark.django_db
def test_create_api_token_command_fails_with_one_line_reason(personas):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "ghost", "--scope", "catalog:read", "--expires-days", "7")
    with pytest.raises(CommandError, match="between 1 and"):
        call_command("create_api_token", "ci-bot", "--scope", "catalog:read", "--expires-days", "0")
