"""Outgoing governance events: webhook endpoints administrators register, and the log of what
was delivered to each (Standard Webhooks, https://github.com/standard-webhooks/standard-webhooks/
blob/main/spec/standard-webhooks.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


class WebhookEndpoint(BaseModel):
    """A URL outside Attest that receives the governance events it subscribed to, signed with
    its own secret (the spec: "signing keys should be unique per endpoint").

    The secret (``whsec_`` + base64 of 32 random bytes) is stored encrypted with the registry
    secrets' key (``common.crypto``) and shown once, when made. Rotating keeps the previous
    secret until ``previous_secret_expires_at``: meanwhile every delivery carries both
    signatures, so the receiver can switch without dropping one ("zero downtime secret
    rotation" in the spec). A disabled endpoint receives nothing; its log stays.
    """

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500)
    event_types = models.JSONField(_("events"), default=list)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    secret_encrypted = models.TextField(editable=False)
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name", "created_at"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(BaseModel):
    """One event owed to one endpoint: unique on (endpoint, event id), so the outbox's
    at-least-once relay never sends an event twice to the same place by itself.

    ``payload`` is the envelope exactly as serialised for every attempt (the same bytes are
    signed each time, with a new ``webhook-timestamp``). ``attempts`` counts the tries of the
    current round (a redelivery starts a new one); each try is kept in ``WebhookAttempt``.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    DUE_STATES = (State.PENDING, State.RETRYING)

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(max_length=60)
    event_type = models.CharField(max_length=80)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response_excerpt = models.TextField(blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="notifications_one_delivery_per_event"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint}"


class WebhookAttempt(BaseModel):
    """One HTTP attempt of a delivery, as the endpoint's log shows it: when, the status code
    (none when no answer came), the start of the answer's body or the error."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    succeeded = models.BooleanField(default=False)
    manual = models.BooleanField(default=False, help_text="Part of a redelivery an admin asked.")

    class Meta:
        verbose_name = _("webhook attempt")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.delivery} #{self.number}"


class NotificationChannel(BaseModel):
    """A chat or push destination people read (Slack, Microsoft Teams, Mattermost, e-mail...),
    addressed by an apprise URL (https://github.com/caronc/apprise/wiki), which holds the
    service's token: stored encrypted with the registry secrets' key, never shown again; or
    (``kind`` e-mail) a list of e-mail addresses Django's mail sends to.

    It subscribes to event types and to teams: an event about a model of a team it does not
    follow is not sent (no team chosen: every team). One message per event, with the link to
    act on it, or (``digest`` daily) one message a day listing the day's events with their links.
    """

    class Digest(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately, one message per event")
        DAILY = "daily", _("Daily digest, one message a day")

    class Kind(models.TextChoices):
        APPRISE = "apprise", _("apprise URL (Slack, Microsoft Teams, Mattermost...)")
        EMAIL = "email", _("E-mail (Attest's own mail server)")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.APPRISE)
    url_encrypted = models.TextField(blank=True, editable=False)
    # The addresses of an e-mail channel (a team list, a shared inbox), sent with Django's mail.
    email_addresses = models.JSONField(_("e-mail addresses"), default=list, blank=True)
    service = models.CharField(max_length=40, help_text="The apprise scheme, e.g. slack, json.")
    event_types = models.JSONField(_("events"), default=list)
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="+")
    is_enabled = models.BooleanField(_("enabled"), default=True)
    digest = models.CharField(
        _("when"), max_length=20, choices=Digest.choices, default=Digest.IMMEDIATE
    )

    class Meta:
        ordering = ["name", "created_at"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")

    def __str__(self) -> str:
        return self.name


class NotificationSubscription(BaseModel):
    """A person's own subscription: the event types they want to hear about, for the teams
    whose models they may see (none chosen: every such team), by e-mail (Django's mail, to
    their address) and/or to a personal apprise URL (stored encrypted like channel URLs, never
    shown again). At most one per person.

    Visibility is checked when a message is recorded and again when it is sent: a person who
    lost sight of a model (moved to another team, role withdrawn) hears nothing more of it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_subscription"
    )
    event_types = models.JSONField(_("events"), default=list)
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="+")
    by_email = models.BooleanField(_("by e-mail"), default=False)
    url_encrypted = models.TextField(blank=True, editable=False)
    service = models.CharField(max_length=40, blank=True, help_text="The apprise scheme.")
    digest = models.CharField(
        _("when"),
        max_length=20,
        choices=NotificationChannel.Digest.choices,
        default=NotificationChannel.Digest.IMMEDIATE,
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("personal notification subscription")
        verbose_name_plural = _("personal notification subscriptions")

    def __str__(self) -> str:
        return f"notifications of {self.user}"


class NotificationMessage(BaseModel):
    """One event told to one channel or one person's subscription (by one medium): unique on
    (channel, event id) and on (subscription, medium, event id); retried like webhook
    deliveries. ``title`` and ``body`` are what was (or will be) sent. ``model_service_id``
    is the model the event is about, so a person's message is sent only while they may see it.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Not sent")
        HELD = "held", _("Waiting for the daily digest")
        DIGESTED = "digested", _("Sent in a daily digest")

    class Medium(models.TextChoices):
        APPRISE = "apprise", _("apprise URL")
        EMAIL = "email", _("E-mail")

    DUE_STATES = (State.PENDING, State.RETRYING)

    channel = models.ForeignKey(
        NotificationChannel,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    subscription = models.ForeignKey(
        NotificationSubscription,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    medium = models.CharField(max_length=20, choices=Medium.choices, default=Medium.APPRISE)
    model_service_id = models.UUIDField(null=True, blank=True)
    event_id = models.CharField(max_length=60)
    event_type = models.CharField(max_length=80)
    title = models.CharField(max_length=300)
    body = models.TextField()
    link = models.URLField(max_length=500, blank=True)
    # A daily digest is a message of its own (event id ``digest_<day>``, unique per target like
    # any event: a second run of the same day cannot send it twice); its entries point at it.
    digest = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification message")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "event_id"], name="notifications_one_message_per_event"
            ),
            models.UniqueConstraint(
                fields=["subscription", "medium", "event_id"],
                name="notifications_one_personal_message_per_event",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__isnull=False, subscription__isnull=True)
                | models.Q(channel__isnull=True, subscription__isnull=False),
                name="notifications_message_has_one_target",
            ),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.channel or self.subscription}"

    @property
    def target(self):
        return self.channel if self.channel_id else self.subscription
