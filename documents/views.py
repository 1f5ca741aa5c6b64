"""Generated documents in the browser: request a version, watch its progress, download it; and
the reports page (generate a portfolio compliance report, list the ones you may read).

Adapters only: report parameters are validated by ``portfolio.clean_parameters`` (shared with the
API), requests go through ``documents.services.document_request`` and lists through
``documents.selectors.document_visible``. Rendering happens in the background; the document page
shows its progress.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Team
from catalog.selectors import model_service_visible, model_version_get
from common.forms import form_errors, message_errors
from documents import charts, selectors, services
from documents.access import can_read_every_portfolio_report
from documents.forms import PortfolioReportForm
from documents.kinds import portfolio
from documents.models import GeneratedDocument


@login_required
def document_detail(request, document_id):
    """Status (refreshes itself while rendering), hashes, download, earlier versions."""
    document = selectors.document_get(user=request.user, pk=document_id)
    return render(
        request,
        "documents/document_detail.html",
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
        raise Http404(_("This document is not ready."))
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=request.GET.get("inline") != "1",
        filename=document.download_name,
        content_type=document.media_type,
    )
    response["X-Content-SHA256"] = document.content_hash
    response["X-File-SHA256"] = document.file_sha256
    return response


@require_POST
@login_required
def document_request_for_version(request, model_id, version, kind):
    row = model_version_get(user=request.user, model_id=model_id, version=version)
    model = row.model_service
    with message_errors(request) as call:
        language = services.document_language(request.POST.get("language"))
        pending = selectors.document_pending(
            actor=request.user, kind=kind, model_version=row, language=language
        )
        if pending is not None:
            return _already_pending(request, pending)
        document = services.document_request(
            actor=request.user, kind=kind, model_version=row, language=language
        )
    if not call.ok:
        return redirect("catalog:model-detail", model_id=model.pk)
    return redirect("documents:document-detail", document_id=document.pk)


@require_POST
@login_required
def evidence_pack_request_for_deployment_request(request, request_id):
    """The evidence pack of one deployment request (its approval records only)."""
    from approvals.selectors import request_get
    from documents.evidence_packs import REQUEST_PARAMETER

    deployment_request = request_get(user=request.user, pk=request_id)
    kind, parameters = (
        GeneratedDocument.Kind.EVIDENCE_PACK,
        {REQUEST_PARAMETER: str(deployment_request.pk)},
    )
    version = deployment_request.model_version
    pending = selectors.document_pending(
        actor=request.user, kind=kind, model_version=version, parameters=parameters
    )
    if pending is not None:
        return _already_pending(request, pending)
    with message_errors(request) as call:
        document = services.document_request(
            actor=request.user, kind=kind, model_version=version, parameters=parameters
        )
    if not call.ok:
        return redirect("approvals:request-detail", request_id=deployment_request.pk)
    return redirect("documents:document-detail", document_id=document.pk)


@login_required
def model_card_detail(request, model_id, version):
    """The model card of one version as a page (the same data as the PDF), with its exports
    and the PDF versions generated so far."""
    from documents.kinds import model_card

    row = model_version_get(user=request.user, model_id=model_id, version=version)
    model = row.model_service
    data = model_card.card_data(row)
    pdfs = (
        selectors.document_visible(user=request.user)
        .filter(kind=GeneratedDocument.Kind.MODEL_CARD, model_version=row)
        .order_by("-revision")[:20]
    )
    return render(
        request,
        "documents/model_card.html",
        {
            "model": model,
            "version": row,
            "data": data,
            "pdfs": pdfs,
            "current_pdf": selectors.model_card_current(row, data),
        },
    )


# --- Reports (portfolio compliance reports) ------------------------------------------------
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
        "documents/report_list.html",
        {
            "form": form,
            "page": Paginator(reports, 25).get_page(request.GET.get("page")),
            "sees_all_reports": can_read_every_portfolio_report(user),
            "models_total": sum(tiers.values()),
            # the same SVG chart as in the PDF (documents/print/charts.py)
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
    form = PortfolioReportForm(
        teams=_teams(request.user), initial={"language": services.document_language()}
    )
    return _page(request, form)


@login_required
@require_POST
def report_create(request):
    """Queue a portfolio report for the chosen team and period; off to its progress page."""
    form = PortfolioReportForm(request.POST, teams=_teams(request.user))
    raw = {"team": request.POST.get("team", ""), "since": request.POST.get("since", "")}
    form.is_valid()  # bound and checked, so the page shows what was entered and what is wrong
    with form_errors(form) as call:
        parameters = portfolio.clean_parameters(raw)
        language = services.document_language(request.POST.get("language"))
        pending = selectors.document_pending(
            actor=request.user,
            kind=GeneratedDocument.Kind.PORTFOLIO,
            parameters=parameters,
            language=language,
        )
        if pending is not None:
            return _already_pending(request, pending)
        document = services.document_request(
            actor=request.user,
            kind=GeneratedDocument.Kind.PORTFOLIO,
            parameters=parameters,
            language=language,
        )
    if not call.ok:
        return _page(request, form, status=call.status)
    return redirect("documents:document-detail", document_id=document.pk)


def _already_pending(request, document: GeneratedDocument):
    """A double submit: to the document already on its way, saying so (nothing queued)."""
    messages.info(
        request,
        _(
            "This document is already being generated (revision %(revision)s); "
            "nothing new was queued."
        )
        % {"revision": document.revision},
    )
    return redirect("documents:document-detail", document_id=document.pk)
