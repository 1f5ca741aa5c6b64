"""The webhook endpoint form (the service checks everything again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.events import all_event_types


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
