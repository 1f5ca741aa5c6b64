"""People, teams and machine credentials."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils import timezone

from common.models import BaseModel


class User(AbstractUser):
    """A person (or a CI service account) who uses Attest.

    Custom from the first migration so SSO identity fields can be added without a painful swap.
    What a user may do comes from role groups (see ``accounts.roles``) and team membership.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    is_service_account = models.BooleanField(
        default=False, help_text="A non-human account that CI tokens are bound to."
    )

    class Meta:
        ordering = ["username"]

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
    description = models.TextField(blank=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team")
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="reviewed_teams",
        blank=True,
        help_text="Reviewers who see this team's models and decide on their requests.",
    )

    class Meta:
        ordering = ["name"]

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
        CATALOG_READ = "catalog:read", "Read the catalog"
        GATE_READ = "gate:read", "Ask the deploy gate"
        REQUESTS_WRITE = "requests:write", "Open deployment requests"
        EVALUATIONS_WRITE = "evaluations:write", "Post evaluation results"
        DEPLOYMENTS_WRITE = "deployments:write", "Report deployments and metrics"
        ASSESSMENTS_WRITE = "assessments:write", "Answer the risk questionnaire"
        EVIDENCE_WRITE = "evidence:write", "Attach evidence to obligations"
        AUDIT_READ = "audit:read", "Read the audit trail"
        METRICS_WRITE = "metrics:write", "Post production metrics and input schemas"

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

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
