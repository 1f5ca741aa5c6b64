"""The questionnaire form, built from the rule set's questions (no question is hard-coded)."""

from __future__ import annotations

from django import forms

from governance.models import Obligation
from governance.ruleset import RuleSet

NONE = "__none__"


def questionnaire_form(ruleset: RuleSet, data=None, initial: dict | None = None) -> forms.Form:
    fields = {}
    for q in ruleset.questions:
        label = q["text"]
        if q["type"] == "bool":
            field = forms.ChoiceField(
                label=label,
                required=False,
                widget=forms.RadioSelect,
                choices=[("yes", "Yes"), ("no", "No")],
            )
        elif q["type"] == "multi":
            field = forms.MultipleChoiceField(
                label=label,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=ruleset.options(q),
            )
        else:
            choices = ruleset.options(q)
            if q.get("allow_none"):
                choices = [(NONE, "None of these"), *choices]
            widget = forms.Select if len(choices) > 8 else forms.RadioSelect
            field = forms.ChoiceField(
                label=label,
                required=False,
                widget=widget,
                choices=[("", "—"), *choices] if widget is forms.Select else choices,
            )
        field.question = q
        fields[q["id"]] = field
    form_class = type("QuestionnaireForm", (forms.Form,), fields)
    init = {}
    for qid, value in (initial or {}).items():
        init[qid] = (
            {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value
        )
    return form_class(data=data, initial=init)


def answers_from(form: forms.Form) -> dict:
    """Raw answers from a bound form, typed for the rule set's validation."""
    answers = {}
    for name, field in form.fields.items():
        q = field.question
        raw = form.data.getlist(name) if q["type"] == "multi" else form.data.get(name, "")
        if q["type"] == "bool":
            if raw in ("yes", "no"):
                answers[name] = raw == "yes"
            elif raw:
                answers[name] = raw  # the validator explains the error
        elif q["type"] == "multi":
            if raw:
                answers[name] = list(raw)
        elif raw and raw != NONE:
            answers[name] = raw
    return answers


class ObligationForm(forms.Form):
    status = forms.ChoiceField(choices=Obligation.Status.choices)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    justification = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.CharField(required=False, max_length=150)


class EvidenceForm(forms.Form):
    file = forms.FileField(required=False)
    link = forms.URLField(required=False, assume_scheme="https")
    description = forms.CharField(required=False, max_length=500)


# --- Deployment approvals -------------------------------------------------------------------
class InboxFilterForm(forms.Form):
    """Reviewer inbox filters; choices come from the view (tiers, environments, teams)."""

    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search by model name"}),
    )
    tier = forms.ChoiceField(required=False, label="Risk tier")
    environment = forms.ChoiceField(required=False, label="Environment")
    team = forms.ChoiceField(required=False, label="Team")

    def __init__(self, *args, tiers=(), environments=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", "Any tier"), *tiers]
        self.fields["environment"].choices = [
            ("", "Any environment"),
            *[(e, e) for e in environments],
        ]
        self.fields["team"].choices = [("", "Any team"), *teams]


class DeploymentRequestForm(forms.Form):
    """What the owning team fills in to ask for a deployment. Only the shape is checked here:
    the meaning (known environment, ready version, metrics are finite numbers, http(s) links,
    one open request per version and environment) is the service's to enforce."""

    version = forms.ModelChoiceField(
        queryset=None,
        empty_label=None,
        help_text="Only versions whose registration is complete can be deployed.",
    )
    environment = forms.ChoiceField()
    justification = forms.CharField(
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why this version should go to this environment: what changed and how it "
        "was validated.",
    )
    metrics = forms.CharField(
        required=False,
        label="Metrics (JSON)",
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "class": "input--mono",
                "placeholder": '{"auc": 0.91, "ks": 0.47}',
                "spellcheck": "false",
            }
        ),
        help_text="Optional. A JSON object of metric name → number, shown to the reviewers.",
    )
    links = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://…"}),
        help_text="Optional. Validation reports, dashboards, tickets: one http(s) URL per line.",
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
                f"Not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}). "
                'Example: {"auc": 0.91}'
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError('A JSON object is expected, e.g. {"auc": 0.91}.')
        return value

    def clean_links(self):
        return [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    """Withdraw (reason optional) and revoke (the service requires one)."""

    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
