"""The incident register and the Art. 73 reporting clocks."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from catalog.models import ModelService, ModelVersion
from common.text import check_lengths
from monitoring import configuration, deadlines, outgoing_events, selectors
from monitoring.audit_actions import INCIDENT_REGISTERED, INCIDENT_UPDATED
from monitoring.models import Alert, Incident
from monitoring.services.alerts import AlertSpec, _alert_raise, _resolve_active

Kind = Alert.Kind

INCIDENT_FIELDS = (
    "title",
    "description",
    "severity",
    "status",
    "serious",
    "serious_category",
    "model_version",
    "occurred_at",
    "aware_at",
    "affected_people",
    "corrective_actions",
    "report_stage",
    "authority_reported_at",
    "complete_report_at",
)


# What people type at length; the title's 300 characters are checked with its wording below.
_FREE_TEXT = ("description", "affected_people", "corrective_actions")


def _clean_incident(model: ModelService, data: dict, now: datetime) -> dict:
    errors: dict[str, list[str]] = {}
    Stage = Incident.ReportStage
    title = (data.get("title") or "").strip()
    if not title or len(title) > 300:
        errors["title"] = ["A short title (at most 300 characters)."]
    description = (data.get("description") or "").strip()
    if not description:
        errors["description"] = ["Describe what happened and to whom."]
    severity = data.get("severity") or Incident.Severity.MEDIUM
    if severity not in Incident.Severity.values:
        errors["severity"] = [
            _("One of: %(values)s") % {"values": ", ".join(Incident.Severity.values)}
        ]
    status = data.get("status") or Incident.Status.OPEN
    if status not in Incident.Status.values:
        errors["status"] = ["open or closed"]
    serious = bool(data.get("serious"))
    category = data.get("serious_category") or ""
    if serious and category not in Incident.SeriousCategory.values:
        errors["serious_category"] = [
            "A serious incident needs its Art. 73 category: it sets the reporting deadline."
        ]
    if not serious:
        category = ""
    aware_at = data.get("aware_at")
    if not isinstance(aware_at, datetime):
        errors["aware_at"] = ["When did you become aware of it? The Art. 73 clock starts then."]
    elif aware_at > now + timedelta(minutes=5):
        errors["aware_at"] = ["Awareness cannot be in the future."]
    occurred_at = data.get("occurred_at")
    if occurred_at and isinstance(aware_at, datetime) and occurred_at > aware_at:
        errors["occurred_at"] = ["It cannot have happened after you became aware of it."]
    version = data.get("model_version")
    if version is not None and version.model_service_id != model.pk:
        errors["model_version"] = ["That version belongs to another model."]
    stage = data.get("report_stage") or Stage.NONE
    reported_at = data.get("authority_reported_at")
    complete_at = data.get("complete_report_at")
    if stage not in Stage.values:
        errors["report_stage"] = [_("One of: %(values)s") % {"values": ", ".join(Stage.values)}]
    elif stage == Stage.NONE:
        reported_at = complete_at = None
    else:
        if not isinstance(reported_at, datetime):
            errors["authority_reported_at"] = ["When was the report sent to the authority?"]
        elif reported_at > now + timedelta(minutes=5):
            errors["authority_reported_at"] = ["The report date cannot be in the future."]
        if stage == Stage.COMPLETE:
            if not isinstance(complete_at, datetime):
                errors["complete_report_at"] = ["When was the complete report sent?"]
            elif isinstance(reported_at, datetime) and complete_at < reported_at:
                errors["complete_report_at"] = ["The complete report follows the initial one."]
        else:
            complete_at = None
    try:
        check_lengths(Incident, {name: (data.get(name) or "").strip() for name in _FREE_TEXT})
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "description": description,
        "severity": severity,
        "status": status,
        "serious": serious,
        "serious_category": category,
        "model_version": version,
        "occurred_at": occurred_at or None,
        "aware_at": aware_at,
        "affected_people": (data.get("affected_people") or "").strip(),
        "corrective_actions": (data.get("corrective_actions") or "").strip(),
        "report_stage": stage,
        "authority_reported_at": reported_at,
        "complete_report_at": complete_at,
    }


def _incident_deadline(data: dict) -> datetime | None:
    if not data["serious"]:
        return None
    return deadlines.report_deadline(data["aware_at"], data["serious_category"])


def _audit_value(value):
    if isinstance(value, ModelVersion):
        return value.version
    return value


@transaction.atomic
def incident_register(*, actor, model_service: ModelService, **fields) -> Incident:
    """Put an incident in the model's register. A serious one gets its Art. 73 reporting
    deadline (awareness + 15, 10 or 2 days by category); the daily task alerts when it passes
    without a report. Owning team's model owners, compliance officers, admins."""
    model = ModelService.objects.select_for_update().get(pk=model_service.pk)
    if not selectors.can_manage_incidents(actor, model):
        raise PermissionDenied(
            _("Only the owning team's model owners and compliance officers register incidents.")
        )
    unknown = set(fields) - set(INCIDENT_FIELDS)
    if unknown:
        raise ValidationError({"__all__": [f"Unknown field(s): {', '.join(sorted(unknown))}."]})
    now = timezone.now()
    data = _clean_incident(model, fields, now)
    incident = Incident.objects.create(
        model_service=model,
        reported_by=actor,
        report_deadline=_incident_deadline(data),
        closed_at=now if data["status"] == Incident.Status.CLOSED else None,
        **data,
    )
    audit_record(
        actor=actor,
        action=INCIDENT_REGISTERED,
        target=incident,
        subject_id=model.pk,
        after={
            **{k: _audit_value(v) for k, v in data.items() if k != "description"},
            "report_deadline": incident.report_deadline,
        },
    )
    outgoing_events.incident_created(incident, actor=actor)
    return incident


@transaction.atomic
def incident_update(*, actor, incident: Incident, changes: dict) -> list[str]:
    """Change an incident (report sent, corrective actions, closing...). Returns the changed
    fields; none changed records nothing. Recording the report resolves an active "overdue"
    alert of the incident (audited)."""
    incident = (
        Incident.objects.select_for_update().select_related("model_service").get(pk=incident.pk)
    )
    model = incident.model_service
    if not selectors.can_manage_incidents(actor, model):
        raise PermissionDenied(
            _("Only the owning team's model owners and compliance officers edit incidents.")
        )
    unknown = set(changes) - set(INCIDENT_FIELDS)
    if unknown:
        raise ValidationError({"__all__": [f"Unknown field(s): {', '.join(sorted(unknown))}."]})
    now = timezone.now()
    before = {name: getattr(incident, name) for name in INCIDENT_FIELDS}
    data = _clean_incident(model, {**before, **changes}, now)
    changed = [name for name in INCIDENT_FIELDS if data[name] != before[name]]
    if not changed:
        return []
    for name in changed:
        setattr(incident, name, data[name])
    incident.report_deadline = _incident_deadline(data)
    if "status" in changed:
        incident.closed_at = now if data["status"] == Incident.Status.CLOSED else None
    incident.save(update_fields=[*changed, "report_deadline", "closed_at", "updated_at"])
    audit_record(
        actor=actor,
        action=INCIDENT_UPDATED,
        target=incident,
        subject_id=model.pk,
        before={name: _audit_value(before[name]) for name in changed},
        after={
            **{name: _audit_value(data[name]) for name in changed},
            "report_deadline": incident.report_deadline,
        },
    )
    if before["report_stage"] == Incident.ReportStage.NONE and (
        data["report_stage"] != Incident.ReportStage.NONE or not data["serious"]
    ):
        _resolve_active(
            actor=actor,
            model_service_id=model.pk,
            kind=Kind.INCIDENT_OVERDUE,
            subject=str(incident.pk),
            comment=(
                f"Reported to the authority on {data['authority_reported_at']:%Y-%m-%d %H:%M}."
                if data["authority_reported_at"]
                else "No longer a serious incident: no Art. 73 report is due."
            ),
        )
    return changed


def incidents_check_overdue(*, now: datetime | None = None) -> list[Alert]:
    """Daily: every serious incident whose Art. 73 deadline passed without a report to the
    authority opens an "incident report overdue" alert (one per incident while active),
    mailed to the owners, the reviewers and the compliance officers."""
    now = now or timezone.now()
    opened = []
    for incident in Incident.objects.filter(
        serious=True, report_stage=Incident.ReportStage.NONE, report_deadline__lt=now
    ).select_related("model_service", "model_version"):
        with transaction.atomic():
            late = deadlines.duration_label(now - incident.report_deadline)
            alert, created = _alert_raise(
                AlertSpec(
                    model_service=incident.model_service,
                    kind=Kind.INCIDENT_OVERDUE,
                    subject=str(incident.pk),
                    model_version=incident.model_version,
                    title=f"Art. 73 report overdue by {late}: {incident.title}",
                    detail=(
                        f"Serious incident ({incident.get_serious_category_display()}), aware "
                        f"since {incident.aware_at:%Y-%m-%d %H:%M %Z}; the report to the "
                        f"market-surveillance authority was due "
                        f"{incident.report_deadline:%Y-%m-%d %H:%M %Z}. Send at least an "
                        "initial report now and record it on the incident."
                    ),
                    context={"incident": str(incident.pk)},
                    seen_at=now,
                )
            )
        if created:
            opened.append(alert)
    return opened


def incidents_warn_deadline_near(*, now: datetime | None = None) -> list[Incident]:
    """Daily: every serious incident not yet reported whose Art. 73 deadline falls within the
    warning window (ATTEST_INCIDENT_WARNING_HOURS) announces ``incident.deadline_near``, once
    per incident and deadline (marked, not audited: nothing about the incident changes)."""
    now = now or timezone.now()
    horizon = now + configuration.incident_warning_window()
    with transaction.atomic():
        rows = [
            incident
            for incident in Incident.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                serious=True,
                report_stage=Incident.ReportStage.NONE,
                report_deadline__gt=now,
                report_deadline__lte=horizon,
            )
            .select_related("model_service__owner_team", "model_version")
            if incident.deadline_warned_for != incident.report_deadline
        ]
        for incident in rows:
            Incident.objects.filter(pk=incident.pk).update(
                deadline_warned_for=incident.report_deadline
            )
            outgoing_events.incident_deadline_near(incident, now=now)
    return rows
