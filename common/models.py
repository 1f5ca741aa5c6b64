"""Shared building blocks, and the one table the common app owns: the side-effect outbox.

``BaseModel`` is the abstract base of every Attest table. ``OutboxMessage`` holds every side
effect (Celery task: e-mail, registry write-back, document rendering, notifications) that a
service scheduled, written in the same transaction as the business change (see common/outbox.py).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """UUID primary key plus creation and update times, for every table Attest owns.

    UUIDs keep identifiers stable across registries and safe to show in URLs and audit events
    (no guessable sequence); the timestamps are timezone-aware.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class OutboxMessage(BaseModel):
    """A side effect the business owes: one Celery task to hand to the broker.

    A service that approves a request also owes the reviewers an e-mail and the registry a
    write-back. Both are written here, in the service's transaction, so they exist exactly when
    the change exists: a rolled-back change owes nothing, a committed one is never forgotten.
    This replaced ``transaction.on_commit(lambda: task.delay(...))``, which during a Redis
    outage answered the user with a 500 after the change had committed, and lost the e-mail.

    A row is ``SENT`` only once the broker accepted the message (in the embedded demo: once the
    task ran in-process). Until then it stays ``PENDING`` and the relay (right after commit,
    every 15 s from beat, and when a worker starts) keeps trying with exponential backoff,
    recording each failure. The row's id is the Celery task id, so a worker can recognise a
    message published twice (delivery is at least once).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")

    task_name = models.CharField(_("task"), max_length=200, help_text=_("Registered Celery name."))
    args = models.JSONField(_("positional arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The relay's only query: due pending rows, oldest first. Sent rows (almost all of
            # the table) stay out of the index.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="common_outbox_pending_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.get_status_display()})"

    @staticmethod
    def failing_after() -> int:
        """Failed attempts after which an undelivered message needs an administrator (broker
        down for long, a task name no worker knows): ``ATTEST_OUTBOX_FAILING_AFTER``, default 5."""
        return getattr(settings, "ATTEST_OUTBOX_FAILING_AFTER", 5)

    @property
    def is_failing(self) -> bool:
        return self.status == self.Status.PENDING and self.attempts >= self.failing_after()
