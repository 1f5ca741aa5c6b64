"""S6 rate limits, S7 CSRF, S8 production security settings and headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from common import ratelimit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_sign_in_is_rate_limited_with_retry_after(client, personas, settings):
    settings.ATTEST_RATE_SIGN_IN = "3/300"
    url = reverse("accounts:login")
    for _ in range(3):
        assert client.post(url, {"username": "owner", "password": "wrong"}).status_code == 200
    response = client.post(url, {"username": "owner", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 300
    assert "Too many attempts" in response.content.decode()
    # Another user from the same address is not locked out by owner's attempts.
    assert client.post(url, {"username": "teammate", "password": "x"}).status_code == 200


@pytest.mark.django_db
def test_invalid_tokens_are_rate_limited_per_address(settings, owned_model):
    settings.ATTEST_RATE_TOKEN_FAILURES = "5/60"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer attest_000000000000_guess")
    codes = [client.get("/api/v1/models/").status_code for _ in range(7)]
    assert codes[:5] == [401] * 5
    assert codes[5:] == [429, 429]
    assert int(client.get("/api/v1/models/")["Retry-After"]) >= 1


@pytest.mark.django_db
def test_api_calls_are_rate_limited_per_token(settings, api_token, owned_model):
    settings.ATTEST_RATE_API = "4/60"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token()}")
    codes = [client.get("/api/v1/models/").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]


def test_rate_parser_rejects_nonsense():
    from django.core.exceptions import ImproperlyConfigured

    for bad in ("10", "a/b", "0/60", "5/0"):
        with pytest.raises(ImproperlyConfigured):
            ratelimit.parse_rate(bad)


@pytest.mark.django_db
def test_session_post_without_csrf_token_is_403(personas, owned_model):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.owner)
    assert client.post(reverse("accounts:logout")).status_code == 403
    assert client.post(reverse("catalog:model-edit", args=[owned_model.pk]), {}).status_code == 403


@pytest.mark.django_db
def test_security_headers_on_pages(client, settings):
    # Production values (the deploy check below proves they are the defaults off DEBUG).
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = True
    response = client.get(reverse("accounts:login"), secure=True)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    csrf_cookie = response.cookies["csrftoken"]
    assert csrf_cookie["secure"] and csrf_cookie["httponly"] and csrf_cookie["samesite"] == "Lax"


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DJANGO_SETTINGS_MODULE",
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SECURE_COOKIES",
            "SECURE_HSTS_SECONDS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "attest.example.com",
            "ATTEST_VAR_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
