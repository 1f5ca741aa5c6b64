"""The portal's own pages: what reads every domain at once."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.selectors import dashboard_data


@login_required
def dashboard(request):
    """Portfolio at a glance: tiers, approvals waiting, alerts, overdue work, recent activity."""
    return render(request, "portal/dashboard.html", dashboard_data(user=request.user))
