"""The reports page: generate a portfolio compliance report, and list the ones you may read.

Adapters only: the parameters are validated by ``portfolio.clean_parameters`` (shared with the
API), the request goes through ``documents.services.document_request`` and the list through
``documents.selectors.document_visible`` (your own reports; every report for the portfolio
roles). Rendering happens in the background; the document page shows its progress.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Team
from accounts.roles import has_role
from catalog.selectors import model_service_visible
from governance.documents import charts, selectors, services
from governance.documents.kinds import portfolio
from governance.models import GeneratedDocument


class PortfolioReportForm(forms.Form):
    """What to put in the report. Validation is ``portfolio.clean_parameters``."""

    team = forms.ChoiceField(label="Team", required=False)
    since = forms.CharField(
        label="Decisions and deployments since",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for everything on record. Current state is always as of today.",
    )

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "All teams I can see"), *teams]


def _teams(user) -> list[tuple[str, str]]:
    """Teams owning at least one model the user may see."""
    owning = model_service_visible(user=user).values("owner_team_id")
    return list(Team.objects.filter(pk__in=owning).order_by("name").values_list("slug", "name"))


def _page(request, form, *, status=200):
    user = request.user
    reports = (
        selectors.document_visible(user=user)
        .filter(kind=GeneratedDocument.Kind.PORTFOLIO)
        .order_by("-created_at")
    )
    tiers = dict(
        model_service_visible(user=user).values_list("risk_tier").annotate(n=Count("pk")).order_by()
    )
    order = portfolio.TIER_ORDER
    return render(
        request,
        "governance/report_list.html",
        {
            "form": form,
            "page": Paginator(reports, 25).get_page(request.GET.get("page")),
            "sees_all_reports": has_role(user, *selectors.PORTFOLIO_READERS),
            "models_total": sum(tiers.values()),
            # the same SVG chart as in the PDF (governance/documents/charts.py)
            "tier_chart": charts.bar_chart(
                [(portfolio.TIER_LABELS[t], tiers.get(t, 0)) for t in order],
                title="Models you can see, by risk tier",
                colors=[charts.TIER_COLORS[t] for t in order],
                width=380,
            ),
        },
        status=status,
    )


@login_required
@require_GET
def report_list(request):
    """Generate a portfolio report; the reports you may read, newest first."""
    return _page(request, PortfolioReportForm(teams=_teams(request.user)))


@login_required
@require_POST
def report_create(request):
    """Queue a portfolio report for the chosen team and period; off to its progress page."""
    form = PortfolioReportForm(request.POST, teams=_teams(request.user))
    raw = {"team": request.POST.get("team", ""), "since": request.POST.get("since", "")}
    try:
        parameters = portfolio.clean_parameters(raw)
        document = services.document_request(
            actor=request.user, kind=GeneratedDocument.Kind.PORTFOLIO, parameters=parameters
        )
    except ValidationError as exc:
        form.is_valid()  # bind, so the page shows what was entered
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            if target is None or not form.has_error(target):
                form.add_error(target, errors)
        return _page(request, form, status=400)
    return redirect("governance:document-detail", document_id=document.pk)
