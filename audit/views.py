"""The audit log page for auditors, compliance officers and admins."""

import csv
import json
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit import chain
from audit.actions import all_actions, field_label, label_for, target_type_label, value_label
from audit.checkpoints import latest_checkpoint, note_verifier_key, public_key_pem
from audit.models import AuditEvent
from audit.selectors import (
    AuditFilters,
    audit_actor_labels,
    audit_event_get,
    audit_event_list,
    audit_event_page,
    audit_target_types,
)
from audit.subjects import subject_name, subject_named, subject_names
from audit.verification_requests import verification_request, verification_state
from common import input_guard
from common.errors import ValidationError
from common.spreadsheet import neutralise_row


class AuditFilterForm(forms.Form):
    """The audit log's filters. A filter that cannot be read (an unknown action, a model id
    that is not a UUID, an end before the start) is an error on the page, never ignored."""

    # A picker of the declared actions by label; any text still searches codes (old links).
    action = forms.CharField(
        label=gettext_lazy("Action"), required=False, max_length=100, widget=forms.Select
    )
    # A picker of who appears in the trail; any other text still searches labels (old links).
    actor = forms.CharField(
        label=gettext_lazy("Actor"), required=False, max_length=200, widget=forms.Select
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=[("", gettext_lazy("Any channel")), *AuditEvent.Source.choices],
    )
    target_type = forms.ChoiceField(required=False, label=gettext_lazy("Object type"))
    since = forms.DateField(
        label=gettext_lazy("Since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # A model by name (suggested from the models the reader may see), or its id (links from
    # the model page carry the id; the field then shows the name).
    subject = forms.CharField(
        label=gettext_lazy("Model"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"list": "audit-models", "autocomplete": "off"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.model_names = subject_names(user)
        self.actor_labels = audit_actor_labels(user=user)
        actors = [("", _("Anyone")), *((label, label) for label in self.actor_labels)]
        typed_actor = (self.data.get("actor") or "") if self.is_bound else ""
        if typed_actor and typed_actor not in self.actor_labels:
            actors.append((typed_actor, _("containing “%(text)s”") % {"text": typed_actor}))
        self.fields["actor"].widget.choices = actors
        subject = (self.data.get("subject") or "").strip() if self.is_bound else ""
        if subject and _uuid(subject) and (name := subject_name(user, _uuid(subject))):
            self.data = self.data.copy()  # show the name, filter by the id it stands for
            self.data["subject"] = name
        self.fields["target_type"].choices = [("", _("Any type"))] + sorted(
            ((t, target_type_label(t)) for t in audit_target_types() if t),
            key=lambda choice: choice[1].lower(),
        )
        # By label, as people read the trail; the value is the action's code.
        choices = [("", _("Any action"))] + sorted(
            ((a.code, f"{a.label}") for a in all_actions()), key=lambda choice: choice[1].lower()
        )
        typed = (self.data.get("action") or "") if self.is_bound else ""
        if typed and typed not in {code for code, _label in choices}:
            choices.append((typed, _("containing “%(text)s”") % {"text": typed}))
        self.fields["action"].widget.choices = choices

    def clean_subject(self):
        text = self.cleaned_data["subject"].strip()
        if not text:
            return None
        found = _uuid(text) or subject_named(self.user, text)
        if found is None:
            raise forms.ValidationError(
                _(
                    "No model you may see is called “%(name)s”: pick one of the suggestions, "
                    "or paste a model id (it looks like 0b3f…-…, from the model page's address)."
                ),
                params={"name": text},
            )
        return found

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def _filters(request) -> tuple[AuditFilterForm, AuditFilters]:
    """The form and the filters it gives; an invalid form gives no filters (the caller answers
    400 and lists nothing rather than everything)."""
    form = AuditFilterForm(_filter_params(request.GET) or None, user=request.user)
    return form, _filters_from(form, form.cleaned_data if form.is_valid() else {})


def _filters_from(form: AuditFilterForm, data: dict) -> AuditFilters:
    return AuditFilters(
        action=data.get("action", ""),
        actor=data.get("actor", ""),
        actor_exact=data.get("actor", "") in form.actor_labels,
        source=data.get("source", ""),
        target_type=data.get("target_type", ""),
        since=data.get("since"),
        until=data.get("until"),
        subject=data.get("subject"),
    )


def _filter_params(query):
    """The filter fields of the query string (paging and export parameters are not filters)."""
    return {k: v for k, v in query.items() if k in AuditFilterForm.base_fields}


@login_required
def event_list(request):
    form, filters = _filters(request)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "audit/event_list.html",
            {"form": form, "page": None, "invalid": True, "checkpoint": latest_checkpoint()},
            status=400,
        )
    events = audit_event_list(user=request.user, filters=filters)
    # ASCII digits only (str.isdigit() accepts "²", which int() refuses): else a 400 page.
    page = audit_event_page(events, before=input_guard.query_int(request.GET, "before"))
    query = request.GET.copy()
    query.pop("before", None)

    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "query_string": query.urlencode(),
            "public_key": public_key_pem(),
            "note_key": note_verifier_key(),
            "checkpoint": latest_checkpoint(),
            "verification": verification_state(),
        },
    )


@login_required
def event_detail(request, seq: int):
    event = audit_event_get(user=request.user, seq=seq)
    keys = sorted(set(event.before or {}) | set(event.after or {}))
    # Field names and choice values in words ("Due date", "In progress"); the code stays in
    # the row's title for whoever compares with an export.
    changes = [
        {
            "field": k,
            "label": field_label(event.target_type, k),
            "before": value_label(event.target_type, k, (event.before or {}).get(k, None)),
            "after": value_label(event.target_type, k, (event.after or {}).get(k, None)),
        }
        for k in keys
    ]
    has_next = audit_event_list(user=request.user).filter(seq=event.seq + 1).exists()
    return render(
        request,
        "audit/event_detail.html",
        {"event": event, "changes": changes, "has_next": has_next},
    )


class _Echo:
    def write(self, value):
        return value


def _export_rows(events):
    """Sealed events only: one still sealing has no place in the trail yet."""
    rows = (
        events.filter(seq__isnull=False)
        .order_by("seq")
        .values("id", "hash", *chain.ALL_FIELDS)
        .iterator(chunk_size=2000)
    )
    for row in rows:
        yield {**chain.chain_fields(row), "hash": row["hash"], "id": str(row["id"])}


@login_required
def event_export(request, fmt: str):
    """Stream the (filtered) trail with its chain fields: JSON Lines re-verifies offline with
    docs/verify_audit_export.py; CSV is for spreadsheets."""
    params = request.GET.copy()
    since = params.get("since", "")
    from_seq = None
    if since.isascii() and since.isdigit():  # a sequence number; otherwise the form's date
        from_seq = input_guard.query_int(request.GET, "since")
        params.pop("since")
    form = AuditFilterForm(_filter_params(params) or None, user=request.user)
    if form.is_bound and not form.is_valid():
        if "since" in form.errors:
            raise ValidationError(
                {"since": [_("?since= must be a sequence number or a date as YYYY-MM-DD.")]}
            )
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    filters = _filters_from(form, form.cleaned_data if form.is_bound else {})
    events = audit_event_list(user=request.user, filters=filters)
    if from_seq is not None:
        events = events.filter(seq__gte=from_seq)
    if fmt == "jsonl":
        lines = (json.dumps(row, ensure_ascii=False) + "\n" for row in _export_rows(events))
        response = StreamingHttpResponse(lines, content_type="application/x-ndjson")
    elif fmt == "csv":
        writer = csv.writer(_Echo())
        columns = ["id", "hash", *chain.ALL_FIELDS]

        def csv_lines():
            # The chain fields, then the label people read (not hashed; JSON Lines has no label).
            yield writer.writerow([*columns, "action_label"])
            for row in _export_rows(events):
                # Text people typed must not run as a spreadsheet formula (common/spreadsheet.py).
                yield writer.writerow(
                    neutralise_row(
                        [
                            json.dumps(row[c]) if c in ("before", "after") else row[c]
                            for c in columns
                        ]
                        + [str(label_for(row["action"]))]
                    )
                )

        response = StreamingHttpResponse(csv_lines(), content_type="text/csv; charset=utf-8")
    else:
        raise Http404(_("Unknown export format."))
    response["Content-Disposition"] = f'attachment; filename="attest-audit.{fmt}"'
    return response


@login_required
def public_key(request):
    """The Ed25519 public key that verifies the signed checkpoints (PEM)."""
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    from audit.checkpoints import public_key_pem
    from audit.selectors import AUDIT_LOG_PERMISSION

    if not request.user.has_perm(AUDIT_LOG_PERMISSION):
        raise PermissionDenied(
            _("Reading the audit log needs the auditor, compliance or admin role.")
        )
    response = HttpResponse(public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="attest-audit-checkpoint-key.pem"'
    return response


@login_required
@require_POST
def verify_now(request):
    """Start a full verification in the background; the panel shows progress and result."""
    from django.contrib import messages
    from django.shortcuts import redirect

    if verification_request(actor=request.user):
        messages.info(request, _("Verification started; this page shows the result when done."))
    else:
        messages.info(request, _("A verification is already running."))
    return redirect(reverse("audit:event-list") + "#tamper-evidence")
