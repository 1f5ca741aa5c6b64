"""Deployment request, decision and inbox forms (HTML)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from approvals.services import links_clean, metrics_clean
from common.text import COMMENT, JUSTIFICATION


# --- Deployment approvals -------------------------------------------------------------------
class InboxFilterForm(forms.Form):
    """Reviewer inbox filters; choices come from the view (tiers, environments, teams)."""

    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search by model name")}),
    )
    tier = forms.ChoiceField(required=False, label=_("Risk tier"))
    environment = forms.ChoiceField(required=False, label=_("Environment"))
    team = forms.ChoiceField(required=False, label=_("Team"))

    def __init__(self, *args, tiers=(), environments=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", _("Any tier")), *tiers]
        self.fields["environment"].choices = [
            ("", _("Any environment")),
            *[(e, e) for e in environments],
        ]
        self.fields["team"].choices = [("", _("Any team")), *teams]


class DeploymentRequestForm(forms.Form):
    """What the owning team fills in to ask for a deployment. Only the shape is checked here:
    the meaning (known environment, ready version, metrics are finite numbers, http(s) links,
    one open request per version and environment) is the service's to enforce."""

    version = forms.ModelChoiceField(
        queryset=None,
        empty_label=None,
        label=_("Version"),
        help_text=_("Only versions whose registration is complete can be deployed."),
    )
    environment = forms.ChoiceField(label=_("Environment"))
    justification = forms.CharField(
        max_length=JUSTIFICATION,
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("Justification"),
        help_text=_(
            "Why this version should go to this environment: what changed and how it was validated."
        ),
    )
    metrics = forms.CharField(
        required=False,
        label=_("Metrics (JSON)"),
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "class": "input--mono",
                "placeholder": '{"auc": 0.91, "ks": 0.47}',
                "spellcheck": "false",
            }
        ),
        help_text=_("Optional. A JSON object of metric name → number, shown to the reviewers."),
    )
    links = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://…"}),
        label=_("Links"),
        help_text=_("Optional. Validation reports, dashboards, tickets: one http(s) URL per line."),
    )

    def __init__(self, *args, versions, environments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = versions
        self.fields["version"].label_from_instance = lambda v: (
            f"v{v.version}" + (f" — {v.run_id[:12]}" if v.run_id else "")
        )
        self.fields["environment"].choices = [(e, e) for e in environments]

    def clean_metrics(self):
        import json

        raw = self.cleaned_data["metrics"].strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _(
                    "Not valid JSON (%(problem)s at line %(line)s, column %(column)s). "
                    'Example: {"auc": 0.91}'
                )
                % {"problem": exc.msg, "line": exc.lineno, "column": exc.colno}
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_('A JSON object is expected, e.g. {"auc": 0.91}.'))
        return _checked(metrics_clean, value, "metrics")

    def clean_links(self):
        links = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        return _checked(links_clean, links, "links")


def _checked(check, value, name: str):
    """Run the service's own shape check here, so a submit shows every error at once (the
    service checks again: it is the API's only check)."""
    try:
        return check(value)
    except ValidationError as exc:
        raise forms.ValidationError(exc.message_dict.get(name, exc.messages)) from exc


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReasonForm(forms.Form):
    """Withdraw (reason optional) and revoke (the service requires one)."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=JUSTIFICATION,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
