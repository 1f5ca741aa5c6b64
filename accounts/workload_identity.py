"""CI by workload identity: an OIDC ID token of a trusted issuer instead of an Attest token.

GitHub Actions (``permissions: id-token: write``) and GitLab CI (``id_tokens:``) give every job
a short-lived ID token signed by the platform, naming the repository, branch and environment.
A pipeline sends it as ``Authorization: Bearer <ID token>``; ``authenticate`` accepts it when

- its ``iss`` is an active ``TrustedIssuer`` (``https://`` unless
  ``ATTEST_OIDC_ALLOW_HTTP_ISSUERS``), whose discovery document names the same issuer;
- its signature verifies with a key of the issuer's JWKS (asymmetric algorithms only). The key
  set is cached per issuer for ``JWKS_LIFESPAN`` seconds and fetched again at once for a
  ``kid`` it does not hold, at most once every ``JWKS_REFRESH_COOLDOWN`` seconds (a flood of
  made-up key ids cannot turn into a flood of requests to the issuer);
- ``aud`` is the issuer's configured audience, ``exp``, ``nbf`` and ``iat`` hold within
  ``LEEWAY`` seconds of clock difference;

and then one of the issuer's active rules matches every claim it names. The call then runs as
the rule's service account with the rule's scopes, as an (unsaved) ``ApiToken`` would: the
service account sees what its teams see. An invalid token is ``InvalidIdToken`` (401, counted
against ``ATTEST_RATE_TOKEN_FAILURES``); a valid one no rule matches is ``NoMatchingRule``
(403).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

import jwt
from django.conf import settings

from accounts.audit_actions import WORKLOAD_IDENTITY_ACCEPTED
from accounts.models import ApiToken, IssuerRule, TrustedIssuer

LEEWAY = 30  # seconds of clock difference accepted on exp, nbf and iat
JWKS_LIFESPAN = 300  # seconds a fetched key set (and discovery document) is reused
JWKS_REFRESH_COOLDOWN = 5.0  # at most one forced refetch per issuer in this many seconds
HTTP_TIMEOUT = 10
# Asymmetric only: never "none" nor an HMAC keyed with a public key.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
# The claim a rule of a preset must name: the issuer is shared by every user of the platform.
IDENTIFYING_CLAIMS = {
    TrustedIssuer.Preset.GITHUB: ("repository", "repository_id", "repository_owner"),
    TrustedIssuer.Preset.GITLAB: ("project_path", "project_id", "namespace_path"),
}
PRESET_ISSUERS = {
    TrustedIssuer.Preset.GITHUB: "https://token.actions.githubusercontent.com",
    TrustedIssuer.Preset.GITLAB: "https://gitlab.com",
}


class InvalidIdToken(Exception):  # noqa: N818 - a refusal, said in the 401
    """Not a valid ID token of a trusted issuer (401)."""


class NoMatchingRule(Exception):  # noqa: N818 - a refusal, said in the 403
    """A valid ID token that no rule of its issuer admits (403)."""


@dataclass
class WorkloadIdentity:
    """Who an accepted ID token is: the issuer, the rule that matched and the token's claims."""

    issuer: TrustedIssuer
    rule: IssuerRule
    claims: dict = field(default_factory=dict)

    def audit_context(self) -> dict:
        """What the audit event records about the credential (which rule let the call in)."""
        return {
            "workload_identity": {
                "issuer": self.issuer.issuer,
                "rule": str(self.rule.pk),
                "rule_name": str(self.rule),
                "sub": str(self.claims.get("sub", "")),
                "claims": {k: self.claims.get(k) for k in sorted(self.rule.claims)},
            }
        }

    def as_token(self) -> ApiToken:
        """An unsaved ``ApiToken`` carrying the rule's service account and scopes, so every
        scope check and rate limit treats the call as it treats a token's."""
        token = ApiToken(
            user=self.rule.service_account,
            name=f"OIDC {self.rule}",
            key_id=f"oidc-{self.rule.pk.hex[:11]}",
            scopes=list(self.rule.scopes),
            expires_at=datetime.fromtimestamp(int(self.claims["exp"]), tz=UTC),
        )
        token.workload = self
        return token


def looks_like_jwt(raw: str) -> bool:
    """Three base64url parts whose first is a JSON object: worth parsing as an ID token."""
    parts = raw.split(".")
    return len(parts) == 3 and raw.startswith("eyJ") and all(parts)


# --- keys --------------------------------------------------------------------------------------
_clients: dict[str, tuple[float, str, jwt.PyJWKClient]] = {}
_lock = threading.Lock()


def _fetch_json(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
        data = json.load(response)
    if not isinstance(data, dict):
        raise InvalidIdToken(f"{url} did not answer a JSON object")
    return data


def _client(issuer: str) -> jwt.PyJWKClient:
    """The issuer's key client: its discovery document read once per ``JWKS_LIFESPAN``."""
    now = time.monotonic()
    with _lock:
        cached = _clients.get(issuer)
        if cached is not None and now - cached[0] < JWKS_LIFESPAN:
            return cached[2]
    try:
        discovery = _fetch_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    except InvalidIdToken:
        raise
    except Exception as exc:
        raise InvalidIdToken(f"the issuer's discovery document cannot be read: {exc}") from exc
    if discovery.get("issuer") != issuer or not isinstance(discovery.get("jwks_uri"), str):
        raise InvalidIdToken("the issuer's discovery document names another issuer or no keys")
    jwks_uri = discovery["jwks_uri"]
    with _lock:
        cached = _clients.get(issuer)
        if cached is not None and cached[1] == jwks_uri:
            client = cached[2]  # keep its key cache and cooldown
        else:
            client = jwt.PyJWKClient(
                jwks_uri,
                lifespan=JWKS_LIFESPAN,
                cooldown_duration=JWKS_REFRESH_COOLDOWN,
                timeout=HTTP_TIMEOUT,
            )
        _clients[issuer] = (now, jwks_uri, client)
    return client


def forget_keys() -> None:
    """Drop every cached discovery document and key set (tests; an admin changed issuers)."""
    with _lock:
        _clients.clear()


# --- checks -----------------------------------------------------------------------------------
def _issuer_for(claimed: str) -> TrustedIssuer:
    issuer = TrustedIssuer.objects.filter(issuer=claimed, is_active=True).first()
    if issuer is None:
        raise InvalidIdToken("The token's issuer is not trusted.")
    if not claimed.startswith("https://") and not (
        settings.ATTEST_OIDC_ALLOW_HTTP_ISSUERS and claimed.startswith("http://")
    ):
        raise InvalidIdToken("The token's issuer is not https://.")
    return issuer


def verify(raw: str) -> tuple[TrustedIssuer, dict]:
    """The trusted issuer and the verified claims of ``raw``, else ``InvalidIdToken``."""
    try:
        unverified = jwt.decode(raw, options={"verify_signature": False})
        header = jwt.get_unverified_header(raw)
    except jwt.PyJWTError as exc:
        raise InvalidIdToken("The token is not a JWT.") from exc
    claimed = unverified.get("iss")
    if not isinstance(claimed, str) or not claimed:
        raise InvalidIdToken("The token names no issuer.")
    issuer = _issuer_for(claimed)
    if header.get("alg") not in ALGORITHMS:
        raise InvalidIdToken(f"Algorithm {header.get('alg')!r} is not accepted.")
    try:
        key = _client(claimed).get_signing_key_from_jwt(raw)
    except jwt.PyJWKClientConnectionError as exc:
        raise InvalidIdToken("The issuer's keys cannot be fetched.") from exc
    except jwt.PyJWKClientError as exc:  # unknown kid even after a refresh, or a bad key set
        raise InvalidIdToken(f"No key of the issuer verifies this token ({exc}).") from exc
    try:
        claims = jwt.decode(
            raw,
            key,
            algorithms=[header["alg"]],
            audience=issuer.audience,
            issuer=claimed,
            leeway=LEEWAY,
            options={"require": ["iss", "aud", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidIdToken("The token has expired.") from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidIdToken("The token is for another audience.") from exc
    except jwt.ImmatureSignatureError as exc:
        raise InvalidIdToken("The token is not valid yet.") from exc
    except jwt.PyJWTError as exc:
        raise InvalidIdToken(f"The token does not verify: {exc}.") from exc
    if not isinstance(claims.get("iat"), int | float) or claims["iat"] > time.time() + LEEWAY:
        raise InvalidIdToken("The token was issued in the future.")
    return issuer, claims


def rule_matches(rule_claims: dict, claims: dict) -> bool:
    """Every claim the rule names equals the token's (as text: ``"123"`` matches ``123``)."""
    if not rule_claims:
        return False
    for name, wanted in rule_claims.items():
        got = claims.get(name)
        if got is None or isinstance(got, dict | list) or str(got) != str(wanted):
            return False
    return True


def match(issuer: TrustedIssuer, claims: dict) -> IssuerRule:
    """The issuer's first active rule (oldest first) matching ``claims``, else
    ``NoMatchingRule``; its service account must be an active service account."""
    rules = (
        issuer.rules.filter(is_active=True)
        .select_related("service_account")
        .order_by("created_at", "pk")
    )
    for rule in rules:
        account = rule.service_account
        if rule_matches(rule.claims, claims) and account.is_active and account.is_service_account:
            return rule
    raise NoMatchingRule(
        "No rule of this trusted issuer admits this token "
        f"(sub {str(claims.get('sub', ''))[:200]!r})."
    )


def authenticate(raw: str) -> WorkloadIdentity:
    """The workload identity of an ID token, or ``InvalidIdToken`` / ``NoMatchingRule``."""
    issuer, claims = verify(raw)
    return WorkloadIdentity(issuer=issuer, rule=match(issuer, claims), claims=claims)


def record_accepted(identity: WorkloadIdentity) -> None:
    """Audit the first use of each ID token (``jti``, else the whole token's claims): which
    issuer, which rule, as which service account. Later calls with the same token are not
    recorded again; the gate's own event names the rule on every answer."""
    import hashlib

    from django.core.cache import cache
    from django.db import transaction

    from audit.services import audit_record

    claims = identity.claims
    seen = claims.get("jti") or json.dumps(claims, sort_keys=True, default=str)
    key = "oidc-used:" + hashlib.sha256(f"{identity.issuer.issuer}|{seen}".encode()).hexdigest()
    ttl = max(1, int(claims.get("exp", 0) - time.time()) + LEEWAY)
    try:
        if not cache.add(key, 1, timeout=ttl):
            return
    except Exception:  # noqa: S110 - the cache being down records every use instead
        pass
    with transaction.atomic():
        audit_record(
            actor=identity.rule.service_account,
            action=WORKLOAD_IDENTITY_ACCEPTED,
            target=identity.rule,
            after=identity.audit_context()["workload_identity"],
        )


def rule_problems(*, preset: str, claims: dict, scopes: list[str]) -> list[str]:
    """What is wrong with a rule, in words for the admin page and the command (empty: fine)."""
    problems = []
    if not claims:
        problems.append("A rule needs at least one claim (e.g. repository=org/repo).")
    for name, value in claims.items():
        if not isinstance(name, str) or not name or not isinstance(value, str) or not value:
            problems.append(f"Claim {name!r} needs a non-empty value.")
    needed = IDENTIFYING_CLAIMS.get(preset)
    if needed and claims and not any(name in claims for name in needed):
        problems.append(
            "Every user of this platform shares its issuer: name one of " + ", ".join(needed) + "."
        )
    unknown = sorted(set(scopes) - set(ApiToken.Scope.values))
    if unknown:
        problems.append("Unknown scopes: " + ", ".join(unknown) + ".")
    if not scopes:
        problems.append("A rule needs at least one scope (e.g. gate:read).")
    return problems


def issuer_problems(issuer: str) -> list[str]:
    if issuer.startswith("https://"):
        return []
    if issuer.startswith("http://") and settings.ATTEST_OIDC_ALLOW_HTTP_ISSUERS:
        return []
    return ["The issuer must be an https:// URL (ATTEST_OIDC_ALLOW_HTTP_ISSUERS=true for labs)."]
