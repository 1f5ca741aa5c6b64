"""Catalog pages. Adapters only: parse, call a selector or service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit.selectors import audit_timeline_for_subject
from catalog import events, selectors, services
from catalog.forms import (
    CatalogFilterForm,
    ModelMetadataForm,
    TeamMoveDeclineForm,
    TeamMoveRequestForm,
)
from catalog.metric_history import LAST_VERSIONS, metric_history
from common.chart_scale import format_number
from common.forms import form_errors, message_errors

_PAGE_SIZES = (10, 25, 50, 100)


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", settings.ATTEST_CATALOG_PAGE_SIZE))
    except ValueError:
        return settings.ATTEST_CATALOG_PAGE_SIZE
    return size if size in _PAGE_SIZES else settings.ATTEST_CATALOG_PAGE_SIZE


@login_required
def model_list(request):
    form = CatalogFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.CatalogFilters(
        search=data.get("q", ""),
        team=data["team"].slug if data.get("team") else "",
        lifecycle=data.get("lifecycle", ""),
        risk_tier=data.get("risk_tier", ""),
        sort=data.get("sort", "name"),
    )
    models = selectors.model_service_list(user=request.user, filters=filters)
    page = Paginator(models, _page_size(request)).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/model_list.html",
        {
            "form": form,
            "page": page,
            "filters": filters,
            "query_string": query.urlencode(),
            "page_sizes": _PAGE_SIZES,
            "per_page": _page_size(request),
            "is_filtered": any(
                [filters.search, filters.team, filters.lifecycle, filters.risk_tier]
            ),
            "offered_count": selectors.team_move_offered_list(user=request.user).count(),
        },
    )


def _reader_number(value: float) -> str:
    """A metric as the reader writes numbers (``1.234,57`` in German): the chart labels."""
    text = format_number(value)
    separators = {",": get_format("THOUSAND_SEPARATOR"), ".": get_format("DECIMAL_SEPARATOR")}
    return "".join(separators.get(c, c) for c in text)


@login_required
def model_detail(request, model_id):
    model = selectors.model_service_get(user=request.user, model_id=model_id)
    versions = selectors.model_version_list(user=request.user, model_service=model)
    recent = versions[:LAST_VERSIONS]
    return render(
        request,
        "catalog/model_detail.html",
        {
            "model": model,
            "versions": versions,
            "metric_history": metric_history(
                [(f"v{v.version}", v.metrics) for v in recent], number=_reader_number
            ),
            "timeline": audit_timeline_for_subject(subject_id=model.pk),
            "field_names": _FIELD_NAMES,
            "can_edit": selectors.model_service_can_edit(request.user, model),
            "can_move": selectors.team_move_can_request(request.user, model),
            "pending_move": selectors.team_move_pending_for(model_service=model),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def model_edit(request, model_id):
    model = selectors.model_service_get(user=request.user, model_id=model_id)
    if not selectors.model_service_can_edit(request.user, model):
        raise PermissionDenied(_("Only the owning team's model owners may edit this model."))
    stored = selectors.model_service_get(user=request.user, model_id=model_id)  # not the form's
    form = ModelMetadataForm(request.POST or None, instance=model, user=request.user)
    consequences = []
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        # Before saving: which approvals in force the edit would make stale. The person
        # confirms them once (the form is shown again with the list), then the save says so.
        consequences = events.consequences_of(stored, changes)
        if not consequences or request.POST.get("confirm_consequences") == "yes":
            # The ModelForm has already copied values onto `model`; the service re-reads the
            # row under lock and diffs against what is stored: pass the submitted values only.
            changed = services.model_service_update_metadata(
                actor=request.user, model_service=model, changes=changes
            )
            _saved_message(request, changed, consequences)
            return redirect("catalog:model-detail", model_id=model.pk)
    elif request.method == "POST":
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "catalog/model_edit.html",
        {"model": model, "form": form, "consequences": consequences},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


# The metadata fields as the "Saved. Changed: ..." message names them (lower case in English).
_FIELD_NAMES = {
    "description": gettext_lazy("description"),
    "purpose": gettext_lazy("purpose"),
    "intended_use": gettext_lazy("intended use"),
    "intended_users": gettext_lazy("intended users"),
    "out_of_scope_use": gettext_lazy("out of scope use"),
    "owner_team": gettext_lazy("owner team"),
    "stakeholders": gettext_lazy("stakeholders"),
    "lifecycle_status": gettext_lazy("lifecycle status"),
    "training_data": gettext_lazy("training data"),
    "input_features": gettext_lazy("input features"),
    "parameters": gettext_lazy("parameters"),
    "results": gettext_lazy("results"),
    "limitations": gettext_lazy("limitations"),
    "reproduction": gettext_lazy("reproduction"),
    "tags": gettext_lazy("tags"),
}


def _saved_message(request, changed: list[str], consequences: list[dict]) -> None:
    if not changed:
        messages.info(request, _("No changes to save."))
        return
    names = ", ".join(str(_FIELD_NAMES.get(n, n.replace("_", " "))) for n in changed)
    if not consequences:
        messages.success(request, _("Saved. Changed: %(names)s.") % {"names": names})
        return
    links = ", ".join(
        format_html('<a href="{}">{}</a>', item["url"], item["label"]) for item in consequences
    )
    messages.warning(
        request,
        format_html(
            "{} {}",
            _("Saved. Changed: %(names)s. These approvals are now stale and need a re-review:")
            % {"names": names},
            mark_safe(links),  # noqa: S308  (each part escaped by format_html above)
        ),
    )


# --- Moving a model to another team ---------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def team_move_create(request, model_id):
    """Offer the model to another team: the owning team's model owners and admins."""
    model = selectors.model_service_get(user=request.user, model_id=model_id)
    if not selectors.team_move_can_request(request.user, model):
        raise PermissionDenied(_("Only the owning team's model owners may move this model."))
    form = TeamMoveRequestForm(request.POST or None, model_service=model)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                move = services.team_move_request(
                    actor=request.user,
                    model_service=model,
                    to_team=form.cleaned_data["to_team"],
                    reason=form.cleaned_data["reason"],
                )
            if call.ok:
                messages.success(
                    request,
                    _("Move to %(team)s requested. Nothing changes until that team accepts.")
                    % {"team": move.to_team.name},
                )
                return redirect("catalog:team-move-detail", move_id=move.pk)
            status = call.status
    return render(
        request,
        "catalog/team_move_create.html",
        {
            "model": model,
            "form": form,
            "pending_move": selectors.team_move_pending_for(model_service=model),
        },
        status=status,
    )


@login_required
@require_safe
def team_move_list(request):
    """Models offered to the teams the user is a model owner of, and their own pending moves."""
    return render(
        request,
        "catalog/team_move_list.html",
        {
            "offered": selectors.team_move_offered_list(user=request.user),
            "outgoing": selectors.team_move_outgoing_list(user=request.user),
        },
    )


def _team_move_page(request, move, *, decline_form=None, status=200):
    user = request.user
    return render(
        request,
        "catalog/team_move_detail.html",
        {
            "move": move,
            "model": move.model_service,
            "can_view_model": selectors.model_service_can_view(user, move.model_service),
            "can_decide": move.is_pending and selectors.team_move_can_decide(user, move),
            "can_cancel": move.is_pending and selectors.team_move_can_cancel(user, move),
            "decline_form": decline_form or TeamMoveDeclineForm(),
        },
        status=status,
    )


@login_required
@require_safe
def team_move_detail(request, move_id):
    """The move and a summary of the model: all the receiving team sees before it accepts."""
    return _team_move_page(request, selectors.team_move_get(user=request.user, move_id=move_id))


@login_required
@require_POST
def team_move_accept(request, move_id):
    move = selectors.team_move_get(user=request.user, move_id=move_id)
    with message_errors(request) as call:
        services.team_move_accept(actor=request.user, move=move)
    if not call.ok:
        return redirect("catalog:team-move-detail", move_id=move.pk)
    messages.success(
        request,
        _("%(model)s now belongs to %(team)s.")
        % {"model": move.model_service.name, "team": move.to_team.name},
    )
    return redirect("catalog:model-detail", model_id=move.model_service_id)


@login_required
@require_POST
def team_move_decline(request, move_id):
    move = selectors.team_move_get(user=request.user, move_id=move_id)
    form = TeamMoveDeclineForm(request.POST)
    if form.is_valid():
        with form_errors(form) as call:
            services.team_move_decline(
                actor=request.user, move=move, comment=form.cleaned_data["comment"]
            )
        if call.conflict:
            messages.error(request, call.message)
            return redirect("catalog:team-move-detail", move_id=move.pk)
        if call.ok:
            messages.success(request, _("Move declined. The model stays with its team."))
            return redirect("catalog:team-move-detail", move_id=move.pk)
    elif not selectors.team_move_can_decide(request.user, move):
        raise PermissionDenied(_("Only the receiving team's model owners may decline this move."))
    messages.error(request, _("Nothing was recorded; see below."))
    return _team_move_page(request, move, decline_form=form, status=400)


@login_required
@require_POST
def team_move_cancel(request, move_id):
    move = selectors.team_move_get(user=request.user, move_id=move_id)
    with message_errors(request) as call:
        services.team_move_cancel(actor=request.user, move=move)
    if call.ok:
        messages.success(request, _("Move cancelled. The model stays with its team."))
    return redirect("catalog:team-move-detail", move_id=move.pk)
