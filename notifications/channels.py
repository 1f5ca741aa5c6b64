"""Chat and push notifications (apprise): channels administrators configure (each change
audited), and one message per governance event to each subscribed channel, retried on the
same schedule as webhook deliveries.

apprise (https://github.com/caronc/apprise, BSD-2-Clause) speaks Slack, Microsoft Teams,
Mattermost, Google Chat, e-mail and many more through one URL syntax
(``slack://T…/B…/…``, ``msteams://…``, ``json://host/path``); the URL holds the service's
token, so it is stored encrypted and shown nowhere. Unlike webhook endpoints, apprise does the
HTTP itself: channels are trusted configuration of administrators, not checked for private
addresses.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

import apprise
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team
from audit.services import audit_record
from common import crypto, errors
from common.events import all_event_types
from common.outbox import outbox_enqueue
from notifications import access, messages
from notifications.audit_actions import (
    NOTIFICATION_CHANNEL_CREATED,
    NOTIFICATION_CHANNEL_DELETED,
    NOTIFICATION_CHANNEL_DISABLED,
    NOTIFICATION_CHANNEL_ENABLED,
    NOTIFICATION_MESSAGE_FAILED,
    NOTIFICATION_MESSAGE_RESENT,
)
from notifications.models import NotificationChannel, NotificationMessage
from notifications.services import ATTEMPT_LEASE, backoff

NOTIFY_TASK = "notifications.tasks.notify"
State = NotificationMessage.State


def _require_admin(actor) -> None:
    if not access.can_manage_webhooks(actor):
        raise PermissionDenied(_("Notification channels are for administrators."))


MAX_ADDRESSES = 50


def _is_email(address: str) -> bool:
    try:
        validate_email(address)
    except DjangoValidationError:
        return False
    return True


def _service_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


@transaction.atomic
def notification_channel_create(
    *,
    actor,
    name: str,
    url: str = "",
    event_types: list[str],
    teams: list[Team] | None = None,
    digest: str = NotificationChannel.Digest.IMMEDIATE,
    kind: str = NotificationChannel.Kind.APPRISE,
    email_addresses: list[str] | None = None,
) -> NotificationChannel:
    """Add a channel for the chosen events of the chosen teams (none: every team), told of
    each event at once or in a daily digest: an apprise URL, or e-mail addresses Django's
    mail sends to."""
    _require_admin(actor)
    name, url = (name or "").strip(), (url or "").strip()
    problems: dict[str, list[str]] = {}
    if not name or len(name) > 120:
        problems["name"] = [_("Give the channel a name (at most 120 characters).")]
    addresses = sorted({a.strip().lower() for a in email_addresses or [] if a.strip()})
    if kind == NotificationChannel.Kind.EMAIL:
        url = ""
        bad = [a for a in addresses if not _is_email(a)]
        if not addresses or bad or len(addresses) > MAX_ADDRESSES:
            problems["email_addresses"] = [
                _("Give 1 to %(max)d valid e-mail addresses, one per line%(bad)s.")
                % {"max": MAX_ADDRESSES, "bad": f" ({bad[0]})" if bad else ""}
            ]
    elif kind == NotificationChannel.Kind.APPRISE:
        addresses = []
        if not url or len(url) > 2000 or not apprise.Apprise().add(url):
            problems["url"] = [
                _("Not an apprise URL this server can send to, e.g. slack://… or msteams://….")
            ]
    else:
        problems["kind"] = [_("An apprise URL or e-mail.")]
    known = {t.type for t in all_event_types()}
    chosen = sorted(set(event_types or []))
    if not chosen or set(chosen) - known:
        problems["event_types"] = [_("Choose at least one of the listed events.")]
    if digest not in NotificationChannel.Digest.values:
        problems["digest"] = [_("Immediately or as a daily digest.")]
    if problems:
        raise errors.ValidationError(problems)
    channel = NotificationChannel.objects.create(
        name=name,
        kind=kind,
        url_encrypted=crypto.encrypt(url) if url else "",
        email_addresses=addresses,
        service=_service_of(url) if url else "email",
        event_types=chosen,
        digest=digest,
    )
    channel.teams.set(teams or [])
    audit_record(
        actor=actor,
        action=NOTIFICATION_CHANNEL_CREATED,
        target=channel,
        after={
            "name": name,
            "service": channel.service,
            "event_types": chosen,
            "teams": sorted(t.slug for t in teams or []) or "all",
            "digest": digest,
            **({"email_addresses": addresses} if addresses else {}),
        },
    )
    return channel


@transaction.atomic
def notification_channel_enabled_set(
    *, actor, channel: NotificationChannel, is_enabled: bool
) -> NotificationChannel:
    _require_admin(actor)
    channel = NotificationChannel.objects.select_for_update().get(pk=channel.pk)
    if channel.is_enabled != is_enabled:
        channel.is_enabled = is_enabled
        channel.save(update_fields=["is_enabled", "updated_at"])
        audit_record(
            actor=actor,
            action=NOTIFICATION_CHANNEL_ENABLED if is_enabled else NOTIFICATION_CHANNEL_DISABLED,
            target=channel,
            before={"is_enabled": not is_enabled},
            after={"is_enabled": is_enabled},
        )
    return channel


@transaction.atomic
def notification_channel_delete(*, actor, channel: NotificationChannel) -> None:
    _require_admin(actor)
    channel = NotificationChannel.objects.select_for_update().get(pk=channel.pk)
    audit_record(
        actor=actor,
        action=NOTIFICATION_CHANNEL_DELETED,
        target=channel,
        before={
            "name": channel.name,
            "service": channel.service,
            "messages": channel.messages.count(),
        },
    )
    channel.delete()


@transaction.atomic
def notification_message_resend(*, actor, message: NotificationMessage) -> NotificationMessage:
    """Send a message again now, as a new round of attempts."""
    _require_admin(actor)
    row = (
        NotificationMessage.objects.select_for_update(of=("self",))
        .select_related("channel")
        .get(pk=message.pk)
    )
    if not row.channel.is_enabled:
        raise errors.Conflict(_("This channel is disabled: enable it before sending again."))
    before = {"state": row.state, "attempts": row.attempts}
    row.state, row.attempts, row.next_attempt_at = State.PENDING, 0, timezone.now()
    row.save(update_fields=["state", "attempts", "next_attempt_at", "updated_at"])
    audit_record(
        actor=actor,
        action=NOTIFICATION_MESSAGE_RESENT,
        target=row.channel,
        before=before,
        after={"event_id": row.event_id, "event_type": row.event_type},
    )
    outbox_enqueue(NOTIFY_TASK, str(row.pk))
    return row


def event_dispatch(envelope: dict[str, Any]) -> int:
    """One message per enabled channel subscribed to the event's type and its team; each first
    attempt queued. Idempotent on (channel, event id)."""
    event_type = envelope["type"]
    team = (envelope.get("data") or {}).get("team")
    title, body = messages.render(envelope)
    added = 0
    with transaction.atomic():
        now = timezone.now()
        for channel in NotificationChannel.objects.filter(is_enabled=True).prefetch_related(
            "teams"
        ):
            slugs = {t.slug for t in channel.teams.all()}
            if event_type not in channel.event_types or (slugs and team not in slugs):
                continue
            try:
                with transaction.atomic():
                    row = NotificationMessage.objects.create(
                        channel=channel,
                        event_id=envelope["id"],
                        event_type=event_type,
                        medium=channel.kind,
                        model_service_id=model_of(envelope),
                        title=title,
                        body=body,
                        link=messages.link_of(envelope),
                        **first_state(channel.digest, now),
                    )
            except IntegrityError:
                continue
            if row.state == State.PENDING:
                outbox_enqueue(NOTIFY_TASK, str(row.pk))
            added += 1
    return added


def model_of(envelope: dict[str, Any]) -> str | None:
    """The id of the model the event is about (every declared type carries ``model_id``)."""
    return (envelope.get("data") or {}).get("model_id") or None


def first_state(digest: str, now) -> dict[str, Any]:
    """A new message is sent at once, or held for the daily digest (``notifications.digests``)."""
    if digest == NotificationChannel.Digest.DAILY:
        return {"state": State.HELD, "next_attempt_at": None}
    return {"state": State.PENDING, "next_attempt_at": now}


def _withheld(row: NotificationMessage) -> str:
    """Why a message may not be sent now ("" when it may): a disabled channel; for a person,
    an account no longer active or a model they may no longer see (checked at send time, not
    only when recorded: access changes while a message waits for its retry or its digest)."""
    if row.channel_id:
        return "" if row.channel.is_enabled else _("Not sent: the channel is disabled.")
    from notifications import digests, subscriptions

    user = row.subscription.user
    if row.event_type == digests.DIGEST_TYPE:
        if not subscriptions.is_active_person(user):
            return _("Not sent: the account is no longer active.")
        if not digests.digest_refresh(row):
            return _("Not sent: you may no longer see the models of these events.")
        return ""
    return subscriptions.withheld_reason(user, row.model_service_id)


def _withhold(row: NotificationMessage, reason: str) -> None:
    row.next_attempt_at = None
    row.last_error = reason
    if row.subscription_id:
        # What the event said is no business of someone who may no longer see the model.
        row.state, row.title, row.body = State.CANCELLED, _("Withheld event"), ""
    else:
        row.state = State.FAILED
    row.save(
        update_fields=["state", "last_error", "next_attempt_at", "title", "body", "updated_at"]
    )


def _claim(message_id: str, now) -> NotificationMessage | None:
    with transaction.atomic():
        row = (
            NotificationMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("channel", "subscription__user")
            .filter(pk=message_id, state__in=NotificationMessage.DUE_STATES)
            .first()
        )
        if row is None or (row.next_attempt_at and row.next_attempt_at > now):
            return None
        reason = _withheld(row)
        if reason:
            _withhold(row, reason)
            return None
        row.next_attempt_at = now + ATTEMPT_LEASE
        row.save(update_fields=["next_attempt_at", "updated_at"])
        return row


def _send(url: str, title: str, body: str) -> str:
    """Send through apprise; the error ("" when sent). apprise reports failures in its log
    and returns False, so its warnings are captured as the reason."""
    sender = apprise.Apprise()
    if not sender.add(url):
        return _("The stored URL is no longer one apprise can send to.")
    with apprise.LogCapture(level=logging.WARNING) as captured:
        sent = sender.notify(title=title, body=body)
    if sent:
        return ""
    text = " ".join(captured.getvalue().split())
    return (text or _("The service refused the message."))[-500:]


def _send_mail(recipients: list[str], title: str, body: str) -> str:
    """Send through Django's mail (EMAIL_BACKEND); the error ("" when sent)."""
    if not recipients:
        return _("No e-mail address to send to.")
    try:
        send_mail(subject=title, message=body, from_email=None, recipient_list=recipients)
    except (smtplib.SMTPException, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    return ""


def _deliver(row: NotificationMessage) -> str:
    """Send ``row`` by its medium to its target; the error ("" when sent)."""
    target = row.channel if row.channel_id else row.subscription
    if row.medium == NotificationMessage.Medium.EMAIL:
        if row.channel_id:
            recipients = list(row.channel.email_addresses)
        else:
            recipients = [row.subscription.user.email] if row.subscription.user.email else []
        return _send_mail(recipients, row.title, row.body)
    if not target.url_encrypted:
        return _("No apprise URL is set any more.")
    return _send(crypto.decrypt(target.url_encrypted), row.title, row.body)


def notification_message_send(*, message_id: str) -> NotificationMessage | None:
    """Send one due message once and record the outcome (retry later, or failed for good)."""
    now = timezone.now()
    row = _claim(message_id, now)
    if row is None:
        return None
    error = _deliver(row)
    with transaction.atomic():
        row = (
            NotificationMessage.objects.select_for_update(of=("self",))
            .select_related("channel", "subscription__user")
            .get(pk=row.pk)
        )
        row.attempts += 1
        row.last_attempt_at = timezone.now()
        row.last_error = error
        if not error:
            row.state, row.sent_at, row.next_attempt_at = State.DELIVERED, row.last_attempt_at, None
        elif row.attempts >= settings.ATTEST_WEBHOOKS_MAX_ATTEMPTS:
            row.state, row.next_attempt_at = State.FAILED, None
            audit_record(
                actor=None,
                action=NOTIFICATION_MESSAGE_FAILED,
                target=row.target,
                after={"event_id": row.event_id, "attempts": row.attempts, "error": error},
            )
        else:
            row.state = State.RETRYING
            row.next_attempt_at = row.last_attempt_at + backoff(row.attempts)
        row.save()
    return row


def notification_messages_due(*, limit: int = 100) -> list[str]:
    return [
        str(pk)
        for pk in NotificationMessage.objects.filter(
            state__in=NotificationMessage.DUE_STATES, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    ]
