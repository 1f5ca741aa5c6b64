"""The audit log page for auditors, compliance officers and admins."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from audit.models import AuditEvent
from audit.selectors import AuditFilters, audit_event_list, audit_target_types


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False, max_length=100)
    actor = forms.CharField(required=False, max_length=150)
    source = forms.ChoiceField(
        required=False, choices=[("", "Any channel"), *AuditEvent.Source.choices]
    )
    target_type = forms.ChoiceField(required=False, label="Object type")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_type"].choices = [("", "Any type")] + [
            (t, t) for t in audit_target_types() if t
        ]


@login_required
def event_list(request):
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = AuditFilters(
        action=data.get("action", ""),
        actor=data.get("actor", ""),
        source=data.get("source", ""),
        target_type=data.get("target_type", ""),
        since=data.get("since"),
        until=data.get("until"),
    )
    events = audit_event_list(user=request.user, filters=filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "query_string": query.urlencode()},
    )
