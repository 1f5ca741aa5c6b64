"""Budgets API: list (with the month's spend and forecast), create, change and delete the
monthly budget of a model or a team. Reading needs ``catalog:read`` and shows what the caller
may see; changing needs ``costs:write`` and a compliance officer or administrator (people, not
service accounts: budgets span teams, like the billing exports they are checked against)."""

from __future__ import annotations

import contextlib
import uuid
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken, Team
from accounts.permissions import TokenHasScope
from catalog.selectors import model_service_visible
from common.api.schema import ERROR_RESPONSES
from common.errors import ValidationError
from usage import budgets
from usage.api.serializers import (
    BudgetCreateInput,
    BudgetListOutput,
    BudgetOutput,
    BudgetQueryInput,
    BudgetUpdateInput,
)

REFUSED = gettext_lazy("Only compliance officers and administrators set budgets.")


class _ReadOrWrite:
    """GET reads (``catalog:read``); every other method changes (``costs:write``)."""

    permission_classes = [IsAuthenticated, TokenHasScope]

    @property
    def required_scope(self) -> str:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return ApiToken.Scope.CATALOG_READ
        return ApiToken.Scope.COSTS_WRITE


def _this_month() -> date:
    return timezone.now().date().replace(day=1)


def _model(user, text: str):
    """The model a budget is for, by catalog name or id, among those ``user`` sees."""
    match = Q(name=text)
    with contextlib.suppress(ValueError):  # not an id: the name alone
        match |= Q(pk=uuid.UUID(text))
    model = model_service_visible(user=user).filter(match).first()
    if model is None:
        raise ValidationError({"model": [_("No model named %(name)s.") % {"name": text[:80]}]})
    return model


class BudgetListCreateApi(_ReadOrWrite, APIView):
    """The budgets the caller may see against ``month`` (this month unless told): spend and
    month-end forecast in the budget's currency; or (POST) a new budget for one model or team
    (409 when it has one: PATCH that one)."""

    @extend_schema(
        operation_id="budgets_list",
        parameters=[BudgetQueryInput],
        responses={200: BudgetListOutput, **ERROR_RESPONSES},
    )
    def get(self, request):
        query = BudgetQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        text = query.validated_data.get("month")
        month = date(int(text[:4]), int(text[5:7]), 1) if text else _this_month()
        statuses = budgets.budget_statuses(user=request.user, month=month)
        return Response(
            BudgetListOutput({"month": month.strftime("%Y-%m"), "budgets": statuses}).data
        )

    @extend_schema(request=BudgetCreateInput, responses={201: BudgetOutput, **ERROR_RESPONSES})
    def post(self, request):
        if not budgets.may_set_budgets(request.user):  # before any lookup: nothing revealed
            raise PermissionDenied(REFUSED)
        data = BudgetCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        model = team = None
        if values.get("model"):
            model = _model(request.user, values["model"])
        else:
            team = Team.objects.filter(slug=values["team"]).first()
            if team is None:
                raise ValidationError(
                    {"team": [_("No team with the slug %(slug)s.") % {"slug": values["team"]}]}
                )
        budget = budgets.budget_create(
            actor=request.user,
            amount=values["amount"],
            currency=values["currency"],
            model_service=model,
            team=team,
        )
        answer = BudgetOutput(budgets.budget_status(budget, _this_month())).data
        return Response(answer, status=status.HTTP_201_CREATED)


class BudgetDetailApi(_ReadOrWrite, APIView):
    """One budget against this month; PATCH its amount or currency; DELETE it (its open
    alerts stay for the people handling them)."""

    @extend_schema(responses={200: BudgetOutput, **ERROR_RESPONSES})
    def get(self, request, budget_id):
        budget = budgets.budget_get(user=request.user, budget_id=budget_id)
        return Response(BudgetOutput(budgets.budget_status(budget, _this_month())).data)

    @extend_schema(request=BudgetUpdateInput, responses={200: BudgetOutput, **ERROR_RESPONSES})
    def patch(self, request, budget_id):
        budget = budgets.budget_get(user=request.user, budget_id=budget_id)
        if not budgets.may_set_budgets(request.user):
            raise PermissionDenied(REFUSED)
        data = BudgetUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        budget = budgets.budget_set(
            actor=request.user,
            amount=data.validated_data.get("amount", budget.amount),
            currency=data.validated_data.get("currency", budget.currency),
            model_service=budget.model_service,
            team=budget.team,
        )
        return Response(BudgetOutput(budgets.budget_status(budget, _this_month())).data)

    @extend_schema(responses={204: None, **ERROR_RESPONSES})
    def delete(self, request, budget_id):
        budget = budgets.budget_get(user=request.user, budget_id=budget_id)
        if not budgets.may_set_budgets(request.user):
            raise PermissionDenied(_("Only compliance officers and administrators delete budgets."))
        budgets.budget_delete(actor=request.user, budget=budget)
        return Response(status=status.HTTP_204_NO_CONTENT)
