"""The questionnaire form, built from the rule set's questions (no question is hard-coded)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.text import COMMENT, JUSTIFICATION
from risk.models import Obligation
from risk.ruleset import RuleSet

NONE = "__none__"


def questionnaire_form(ruleset: RuleSet, data=None, initial: dict | None = None) -> forms.Form:
    ruleset = ruleset.localized()  # labels in the active language; values stay the rule set's
    fields = {}
    for q in ruleset.questions:
        label = q["text"]
        if q["type"] == "bool":
            field = forms.ChoiceField(
                label=label,
                required=False,
                widget=forms.RadioSelect,
                choices=[("yes", _("Yes")), ("no", _("No"))],
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
                choices = [(NONE, _("None of these")), *choices]
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
    status = forms.ChoiceField(label=_("Status"), choices=Obligation.Status.choices)
    due_date = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        max_length=JUSTIFICATION,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner = forms.CharField(label=_("Owner"), required=False, max_length=150)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"), required=False)
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    description = forms.CharField(label=_("Note"), required=False, max_length=500)


class ReviewForm(forms.Form):
    """A compliance officer's note when confirming (optional) or returning (required) a
    proposed assessment; the service says when it is missing."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ObligationPlanForm(forms.Form):
    """The checklist's bulk form: the ticked obligations get one owner and/or one due date
    (an empty choice leaves that part of each item as it is)."""

    NO_OWNER = "~"  # no username has a tilde (Django's username validator refuses it)

    obligations = forms.MultipleChoiceField(label=_("Obligations"), choices=())
    owner = forms.CharField(label=_("Owner"), required=False, max_length=150)
    due_date = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, obligations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["obligations"].choices = [(str(o.pk), o.title) for o in obligations]
