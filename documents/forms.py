"""Document forms (HTML): what to put in a portfolio compliance report."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PortfolioReportForm(forms.Form):
    """What to put in the report. Validation is ``portfolio.clean_parameters``."""

    team = forms.ChoiceField(label="Team", required=False)
    language = forms.ChoiceField(
        label=_("Language of the report"), required=False, choices=settings.LANGUAGES
    )
    since = forms.CharField(
        label="Decisions and deployments since",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for everything on record. Current state is always as of today.",
    )

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "All teams I can see"), *teams]
