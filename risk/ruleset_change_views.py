"""The rule-set change report page and the bulk re-assessment it starts. Adapters only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from common.forms import message_errors
from risk import ruleset as rulesets
from risk.access import can_classify_directly
from risk.ruleset_change import ruleset_change_report
from risk.ruleset_change_services import assessments_move


@login_required
@require_http_methods(["GET", "POST"])
def ruleset_change(request):
    """Per model: what the current rule set changes; compliance officers re-assess from here."""
    if not can_classify_directly(request.user):
        raise PermissionDenied(_("Only compliance officers and admins move assessments."))
    if request.method == "POST":
        with message_errors(request) as call:
            moved = assessments_move(
                actor=request.user,
                model_ids=request.POST.getlist("models"),
                new_questions_checked=request.POST.get("new_questions_checked") == "on",
            )
        if call.ok:
            messages.success(
                request,
                ngettext(
                    "%(count)d model re-assessed under rule set %(version)s.",
                    "%(count)d models re-assessed under rule set %(version)s.",
                    len(moved),
                )
                % {"count": len(moved), "version": rulesets.current().version},
            )
        return redirect("risk:ruleset-change")
    report = ruleset_change_report(user=request.user)
    return render(
        request,
        "risk/ruleset_change.html",
        {"report": report, "ruleset": rulesets.current()},
    )
