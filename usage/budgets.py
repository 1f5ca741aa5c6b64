"""Monthly budgets per model or team: set, delete, and the check that opens alerts.

The check compares a budget with the month's cost rows in the budget's currency (other
currencies are never converted: a bill in USD does not count against a EUR budget, and the
page says so). The forecast is the month-end run rate of what the imports cover so far:
spend / (covered days / days of the month), where the covered part ends at the latest
``ChargePeriodEnd`` among the counted rows. Billing exports arrive days late; "now" would
understate the run rate, the bill's own coverage does not.

An alert opens through the monitoring app's alert machinery (deduplicated, audited, mailed):
``budget_exceeded`` when the spend is past the budget, else ``budget_forecast`` when the forecast
is. A team budget's alert sits on the team's most expensive model that month (an alert belongs
to a model); its title names the team. When a corrected re-import brings the spend back under
both, the budget's open alert for that month resolves itself with a comment saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team
from audit.services import audit_record
from catalog.models import ModelService
from catalog.selectors import model_service_visible
from common.errors import Conflict, Forbidden, NotFound, ValidationError
from common.outbox import outbox_enqueue
from monitoring.models import Alert
from monitoring.services.alerts import AlertSpec, _alert_raise, _resolve_active
from usage import access
from usage.audit_actions import BUDGET_DELETED, BUDGET_SET
from usage.models import Budget, CostRow
from usage.selectors import money, month_add

MAX_AMOUNT = Decimal("1e15")
BUDGET_KINDS = (Alert.Kind.BUDGET_EXCEEDED, Alert.Kind.BUDGET_FORECAST)


@dataclass(frozen=True)
class BudgetStatus:
    """One budget against one month: spend, forecast, and which limit (if any) is passed."""

    budget: Budget
    month: date
    spent: Decimal
    forecast: Decimal
    covered_until: datetime | None
    top_model: ModelService | None

    @property
    def state(self) -> str:
        if self.spent > self.budget.amount:
            return "exceeded"
        if self.forecast > self.budget.amount:
            return "forecast"
        return "within"

    @property
    def spent_text(self) -> str:
        return money(self.spent)

    @property
    def used_percent(self) -> int:
        return int(self.spent * 100 / self.budget.amount)


def may_set_budgets(user) -> bool:
    """Compliance officers and administrators (people, not service accounts): budgets span
    teams, like the billing exports they are checked against."""
    return access.can_import_costs(user) and not getattr(user, "is_service_account", False)


def _clean_amount(amount, currency: str) -> tuple[Decimal, str]:
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"amount": [_("Give the budget as a number, e.g. 2500.00.")]}
        ) from None
    if not value.is_finite() or value <= 0 or value >= MAX_AMOUNT:
        raise ValidationError({"amount": [_("A budget is a positive amount.")]})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({"amount": [_("A budget has at most two decimal places.")]})
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise ValidationError(
            {"currency": [_("Give the currency as its ISO 4217 code, e.g. EUR.")]}
        )
    return value.quantize(Decimal("0.01")), code


@transaction.atomic
def budget_set(
    *,
    actor,
    amount,
    currency: str,
    model_service: ModelService | None = None,
    team: Team | None = None,
) -> Budget:
    """Set (or change) the monthly budget of one model or one team (``may_set_budgets``)."""
    if not may_set_budgets(actor):
        raise Forbidden(_("Only compliance officers and administrators set budgets."))
    if (model_service is None) == (team is None):
        raise ValidationError(_("A budget is for one model or for one team."))
    value, code = _clean_amount(amount, currency)
    scope = {"model_service": model_service} if model_service else {"team": team}
    budget = Budget.objects.select_for_update().filter(**scope).first()
    before = {"amount": str(budget.amount), "currency": budget.currency} if budget else None
    if budget is None:
        budget = Budget(**scope, amount=value, currency=code, created_by=actor)
    elif (budget.amount, budget.currency) == (value, code):
        return budget
    budget.amount, budget.currency = value, code
    budget.save()
    audit_record(
        actor=actor,
        action=BUDGET_SET,
        target=budget,
        subject_id=model_service.pk if model_service else None,
        before=before,
        after={
            "scope": f"model:{model_service.name}" if model_service else f"team:{team.slug}",
            "amount": str(value),
            "currency": code,
        },
    )
    outbox_enqueue("usage.tasks.check_budgets")  # after commit, through the outbox
    return budget


@transaction.atomic
def budget_create(
    *,
    actor,
    amount,
    currency: str,
    model_service: ModelService | None = None,
    team: Team | None = None,
) -> Budget:
    """A new budget (the API's POST): 409 when the model or team has one already (change it
    with ``budget_set``), so two pipelines cannot silently overwrite each other's limit."""
    if not may_set_budgets(actor):
        raise Forbidden(_("Only compliance officers and administrators set budgets."))
    scope = {"model_service": model_service} if model_service else {"team": team}
    if model_service is not None or team is not None:
        existing = Budget.objects.select_for_update().filter(**scope).first()
        if existing is not None:
            raise Conflict(
                _("%(scope)s has a budget already; change it instead.")
                % {"scope": model_service or team},
                extra={"budget": str(existing.pk)},
            )
    return budget_set(
        actor=actor, amount=amount, currency=currency, model_service=model_service, team=team
    )


@transaction.atomic
def budget_delete(*, actor, budget: Budget) -> None:
    """Remove a budget; its open alerts stay for the people handling them."""
    if not may_set_budgets(actor):
        raise Forbidden(_("Only compliance officers and administrators delete budgets."))
    audit_record(
        actor=actor,
        action=BUDGET_DELETED,
        target=budget,
        subject_id=budget.model_service_id,
        before={"amount": str(budget.amount), "currency": budget.currency},
    )
    budget.delete()


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = month_add(month, 1)
    return start, datetime(end.year, end.month, 1, tzinfo=UTC)


def budget_status(budget: Budget, month: date) -> BudgetStatus:
    """Spend and month-end forecast of one budget in one month (its currency only)."""
    rows = CostRow.objects.filter(month=month, currency=budget.currency)
    if budget.model_service_id:
        rows = rows.filter(model_service_id=budget.model_service_id)
    else:
        rows = rows.filter(model_service__owner_team_id=budget.team_id)
    found = rows.aggregate(spent=Sum("amount"), until=Max("charge_period_end"))
    spent = found["spent"] or Decimal(0)
    start, end = _month_bounds(month)
    until = min(found["until"], end) if found["until"] else None
    forecast = spent
    if until is not None and until > start:
        covered = Decimal((until - start).total_seconds())
        forecast = spent * Decimal((end - start).total_seconds()) / covered
    top = None
    if budget.team_id:
        leader = (
            rows.values("model_service").annotate(total=Sum("amount")).order_by("-total").first()
        )
        top = ModelService.objects.filter(pk=leader["model_service"]).first() if leader else None
    else:
        top = budget.model_service
    return BudgetStatus(budget, month, spent, forecast.quantize(Decimal("0.01")), until, top)


def _title(status: BudgetStatus) -> str:
    budget = status.budget
    what = (
        _("Model %(name)s") % {"name": budget.model_service.name}
        if budget.model_service_id
        else _("Team %(name)s") % {"name": budget.team.name}
    )
    values = {
        "what": what,
        "spent": money(status.spent),
        "forecast": money(status.forecast),
        "budget": money(budget.amount),
        "currency": budget.currency,
        "month": status.month.strftime("%Y-%m"),
    }
    if status.state == "exceeded":
        return (
            _("%(what)s spent %(spent)s %(currency)s in %(month)s, over its budget of %(budget)s")
            % values
        )
    return (
        _(
            "%(what)s is on course for %(forecast)s %(currency)s in %(month)s, over its budget "
            "of %(budget)s"
        )
        % values
    )


def budgets_check(*, month: date | None = None, now: datetime | None = None) -> list[Alert]:
    """Check every budget against ``month`` (this month unless given): open or count alerts for
    the budgets past their limit or forecast, resolve those back within both. Each budget in its
    own transaction, so one failure does not hold back the others."""
    now = now or timezone.now()
    month = month or now.date().replace(day=1)
    opened = []
    for budget in Budget.objects.select_related("model_service", "team").order_by("created_at"):
        with transaction.atomic():
            status = budget_status(budget, month)
            subject = f"budget:{budget.pk}:{month:%Y-%m}"
            model = status.top_model
            if status.state == "within" or model is None:
                _resolve_all(budget, subject)
                continue
            kind = (
                Alert.Kind.BUDGET_EXCEEDED
                if status.state == "exceeded"
                else Alert.Kind.BUDGET_FORECAST
            )
            alert, created = _alert_raise(
                AlertSpec(
                    model_service=model,
                    kind=kind,
                    title=_title(status),
                    detail=_(
                        "Cost rows in %(currency)s imported for %(month)s cover the month up to "
                        "%(until)s. Other currencies are not counted against this budget."
                    )
                    % {
                        "currency": budget.currency,
                        "month": f"{month:%Y-%m}",
                        "until": status.covered_until.strftime("%Y-%m-%d %H:%M UTC")
                        if status.covered_until
                        else "-",
                    },
                    subject=subject,
                    observed_value=float(
                        status.spent if kind == "budget_exceeded" else status.forecast
                    ),
                    limit_value=float(budget.amount),
                    context={
                        "budget": str(budget.pk),
                        "scope": "model" if budget.model_service_id else "team",
                        "team": budget.team.slug if budget.team_id else None,
                        "currency": budget.currency,
                        "spent": str(status.spent),
                        "forecast": str(status.forecast),
                        "month": f"{month:%Y-%m}",
                    },
                    seen_at=now,
                )
            )
            if created:
                opened.append(alert)
    return opened


def _resolve_all(budget: Budget, subject: str) -> None:
    comment = _("The spend is back within the budget and its forecast (a corrected import).")
    for model_id in (
        Alert.objects.filter(subject=subject, kind__in=BUDGET_KINDS, state__in=Alert.ACTIVE_STATES)
        .values_list("model_service_id", flat=True)
        .distinct()
    ):
        for kind in BUDGET_KINDS:
            _resolve_active(
                actor=None, model_service_id=model_id, kind=kind, subject=subject, comment=comment
            )


def budgets_visible(*, user) -> list[Budget]:
    """The budgets ``user`` may see: a model's when the model is visible to them, a team's
    when they belong to it or are in the second line."""
    visible = set(model_service_visible(user=user).values_list("pk", flat=True))
    oversight = access.can_see_unmatched_cost(user)
    teams = set(Team.objects.filter(group__user=user).values_list("pk", flat=True))
    shown = []
    for budget in Budget.objects.select_related("model_service", "team").order_by("created_at"):
        if budget.model_service_id and budget.model_service_id not in visible:
            continue
        if budget.team_id and not (oversight or budget.team_id in teams):
            continue
        shown.append(budget)
    return shown


def budget_statuses(*, user, month: date) -> list[BudgetStatus]:
    """The budgets ``user`` may see, each against ``month``."""
    return [budget_status(budget, month) for budget in budgets_visible(user=user)]


def budget_get(*, user, budget_id) -> Budget:
    """One budget ``user`` may see; 404 otherwise (whether it exists is not revealed)."""
    for budget in budgets_visible(user=user):
        if budget.pk == budget_id:
            return budget
    raise NotFound(_("No budget with this id that you may see."))
