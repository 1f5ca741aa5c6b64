"""ISO/IEC 42001 and NIST AI RMF coverage: a model's page and its CSV exports, and the
portfolio's coverage table. Adapters. (The Statement of Applicability as PDF is rendered by
documents/soa_views.py: WeasyPrint lives in the documents app.)"""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from common.spreadsheet import neutralise_row
from risk import framework_selectors as selectors


@login_required
@require_GET
def model_frameworks(request, model_id):
    model, coverages = selectors.model_frameworks(user=request.user, model_id=model_id)
    if not coverages:
        raise Http404(_("No frameworks are enabled on this deployment (ATTEST_FRAMEWORKS)."))
    return render(request, "risk/frameworks.html", {"model": model, "coverages": coverages})


PORTFOLIO_PAGE_SIZE = 50


@login_required
@require_GET
def framework_coverage(request):
    """Coverage of each enabled framework across every model the user may see (with none
    enabled, the page says so: the navigation links it on every deployment)."""
    portfolio = selectors.portfolio_coverage(user=request.user)
    page = Paginator(portfolio.models, PORTFOLIO_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "risk/framework_coverage.html",
        {"portfolio": portfolio, "page": page, "model_count": len(portfolio.models)},
    )


def evidence_links(request, row) -> list[tuple[str, str]]:
    """(label, absolute URL) of each evidence item behind a control row: uploaded files through
    the portal's permission-checked download, links as given."""
    links = []
    for evidence in row.evidence:
        if evidence.file:
            url = reverse("risk:evidence-download", args=[evidence.pk])
            links.append((evidence.file_name, request.build_absolute_uri(url)))
        elif evidence.link:
            links.append((evidence.description or evidence.link, evidence.link))
    return links


def _evidence_links(request, row) -> str:
    return " ".join(url for _label, url in evidence_links(request, row))


def _csv(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow(neutralise_row(row))
    return response


def _obligations(row) -> str:
    return "; ".join(f"{o.code} ({o.get_status_display()})" for o in row.obligations)


@login_required
@require_GET
def model_soa_export(request, model_id):
    """ISO/IEC 42001 Statement of Applicability: every Annex A control once."""
    model, coverage = selectors.model_framework(
        user=request.user, model_id=model_id, framework_id="iso42001"
    )
    rows = (
        [
            row.item.id,
            row.item.title,
            "yes" if row.applicable else "no",
            row.justification,
            row.status,
            _obligations(row),
            _evidence_links(request, row),
        ]
        for row in coverage.rows
    )
    header = ["control", "title", "applicable", "justification", "status", "obligations",
              "evidence"]  # fmt: skip
    return _csv(f"{slugify(model.name) or 'model'}-iso42001-soa.csv", header, rows)


@login_required
@require_GET
def model_nist_profile_export(request, model_id):
    """NIST AI RMF profile: every subcategory with its coverage and evidence."""
    model, coverage = selectors.model_framework(
        user=request.user, model_id=model_id, framework_id="nist-ai-rmf"
    )
    rows = (
        [
            row.item.group_id.split()[0],
            row.item.group_id,
            row.item.id,
            row.item.title,
            row.status,
            _obligations(row),
            _evidence_links(request, row),
        ]
        for row in coverage.rows
    )
    header = ["function", "category", "subcategory", "title", "status", "obligations",
              "evidence"]  # fmt: skip
    return _csv(f"{slugify(model.name) or 'model'}-nist-ai-rmf-profile.csv", header, rows)
