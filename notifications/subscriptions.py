"""Personal notifications: a signed-in person subscribes themselves to governance events about
the models they may see, by e-mail and/or to their own apprise URL (each change audited), and
hears of each event through the same message rows, outbox and retries as team channels.

Visibility is the catalog's rule (``catalog.access.model_service_can_view``), asked twice: when
the event is fanned out (nothing is recorded about a model the person does not see) and again
when the message is sent (``channels._claim``), because access can be withdrawn while a message
waits for a retry.
"""

from __future__ import annotations

from typing import Any

import apprise
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team
from accounts.roles import PORTFOLIO_ROLES, has_role
from audit.services import audit_record
from catalog.access import is_active_person, model_service_can_view
from catalog.models import ModelService
from catalog.selectors import model_service_visible
from common import crypto, errors
from common.events import all_event_types
from common.outbox import outbox_enqueue
from notifications import messages
from notifications.audit_actions import NOTIFICATION_SUBSCRIBED, NOTIFICATION_UNSUBSCRIBED
from notifications.channels import NOTIFY_TASK, first_state, model_of
from notifications.models import (
    NotificationChannel,
    NotificationMessage,
    NotificationSubscription,
)

Medium = NotificationMessage.Medium


def visible_teams(user) -> QuerySet[Team]:
    """What a person may follow: every team for the portfolio roles (they see every model),
    otherwise their own teams, the teams whose reviewer pool they are in, and the teams owning
    a model shared with them."""
    if has_role(user, *PORTFOLIO_ROLES):
        return Team.objects.order_by("name")
    return (
        Team.objects.filter(
            Q(group__user=user)
            | Q(reviewers=user)
            | Q(pk__in=model_service_visible(user=user).values("owner_team_id"))
        )
        .distinct()
        .order_by("name")
    )


def withheld_reason(user, model_service_id) -> str:
    """Why a message to ``user`` about that model may not go out ("" when it may)."""
    if not is_active_person(user):
        return _("Not sent: the account is no longer active.")
    model = ModelService.objects.filter(pk=model_service_id).first() if model_service_id else None
    if model is None or not model_service_can_view(user, model):
        return _("Not sent: you may no longer see the model this event is about.")
    return ""


def _summary(sub: NotificationSubscription) -> dict[str, Any]:
    return {
        "event_types": sub.event_types,
        "teams": sorted(t.slug for t in sub.teams.all()) or "all visible",
        "by_email": sub.by_email,
        "apprise": sub.service or None,
        "digest": sub.digest,
    }


def _require_person(actor) -> None:
    if not is_active_person(actor):
        raise PermissionDenied(_("Personal notifications are for people signed in."))


@transaction.atomic
def notification_subscription_save(
    *,
    actor,
    event_types: list[str],
    teams: list[Team] | None = None,
    by_email: bool = False,
    apprise_url: str = "",
    remove_url: bool = False,
    digest: str = NotificationChannel.Digest.IMMEDIATE,
) -> NotificationSubscription:
    """Subscribe ``actor`` to the chosen events of the chosen teams' models (none: every team
    whose models they see), or change what they hear and where. An empty ``apprise_url`` keeps
    the one stored (it is never shown again); ``remove_url`` drops it. At least one way of
    hearing is needed: e-mail (with an address on the account) or an apprise URL."""
    _require_person(actor)
    problems: dict[str, list[str]] = {}
    known = {t.type for t in all_event_types()}
    chosen = sorted(set(event_types or []))
    if not chosen or set(chosen) - known:
        problems["event_types"] = [_("Choose at least one of the listed events.")]
    allowed = set(visible_teams(actor).values_list("pk", flat=True))
    teams = list(teams or [])
    if any(t.pk not in allowed for t in teams):
        problems["teams"] = [_("Choose among the teams whose models you see.")]
    url = (apprise_url or "").strip()
    if url and (len(url) > 2000 or not apprise.Apprise().add(url)):
        problems["apprise_url"] = [
            _("Not an apprise URL this server can send to, e.g. slack://… or ntfy://….")
        ]
    if digest not in NotificationChannel.Digest.values:
        problems["digest"] = [_("Immediately or as a daily digest.")]
    if by_email and not actor.email:
        problems["by_email"] = [_("Your account has no e-mail address.")]
    sub = NotificationSubscription.objects.select_for_update().filter(user=actor).first()
    keeps_url = bool(sub and sub.url_encrypted and not remove_url)
    if not problems and not by_email and not url and not keeps_url:
        problems["__all__"] = [_("Choose e-mail, an apprise URL, or both.")]
    if problems:
        raise errors.ValidationError(problems)
    before = _summary(sub) if sub else None
    if sub is None:
        sub = NotificationSubscription(user=actor)
    sub.event_types, sub.by_email, sub.digest = chosen, bool(by_email), digest
    if url:
        sub.url_encrypted, sub.service = crypto.encrypt(url), url.split("://", 1)[0].lower()
    elif remove_url:
        sub.url_encrypted, sub.service = "", ""
    sub.save()
    sub.teams.set(teams)
    after = _summary(sub)
    if url and before and before["apprise"]:
        after["apprise_url_replaced"] = True
    if before != after:
        audit_record(
            actor=actor, action=NOTIFICATION_SUBSCRIBED, target=sub, before=before, after=after
        )
    return sub


@transaction.atomic
def notification_subscription_delete(*, actor) -> None:
    """Unsubscribe ``actor`` from every personal notification (their message log goes too)."""
    _require_person(actor)
    sub = NotificationSubscription.objects.select_for_update().filter(user=actor).first()
    if sub is None:
        return
    audit_record(actor=actor, action=NOTIFICATION_UNSUBSCRIBED, target=sub, before=_summary(sub))
    sub.delete()


def _media(sub: NotificationSubscription) -> list[str]:
    return [
        m for m, on in ((Medium.EMAIL, sub.by_email), (Medium.APPRISE, sub.url_encrypted)) if on
    ]


def event_dispatch(envelope: dict[str, Any]) -> int:
    """One message per medium of every subscription to the event's type, of a person who may
    see the model it is about (and follows its team, when they chose teams); each first
    attempt queued. Idempotent on (subscription, medium, event id)."""
    event_type, model_id = envelope["type"], model_of(envelope)
    model = ModelService.objects.filter(pk=model_id).first() if model_id else None
    if model is None:
        return 0
    title, body = messages.render(envelope)
    added = 0
    with transaction.atomic():
        now = timezone.now()
        subs = NotificationSubscription.objects.select_related("user").prefetch_related("teams")
        for sub in subs:
            if event_type not in sub.event_types or not is_active_person(sub.user):
                continue
            followed = {t.pk for t in sub.teams.all()}
            if followed and model.owner_team_id not in followed:
                continue
            if not model_service_can_view(sub.user, model):
                continue
            for medium in _media(sub):
                try:
                    with transaction.atomic():
                        row = NotificationMessage.objects.create(
                            subscription=sub,
                            medium=medium,
                            event_id=envelope["id"],
                            event_type=event_type,
                            model_service_id=model.pk,
                            title=title,
                            body=body,
                            link=messages.link_of(envelope),
                            **first_state(sub.digest, now),
                        )
                except IntegrityError:
                    continue
                if row.state == NotificationMessage.State.PENDING:
                    outbox_enqueue(NOTIFY_TASK, str(row.pk))
                added += 1
    return added
