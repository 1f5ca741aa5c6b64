"""Administrator pages for outgoing governance events: endpoints and their delivery log.
Adapters only: parse, call one service or selector, answer."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.events import label_for
from common.forms import form_errors, message_errors
from notifications import channels as channel_services
from notifications import selectors, services, subscriptions
from notifications.forms import (
    NotificationChannelForm,
    NotificationSubscriptionForm,
    WebhookEndpointForm,
)
from notifications.models import WebhookDelivery

SESSION_SECRET = "attest_new_webhook_secret"  # noqa: S105 (a session key's name)


@login_required
def webhook_list(request):
    endpoints = selectors.webhook_endpoint_list(user=request.user)
    return render(request, "notifications/webhook_list.html", {"endpoints": endpoints})


@login_required
@require_http_methods(["GET", "POST"])
def webhook_create(request):
    selectors.webhook_endpoint_list(user=request.user)  # administrators only
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with form_errors(form) as call:
            endpoint, secret = services.webhook_endpoint_create(
                actor=request.user, **form.cleaned_data
            )
        if call.ok:
            request.session[SESSION_SECRET] = secret  # shown once, on the next page
            messages.success(request, _("Endpoint %(name)s added.") % {"name": endpoint.name})
            return redirect("notifications:webhook-detail", endpoint_id=endpoint.pk)
    return render(
        request,
        "notifications/webhook_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request, endpoint_id):
    endpoint = selectors.webhook_endpoint_get(user=request.user, endpoint_id=endpoint_id)
    initial = {"name": endpoint.name, "url": endpoint.url, "event_types": endpoint.event_types}
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with form_errors(form) as call:
            services.webhook_endpoint_update(
                actor=request.user, endpoint=endpoint, **form.cleaned_data
            )
        if call.ok:
            messages.success(request, _("Endpoint %(name)s saved.") % {"name": endpoint.name})
            return redirect("notifications:webhook-detail", endpoint_id=endpoint.pk)
    return render(
        request,
        "notifications/webhook_form.html",
        {"form": form, "endpoint": endpoint},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def webhook_detail(request, endpoint_id):
    endpoint = selectors.webhook_endpoint_get(user=request.user, endpoint_id=endpoint_id)
    state = request.GET.get("state", "")
    state = state if state in WebhookDelivery.State.values else ""
    rows = selectors.webhook_delivery_list(user=request.user, endpoint=endpoint, state=state)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.body_pretty = json.dumps(row.payload, indent=2, sort_keys=True, ensure_ascii=False)
    return render(
        request,
        "notifications/webhook_detail.html",
        {
            "endpoint": endpoint,
            "event_labels": [(t, label_for(t)) for t in endpoint.event_types],
            "page": page,
            "states": WebhookDelivery.State.choices,
            "current_state": state,
            "new_secret": request.session.pop(SESSION_SECRET, None),
            "max_attempts": settings.ATTEST_WEBHOOKS_MAX_ATTEMPTS,
        },
    )


@login_required
@require_POST
def webhook_toggle(request, endpoint_id):
    endpoint = selectors.webhook_endpoint_get(user=request.user, endpoint_id=endpoint_id)
    endpoint = services.webhook_endpoint_enabled_set(
        actor=request.user, endpoint=endpoint, is_enabled=not endpoint.is_enabled
    )
    messages.success(
        request,
        _("Endpoint enabled.")
        if endpoint.is_enabled
        else _("Endpoint disabled: it receives nothing until enabled again; its log stays."),
    )
    return redirect("notifications:webhook-detail", endpoint_id=endpoint.pk)


@login_required
@require_POST
def webhook_rotate(request, endpoint_id):
    endpoint = selectors.webhook_endpoint_get(user=request.user, endpoint_id=endpoint_id)
    request.session[SESSION_SECRET] = services.webhook_secret_rotate(
        actor=request.user, endpoint=endpoint
    )
    messages.success(
        request,
        _("New secret made. For 24 hours deliveries carry both signatures, the old and the new."),
    )
    return redirect("notifications:webhook-detail", endpoint_id=endpoint.pk)


@login_required
@require_POST
def webhook_delete(request, endpoint_id):
    endpoint = selectors.webhook_endpoint_get(user=request.user, endpoint_id=endpoint_id)
    name = endpoint.name
    services.webhook_endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(request, _("Endpoint %(name)s deleted.") % {"name": name})
    return redirect("notifications:webhook-list")


@login_required
@require_POST
def webhook_redeliver(request, endpoint_id, delivery_id):
    endpoint = selectors.webhook_endpoint_get(user=request.user, endpoint_id=endpoint_id)
    row = selectors.webhook_delivery_get(
        user=request.user, endpoint=endpoint, delivery_id=delivery_id
    )
    with message_errors(request) as call:
        services.webhook_delivery_redeliver(actor=request.user, delivery_row=row)
    if call.ok:
        messages.success(
            request, _("Event %(id)s queued for delivery again.") % {"id": row.event_id}
        )
    return redirect("notifications:webhook-detail", endpoint_id=endpoint.pk)


# --- Chat notification channels -----------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def channel_list(request):
    channels_ = selectors.notification_channel_list(user=request.user)
    form = NotificationChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with form_errors(form) as call:
            channel = channel_services.notification_channel_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                url=form.cleaned_data["url"],
                email_addresses=form.cleaned_data["email_addresses"],
                event_types=form.cleaned_data["event_types"],
                teams=list(form.cleaned_data["teams"]),
                digest=form.cleaned_data["digest"],
            )
        if call.ok:
            messages.success(request, _("Channel %(name)s added.") % {"name": channel.name})
            return redirect("notifications:channel-detail", channel_id=channel.pk)
    return render(
        request,
        "notifications/channel_list.html",
        {"channels": channels_, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def channel_detail(request, channel_id):
    channel = selectors.notification_channel_get(user=request.user, channel_id=channel_id)
    page = Paginator(channel.messages.order_by("-created_at"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/channel_detail.html",
        {
            "channel": channel,
            "page": page,
            "event_labels": [(t, label_for(t)) for t in channel.event_types],
            "teams": list(channel.teams.order_by("name")),
        },
    )


@login_required
@require_POST
def channel_toggle(request, channel_id):
    channel = selectors.notification_channel_get(user=request.user, channel_id=channel_id)
    channel = channel_services.notification_channel_enabled_set(
        actor=request.user, channel=channel, is_enabled=not channel.is_enabled
    )
    messages.success(
        request,
        _("Channel enabled.") if channel.is_enabled else _("Channel disabled: nothing is sent."),
    )
    return redirect("notifications:channel-detail", channel_id=channel.pk)


@login_required
@require_POST
def channel_delete(request, channel_id):
    channel = selectors.notification_channel_get(user=request.user, channel_id=channel_id)
    name = channel.name
    channel_services.notification_channel_delete(actor=request.user, channel=channel)
    messages.success(request, _("Channel %(name)s deleted.") % {"name": name})
    return redirect("notifications:channel-list")


@login_required
@require_POST
def message_resend(request, channel_id, message_id):
    channel = selectors.notification_channel_get(user=request.user, channel_id=channel_id)
    row = selectors.notification_message_get(
        user=request.user, channel=channel, message_id=message_id
    )
    with message_errors(request) as call:
        channel_services.notification_message_resend(actor=request.user, message=row)
    if call.ok:
        messages.success(request, _("Message queued to be sent again."))
    return redirect("notifications:channel-detail", channel_id=channel.pk)


# --- A person's own notifications -----------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request):
    """The signed-in person's subscription and the log of what was sent to them."""
    sub = selectors.my_subscription(user=request.user)
    if request.method == "POST" and "unsubscribe" in request.POST:
        with message_errors(request) as call:
            subscriptions.notification_subscription_delete(actor=request.user)
        if call.ok:
            messages.success(request, _("Unsubscribed: you receive no personal notifications."))
        return redirect("notifications:subscription-edit")
    initial = (
        {
            "event_types": sub.event_types,
            "teams": list(sub.teams.all()),
            "by_email": sub.by_email,
            "digest": sub.digest,
        }
        if sub
        else {}
    )
    form = NotificationSubscriptionForm(
        request.POST or None, initial=initial, teams=subscriptions.visible_teams(request.user)
    )
    if request.method == "POST" and form.is_valid():
        with form_errors(form) as call:
            subscriptions.notification_subscription_save(
                actor=request.user,
                event_types=form.cleaned_data["event_types"],
                teams=list(form.cleaned_data["teams"]),
                by_email=form.cleaned_data["by_email"],
                apprise_url=form.cleaned_data["apprise_url"],
                remove_url=form.cleaned_data["remove_url"],
                digest=form.cleaned_data["digest"],
            )
        if call.ok:
            messages.success(request, _("Your notifications are saved."))
            return redirect("notifications:subscription-edit")
    page = Paginator(selectors.my_message_list(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/subscription_edit.html",
        {"form": form, "subscription": sub, "page": page},
        status=400 if request.method == "POST" else 200,
    )
