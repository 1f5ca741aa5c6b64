"""Reviewer inbox, request and decision pages (HTML). Adapters over governance.approvals:
parse, call one selector or service, shape the answer. Who may do what is decided by the
selectors and services (the same gate as the API); the views only ask and explain."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, npgettext, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Team
from approvals import configuration, fingerprint, policy, selectors, services
from approvals.forms import DecisionForm, DeploymentRequestForm, InboxFilterForm, ReasonForm
from approvals.models import ApprovalDecision, DeploymentRequest
from catalog.models import ModelService, ModelVersion
from catalog.selectors import model_service_get
from common.forms import form_errors, message_errors
from risk import selectors as assessment_selectors
from risk import selectors as risk_selectors
from risk.models import Obligation

State = DeploymentRequest.State
REVIEW_SLA = selectors.REVIEW_SLA  # a request waiting longer is highlighted in the inbox


def _waiting(since, now) -> dict | None:
    if since is None:
        return None
    age = now - since
    days = age.days
    if days >= 1:
        # "waiting <label>": German needs the dative here (seit 2 Tagen), hence the context.
        label = npgettext("waiting for", "%(n)s day", "%(n)s days", days) % {"n": days}
    elif age >= timedelta(hours=1):
        hours = int(age.total_seconds() // 3600)
        label = npgettext("waiting for", "%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    else:
        label = pgettext("waiting for", "less than an hour")
    return {"label": label, "overdue": age > REVIEW_SLA}


# --- Inbox ----------------------------------------------------------------------------------
@login_required
def inbox(request):
    """Requests the signed-in user may decide and has not decided yet, oldest first."""
    everything = selectors.inbox(user=request.user)
    team_ids = everything.values("model_service__owner_team_id")
    form = InboxFilterForm(
        request.GET or None,
        tiers=[(t, label) for t, label in ModelService.RiskTier.choices if t in policy.TIERS],
        environments=configuration.environments(),
        teams=list(
            Team.objects.filter(pk__in=team_ids).order_by("name").values_list("slug", "name")
        ),
    )
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.InboxFilters(
        tier=data.get("tier", ""),
        environment=data.get("environment", ""),
        team=data.get("team", ""),
        search=data.get("q", ""),
    )
    rows = selectors.inbox(user=request.user, filters=filters).annotate(
        approvals_so_far=Count(
            "decisions", filter=Q(decisions__verdict=ApprovalDecision.Verdict.APPROVE)
        )
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    items = [
        {
            "request": row,
            "waiting": _waiting(row.submitted_at or row.created_at, now),
            "approvals_needed": (row.requirement or {}).get("approvals", 1),
            # What, apart from approvals, keeps it from being approved: marked in the list so
            # reviewers see at once which requests they cannot bring to a decision yet.
            "blockers": (
                selectors.blockers(row.model_service, policy.Requirement(**row.requirement))
                if row.requirement
                else []
            ),
        }
        for row in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "approvals/request_inbox.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "total": everything.count(),
            "is_filtered": any([filters.tier, filters.environment, filters.team, filters.search]),
            "query_string": query.urlencode(),
            "drift": selectors.drift_open(user=request.user)[:20],
            "proposals": list(risk_selectors.proposals_awaiting(user=request.user)[:50]),
            "sla_days": REVIEW_SLA.days,
        },
    )


# --- Pending requests -----------------------------------------------------------------------
@login_required
def request_pending_list(request):
    """Every submitted request on the models the user may see, oldest first, whoever decides
    it: where the dashboard's "pending in all" and "over 2 days" lead."""
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.request_pending(user=request.user, overdue=overdue)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    items = [
        {"request": row, "waiting": _waiting(row.submitted_at or row.created_at, now)}
        for row in page.object_list
    ]
    return render(
        request,
        "approvals/request_pending.html",
        {
            "page": page,
            "items": items,
            "overdue": overdue,
            "sla_days": REVIEW_SLA.days,
            "query_string": "overdue=1" if overdue else "",
        },
    )


# --- My requests ----------------------------------------------------------------------------
@login_required
def my_requests(request):
    """The deployment requests the signed-in user opened, newest first, in every state."""
    rows = (
        selectors.request_visible(user=request.user)
        .filter(requested_by=request.user)
        .order_by("-created_at")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    items = [
        {
            "request": row,
            "blockers": (
                selectors.blockers(row.model_service, policy.Requirement(**row.requirement))
                if row.requirement and row.state in (State.DRAFT, State.SUBMITTED)
                else []
            ),
        }
        for row in page.object_list
    ]
    return render(
        request,
        "approvals/my_requests.html",
        {"page": page, "items": items, "query_string": ""},
    )


# --- One request ----------------------------------------------------------------------------
def _requirement_rows(row: DeploymentRequest, requirement, votes, unmet, card_missing):
    """The requirement's plain-language lines, each with how far this request got."""
    lines = iter(requirement.describe())
    if not requirement.submittable:
        return [{"text": next(lines), "done": False}]
    approvals = {v.approver_id for v in votes if v.approve}
    compliance = {v.approver_id for v in votes if v.approve and v.as_compliance}
    progress = gettext("%(n)s of %(needed)s approvals") % {
        "n": len(approvals),
        "needed": requirement.approvals,
    }
    if requirement.compliance_approvals:
        progress += gettext("; %(n)s of %(needed)s by a compliance officer") % {
            "n": len(compliance),
            "needed": requirement.compliance_approvals,
        }
    complete, _missing = policy.tally(requirement, votes)
    rows = [{"text": next(lines), "done": complete, "progress": progress}]
    if requirement.obligations != policy.OBLIGATIONS_NONE:
        rows.append(
            {
                "text": next(lines),
                "done": not unmet,
                "progress": (
                    gettext("%(n)s not done") % {"n": len(unmet)} if unmet else gettext("all done")
                ),
            }
        )
    if requirement.model_card:
        rows.append(
            {
                "text": next(lines),
                "done": not card_missing,
                "progress": (
                    gettext("missing: %(fields)s")
                    % {"fields": selectors.card_field_labels(card_missing)}
                    if card_missing
                    else gettext("complete")
                ),
            }
        )
    rows.append({"text": next(lines), "done": None})
    if row.state not in (State.DRAFT, State.SUBMITTED):
        # Closed: obligations and card as they are now say nothing about this request; an
        # approval met every line when it was granted.
        was_approved = row.decided_at is not None and row.state != State.REJECTED
        for i, line in enumerate(rows[:-1]):
            line["done"] = True if was_approved else None
            if i:
                line.pop("progress")
    return rows


def _metric_rows(current: dict, previous: dict | None) -> list[dict]:
    rows = []
    for name in sorted(set(current) | set(previous or {})):
        now, before = current.get(name), (previous or {}).get(name)
        delta = None
        if isinstance(now, int | float) and isinstance(before, int | float):
            delta = now - before
        rows.append({"name": name, "value": now, "previous": before, "delta": delta})
    return rows


def _detail_context(request, row: DeploymentRequest, **forms) -> dict:
    user = request.user
    model = row.model_service
    version = row.model_version
    requirement = policy.Requirement(**row.requirement) if row.requirement else None
    decisions = list(row.decisions.select_related("approver").order_by("created_at"))
    inputs = selectors.fingerprint_inputs(version)
    digest = inputs.digest()
    # While a request awaits review only approvals of what is there now count (the service
    # tallies the same way); afterwards, the approvals of the fingerprint that was bound.
    counted = digest if row.state in (State.DRAFT, State.SUBMITTED) else row.fingerprint
    votes = [
        policy.Vote(
            str(d.approver_id), d.verdict == ApprovalDecision.Verdict.APPROVE, d.as_compliance
        )
        for d in decisions
        if not counted or d.fingerprint == counted
    ]
    outdated = [
        d
        for d in decisions
        if row.state == State.SUBMITTED
        and d.verdict == ApprovalDecision.Verdict.APPROVE
        and d.fingerprint != digest
    ]
    obligations = list(
        assessment_selectors.obligations_current(model).prefetch_related("evidence__uploaded_by")
    )
    states = selectors.obligation_states(model)
    unmet = policy.unmet_obligations(requirement.obligations, states) if requirement else []
    card_missing = fingerprint.model_card_missing(selectors.model_card(model))
    is_open = row.state in (State.DRAFT, State.SUBMITTED)
    previous = selectors.last_approved_before(row)
    changes = None
    if previous is not None:
        changes = {
            "previous": previous,
            "version_changed": previous.model_version_id != row.model_version_id,
            # An approval is compared as it was bound; an open request as things are now.
            "inputs": fingerprint.changed_inputs(
                previous.fingerprint_inputs, row.fingerprint_inputs or inputs.as_dict()
            ),
        }
    refusal = selectors.decide_refusal(user, row)
    mine = next((d for d in decisions if d.approver_id == user.pk), None)
    done = sum(1 for o in obligations if o.status in Obligation.DONE)
    return {
        "req": row,
        "model": model,
        "version": version,
        "assessment": assessment_selectors.assessment_latest(model),
        "requirement_rows": (
            _requirement_rows(row, requirement, votes, unmet, card_missing) if requirement else []
        ),
        "blockers": (selectors.blockers(model, requirement) if requirement and is_open else []),
        "decisions": decisions,
        "outdated": outdated,
        "obligations": obligations,
        "open_obligations": [o for o in obligations if o.status not in Obligation.DONE],
        "done_obligations": [o for o in obligations if o.status in Obligation.DONE],
        "obligations_done": done,
        "obligations_open": len(obligations) - done,
        "evidence": [(o, e) for o in obligations for e in o.evidence.all()],
        "metrics": _metric_rows(row.metrics or {}, previous.metrics if previous else None),
        "changes": changes,
        "tags": fingerprint.relevant_tags(version.tags),
        "waiting": _waiting(row.submitted_at, timezone.now())
        if row.state == State.SUBMITTED
        else None,
        "can_decide": row.state == State.SUBMITTED and refusal is None and mine is None,
        "refusal": refusal,
        "my_decision": mine,
        "can_withdraw": selectors.can_withdraw(user, row),
        "can_submit": row.state == State.DRAFT
        and (row.requested_by_id == user.pk or selectors.can_request(user, model)),
        "can_revoke": selectors.can_revoke(user, row),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "revoke_form": forms.get("revoke_form") or ReasonForm(),
    }


@login_required
def request_detail(request, request_id):
    row = selectors.request_get(user=request.user, pk=request_id)
    return render(request, "approvals/request_detail.html", _detail_context(request, row))


@login_required
@require_POST
def request_decide(request, request_id):
    row = selectors.request_get(user=request.user, pk=request_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        with form_errors(form) as call:
            row = services.deployment_request_decide(
                actor=request.user,
                request=row,
                verdict=form.cleaned_data["verdict"],
                comment=form.cleaned_data["comment"],
            )
        if call.conflict:  # said above the request: the decision was fine, the request moved on
            messages.error(request, call.message)
            return redirect("approvals:request-detail", request_id=row.pk)
        if call.ok:
            verdict = form.cleaned_data["verdict"]
            if verdict == ApprovalDecision.Verdict.REJECT:
                messages.success(request, gettext("Rejected. The requester is told why."))
            elif row.state == State.APPROVED:
                messages.success(
                    request,
                    gettext("Approved: v%(version)s may be deployed to %(env)s until %(until)s.")
                    % {
                        "version": row.model_version.version,
                        "env": row.environment,
                        "until": date_format(row.expires_at, "SHORT_DATE_FORMAT"),
                    },
                )
            else:
                messages.success(
                    request, gettext("Your approval is recorded. The request still awaits review.")
                )
            return redirect("approvals:request-detail", request_id=row.pk)
    messages.error(request, gettext("Your decision was not recorded; see below."))
    return render(
        request,
        "approvals/request_detail.html",
        _detail_context(request, row, decision_form=form),
        status=400,
    )


@login_required
@require_POST
def request_submit(request, request_id):
    row = selectors.request_get(user=request.user, pk=request_id)
    with message_errors(request, prefix=gettext("Not submitted: ")) as call:
        services.deployment_request_submit(actor=request.user, request=row)
    if call.ok:
        messages.success(request, gettext("Submitted. The reviewers have been told."))
    return redirect("approvals:request-detail", request_id=row.pk)


@login_required
@require_POST
def request_withdraw(request, request_id):
    row = selectors.request_get(user=request.user, pk=request_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
    with message_errors(request) as call:
        services.deployment_request_withdraw(actor=request.user, request=row, reason=reason)
    if call.ok:
        messages.success(request, gettext("Request withdrawn."))
    return redirect("approvals:request-detail", request_id=row.pk)


@login_required
@require_POST
def request_revoke(request, request_id):
    row = selectors.request_get(user=request.user, pk=request_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        with form_errors(form) as call:
            services.approval_revoke(
                actor=request.user, request=row, reason=form.cleaned_data["reason"]
            )
        if call.conflict:  # said above the request: the reason was fine, the request moved on
            messages.error(request, call.message)
            return redirect("approvals:request-detail", request_id=row.pk)
        if call.ok:
            messages.success(
                request, gettext("Approval revoked. The deploy gate refuses it from now on.")
            )
            return redirect("approvals:request-detail", request_id=row.pk)
    messages.error(request, gettext("The approval was not revoked; see below."))
    return render(
        request,
        "approvals/request_detail.html",
        _detail_context(request, row, revoke_form=form),
        status=400,
    )


# --- New request ----------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def request_create(request, model_id):
    model = model_service_get(user=request.user, model_id=model_id)
    if not selectors.can_request(request.user, model):
        raise PermissionDenied(gettext("Only the owning team requests deployments of its models."))
    environments = configuration.environments()
    versions = ModelVersion.objects.filter(
        model_service=model, status=ModelVersion.Status.READY, registry_deleted_at__isnull=True
    ).order_by("-version_number", "-created_at")
    requirements = [
        {"environment": env, "requirement": selectors.requirement_for(model, env)}
        for env in environments
    ]
    submittable = any(r["requirement"] and r["requirement"].submittable for r in requirements)
    status = 200
    if request.method == "POST":
        form = DeploymentRequestForm(request.POST, versions=versions, environments=environments)
        submit = request.POST.get("action") != "draft"
        if form.is_valid():
            data = form.cleaned_data
            with form_errors(form) as call:
                row = services.deployment_request_create(
                    actor=request.user,
                    model_version=data["version"],
                    environment=data["environment"],
                    justification=data["justification"],
                    metrics=data["metrics"],
                    links=data["links"],
                    submit=submit,
                )
            status = call.status  # 400 bad input, 409 a clash (shown above the form)
            if call.ok:
                messages.success(
                    request,
                    (
                        gettext(
                            "Request for v%(version)s → %(env)s submitted: the reviewers have "
                            "been told."
                        )
                        if submit
                        else gettext("Request for v%(version)s → %(env)s saved as a draft.")
                    )
                    % {"version": row.model_version.version, "env": row.environment},
                )
                return redirect("approvals:request-detail", request_id=row.pk)
        else:
            status = 400
        messages.error(request, gettext("The request was not saved; see below."))
    else:
        initial = {}
        if request.GET.get("environment") in environments:
            initial["environment"] = request.GET["environment"]
        form = DeploymentRequestForm(initial=initial, versions=versions, environments=environments)
    return render(
        request,
        "approvals/request_form.html",
        {
            "model": model,
            "form": form,
            "requirements": requirements,
            "submittable": submittable,
            "has_versions": versions.exists(),
            "blockers": {
                r["environment"]: selectors.blockers(model, r["requirement"])
                for r in requirements
                if r["requirement"] and r["requirement"].submittable
            },
        },
        status=status,
    )
