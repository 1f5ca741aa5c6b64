"""Sentences people read outside the pages (issue 21): management-command output and errors,
404 answers and registry payload errors go through gettext, so that a German catalogue words
them.

Checked with a pseudo-language rather than German: every gettext call answers ``⟦msgid⟧`` (the
placeholders still filled in), so a sentence built without gettext shows up unbracketed,
whatever the catalogue holds. (The German wording of these sentences is in the catalogue; this
test asserts only that they are looked up there.)"""

from __future__ import annotations

import json
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.http import Http404
from django.utils import translation

from catalog import selectors as catalog_selectors
from catalog.registries import azureml, mlflow, push
from catalog.registries.base import PayloadError


@pytest.fixture
def pseudo(monkeypatch):
    monkeypatch.setattr(translation._trans, "gettext", lambda message: f"⟦{message}⟧")


def _bracketed(text: str) -> bool:
    return text.strip().startswith("⟦") and "⟧" in text


def _command_error(*args) -> str:
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=StringIO(), stderr=StringIO())
    return str(caught.value)


@pytest.mark.django_db
def test_account_commands_speak_through_gettext(pseudo, personas):
    assert _bracketed(
        _command_error(
            "create_api_token", "ghost", "--scope", "catalog:read", "--expires-days", "7"
        )
    )
    out = StringIO()
    call_command(
        "create_api_token", "ci-bot", "--scope", "catalog:read", "--expires-days", "7", stdout=out
    )
    first, _token = out.getvalue().strip().splitlines()
    assert _bracketed(first) and "ci-bot" in first
    common = ("--issuer", "https://token.actions.githubusercontent.com", "--audience", "attest")
    args = ("--scope", "gate:read")
    assert _bracketed(
        _command_error(
            "add_trusted_issuer", *common, "--service-account", "ci-bot", "--claim", "x", *args
        )
    )
    assert _bracketed(
        _command_error(
            "add_trusted_issuer", *common, "--service-account", "ghost", "--claim", "a=b", *args
        )
    )


@pytest.mark.django_db
def test_audit_commands_speak_through_gettext(pseudo, monkeypatch):
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert _bracketed(out.getvalue()) and "Audit trail intact" in out.getvalue()
    monkeypatch.delenv("H7_UNSET_PASSWORD", raising=False)
    assert _bracketed(
        _command_error(
            "db_roles_sql", "--app-role", "attest_app", "--password-env", "H7_UNSET_PASSWORD"
        )
    )


@pytest.mark.django_db
def test_not_found_answers_speak_through_gettext(pseudo, personas):
    with pytest.raises(Http404) as caught:
        catalog_selectors.model_service_get(user=personas.owner, model_id=uuid.uuid4())
    assert _bracketed(str(caught.value))


@pytest.mark.parametrize(
    ("parse", "body"),
    [
        (mlflow.parse_event, b"[]"),
        (mlflow.parse_event, b'{"entity": "model_version", "action": "created", "data": {}}'),
        (push.parse_event, b"[]"),
        (push.parse_event, json.dumps({"type": "model.created", "surprise": 1}).encode()),
        (azureml.parse_event, b'"hello"'),
    ],
)
def test_registry_payload_errors_speak_through_gettext(pseudo, parse, body):
    with pytest.raises(PayloadError) as caught:
        parse(body)
    assert _bracketed(str(caught.value)), str(caught.value)
