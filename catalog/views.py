"""Catalog pages. Adapters only: parse, call a selector or service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.selectors import audit_timeline_for_subject
from catalog import selectors, services
from catalog.forms import CatalogFilterForm, ModelMetadataForm

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
        },
    )


@login_required
def model_detail(request, model_id):
    model = selectors.model_service_get(user=request.user, model_id=model_id)
    return render(
        request,
        "catalog/model_detail.html",
        {
            "model": model,
            "versions": selectors.model_version_list(user=request.user, model_service=model),
            "timeline": audit_timeline_for_subject(subject_id=model.pk),
            "can_edit": selectors.model_service_can_edit(request.user, model),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def model_edit(request, model_id):
    model = selectors.model_service_get(user=request.user, model_id=model_id)
    if not selectors.model_service_can_edit(request.user, model):
        raise PermissionDenied("Only the owning team's model owners may edit this model.")
    form = ModelMetadataForm(request.POST or None, instance=model)
    if request.method == "POST" and form.is_valid():
        # The ModelForm has already copied values onto `model`; the service re-reads the row
        # under lock and diffs against what is stored, so pass the submitted values only.
        changed = services.model_service_update_metadata(
            actor=request.user, model_service=model, changes=form.changes()
        )
        if changed:
            messages.success(request, f"Saved. Changed: {', '.join(changed).replace('_', ' ')}.")
        else:
            messages.info(request, "No changes to save.")
        return redirect("catalog:model-detail", model_id=model.pk)
    if request.method == "POST":
        messages.error(request, "Please correct the errors below.")
    return render(
        request,
        "catalog/model_edit.html",
        {"model": model, "form": form},
        status=400 if request.method == "POST" else 200,
    )
