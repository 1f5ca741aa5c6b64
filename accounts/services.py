"""Every state change on people, teams and tokens. Each one records its audit event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts import tokens
from accounts.audit_actions import (
    ISSUER_RULE_SAVED,
    ISSUER_SAVED,
    LANGUAGE_CHANGED,
    ROLE_GRANTED,
    ROLE_REVOKED,
    SIGN_IN_FAILED,
    SIGN_IN_LOCKED,
    SIGN_IN_LOCKOUT_CLEARED,
    SIGNED_IN,
    SIGNED_OUT,
    TEAM_CREATED,
    TEAM_MEMBER_ADDED,
    TEAM_MEMBER_REMOVED,
    TEAM_REVIEWER_ADDED,
    TEAM_REVIEWER_REMOVED,
    TEAM_UPDATED,
    TOKEN_CREATED,
    TOKEN_REVOKED,
)
from accounts.models import ApiToken, IssuerRule, SignInLockout, Team, TrustedIssuer, User
from accounts.roles import Role, is_admin
from audit.services import audit_record
from common import ratelimit
from common.errors import Forbidden


@transaction.atomic
def team_create(*, actor: User | None, name: str, slug: str, description: str = "") -> Team:
    """Create a team and its membership group (``team:<slug>``) that model grants go to."""
    return team_save(actor=actor, team=Team(name=name, slug=slug, description=description))


@transaction.atomic
def team_save(*, actor: User | None, team: Team) -> Team:
    """Create ``team`` (an unsaved instance) or save its edited name and description.

    The slug names the membership group and so is fixed once the team exists.
    """
    if team._state.adding:
        team.group, _ = Group.objects.get_or_create(name=f"{Team.GROUP_PREFIX}{team.slug}")
        team.full_clean()
        team.save()
        audit_record(
            actor=actor,
            action=TEAM_CREATED,
            target=team,
            after={"name": team.name, "slug": team.slug},
        )
        return team
    stored = Team.objects.select_for_update().get(pk=team.pk)
    if stored.slug != team.slug:
        raise ValidationError({"slug": gettext("A team's slug cannot change once it exists.")})
    before = {
        f: getattr(stored, f)
        for f in ("name", "description")
        if getattr(stored, f) != getattr(team, f)
    }
    if before:
        team.full_clean()
        team.save(update_fields=[*before, "updated_at"])
        audit_record(
            actor=actor,
            action=TEAM_UPDATED,
            target=team,
            before=before,
            after={f: getattr(team, f) for f in before},
        )
    return team


@transaction.atomic
def team_member_add(*, actor: User | None, team: Team, user: User) -> bool:
    """Add ``user`` to ``team``; they see the team's models. False (no event) if already in."""
    if user.groups.filter(pk=team.group_id).exists():
        return False
    user.groups.add(team.group_id)
    audit_record(
        actor=actor,
        action=TEAM_MEMBER_ADDED,
        target=team,
        after={"member": user.username},
    )
    return True


@transaction.atomic
def team_member_remove(*, actor: User | None, team: Team, user: User) -> bool:
    """Take ``user`` out of ``team``; the team's models disappear for them at once."""
    if not user.groups.filter(pk=team.group_id).exists():
        return False
    user.groups.remove(team.group_id)
    audit_record(
        actor=actor,
        action=TEAM_MEMBER_REMOVED,
        target=team,
        before={"member": user.username},
    )
    return True


@transaction.atomic
def team_reviewer_add(*, actor: User | None, team: Team, user: User) -> bool:
    """Put ``user`` in the team's reviewer pool: they see the team's models."""
    if team.reviewers.filter(pk=user.pk).exists():
        return False
    team.reviewers.add(user)
    audit_record(
        actor=actor,
        action=TEAM_REVIEWER_ADDED,
        target=team,
        after={"reviewer": user.username},
    )
    return True


@transaction.atomic
def team_reviewer_remove(*, actor: User | None, team: Team, user: User) -> bool:
    """Take ``user`` out of the team's reviewer pool."""
    if not team.reviewers.filter(pk=user.pk).exists():
        return False
    team.reviewers.remove(user)
    audit_record(
        actor=actor,
        action=TEAM_REVIEWER_REMOVED,
        target=team,
        before={"reviewer": user.username},
    )
    return True


@transaction.atomic
def team_members_set(*, actor: User | None, team: Team, users) -> None:
    """Make the team's members exactly ``users`` (one audited event per change)."""
    current, wanted = set(team.members), set(users)
    for user in wanted - current:
        team_member_add(actor=actor, team=team, user=user)
    for user in current - wanted:
        team_member_remove(actor=actor, team=team, user=user)


@transaction.atomic
def team_reviewers_set(*, actor: User | None, team: Team, users) -> None:
    """Make the team's reviewer pool exactly ``users`` (one audited event per change)."""
    current, wanted = set(team.reviewers.all()), set(users)
    for user in wanted - current:
        team_reviewer_add(actor=actor, team=team, user=user)
    for user in current - wanted:
        team_reviewer_remove(actor=actor, team=team, user=user)


@transaction.atomic
def user_role_grant(*, actor: User | None, user: User, role: Role | str) -> bool:
    """Give ``user`` a role (a role group). False, and no event, when they already hold it."""
    role = Role(role)
    group = Group.objects.get(name=role.value)
    if user.groups.filter(pk=group.pk).exists():
        return False
    user.groups.add(group)
    user.__dict__.pop("_attest_roles", None)
    audit_record(actor=actor, action=ROLE_GRANTED, target=user, after={"role": role.value})
    return True


@transaction.atomic
def user_role_revoke(*, actor: User | None, user: User, role: Role | str) -> bool:
    """Take a role away; it takes effect on the user's next request."""
    role = Role(role)
    group = Group.objects.get(name=role.value)
    if not user.groups.filter(pk=group.pk).exists():
        return False
    user.groups.remove(group)
    user.__dict__.pop("_attest_roles", None)
    audit_record(actor=actor, action=ROLE_REVOKED, target=user, before={"role": role.value})
    return True


@transaction.atomic
def user_sso_sync(
    *,
    user: User,
    roles: set[str],
    team_slugs: set[str],
    reviewer_team_slugs: set[str] | None = None,
) -> None:
    """Make the user's roles and teams (and, when ``reviewer_team_slugs`` is given, the
    reviewer pools they sit in) exactly what the identity provider's groups map to.

    Runs on every SSO sign-in, so a group removed at the provider removes the role, the team
    or the pool here at the next sign-in. Each change is its own audited event.
    """
    for role in Role:
        if role.value in roles:
            user_role_grant(actor=None, user=user, role=role)
        else:
            user_role_revoke(actor=None, user=user, role=role)
    wanted = set(Team.objects.filter(slug__in=team_slugs))
    current = set(Team.objects.filter(group__user=user))
    for team in wanted - current:
        team_member_add(actor=None, team=team, user=user)
    for team in current - wanted:
        team_member_remove(actor=None, team=team, user=user)
    if reviewer_team_slugs is None:
        return  # the mapping does not manage pools: leave them as administrators set them
    wanted = set(Team.objects.filter(slug__in=reviewer_team_slugs))
    current = set(Team.objects.filter(reviewers=user))
    for team in wanted - current:
        team_reviewer_add(actor=None, team=team, user=user)
    for team in current - wanted:
        team_reviewer_remove(actor=None, team=team, user=user)


@transaction.atomic
def api_token_create(
    *,
    actor: User | None,
    user: User,
    name: str,
    scopes: list[str],
    expires_in_days: int,
) -> tuple[ApiToken, str]:
    """Issue an API token for ``user``; return the row and the token string, shown only once.

    Rules: at least one known scope; expiry is mandatory and at most ATTEST_TOKEN_MAX_DAYS; the
    user must be active. Only the peppered HMAC of the secret is stored.
    """
    unknown = sorted(set(scopes) - set(ApiToken.Scope.values))
    if not scopes or unknown:
        raise ValidationError(
            {
                "scopes": gettext("Unknown scope(s) %(unknown)s; choose from %(known)s.")
                % {"unknown": unknown, "known": ApiToken.Scope.values}
                if unknown
                else gettext("Give at least one scope.")
            }
        )
    max_days = settings.ATTEST_TOKEN_MAX_DAYS
    if not 1 <= expires_in_days <= max_days:
        raise ValidationError(
            {
                "expires_in_days": gettext("Expiry must be between 1 and %(max)s days.")
                % {"max": max_days}
            }
        )
    if not user.is_active:
        raise ValidationError(
            {"user": gettext("User %(username)r is inactive.") % {"username": user.username}}
        )
    key_id, secret, token_string = tokens.generate()
    token = ApiToken.objects.create(
        user=user,
        name=name or f"token for {user.username}",
        key_id=key_id,
        secret_hash=tokens.hash_secret(secret, settings.ATTEST_TOKEN_PEPPER),
        scopes=sorted(set(scopes)),
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    audit_record(
        actor=actor,
        action=TOKEN_CREATED,
        target=token,
        after={
            "user": user.username,
            "key_id": key_id,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, token_string


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token at once; the next request that presents it gets 401."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action=TOKEN_REVOKED, target=token, after={"key_id": token.key_id})
    return token


@transaction.atomic
def user_language_set(*, actor: User, user: User, language: str) -> bool:
    """Store the interface language ``user`` chose (a code of settings.LANGUAGES, or "" for
    "the browser decides"). Returns whether it changed; a change is audited like any other
    change to a person's account."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": gettext("This language is not available.")})
    stored = User.objects.select_for_update().get(pk=user.pk)
    if stored.language == language:
        user.language = language
        return False
    before = stored.language
    stored.language = language
    stored.save(update_fields=["language"])
    user.language = language
    audit_record(
        actor=actor,
        action=LANGUAGE_CHANGED,
        target=stored,
        before={"language": before},
        after={"language": language},
    )
    return True


@transaction.atomic
def session_signed_in(*, user: User) -> None:
    """Record a successful sign-in (called by the auth signal adapter)."""
    audit_record(actor=user, action=SIGNED_IN, target=user)


@transaction.atomic
def session_signed_out(*, user: User | None) -> None:
    """Record a sign-out."""
    if user is not None and user.is_authenticated:
        audit_record(actor=user, action=SIGNED_OUT, target=user)


@transaction.atomic
def session_sign_in_failed(*, username: str) -> None:
    """Record a failed sign-in. The password is never recorded."""
    audit_record(
        actor=None,
        action=SIGN_IN_FAILED,
        target_type="accounts.user",
        target_label=username[:150],
        after={"username": username[:150]},
    )


# --- Password sign-in limits and their lockouts ----------------------------------------------
# Each lockout scope: the rate-limit scope its attempts are counted under, and the setting that
# holds its rate (read at call time, so tests and operators can change it).
_SIGN_IN_LIMITS = {
    SignInLockout.Scope.ADDRESS: ("sign-in-address", "ATTEST_RATE_SIGN_IN_PER_ADDRESS"),
    SignInLockout.Scope.ACCOUNT: ("sign-in", "ATTEST_RATE_SIGN_IN"),
}


def _sign_in_limit(scope: str) -> tuple[str, str]:
    limit_scope, setting = _SIGN_IN_LIMITS[SignInLockout.Scope(scope)]
    return limit_scope, getattr(settings, setting)


def sign_in_attempt_register(*, client_address: str, username: str) -> int | None:
    """Count one password sign-in attempt; None when it may go ahead, else seconds to wait.

    Limits per client address first (a spray across usernames), then per (address, username)
    (guessing one account's password), whatever the password: a correct password is refused too
    while its window lasts, so a guesser learns nothing. The first refused attempt of a window
    records the lockout (``sign_in_lockout_record``). An address lockout stops counting the
    per-account limit, as it stops every attempt from that address.
    """
    client_address = client_address[:255]
    username = username[:150].lower()
    for scope in (SignInLockout.Scope.ADDRESS, SignInLockout.Scope.ACCOUNT):
        limit_scope, rate = _sign_in_limit(scope)
        lockout = SignInLockout(
            scope=scope,
            client_address=client_address,
            username=username if scope == SignInLockout.Scope.ACCOUNT else "",
        )
        verdict = ratelimit.attempt(limit_scope, lockout.identity, rate)
        if verdict.tripped:
            sign_in_lockout_record(
                scope=scope,
                client_address=client_address,
                username=lockout.username,
                locked_until=datetime.fromtimestamp(verdict.window_end, tz=UTC),
            )
        if verdict.wait:
            return verdict.wait
    return None


@transaction.atomic
def sign_in_lockout_record(
    *, scope: str, client_address: str, username: str, locked_until: datetime
) -> SignInLockout:
    """Record that a sign-in limit tripped for this key until ``locked_until`` (its window end).

    Idempotent per window: a second trip of the same key in the same window (the cache lost its
    count) finds the open row and writes no second event. No password is ever recorded.
    """
    now = timezone.now()
    lockout, created = SignInLockout.objects.get_or_create(
        scope=scope,
        client_address=client_address,
        username=username,
        locked_until=locked_until,
        cleared_at=None,
        defaults={"locked_at": min(now, locked_until - timedelta(microseconds=1))},
    )
    if created:
        audit_record(
            actor=None,
            action=SIGN_IN_LOCKED,
            target=lockout,
            after={
                "scope": scope,
                "username": username,
                "client_address": client_address,
                "locked_until": locked_until.isoformat(),
            },
        )
    return lockout


@transaction.atomic
def sign_in_lockout_clear(*, actor: User, lockout: SignInLockout) -> bool:
    """Lift an active lockout now: forget its cache count, so the next attempt with the right
    password signs in, and mark the row cleared by ``actor``. Administrators only.

    False, and no event, when it was already cleared or its window is over (nothing refuses
    any more). The count is forgotten last, after the row and its event are written: if either
    fails, the lockout stays as it was.
    """
    if not is_admin(actor):
        raise Forbidden(gettext("Only administrators may clear sign-in lockouts."))
    lockout = SignInLockout.objects.select_for_update().get(pk=lockout.pk)
    if lockout.state != "active":
        return False
    lockout.cleared_at = timezone.now()
    lockout.cleared_by = actor
    lockout.save(update_fields=["cleared_at", "cleared_by", "updated_at"])
    audit_record(
        actor=actor,
        action=SIGN_IN_LOCKOUT_CLEARED,
        target=lockout,
        before={"locked_until": lockout.locked_until.isoformat()},
        after={
            "scope": lockout.scope,
            "username": lockout.username,
            "client_address": lockout.client_address,
        },
    )
    limit_scope, rate = _sign_in_limit(lockout.scope)
    ratelimit.reset(limit_scope, lockout.identity, rate)
    return True


# --- CI workload identity (accounts/workload_identity.py) --------------------------------------
def _issuer_fields(issuer: TrustedIssuer) -> dict:
    return {
        "name": issuer.name,
        "preset": issuer.preset,
        "issuer": issuer.issuer,
        "audience": issuer.audience,
        "is_active": issuer.is_active,
    }


@transaction.atomic
def trusted_issuer_save(*, actor: User | None, issuer: TrustedIssuer) -> TrustedIssuer:
    """Add or change a trusted OIDC issuer. Rule: ``https://`` only (unless
    ATTEST_OIDC_ALLOW_HTTP_ISSUERS), an audience, one issuer per URL."""
    from accounts import workload_identity

    issuer.issuer = issuer.issuer.strip()
    issuer.audience = issuer.audience.strip()
    problems = workload_identity.issuer_problems(issuer.issuer)
    if problems:
        raise ValidationError({"issuer": problems})
    if not issuer.audience:
        raise ValidationError({"audience": "Give the audience the tokens must carry."})
    if TrustedIssuer.objects.filter(issuer=issuer.issuer).exclude(pk=issuer.pk).exists():
        raise ValidationError({"issuer": f"{issuer.issuer} is already a trusted issuer."})
    before = None
    if not issuer._state.adding:
        old = TrustedIssuer.objects.filter(pk=issuer.pk).first()
        before = _issuer_fields(old) if old else None
    issuer.save()
    audit_record(
        actor=actor,
        action=ISSUER_SAVED,
        target=issuer,
        before=before,
        after=_issuer_fields(issuer),
    )
    workload_identity.forget_keys()
    return issuer


def _rule_fields(rule: IssuerRule) -> dict:
    return {
        "issuer": rule.issuer.issuer,
        "name": rule.name,
        "claims": rule.claims,
        "service_account": rule.service_account.username,
        "scopes": rule.scopes,
        "is_active": rule.is_active,
    }


@transaction.atomic
def issuer_rule_save(*, actor: User | None, rule: IssuerRule) -> IssuerRule:
    """Add or change a rule mapping an issuer's claims to a service account and scopes.
    Rules: at least one claim, the preset's identifying claim (``repository`` on GitHub,
    ``project_path`` on GitLab), known scopes, an active service account."""
    from accounts import workload_identity

    rule.claims = {str(k).strip(): str(v).strip() for k, v in (rule.claims or {}).items()}
    rule.scopes = sorted(set(rule.scopes or []))
    problems = workload_identity.rule_problems(
        preset=rule.issuer.preset, claims=rule.claims, scopes=rule.scopes
    )
    account = rule.service_account
    if not account.is_service_account or not account.is_active:
        problems.append(f"{account.username!r} is not an active service account.")
    if problems:
        raise ValidationError({"claims": problems})
    before = None
    if not rule._state.adding:
        old = IssuerRule.objects.filter(pk=rule.pk).select_related("issuer").first()
        before = _rule_fields(old) if old else None
    rule.save()
    audit_record(
        actor=actor, action=ISSUER_RULE_SAVED, target=rule, before=before, after=_rule_fields(rule)
    )
    return rule
