"""Generated documents in the browser: request a version, watch its progress, download it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from catalog.models import ModelVersion
from catalog.selectors import model_service_get
from governance.documents import selectors, services
from governance.models import GeneratedDocument


@login_required
def document_detail(request, document_id):
    """Status (refreshes itself while rendering), hashes, download, earlier versions."""
    document = selectors.document_get(user=request.user, pk=document_id)
    return render(
        request,
        "governance/document_detail.html",
        {
            "document": document,
            "history": selectors.document_history(document).filter(
                pk__in=selectors.document_visible(user=request.user).values("pk")
            )[:20],
            "working": document.status
            in (GeneratedDocument.Status.QUEUED, GeneratedDocument.Status.RENDERING),
        },
    )


@login_required
def document_download(request, document_id):
    document = selectors.document_get(user=request.user, pk=document_id)
    if document.status != GeneratedDocument.Status.DONE or not document.file:
        raise Http404("This document is not ready.")
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=request.GET.get("inline") != "1",
        filename=document.download_name,
        content_type="application/pdf",
    )
    response["X-Content-SHA256"] = document.content_hash
    response["X-File-SHA256"] = document.file_sha256
    return response


@require_POST
@login_required
def document_request_for_version(request, model_id, version, kind):
    model = model_service_get(user=request.user, model_id=model_id)
    row = ModelVersion.objects.filter(model_service=model, version=version).first()
    if row is None:
        raise Http404("No such version.")
    try:
        document = services.document_request(actor=request.user, kind=kind, model_version=row)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("catalog:model-detail", model_id=model.pk)
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    return redirect("governance:document-detail", document_id=document.pk)


@login_required
def model_card_detail(request, model_id, version):
    """The model card of one version as a page (the same data as the PDF), with its exports
    and the PDF versions generated so far."""
    from governance.documents.kinds import model_card

    model = model_service_get(user=request.user, model_id=model_id)
    row = ModelVersion.objects.filter(model_service=model, version=version).first()
    if row is None:
        raise Http404("No such version.")
    data = model_card.card_data(row)
    pdfs = (
        selectors.document_visible(user=request.user)
        .filter(kind=GeneratedDocument.Kind.MODEL_CARD, model_version=row)
        .order_by("-revision")[:20]
    )
    return render(
        request,
        "governance/model_card.html",
        {
            "model": model,
            "version": row,
            "data": data,
            "pdfs": pdfs,
            "current_pdf": selectors.model_card_current(row, data),
        },
    )
