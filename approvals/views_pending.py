"""The Awaiting review page (HTML): every request awaiting review among the models the user may
see, whoever may decide it — the page the dashboard's "pending in all" and "over 2 days" lead
to, read through the same selector as those figures. An adapter like approvals/views.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from approvals import policy, selectors
from approvals.views import REVIEW_SLA, _waiting


@login_required
def requests_pending(request):
    """Every request awaiting review among the models the user may see, oldest first;
    ``?overdue=1``: only those waiting longer than the review SLA (the dashboard's figures)."""
    overdue = request.GET.get("overdue") == "1"
    now = timezone.now()
    rows = selectors.pending(
        user=request.user, submitted_before=now - REVIEW_SLA if overdue else None
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    items = [
        {
            "request": row,
            "waiting": _waiting(row.submitted_at or row.created_at, now),
            "blockers": (
                selectors.blockers(row.model_service, policy.Requirement(**row.requirement))
                if row.requirement
                else []
            ),
        }
        for row in page.object_list
    ]
    return render(
        request,
        "approvals/requests_pending.html",
        {
            "page": page,
            "items": items,
            "overdue": overdue,
            "sla_days": REVIEW_SLA.days,
            "query_string": "overdue=1" if overdue else "",
        },
    )
