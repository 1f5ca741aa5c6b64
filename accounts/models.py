"""People, teams and machine credentials."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel
from common.text import JUSTIFICATION, BoundedTextField


def language_choices() -> list[tuple[str, str]]:
    """The interface languages (settings.LANGUAGES), read when asked, not at import time."""
    return list(settings.LANGUAGES)


class User(AbstractUser):
    """A person (or a CI service account) who uses Attest.

    Custom from the first migration so SSO identity fields can be added without a painful swap.
    What a user may do comes from role groups (see ``accounts.roles``) and team membership.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    is_service_account = models.BooleanField(
        default=False, help_text=_("A non-human account that CI tokens are bound to.")
    )
    # The interface language the person chose with the header's switch; empty until they
    # choose, and then the browser's Accept-Language decides. Applied at every sign-in, so
    # the choice follows them from device to device (accounts.middleware).
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=language_choices,
        help_text=_("Empty: the browser's preferred language decides."),
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Team(BaseModel):
    """A named group of people that owns models in the catalog.

    Membership is the team's Django group (``team:<slug>``): object permissions on the team's
    models are granted to that group, so "who sees this model" is one indexed query. The
    reviewer pool lists the reviewers who may see and decide on the team's models.
    """

    GROUP_PREFIX = "team:"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = BoundedTextField(blank=True, max_length=JUSTIFICATION)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team")
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="reviewed_teams",
        blank=True,
        help_text="Reviewers who see this team's models and decide on their requests.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    @property
    def members(self):
        return User.objects.filter(groups=self.group_id)


class ApiToken(BaseModel):
    """A credential CI sends as ``Authorization: Bearer attest_<key_id>_<secret>``.

    Only an HMAC-SHA256 of the secret (peppered with a server-side key) is stored, never the
    secret: a database leak yields no usable token, and checking costs microseconds, not the
    ~450 ms of a password hasher (a CPU DoS on every API call). Every token expires and carries
    scopes; revocation takes effect on the next request.
    """

    class Scope(models.TextChoices):
        CATALOG_READ = "catalog:read", _("Read the catalog")
        GATE_READ = "gate:read", _("Ask the deploy gate")
        REQUESTS_WRITE = "requests:write", _("Open deployment requests")
        EVALUATIONS_WRITE = "evaluations:write", _("Post evaluation results")
        DEPLOYMENTS_WRITE = "deployments:write", _("Report deployments and metrics")
        ASSESSMENTS_WRITE = "assessments:write", _("Answer the risk questionnaire")
        EVIDENCE_WRITE = "evidence:write", _("Attach evidence to obligations")
        AUDIT_READ = "audit:read", _("Read the audit trail")
        METRICS_WRITE = "metrics:write", _("Post production metrics and input schemas")
        COSTS_WRITE = "costs:write", _("Import cloud billing (FOCUS) exports")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=120)
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class SignInLockout(BaseModel):
    """A password sign-in limit that tripped: one row per key and window, not per attempt.

    Password sign-in is limited per client address (``ATTEST_RATE_SIGN_IN_PER_ADDRESS``) and per
    (address, username) (``ATTEST_RATE_SIGN_IN``), in fixed windows counted in the cache. The
    first refused attempt of a window writes this row, so administrators see who is locked out
    and can clear it; the cache counter is still what refuses. A lockout is a window limit, not
    a ban: it ends by itself at ``locked_until``, the end of its window, so it never lasts longer
    than the rate's period (300 seconds by default). It never touches single sign-on, which does
    not go through the password page. ``username`` is what was typed, lower-cased, and may name
    no account at all; address lockouts carry none.

    At most one uncleared row exists per (scope, address, username, window); a lockout cleared
    and tripped again within the same window gets a new row.
    """

    class Scope(models.TextChoices):
        ADDRESS = "address", _("Client address")
        ACCOUNT = "account", _("Username from an address")

    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    username = models.CharField(_("username"), max_length=150, blank=True)
    client_address = models.CharField(_("client address"), max_length=255)
    locked_at = models.DateTimeField(_("locked at"))
    locked_until = models.DateTimeField(_("locked until"), db_index=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cleared by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-locked_at"]
        verbose_name = _("sign-in lockout")
        verbose_name_plural = _("sign-in lockouts")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "client_address", "username", "locked_until"],
                condition=models.Q(cleared_at__isnull=True),
                name="accounts_signinlockout_one_open_per_window",
            ),
            models.CheckConstraint(
                condition=models.Q(scope__in=["address", "account"]),
                name="accounts_signinlockout_scope_known",
            ),
            models.CheckConstraint(
                condition=models.Q(scope="account") | models.Q(username=""),
                name="accounts_signinlockout_address_has_no_username",
            ),
            models.CheckConstraint(
                condition=models.Q(locked_until__gt=models.F("locked_at")),
                name="accounts_signinlockout_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(cleared_by__isnull=True) | models.Q(cleared_at__isnull=False),
                name="accounts_signinlockout_cleared_by_needs_cleared_at",
            ),
        ]

    def __str__(self) -> str:
        if self.scope == self.Scope.ACCOUNT:
            return f"{self.username} from {self.client_address}"
        return self.client_address

    @property
    def identity(self) -> str:
        """The rate-limit identity the sign-in page counts this lockout's attempts under."""
        if self.scope == self.Scope.ACCOUNT:
            return f"{self.client_address}|{self.username}"
        return self.client_address

    @property
    def state(self) -> str:
        """``cleared``, ``active`` (still refusing) or ``expired`` (its window is over)."""
        if self.cleared_at is not None:
            return "cleared"
        return "active" if self.locked_until > timezone.now() else "expired"


class TrustedIssuer(BaseModel):
    """An OpenID Connect issuer whose ID tokens CI may present instead of an Attest token
    (workload identity: GitHub Actions, GitLab CI, any OIDC issuer).

    A token from it is accepted only when its signature verifies with the issuer's published
    keys, its ``aud`` is ``audience`` and one of the issuer's rules matches its claims; the
    rule names the service account and scopes the call runs with. Issuers are ``https://``
    (``ATTEST_OIDC_ALLOW_HTTP_ISSUERS`` lifts that for labs and tests)."""

    class Preset(models.TextChoices):
        GITHUB = "github", _("GitHub Actions")
        GITLAB = "gitlab", _("GitLab CI")
        OTHER = "other", _("Other OIDC issuer")

    name = models.CharField(_("name"), max_length=120)
    preset = models.CharField(
        _("preset"), max_length=16, choices=Preset.choices, default=Preset.OTHER
    )
    issuer = models.CharField(
        _("issuer URL"),
        max_length=500,
        unique=True,
        help_text=_("Exactly the iss claim, e.g. https://token.actions.githubusercontent.com"),
    )
    audience = models.CharField(
        _("audience"),
        max_length=255,
        help_text=_("The aud the tokens must carry (what the job asks for), e.g. attest"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("trusted OIDC issuer")
        verbose_name_plural = _("trusted OIDC issuers")

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer})"


class IssuerRule(BaseModel):
    """Which ID tokens of a trusted issuer act as which service account, with which scopes.

    ``claims`` maps claim names to the exact values required (``{"repository": "acme/models",
    "environment": "production"}``); every one must equal the token's claim. A rule needs at
    least one claim, and the issuer's identifying claim for the presets (``repository`` on
    GitHub, ``project_path`` on GitLab): an issuer shared by every GitHub user must never admit
    all of them."""

    issuer = models.ForeignKey(TrustedIssuer, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(_("name"), max_length=120, blank=True)
    claims = models.JSONField(_("required claims"), default=dict)
    service_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="issuer_rules",
        limit_choices_to={"is_service_account": True},
    )
    scopes = models.JSONField(_("scopes"), default=list)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["issuer", "created_at"]
        verbose_name = _("issuer rule")
        verbose_name_plural = _("issuer rules")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(claims={}), name="accounts_issuerrule_claims_required"
            ),
        ]

    def __str__(self) -> str:
        what = ", ".join(f"{k}={v}" for k, v in sorted(self.claims.items()))
        return self.name or f"{what} → {self.service_account_id and self.service_account}"
