"""Users, teams and signed-in HTTP sessions shared by the gate, audit and documents scenarios.

Everything goes through the account services (so set-up is audited as in production) and is
get-or-create, because the scenarios share one database and may run in any combination.
"""

from __future__ import annotations

from importlib import import_module

import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from accounts import services as account_services
from accounts.models import Team, User


def team(slug: str, name: str) -> Team:
    existing = Team.objects.filter(slug=slug).first()
    return existing or account_services.team_create(actor=None, name=name, slug=slug)


def user(username: str, *, role: str | None = None, service_account: bool = False) -> User:
    """A user holding ``role`` (a ``Role`` value), created on first use."""
    person = User.objects.filter(username=username).first()
    if person is None:
        person = User.objects.create_user(username, is_service_account=service_account)
    if role:
        account_services.user_role_grant(actor=None, user=person, role=role)
    return person


def member(team_: Team, person: User) -> User:
    account_services.team_member_add(actor=None, team=team_, user=person)
    return person


def signed_in_session(person: User) -> requests.Session:
    """A ``requests.Session`` carrying a Django session cookie for ``person``: what the sign-in
    form leaves behind, written straight into the session store (as the test client's
    ``force_login`` does), so the measurement never depends on the sign-in rate limits."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = person._meta.pk.value_to_string(person)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = person.get_session_auth_hash()
    store.save()
    session = requests.Session()
    session.headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={store.session_key}"
    return session
