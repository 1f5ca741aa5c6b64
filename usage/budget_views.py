"""The budgets section of the usage report: set and delete a model's or a team's budget."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Team
from catalog.selectors import model_service_visible
from common.errors import Forbidden
from common.forms import message_errors
from usage import budgets
from usage.models import Budget


class BudgetForm(forms.Form):
    """One of model or team; the amount a month in one currency."""

    model = forms.CharField(label=gettext_lazy("Model"), max_length=200, required=False)
    team = forms.SlugField(label=gettext_lazy("Team"), max_length=60, required=False)
    amount = forms.CharField(label=gettext_lazy("Monthly budget"), max_length=30)
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3, initial="EUR")


def _back(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("usage:report")


@login_required
@require_POST
def budget_set(request):
    if not budgets.may_set_budgets(request.user):  # before any lookup: 403, nothing revealed
        raise Forbidden(_("Only compliance officers and administrators set budgets."))
    form = BudgetForm(request.POST)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, error)
        return _back(request)
    data = form.cleaned_data
    model = team = None
    if data["model"]:
        model = model_service_visible(user=request.user).filter(name=data["model"]).first()
        if model is None:
            messages.error(request, _("No model named %(name)s.") % {"name": data["model"][:80]})
            return _back(request)
    if data["team"]:
        team = Team.objects.filter(slug=data["team"]).first()
        if team is None:
            messages.error(request, _("No team with the slug %(slug)s.") % {"slug": data["team"]})
            return _back(request)
    with message_errors(request) as call:
        budget = budgets.budget_set(
            actor=request.user,
            amount=data["amount"],
            currency=data["currency"],
            model_service=model,
            team=team,
        )
    if call.ok:
        messages.success(
            request,
            _("Budget set: %(amount)s %(currency)s a month for %(scope)s.")
            % {"amount": budget.amount, "currency": budget.currency, "scope": model or team},
        )
    return _back(request)


@login_required
@require_POST
def budget_delete(request, pk):
    if not budgets.may_set_budgets(request.user):
        raise Forbidden(_("Only compliance officers and administrators delete budgets."))
    budget = get_object_or_404(Budget, pk=pk)
    with message_errors(request) as call:
        budgets.budget_delete(actor=request.user, budget=budget)
    if call.ok:
        messages.success(request, _("Budget deleted."))
    return _back(request)
