"""Monitoring pages (HTML). Adapters over monitoring.selectors and monitoring.services: parse,
call one selector or service, shape the answer. Who may do what is decided by the selectors
and services; the views only ask and explain."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from approvals import configuration as approval_configuration
from catalog.models import ModelVersion
from catalog.selectors import model_service_get
from common.forms import form_errors, message_errors
from monitoring import selectors, services
from monitoring.forms import CommentForm, IncidentForm, ReviewCompleteForm, ThresholdForm
from monitoring.models import Alert, MetricPoint

Kind = Alert.Kind


# --- The model's monitoring page ------------------------------------------------------------
@login_required
def model_monitoring(request, model_id):
    model = model_service_get(user=request.user, model_id=model_id)
    try:
        days = int(request.GET.get("days", 90))
    except ValueError:
        days = 90
    if days not in selectors.CHART_RANGES:
        days = 90
    now = timezone.now()
    incidents = list(selectors.incidents_for_model(model)[:10])
    review = selectors.review_open(model)
    user = request.user
    return render(
        request,
        "monitoring/model_monitoring.html",
        {
            "model": model,
            "now": now,
            "days": days,
            "ranges": selectors.CHART_RANGES,
            "deployments": selectors.deployment_rows(model, now=now),
            "alerts": list(selectors.alerts_for_model(model)[:50]),
            "resolved": list(
                selectors.alerts_for_model(model, active=False)
                .filter(state=Alert.State.RESOLVED)
                .select_related("resolved_by")[:5]
            ),
            "thresholds": list(selectors.thresholds_for_model(model)),
            "charts": selectors.metric_charts(model, days=days, now=now),
            "incidents": [
                {"incident": i, "clock": selectors.incident_clock(i, now=now)} for i in incidents
            ],
            "schemas": list(selectors.schemas_for_model(model)[:5]),
            "review": review,
            "review_status": selectors.review_status(review) if review else None,
            "past_reviews": list(
                selectors.reviews_for_model(model).filter(completed_at__isnull=False)[:3]
            ),
            "review_form": ReviewCompleteForm(),
            "can_manage_thresholds": selectors.can_manage_thresholds(user, model),
            "can_handle_alerts": selectors.can_handle_alerts(user, model),
            "can_manage_incidents": selectors.can_manage_incidents(user, model),
            "can_complete_review": selectors.can_complete_review(user, model),
        },
    )


# --- Thresholds -----------------------------------------------------------------------------
def _threshold_page(request, model, form, threshold=None, status=200):
    known = (
        MetricPoint.objects.filter(model_service=model)
        .values_list("metric", flat=True)
        .distinct()
        .order_by("metric")[:200]
    )
    return render(
        request,
        "monitoring/threshold_form.html",
        {"model": model, "form": form, "threshold": threshold, "known_metrics": list(known)},
        status=status,
    )


_THRESHOLD_ALIASES = {"max_relative_drop": "max_drop_percent"}


@login_required
@require_http_methods(["GET", "POST"])
def threshold_create(request, model_id):
    model = model_service_get(user=request.user, model_id=model_id)
    if not selectors.can_manage_thresholds(request.user, model):
        raise PermissionDenied(_("Only the owning team's model owners set thresholds."))
    environments = approval_configuration.environments()
    if request.method == "POST":
        form = ThresholdForm(request.POST, environments=environments)
        if form.is_valid():
            with form_errors(form, aliases=_THRESHOLD_ALIASES) as call:
                threshold = services.threshold_create(
                    actor=request.user, model_service=model, **form.service_kwargs()
                )
            if call.ok:
                messages.success(
                    request, _("Threshold for %(threshold)s saved.") % {"threshold": threshold}
                )
                return redirect("monitoring:model-monitoring", model_id=model.pk)
        messages.error(request, _("The threshold was not saved; see below."))
        return _threshold_page(request, model, form, status=400)
    initial = {"metric": request.GET.get("metric", "")[:200]}
    if request.GET.get("environment") in environments:
        initial["environment"] = request.GET["environment"]
    return _threshold_page(
        request, model, ThresholdForm(initial=initial, environments=environments)
    )


@login_required
@require_http_methods(["GET", "POST"])
def threshold_edit(request, threshold_id):
    threshold = selectors.threshold_get(user=request.user, pk=threshold_id)
    model = threshold.model_service
    if not selectors.can_manage_thresholds(request.user, model):
        raise PermissionDenied(_("Only the owning team's model owners change thresholds."))
    environments = approval_configuration.environments()
    if request.method == "POST":
        form = ThresholdForm(request.POST, environments=environments)
        if form.is_valid():
            with form_errors(form, aliases=_THRESHOLD_ALIASES) as call:
                changed = services.threshold_update(
                    actor=request.user, threshold=threshold, changes=form.service_kwargs()
                )
            if call.ok:
                if changed:
                    messages.success(
                        request,
                        _("Threshold for %(threshold)s updated.") % {"threshold": threshold},
                    )
                else:
                    messages.info(request, _("No changes to save."))
                return redirect("monitoring:model-monitoring", model_id=model.pk)
        messages.error(request, _("The threshold was not saved; see below."))
        return _threshold_page(request, model, form, threshold, status=400)
    form = ThresholdForm(initial=ThresholdForm.initial_from(threshold), environments=environments)
    return _threshold_page(request, model, form, threshold)


@login_required
@require_POST
def threshold_delete(request, threshold_id):
    threshold = selectors.threshold_get(user=request.user, pk=threshold_id)
    model_id = threshold.model_service_id
    services.threshold_delete(actor=request.user, threshold=threshold)
    messages.success(request, _("Threshold for %(threshold)s removed.") % {"threshold": threshold})
    return redirect("monitoring:model-monitoring", model_id=model_id)


# --- Alerts ---------------------------------------------------------------------------------
ALERT_STATES = (
    ("active", gettext_lazy("Open and acknowledged")),
    *Alert.State.choices,
    ("all", gettext_lazy("All")),
)


@login_required
def alert_list(request):
    """Alerts of every model the user may see (the portfolio's monitoring overview)."""
    state = request.GET.get("state", "active")
    if state not in dict(ALERT_STATES):
        state = "active"
    chosen = tuple(k for k in request.GET.getlist("kind") if k)
    kind = chosen[0] if len(chosen) == 1 else ""
    rows = selectors.alert_list(user=request.user, state=state, kinds=chosen)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    counts = selectors.alert_counts_by_kind(user=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "monitoring/alert_list.html",
        {
            "page": page,
            "state": state,
            "kind": kind,
            # Several kinds at once (the dashboard's overdue tile): named above the list.
            "kinds_chosen": [label for value, label in Alert.Kind.choices if value in chosen]
            if len(chosen) > 1
            else [],
            "states": ALERT_STATES,
            "kinds": Alert.Kind.choices,
            "counts": counts,
            "active_total": sum(counts.values()),
            "query_string": query.urlencode(),
        },
    )


def _alert_page(request, alert, *, ack_form=None, resolve_form=None, status=200):
    return render(
        request,
        "monitoring/alert_detail.html",
        {
            "alert": alert,
            "model": alert.model_service,
            "can_handle": selectors.can_handle_alerts(request.user, alert.model_service),
            "ack_form": ack_form or CommentForm(prefix="ack"),
            "resolve_form": resolve_form or CommentForm(prefix="resolve"),
        },
        status=status,
    )


@login_required
def alert_detail(request, alert_id):
    return _alert_page(request, selectors.alert_get(user=request.user, pk=alert_id))


def _alert_action(request, alert_id, *, prefix: str, service, done: str):
    alert = selectors.alert_get(user=request.user, pk=alert_id)
    form = CommentForm(request.POST, prefix=prefix)
    if form.is_valid():
        with form_errors(form) as call:
            service(actor=request.user, alert=alert, comment=form.cleaned_data["comment"])
        if call.conflict:  # said above the alert: the comment was fine, the alert moved on
            messages.error(request, call.message)
            return redirect("monitoring:alert-detail", alert_id=alert.pk)
        if call.ok:
            messages.success(request, done)
            return redirect("monitoring:alert-detail", alert_id=alert.pk)
    messages.error(request, _("Nothing was recorded; see below."))
    forms = {"ack_form" if prefix == "ack" else "resolve_form": form}
    return _alert_page(request, alert, status=400, **forms)


@login_required
@require_POST
def alert_acknowledge(request, alert_id):
    return _alert_action(
        request,
        alert_id,
        prefix="ack",
        service=services.alert_acknowledge,
        done=_("Alert acknowledged. It stays open until it is resolved."),
    )


@login_required
@require_POST
def alert_resolve(request, alert_id):
    return _alert_action(
        request,
        alert_id,
        prefix="resolve",
        service=services.alert_resolve,
        done=_("Alert resolved. A new breach will open a new alert."),
    )


# --- Incidents ------------------------------------------------------------------------------
@login_required
def incident_list(request, model_id):
    model = model_service_get(user=request.user, model_id=model_id)
    now = timezone.now()
    return render(
        request,
        "monitoring/incident_list.html",
        {
            "model": model,
            "rows": [
                {"incident": i, "clock": selectors.incident_clock(i, now=now)}
                for i in selectors.incidents_for_model(model)
            ],
            "can_manage": selectors.can_manage_incidents(request.user, model),
        },
    )


@login_required
def incident_open_list(request):
    """Open incidents of every model the user may see: where the dashboard's "open incidents"
    leads (each model's register lists its closed ones too)."""
    now = timezone.now()
    rows = selectors.incident_open(user=request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/incident_open_list.html",
        {
            "page": page,
            "rows": [
                {"incident": i, "clock": selectors.incident_clock(i, now=now)}
                for i in page.object_list
            ],
            "query_string": "",
        },
    )


def _versions(model):
    return ModelVersion.objects.filter(model_service=model).order_by(
        "-version_number", "-created_at"
    )


def _incident_form_page(request, model, form, incident=None, status=200):
    return render(
        request,
        "monitoring/incident_form.html",
        {"model": model, "form": form, "incident": incident},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request, model_id):
    model = model_service_get(user=request.user, model_id=model_id)
    if not selectors.can_manage_incidents(request.user, model):
        raise PermissionDenied(
            _("Only the owning team's model owners and compliance officers register incidents.")
        )
    if request.method == "POST":
        form = IncidentForm(request.POST, versions=_versions(model))
        if form.is_valid():
            with form_errors(form) as call:
                incident = services.incident_register(
                    actor=request.user, model_service=model, **form.values()
                )
            if call.ok:
                messages.success(request, _("Incident registered."))
                return redirect("monitoring:incident-detail", incident_id=incident.pk)
        messages.error(request, _("The incident was not registered; see below."))
        return _incident_form_page(request, model, form, status=400)
    form = IncidentForm(
        initial={"aware_at": timezone.now().replace(second=0, microsecond=0)},
        versions=_versions(model),
    )
    return _incident_form_page(request, model, form)


@login_required
def incident_detail(request, incident_id):
    incident = selectors.incident_get(user=request.user, pk=incident_id)
    model = incident.model_service
    return render(
        request,
        "monitoring/incident_detail.html",
        {
            "model": model,
            "incident": incident,
            "clock": selectors.incident_clock(incident),
            "can_manage": selectors.can_manage_incidents(request.user, model),
            "alerts": Alert.objects.filter(
                model_service=model, kind=Kind.INCIDENT_OVERDUE, subject=str(incident.pk)
            ).order_by("-created_at"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_edit(request, incident_id):
    incident = selectors.incident_get(user=request.user, pk=incident_id)
    model = incident.model_service
    if not selectors.can_manage_incidents(request.user, model):
        raise PermissionDenied(
            _("Only the owning team's model owners and compliance officers edit incidents.")
        )
    if request.method == "POST":
        form = IncidentForm(request.POST, versions=_versions(model))
        if form.is_valid():
            with form_errors(form) as call:
                changed = services.incident_update(
                    actor=request.user, incident=incident, changes=form.values()
                )
            if call.ok:
                if changed:
                    messages.success(request, _("Incident updated."))
                else:
                    messages.info(request, _("No changes to save."))
                return redirect("monitoring:incident-detail", incident_id=incident.pk)
        messages.error(request, _("The incident was not saved; see below."))
        return _incident_form_page(request, model, form, incident, status=400)
    form = IncidentForm(initial=IncidentForm.initial_from(incident), versions=_versions(model))
    return _incident_form_page(request, model, form, incident)


# --- Recertification ------------------------------------------------------------------------
@login_required
@require_POST
def review_complete(request, review_id):
    review = selectors.review_get(user=request.user, pk=review_id)
    form = ReviewCompleteForm(request.POST)
    if form.is_valid():
        with message_errors(request, prefix=_("Not recorded: ")) as call:
            services.review_complete(actor=request.user, review=review, **form.cleaned_data)
        if call.ok:
            messages.success(
                request,
                _("Review recorded.")
                if form.cleaned_data["outcome"] == "retire"
                else _("Review recorded. The next one is scheduled."),
            )
    else:
        messages.error(request, _("Choose an outcome and say what was reviewed."))
    return redirect("monitoring:model-monitoring", model_id=review.model_service_id)
