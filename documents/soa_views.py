"""A model's ISO/IEC 42001 Statement of Applicability as PDF, rendered on request. Adapter.

The same rows as the CSV export (risk/framework_views.py: every Annex A control once, with
applicable yes/no, justification and evidence), through the documents app's locked WeasyPrint
renderer (documents/rendering.py), which is why it lives here and not in the risk app. Like the
CSV it is a read of current records, not a stored document, so it writes no audit event. It is
signed like every document Attest issues (documents/pdf_signing.py): PAdES, timestamped when
``ATTEST_TSA_URL`` is set. When the timestamp authority (or the signing configuration) fails,
the answer is a 503 saying so, never an unsigned or unstamped file.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from documents import pdf_signing, rendering
from documents.signing_keys import SigningConfigurationError
from risk import framework_selectors
from risk.framework_views import evidence_links
from risk.selectors import assessment_latest

logger = logging.getLogger(__name__)


@login_required
@require_GET
def model_soa_pdf(request, model_id):
    model, coverage = framework_selectors.model_framework(
        user=request.user, model_id=model_id, framework_id="iso42001"
    )
    groups: list[dict] = []
    for row in coverage.rows:
        if not groups or groups[-1]["id"] != row.item.group_id:
            groups.append({"id": row.item.group_id, "title": row.item.group_title, "rows": []})
        groups[-1]["rows"].append({"row": row, "links": evidence_links(request, row)})
    applicable = sum(row.applicable for row in coverage.rows)
    covered = sum(row.applicable and row.status == "covered" for row in coverage.rows)
    html = render_to_string(
        "documents/print/soa.html",
        {
            "model": model,
            "coverage": coverage,
            "groups": groups,
            "applicable": applicable,
            "covered": covered,
            "excluded": len(coverage.rows) - applicable,
            "assessment": assessment_latest(model),
            "generated_at": timezone.now(),
            "prepared_for": request.user.get_full_name() or request.user.get_username(),
            "static_origin": rendering.STATIC_ORIGIN,
        },
    )
    rendered = rendering.render_pdf(html, find_static=finders.find)
    try:
        signed = pdf_signing.sign_issued(rendered.pdf, title=f"ISO/IEC 42001 SoA: {model.name}")
    except (pdf_signing.TimestampUnavailable, SigningConfigurationError) as exc:
        logger.warning("Statement of Applicability of %s not signed: %s", model.pk, exc)
        return HttpResponse(
            gettext(
                "The Statement of Applicability could not be signed and timestamped right "
                "now, so it was not issued. Try again in a few minutes; if it keeps failing, "
                "tell an administrator (the document-signing key or the timestamp authority)."
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(signed.pdf, content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") == "1" else "attachment"
    filename = f"{slugify(model.name) or 'model'}-iso42001-soa.pdf"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-File-SHA256"] = signed.sha256
    return response
