"""The evidence trail: one row per business action, never changed afterwards."""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One governance action: who did what to which object, when, through which channel.

    Append-only by design: no foreign keys (deleting a user or a model must never rewrite the
    trail), the actor and target are stored as id plus a human label frozen at the time, and
    ``before``/``after`` hold only the fields that changed. Events form a hash chain: ``seq``
    is gapless, ``prev_hash`` is the previous event's ``hash``, and ``hash`` covers the event's
    canonical serialisation (``audit.chain``), so an edited, removed or reordered row breaks it.
    """

    class Source(models.TextChoices):
        WEB = "web", "Web"
        API = "api", "API"
        WEBHOOK = "webhook", "Webhook"
        TASK = "task", "Background task"
        CI = "ci", "CI"
        CLI = "cli", "Command line"
        SYSTEM = "system", "System"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, unique=True, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SYSTEM)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    # The catalog entry this event belongs to, so a model's timeline also shows its versions'
    # events. A plain UUID: the audit app imports no other app.
    subject_id = models.UUIDField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["subject_id", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_label}"

    @property
    def changed_fields(self) -> list[str]:
        keys = set((self.before or {}).keys()) | set((self.after or {}).keys())
        return sorted(keys)


class AuditCheckpoint(models.Model):
    """A signed statement "on <signed_at> the chain's head was event <seq> with <head_hash>".

    Written every 15 minutes by Celery beat (also when nothing happened) and appended to a file
    outside the database; verification compares the chain with the latest one.
    """

    id = models.BigAutoField(primary_key=True)
    seq = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    signed_at = models.CharField(max_length=32)
    signature = models.CharField(max_length=200)
    key_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq} at {self.signed_at}"
