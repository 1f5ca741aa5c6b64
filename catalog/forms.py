"""Forms for catalog pages. They parse input; the service decides and writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from accounts.roles import is_admin
from catalog.models import ModelService
from catalog.selectors import SORTS
from common.text import COMMENT, JUSTIFICATION

_TEXTAREA = {"rows": 3}


class CatalogFilterForm(forms.Form):
    """Search, filters and sort of the catalog list (GET parameters)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, purpose, team, tag…"), "type": "search"}
        ),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        label=_("Team"),
        empty_label=_("All teams"),
    )
    lifecycle = forms.ChoiceField(
        label=_("Lifecycle"),
        required=False,
        choices=[("", _("Any lifecycle")), *ModelService.Lifecycle.choices],
    )
    risk_tier = forms.ChoiceField(
        label=_("Risk tier"),
        required=False,
        choices=[("", _("Any risk tier")), *ModelService.RiskTier.choices],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("team", _("Team")),
            ("risk", _("Risk tier")),
            ("lifecycle", _("Lifecycle")),
            ("-updated", _("Recently updated")),
        ],
    )

    def clean_sort(self):
        sort = self.cleaned_data.get("sort") or "name"
        return sort if sort in SORTS else "name"


class ModelMetadataForm(forms.ModelForm):
    """The business metadata the owning team keeps about a model.

    ``owner_team`` is offered to admins only (``user``): model owners move a model with a move
    request the receiving team accepts (``TeamMoveRequestForm``), so their form offers no team.
    """

    tags = forms.CharField(
        required=False,
        max_length=500,
        label=_("Tags"),
        help_text=_("Comma-separated, e.g. credit, customer-facing."),
    )

    class Meta:
        model = ModelService
        fields = [
            "description",
            "purpose",
            "intended_use",
            "intended_users",
            "out_of_scope_use",
            "owner_team",
            "stakeholders",
            "lifecycle_status",
            "training_data",
            "input_features",
            "parameters",
            "results",
            "limitations",
            "reproduction",
            "tags",
        ]
        widgets = {
            name: forms.Textarea(attrs=_TEXTAREA)
            for name in (
                "description",
                "purpose",
                "intended_use",
                "intended_users",
                "out_of_scope_use",
                "stakeholders",
                "training_data",
                "input_features",
                "parameters",
                "results",
                "limitations",
                "reproduction",
            )
        }
        labels = {
            "description": _("Description"),
            "purpose": _("Purpose and business context"),
            "intended_use": _("Intended use"),
            "intended_users": _("Intended users"),
            "out_of_scope_use": _("Out-of-scope use"),
            "owner_team": _("Owner team"),
            "stakeholders": _("Stakeholders"),
            "lifecycle_status": _("Lifecycle status"),
            "training_data": _("Training data"),
            "input_features": _("Input features"),
            "parameters": _("Parameters"),
            "results": _("Results"),
            "limitations": _("Limitations"),
            "reproduction": _("Reproduction guidelines"),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["tags"] = ", ".join(self.instance.tags or [])
        if user is None or not is_admin(user):
            del self.fields["owner_team"]
        else:
            self.fields["owner_team"].help_text = _(
                "Set directly by an administrator (audited); it cancels any pending move."
            )

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        tags: list[str] = []
        for tag in (t.strip().lower() for t in raw.split(",")):
            if not tag:
                continue
            if len(tag) > 40:
                raise forms.ValidationError(
                    _("Tag %(tag)s… is longer than 40 characters.") % {"tag": repr(tag[:40])}
                )
            if tag not in tags:
                tags.append(tag)
        return tags

    FIELDSETS = (
        (_("Ownership and status"), ("owner_team", "lifecycle_status", "stakeholders", "tags")),
        (
            _("Purpose and use"),
            (
                "description",
                "purpose",
                "intended_use",
                "intended_users",
                "out_of_scope_use",
                "limitations",
            ),
        ),
        (
            _("Data and method"),
            ("training_data", "input_features", "parameters", "results", "reproduction"),
        ),
    )

    def fieldsets(self):
        """Bound fields grouped for the page, in reading order."""
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in self.FIELDSETS
        ]

    def changes(self) -> dict:
        """The submitted values of every field, for the service to diff. A team the request
        did not send is left as it is (not read as "no team")."""
        return {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name in self.fields and (name != "owner_team" or name in self.data)
        }


class TeamMoveRequestForm(forms.Form):
    """Offer a model to another team (the receiving team accepts or declines)."""

    to_team = forms.ModelChoiceField(
        label=_("Move to team"), queryset=Team.objects.none(), to_field_name="slug"
    )
    reason = forms.CharField(
        label=_("Why should this team own the model?"),
        max_length=JUSTIFICATION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The receiving team's model owners read this before they accept."),
    )

    def __init__(self, *args, model_service: ModelService, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_team"].queryset = Team.objects.exclude(
            pk=model_service.owner_team_id
        ).order_by("name")


class TeamMoveDeclineForm(forms.Form):
    """Why the receiving team does not take the model."""

    comment = forms.CharField(
        label=_("Why not?"), max_length=COMMENT, widget=forms.Textarea(attrs={"rows": 2})
    )
