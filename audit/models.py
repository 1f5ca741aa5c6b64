"""The evidence trail: one row per business action, never changed afterwards."""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One governance action: who did what to which object, when, through which channel.

    Append-only by design: no foreign keys (deleting a user or a model must never rewrite the
    trail), the actor and target are stored as id plus a human label frozen at the time, and
    ``before``/``after`` hold only the fields that changed. Events form a hash chain: ``seq``
    is gapless, ``prev_hash`` is the previous event's ``hash``, and ``hash`` covers the event's
    canonical serialisation (``audit.chain``), so an edited, removed or reordered row breaks it.
    They are also the leaves of a Merkle tree (``audit.merkle``) with signed tree heads.

    A service inserts its event *unsealed* (``seq``, ``prev_hash``, ``hash`` empty) in its own
    transaction; the sequencer (``audit.sequencer``) seals committed events once, in commit
    order. The database refuses every other UPDATE, and every DELETE and TRUNCATE.
    """

    class Source(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        WEBHOOK = "webhook", _("Webhook")
        TASK = "task", _("Background task")
        CI = "ci", _("CI")
        CLI = "cli", _("Command line")
        SYSTEM = "system", _("System")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The seal: empty until the sequencer seals the event (shown as "sealing" meanwhile).
    seq = models.PositiveBigIntegerField(unique=True, null=True, editable=False)
    # NULL, not "": unique columns, and many events may be unsealed at once.
    prev_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    sealed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Which canonical form ``hash`` covers (audit.chain): 1 before the Merkle tree, 2 since.
    chain_version = models.PositiveSmallIntegerField(default=1, db_default=1, editable=False)
    # The inserting transaction's id (PostgreSQL, set by a trigger): orders a sealing batch.
    txid = models.BigIntegerField(null=True, blank=True, editable=False)
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
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["subject_id", "-occurred_at"]),
            # The actor picker's loose index scan (audit.selectors.audit_actor_labels).
            models.Index(fields=["actor_label"], name="audit_actor_label_idx"),
            # The sequencer's queue: only unsealed rows, a handful at any time.
            models.Index(
                fields=["txid", "occurred_at"],
                condition=models.Q(seq__isnull=True),
                name="audit_unsealed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_label}"

    @property
    def sealed(self) -> bool:
        return self.seq is not None

    @property
    def changed_fields(self) -> list[str]:
        keys = set((self.before or {}).keys()) | set((self.after or {}).keys())
        return sorted(keys)


class AuditCheckpoint(models.Model):
    """A signed tree head: "on <signed_at> the tree had <seq> leaves with root <root_hash>".

    ``checkpoint`` is the C2SP tlog-checkpoint signed note (https://c2sp.org/tlog-checkpoint,
    https://c2sp.org/signed-note); ``head_hash`` is the hash of event #<seq>. Written by the
    sequencer after every batch and every 15 minutes by Celery beat (also when nothing
    happened), and appended to a file outside the database; verification compares the tree with
    the latest one. Rows from before the tree (no ``checkpoint``) signed only (seq, head_hash).
    """

    id = models.BigAutoField(primary_key=True)
    seq = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    signed_at = models.CharField(max_length=32)
    signature = models.CharField(max_length=200)
    key_id = models.CharField(max_length=32)
    root_hash = models.CharField(max_length=64, blank=True, default="", db_default="")
    checkpoint = models.TextField(blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit checkpoint")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq} at {self.signed_at}"


class AuditTreeNode(models.Model):
    """One node of the audit Merkle tree: the root of a perfect subtree (``audit.merkle``).

    ``id`` is ``level << 48 | index``; level 0 holds the leaf hashes. A cache for proofs,
    written by the sequencer with the seals; nothing trusts it: proofs are checked against the
    signed root, and ``verify_audit`` recomputes the tree from the events.
    """

    id = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("audit tree node")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"node {self.id >> 48}/{self.id & ((1 << 48) - 1)}"
