"""The real client behind trusted proxies (ATTEST_TRUSTED_PROXIES): pure resolution table, and
the middleware feeding rate limits and audit events."""

import pytest
from django.core.cache import cache
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from common.client_address import client_address, parse_trusted_proxies
from tests.factories import PASSWORD

NONE = parse_trusted_proxies("")
LOOPBACK = parse_trusted_proxies("127.0.0.1, ::1")
PRIVATE = parse_trusted_proxies("10.0.0.0/8,172.16.0.0/12")
ONE_HOP = parse_trusted_proxies("1")
TWO_HOPS = parse_trusted_proxies("2")


@pytest.mark.parametrize(
    ("peer", "xff", "trusted", "expected"),
    [
        # No proxy trusted: the header is ignored, whoever sent it.
        ("203.0.113.9", "198.51.100.1", NONE, "203.0.113.9"),
        # A trusted proxy: the address it saw.
        ("127.0.0.1", "198.51.100.1", LOOPBACK, "198.51.100.1"),
        # Spoofed entries to the left of the real client are not believed.
        ("127.0.0.1", "6.6.6.6, 198.51.100.1", LOOPBACK, "198.51.100.1"),
        # Not from a trusted proxy: the header is a forgery.
        ("203.0.113.9", "198.51.100.1", LOOPBACK, "203.0.113.9"),
        # A chain of trusted proxies is walked to the first outside address.
        ("10.0.0.2", "198.51.100.1, 172.16.0.5", PRIVATE, "198.51.100.1"),
        # Garbage in the header stops the walk at the last trustworthy hop.
        ("10.0.0.2", "198.51.100.1, not-an-ip", PRIVATE, "10.0.0.2"),
        ("127.0.0.1", "\x00, 198.51.100.1", LOOPBACK, "198.51.100.1"),
        # Ports and brackets are dropped; IPv4-mapped IPv6 becomes IPv4.
        ("::1", "[2001:db8::7]:4711", LOOPBACK, "2001:db8::7"),
        ("127.0.0.1", "198.51.100.1:8080", LOOPBACK, "198.51.100.1"),
        ("::ffff:127.0.0.1", "198.51.100.1", LOOPBACK, "198.51.100.1"),
        # Hop counts: exactly that many proxies in front.
        ("10.0.0.2", "6.6.6.6, 198.51.100.1", ONE_HOP, "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9", TWO_HOPS, "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1", TWO_HOPS, "10.0.0.2"),  # shorter than promised
        # No header at all.
        ("127.0.0.1", "", LOOPBACK, "127.0.0.1"),
    ],
)
def test_client_address_table(peer, xff, trusted, expected):
    assert client_address(peer, xff, trusted) == expected


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "proxy.example.com", "0", "11"])
def test_malformed_trusted_proxies_are_refused(bad):
    with pytest.raises(ValueError, match="ATTEST_TRUSTED_PROXIES"):
        parse_trusted_proxies(bad)


def test_a_malformed_setting_stops_start_up(settings):
    settings.ATTEST_TRUSTED_PROXIES = "not a network"
    assert "attest.E010" in [e.id for e in run_checks()]


@pytest.fixture
def behind_proxy(settings):
    settings.ATTEST_TRUSTED_PROXIES = "127.0.0.1"
    cache.clear()
    yield
    cache.clear()


def _via_proxy(client_ip: str) -> Client:
    return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=client_ip)


@pytest.mark.django_db
def test_audit_events_record_the_proxied_client_not_the_proxy(behind_proxy, personas):
    response = _via_proxy("198.51.100.23").post(
        reverse("accounts:login"), {"username": "owner", "password": PASSWORD}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="accounts.signed_in")
    assert event.ip_address == "198.51.100.23"


@pytest.mark.django_db
def test_one_client_hammering_sign_in_does_not_lock_out_another(behind_proxy, personas, settings):
    settings.ATTEST_RATE_SIGN_IN_PER_ADDRESS = "50/300"
    url = reverse("accounts:login")
    attacker = _via_proxy("203.0.113.66")
    codes = [
        attacker.post(url, {"username": f"u{n}", "password": "x"}).status_code for n in range(52)
    ]
    assert codes[:50] == [200] * 50 and codes[50:] == [429, 429]
    # Another person behind the same proxy signs in at once.
    response = _via_proxy("198.51.100.23").post(url, {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_invalid_token_limit_counts_the_proxied_client(behind_proxy, settings, owned_model):
    settings.ATTEST_RATE_TOKEN_FAILURES = "3/60"
    guesser = APIClient(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    guesser.credentials(HTTP_AUTHORIZATION="Bearer attest_000000000000_guess")
    assert [guesser.get("/api/v1/models/").status_code for _ in range(4)] == [401, 401, 401, 429]
    other = APIClient(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.23")
    other.credentials(HTTP_AUTHORIZATION="Bearer attest_000000000000_guess")
    assert other.get("/api/v1/models/").status_code == 401  # not throttled


@pytest.mark.django_db
def test_a_whitespace_only_authorization_header_is_a_401_not_a_500(owned_model):
    client = APIClient()
    response = client.get("/api/v1/models/", HTTP_AUTHORIZATION="\xa0")
    assert response.status_code == 401
    assert "Malformed Authorization header" in response.json()["detail"]
