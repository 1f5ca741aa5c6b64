"""A model's ISO/IEC 42001 Statement of Applicability as PDF, rendered on request. Adapter.

The same rows as the CSV export (risk/framework_views.py: every Annex A control once, with
applicable yes/no, justification and evidence), through the documents app's locked WeasyPrint
renderer (documents/rendering.py), which is why it lives here and not in the risk app. Like the
CSV it is a read of current records, not a stored document, so it writes no audit event. It is
signed as it is served (documents/pdf_responses.py), or answered with a 503 saying why not.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from documents import rendering
from documents.pdf_responses import signed_pdf_response
from risk import framework_selectors
from risk.framework_views import evidence_links
from risk.selectors import assessment_latest


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
    return signed_pdf_response(
        request,
        rendered.pdf,
        title=f"ISO/IEC 42001 SoA: {model.name}",
        filename=f"{slugify(model.name) or 'model'}-iso42001-soa.pdf",
    )
