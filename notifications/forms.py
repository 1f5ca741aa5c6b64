"""The webhook endpoint form (the service checks everything again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.events import all_event_types
from notifications.models import NotificationChannel


def _event_choices() -> list[tuple[str, str]]:
    return [(t.type, f"{t.label} ({t.type})") for t in all_event_types()]


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Where Attest POSTs the events, signed per Standard Webhooks. Use https; private "
            "and loopback addresses are refused unless ATTEST_WEBHOOKS_ALLOW_PRIVATE_TARGETS."
        ),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=_event_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )


class NotificationChannelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=NotificationChannel.Kind.choices,
        initial=NotificationChannel.Kind.APPRISE,
        required=False,
        widget=forms.RadioSelect,
    )
    url = forms.CharField(
        label=_("apprise URL"),
        max_length=2000,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "The channel in apprise's syntax, e.g. slack://TokenA/TokenB/TokenC/#reviews or "
            "msteams://…; it holds the service's token, so it is stored encrypted and not shown "
            "again."
        ),
    )
    email_addresses = forms.CharField(
        label=_("E-mail addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For an e-mail channel: one address per line (or separated by commas)."),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=_event_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only events about these teams' models; none chosen: every team."),
    )
    digest = forms.ChoiceField(
        label=_("When"),
        choices=NotificationChannel.Digest.choices,
        initial=NotificationChannel.Digest.IMMEDIATE,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_digest(self):
        return self.cleaned_data["digest"] or NotificationChannel.Digest.IMMEDIATE

    def clean_kind(self):
        return self.cleaned_data["kind"] or NotificationChannel.Kind.APPRISE

    def clean_email_addresses(self):
        raw = self.cleaned_data["email_addresses"] or ""
        return [a for a in raw.replace(",", "\n").split() if a]

    def __init__(self, *args, **kwargs):
        from accounts.models import Team

        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.order_by("name")


class NotificationSubscriptionForm(forms.Form):
    """A person's own subscription (the service checks everything again, visibility first)."""

    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=_event_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only events about these teams' models; none chosen: every team you see."),
    )
    by_email = forms.BooleanField(label=_("By e-mail"), required=False)
    apprise_url = forms.CharField(
        label=_("Personal apprise URL"),
        max_length=2000,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Your own chat or push destination in apprise's syntax, e.g. ntfy://my-topic or "
            "slack://TokenA/TokenB/TokenC/@me; stored encrypted and not shown again. Leave "
            "empty to keep the one stored."
        ),
    )
    remove_url = forms.BooleanField(label=_("Remove the stored apprise URL"), required=False)
    digest = forms.ChoiceField(
        label=_("When"),
        choices=NotificationChannel.Digest.choices,
        initial=NotificationChannel.Digest.IMMEDIATE,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_digest(self):
        return self.cleaned_data["digest"] or NotificationChannel.Digest.IMMEDIATE

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams
