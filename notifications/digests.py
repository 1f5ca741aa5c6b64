"""Daily digests: a channel or a person's subscription in digest mode gets one message a day
listing that day's events, each with its link, instead of one message per event.

Events are held (``NotificationMessage.State.HELD``) when fanned out. The beat task
(``notifications.tasks.send_digests``, hourly) gathers the held messages of every day that has
ended (in ``TIME_ZONE``) per target and medium into one digest message with the event id
``digest_<day>``: unique per target like any event, so a rerun (beat's next tick, a worker
restart, two workers at once) never sends a day twice; the entries are marked "digested" in the
same transaction. A day with no event sends nothing. The digest then goes out like any message,
through the outbox, with the same retries and failures shown.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.outbox import outbox_enqueue
from notifications import messages
from notifications.channels import NOTIFY_TASK
from notifications.models import NotificationMessage

DIGEST_TYPE = "digest.daily"
State = NotificationMessage.State


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def digest_entries_visible(digest: NotificationMessage) -> list[NotificationMessage]:
    """The entries a person's digest may still name (visibility asked now, per entry); every
    entry of a channel's digest."""
    entries = list(digest.entries.order_by("created_at"))
    if not digest.subscription_id:
        return entries
    from notifications.subscriptions import withheld_reason

    user = digest.subscription.user
    return [e for e in entries if not withheld_reason(user, e.model_service_id)]


def _compose(day: date, entries: list[NotificationMessage]) -> tuple[str, str]:
    return messages.render_digest(day.isoformat(), [(e.title, e.link) for e in entries])


def digests_send(*, now: datetime | None = None) -> int:
    """Make the digest of every ended day that still has held messages, per target and medium,
    and queue each for sending. Returns how many digests were made (0 on a rerun)."""
    now = now or timezone.now()
    today_start = _start_of(timezone.localdate(now))
    made = 0
    with transaction.atomic():
        held = list(
            NotificationMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription__user")
            .filter(state=State.HELD, created_at__lt=today_start)
            .order_by("created_at")
        )
        groups: dict[tuple, list[NotificationMessage]] = defaultdict(list)
        for row in held:
            day = timezone.localdate(row.created_at)
            groups[(row.channel_id, row.subscription_id, row.medium, day)].append(row)
        for (channel_id, subscription_id, medium, day), entries in groups.items():
            if subscription_id:
                from notifications.subscriptions import withheld_reason

                user = entries[0].subscription.user
                gone = [e for e in entries if withheld_reason(user, e.model_service_id)]
                NotificationMessage.objects.filter(pk__in=[e.pk for e in gone]).update(
                    state=State.CANCELLED,
                    title=_("Withheld event"),
                    body="",
                    last_error=_("Not sent: you may no longer see the model this event is about."),
                    updated_at=now,
                )
                entries = [e for e in entries if e not in gone]
            if not entries:
                continue
            title, body = _compose(day, entries)
            try:
                with transaction.atomic():
                    digest = NotificationMessage.objects.create(
                        channel_id=channel_id,
                        subscription_id=subscription_id,
                        medium=medium,
                        event_id=f"digest_{day.isoformat()}",
                        event_type=DIGEST_TYPE,
                        title=title,
                        body=body,
                        next_attempt_at=now,
                    )
            except IntegrityError:
                continue  # that day's digest exists: never twice
            NotificationMessage.objects.filter(pk__in=[e.pk for e in entries]).update(
                state=State.DIGESTED, digest=digest, updated_at=now
            )
            outbox_enqueue(NOTIFY_TASK, str(digest.pk))
            made += 1
    return made


def digest_refresh(digest: NotificationMessage) -> bool:
    """Before a person's digest is sent (again), drop the entries they may no longer see and
    rewrite it; False when none is left (then it is not sent)."""
    entries = digest_entries_visible(digest)
    if not entries:
        return False
    if len(entries) != digest.entries.count():
        day = date.fromisoformat(digest.event_id.removeprefix("digest_"))
        digest.title, digest.body = _compose(day, entries)
        digest.save(update_fields=["title", "body", "updated_at"])
    return True
