"""Forms of the monitoring pages. They parse and type input; meaning is checked by the services
(whose ValidationErrors the views put next to the fields)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.text import COMMENT, LONG_TEXT
from monitoring.models import Incident, RecertificationReview

DATETIME_WIDGET = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label, *, required: bool = False, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs=DATETIME_WIDGET, format=DATETIME_FORMAT),
    )


class ThresholdForm(forms.Form):
    metric = forms.CharField(
        label=_("Metric"),
        max_length=200,
        help_text=_("The metric name as monitoring posts it, e.g. auc."),
        widget=forms.TextInput(attrs={"list": "known-metrics", "autocomplete": "off"}),
    )
    environment = forms.ChoiceField(label=_("Environment"), required=False)
    min_value = forms.FloatField(
        label=_("Minimum"), required=False, help_text=_("Alert when a value falls below this.")
    )
    max_value = forms.FloatField(
        label=_("Maximum"), required=False, help_text=_("Alert when a value rises above this.")
    )
    max_drop_percent = forms.FloatField(
        label=_("Largest drop since approval (%)"),
        required=False,
        min_value=0.0001,
        max_value=100,
        help_text=_("Compared with the value in the approved deployment request, e.g. 5."),
    )
    mark_for_rereview = forms.BooleanField(
        label=_("Mark the approval for re-review on a breach"),
        required=False,
    )

    def __init__(self, *args, environments: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["environment"].choices = [("", _("Every environment"))] + [
            (e, e) for e in environments
        ]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        drop = data.get("max_drop_percent")
        return {
            "metric": data["metric"],
            "environment": data.get("environment") or "",
            "min_value": data.get("min_value"),
            "max_value": data.get("max_value"),
            "max_relative_drop": None if drop is None else drop / 100,
            "mark_for_rereview": bool(data.get("mark_for_rereview")),
        }

    @staticmethod
    def initial_from(threshold) -> dict:
        return {
            "metric": threshold.metric,
            "environment": threshold.environment,
            "min_value": threshold.min_value,
            "max_value": threshold.max_value,
            "max_drop_percent": threshold.drop_percent,
            "mark_for_rereview": threshold.mark_for_rereview,
        }


class CommentForm(forms.Form):
    comment = forms.CharField(
        max_length=COMMENT, widget=forms.Textarea(attrs={"rows": 3}), label=_("Comment")
    )


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Incident.Severity.choices, initial="medium"
    )
    model_version = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Version"), empty_label=_("— not version-specific —")
    )
    occurred_at = _datetime_field(_("When it happened"))
    aware_at = _datetime_field(
        _("When you became aware"),
        required=True,
        help_text=_("The Art. 73 reporting clock starts here (times in UTC)."),
    )
    serious = forms.BooleanField(
        label=_("Serious incident (Art. 3(49)): report it to the market-surveillance authority"),
        required=False,
    )
    serious_category = forms.ChoiceField(
        label=_("Art. 73 category"),
        required=False,
        choices=[("", "—"), *Incident.SeriousCategory.choices],
    )
    affected_people = forms.CharField(
        label=_("Affected people"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who and how many, as far as known."),
    )
    corrective_actions = forms.CharField(
        label=_("Corrective actions"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    report_stage = forms.ChoiceField(
        label=_("Report to the authority"),
        choices=Incident.ReportStage.choices,
        initial=Incident.ReportStage.NONE,
    )
    authority_reported_at = _datetime_field(_("Report sent on"))
    complete_report_at = _datetime_field(_("Complete report sent on"))
    status = forms.ChoiceField(
        label=_("Status"), choices=Incident.Status.choices, initial=Incident.Status.OPEN
    )

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model_version"].queryset = versions
        self.fields["model_version"].label_from_instance = lambda v: f"v{v.version}"

    def values(self) -> dict:
        return dict(self.cleaned_data)

    @staticmethod
    def initial_from(incident: Incident) -> dict:
        return {
            name: getattr(incident, name)
            for name in (
                "title",
                "description",
                "severity",
                "model_version",
                "occurred_at",
                "aware_at",
                "serious",
                "serious_category",
                "affected_people",
                "corrective_actions",
                "report_stage",
                "authority_reported_at",
                "complete_report_at",
                "status",
            )
        }


class ReviewCompleteForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=RecertificationReview.Outcome.choices)
    comment = forms.CharField(
        max_length=COMMENT,
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was reviewed (metrics, alerts, incidents, documentation) and concluded."),
    )
