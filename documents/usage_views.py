"""The usage and cost report of a month as a signed PDF, rendered on request. Adapter.

The same query as the page and the CSV (usage/views.py: the month, an optional team, the
models the reader may see), through the documents app's locked WeasyPrint renderer; the
report's data rides along as ``usage-cost.json`` (canonical JSON). Like the CSV it is a read
of current records, not a stored document, so it writes no audit event; it is signed as it is
served (documents/pdf_responses.py), or answered with a 503 saying why not.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from documents import rendering
from documents.pdf_responses import signed_pdf_response
from usage.views import report_for_request


@login_required
@require_GET
def usage_report_pdf(request):
    month, team, error, report = report_for_request(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    totals: dict[str, Decimal] = {}
    for row in report["models"]:
        for currency, amount in row["cost"].items():
            totals[currency] = totals.get(currency, Decimal(0)) + Decimal(amount)
    now = timezone.now()
    html = render_to_string(
        "documents/print/usage_cost.html",
        {
            "month": month,
            "team": team,
            "rows": report["models"],
            "totals": dict(sorted(totals.items())),
            "unmatched": report.get("unmatched"),
            "generated_at": now,
            "prepared_for": request.user.get_full_name() or request.user.get_username(),
            "static_origin": rendering.STATIC_ORIGIN,
        },
    )
    data = rendering.EmbeddedFile(
        "usage-cost.json",
        rendering.canonical_json(report),
        "The usage and cost report's data (canonical JSON)",
    )
    rendered = rendering.render_pdf(html, find_static=finders.find, embedded=(data,), created=now)
    name = f"usage-cost-{report['month']}{'-' + team if team else ''}"
    return signed_pdf_response(
        request,
        rendered.pdf,
        title=f"Usage and cost {report['month']}",
        filename=f"{name[:120]}.pdf",
    )
