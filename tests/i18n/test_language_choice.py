"""The header's language switch: it keeps you on the page, stores the choice on the person
(audited), and the choice holds after signing out and in, on another browser too. Signed out,
Accept-Language decides until the switch is used."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
COOKIE = settings.LANGUAGE_COOKIE_NAME


def _lang(response) -> str:
    page = response.content.decode()
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def _switch(client, language: str, next_url: str):
    return client.post(reverse("accounts:language"), {"language": language, "next": next_url})


def test_switching_keeps_the_page_and_is_stored_and_audited(personas, client_for):
    client = client_for(personas.owner)
    page = reverse("approvals:my-requests") + "?page=1"
    assert _lang(client.get(page)) == "en"
    response = _switch(client, "de", page)
    assert response.status_code == 302 and response["Location"] == page
    german = client.get(response["Location"])
    assert _lang(german) == "de" and "Meine Anträge" in german.content.decode()
    personas.owner.refresh_from_db()
    assert personas.owner.language == "de"
    event = AuditEvent.objects.get(action="accounts.language_changed")
    assert (event.before, event.after) == ({"language": ""}, {"language": "de"})
    assert event.target_id == str(personas.owner.pk)
    # Back to English: stored and audited again; the same choice twice records nothing more.
    _switch(client, "en", page)
    _switch(client, "en", page)
    assert _lang(client.get(page)) == "en"
    assert AuditEvent.objects.filter(action="accounts.language_changed").count() == 2


def test_the_choice_survives_signing_out_and_in_on_another_browser(personas):
    browser = Client()
    assert browser.login(username="reviewer", password=PASSWORD)
    _switch(browser, "de", reverse("approvals:inbox"))
    browser.post(reverse("accounts:logout"))
    # Signed out: the cookie keeps the sign-in page German.
    assert _lang(browser.get(reverse("accounts:login"))) == "de"
    # Another browser that asks for English: after signing in, the stored choice wins, and
    # the sign-in response sets the cookie so the next sign-in page is German too.
    other = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en")
    assert _lang(other.get(reverse("accounts:login"))) == "en"
    response = other.post(reverse("accounts:login"), {"username": "reviewer", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "de"
    assert _lang(other.get(reverse("approvals:inbox"))) == "de"
    other.post(reverse("accounts:logout"))
    assert _lang(other.get(reverse("accounts:login"))) == "de"


def test_signed_out_pages_follow_accept_language_and_the_switch(personas):
    browser = Client(HTTP_ACCEPT_LANGUAGE="de-AT,de;q=0.9")
    sign_in = reverse("accounts:login")
    page = browser.get(sign_in)
    assert _lang(page) == "de" and "Bei Attest anmelden" in page.content.decode()
    response = _switch(browser, "en", sign_in)
    assert response.status_code == 302 and response["Location"] == sign_in
    assert _lang(browser.get(sign_in)) == "en"  # the switch beats Accept-Language
    assert not AuditEvent.objects.filter(action="accounts.language_changed").exists()
    # Signing in after choosing on the sign-in page stores that choice on the person.
    browser.post(sign_in, {"username": "auditor", "password": PASSWORD})
    personas.auditor.refresh_from_db()
    assert personas.auditor.language == "en"


def test_an_unknown_language_or_a_foreign_next_changes_nothing(personas, client_for):
    client = client_for(personas.owner)
    response = _switch(client, "fr", "/requests/mine/")
    assert response.status_code == 302
    personas.owner.refresh_from_db()
    assert personas.owner.language == ""
    assert COOKIE not in response.cookies
    response = _switch(client, "de", "https://evil.example/phish")
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_the_switch_is_post_only(client):
    assert client.get(reverse("accounts:language")).status_code == 405


def test_the_header_switch_posts_the_current_page(personas, client_for):
    page = client_for(personas.owner).get("/requests/mine/?page=1").content.decode()
    form = page.split('class="langswitch"', 1)[1].split("</form>", 1)[0]
    assert f'action="{reverse("accounts:language")}"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert 'name="next" value="/requests/mine/?page=1"' in form
    assert 'value="de" lang="de"' in form and 'aria-pressed="true"' in form


def test_an_administrator_sets_a_persons_language_in_the_admin_audited(personas, client_for):
    personas.admin.is_staff = True
    personas.admin.save()
    response = client_for(personas.admin).post(
        reverse("admin:accounts_user_change", args=[personas.viewer.pk]),
        {
            "username": "viewer",
            "email": "v@example.com",
            "is_active": "on",
            "interface_language": "de",
            "roles": ["viewer"],
            "teams": [],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    personas.viewer.refresh_from_db()
    assert personas.viewer.language == "de"
    event = AuditEvent.objects.get(action="accounts.language_changed")
    assert event.actor_id == personas.admin.pk and event.target_id == str(personas.viewer.pk)
