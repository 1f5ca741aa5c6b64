"""The browser upload of a FOCUS billing export on /usage/: the same import as
``POST /api/v1/costs/imports/`` (``services.cost_import_create``), for the people who may import
costs (compliance officers and administrators; service accounts use the API).

The file is streamed as it arrives: Django's upload handlers keep at most
``FILE_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) in memory and write anything larger to a temporary
file in 64 KB chunks; the importer then reads it row by row (Parquet in batches). A billing
export of a few GB never sits in memory.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.errors import Forbidden
from common.forms import form_errors
from usage import access, configuration, services
from usage.models import CostImport


class CostImportForm(forms.Form):
    """One FOCUS file (CSV or Parquet) and the cost column to sum."""

    file = forms.FileField(
        label=gettext_lazy("FOCUS export (CSV or Parquet)"), allow_empty_file=False
    )
    cost_column = forms.ChoiceField(
        label=gettext_lazy("Cost column"),
        choices=CostImport.CostColumn.choices,
        initial=CostImport.CostColumn.EFFECTIVE,
        required=False,  # EffectiveCost unless told, as in the API
    )


@login_required
@require_POST
def cost_import_upload(request):
    """Import the uploaded file and show its summary, or the form with what was wrong."""
    if not access.can_import_costs(request.user):
        raise Forbidden(services.IMPORT_REFUSED)
    form = CostImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, None, status=400)
    upload = form.cleaned_data["file"]
    limit = configuration.cost_import_max_bytes()
    if upload.size > limit:
        form.add_error("file", _("The file is larger than %(limit)s bytes.") % {"limit": limit})
        return _page(request, form, None, status=413)
    # Not FOCUS, bad rows (a refusal naming each), or bad options: nothing was imported.
    with form_errors(form, refusals=True) as call:
        imported = services.cost_import_create(
            actor=request.user,
            upload=upload,
            file_name=upload.name,
            cost_column=form.cleaned_data["cost_column"] or CostImport.CostColumn.EFFECTIVE,
        )
    if not call.ok:
        return _page(request, form, None, status=call.status)
    return _page(request, CostImportForm(), imported, status=200)


def _page(request, form, imported, *, status: int):
    return render(
        request,
        "usage/cost_import.html",
        {"form": form, "imported": imported},
        status=status,
    )
