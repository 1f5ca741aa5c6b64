"""Every state change on risk assessments, obligations and evidence. Each is audited."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role, has_role  # noqa: F401  (has_role is used by views)
from audit.services import audit_record
from catalog.models import ModelService
from catalog.selectors import model_service_can_edit
from catalog.services import model_service_governance_summary_set
from common.errors import Conflict
from common.text import check_lengths
from risk import events
from risk import rules as risk
from risk import ruleset as rulesets
from risk.access import (  # noqa: F401
    CERTIFIERS,
    can_add_evidence,
    can_assess,
    can_classify_directly,
    confirm_refusal,
)
from risk.audit_actions import (
    ASSESSMENT_CONFIRMED,
    ASSESSMENT_DRAFT_SAVED,
    ASSESSMENT_PROPOSED,
    ASSESSMENT_RETURNED,
    ASSESSMENT_SUBMITTED,
    EVIDENCE_ADDED,
    OBLIGATION_CHANGED,
    RISK_TIER_CHANGED,
)
from risk.models import Evidence, Obligation, RiskAssessment


def subject_snapshot(model: ModelService) -> dict:
    """What an assessment was about; a change to any of it calls for a review."""
    latest = model.versions.order_by("-version_number", "-created_at").first()
    return {
        "intended_use": model.intended_use,
        "purpose": model.purpose,
        "tags": sorted(model.tags or []),
        "version": latest.version if latest else None,
        "version_tags": dict(sorted((latest.tags or {}).items())) if latest else {},
    }


def _check_answers(answers: Any, *, complete: bool, rules: rulesets.RuleSet | None = None) -> dict:
    cleaned, errors = rulesets.validate(rules or rulesets.current(), answers, complete=complete)
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def assessment_draft_save(*, actor, model_service: ModelService, answers: Any) -> RiskAssessment:
    """Keep unfinished answers (one draft per model). Wrong answers are refused; missing ones
    are fine until submission."""
    if not can_assess(actor, model_service):
        raise PermissionDenied(_("Only the owning team, compliance officers and admins assess."))
    cleaned = _check_answers(answers, complete=False)
    draft = (
        RiskAssessment.objects.select_for_update()
        .filter(model_service=model_service, status=RiskAssessment.Status.DRAFT)
        .first()
    )
    if draft is None:
        draft = RiskAssessment(model_service=model_service)
    draft.answers = cleaned
    draft.ruleset_version = rulesets.current().version
    draft.save()
    audit_record(
        actor=actor,
        action=ASSESSMENT_DRAFT_SAVED,
        target=draft,
        subject_id=model_service.pk,
        after={"answered": sorted(cleaned)},
    )
    return draft


@transaction.atomic
def assessment_submit(
    *, actor, model_service: ModelService, answers: Any, rules: rulesets.RuleSet | None = None
) -> RiskAssessment:
    """Classify complete answers into a new assessment revision.

    From a compliance officer (or admin) the revision is in force at once: the checklist is
    rebuilt and the model's tier and completeness updated, audited as classified directly.
    From anyone else it is a proposal (second line of defence): nothing about the model changes
    until a compliance officer other than the submitter confirms it (``assessment_confirm``);
    an earlier proposal still waiting is superseded. Obligations that carry over (same code)
    keep their statuses, owners, due dates and evidence. ``rules`` is the current rule set
    except in the demo seed, which keeps some models assessed under an earlier one.
    """
    if not can_assess(actor, model_service):
        raise PermissionDenied(_("Only the owning team, compliance officers and admins assess."))
    rules = rules or rulesets.current()
    cleaned = _check_answers(answers, complete=True, rules=rules)
    result = risk.classify(rules, cleaned)
    model = ModelService.objects.select_for_update().get(pk=model_service.pk)
    last = RiskAssessment.objects.filter(model_service=model).aggregate(n=Max("revision"))["n"]
    RiskAssessment.objects.filter(model_service=model, status=RiskAssessment.Status.DRAFT).delete()
    direct = can_classify_directly(actor)
    for older in RiskAssessment.objects.filter(
        model_service=model, status=RiskAssessment.Status.PROPOSED
    ):
        older.status = RiskAssessment.Status.SUPERSEDED
        older.review_comment = f"Superseded by revision {(last or 0) + 1}."
        older.save(update_fields=["status", "review_comment", "updated_at"])
    now = timezone.now()
    assessment = RiskAssessment.objects.create(
        model_service=model,
        status=RiskAssessment.Status.SUBMITTED if direct else RiskAssessment.Status.PROPOSED,
        revision=(last or 0) + 1,
        ruleset_version=rules.version,
        answers=cleaned,
        result=result.as_dict(),
        tier=result.tier,
        internal_rating=result.internal_rating,
        subject=subject_snapshot(model),
        submitted_by=actor,
        submitted_at=now,
    )
    summary = {
        "revision": assessment.revision,
        "tier": result.tier,
        "decided_by": result.decided_by.article,
        "ruleset": rules.version,
        "internal_rating": result.internal_rating,
    }
    if not direct:
        audit_record(
            actor=actor,
            action=ASSESSMENT_PROPOSED,
            target=assessment,
            subject_id=model.pk,
            after={**summary, "tier_in_force": model.risk_tier},
        )
        return assessment
    audit_record(
        actor=actor,
        action=ASSESSMENT_SUBMITTED,
        target=assessment,
        subject_id=model.pk,
        after={**summary, "second_line": "classified directly by a compliance officer"},
    )
    _put_in_force(actor=actor, model=model, assessment=assessment, result=result)
    return assessment


@transaction.atomic
def assessment_confirm(*, actor, assessment: RiskAssessment, comment: str = "") -> RiskAssessment:
    """A compliance officer confirms a proposed revision: it is put in force (checklist, tier,
    completeness) and approvals bound to the previous revision go stale. The confirmer is never
    the submitter (also refused by the database)."""
    row = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    refusal = confirm_refusal(actor, row)
    if refusal:
        raise PermissionDenied(refusal)
    if row.status != RiskAssessment.Status.PROPOSED:
        raise Conflict(
            _(
                "Revision %(revision)s is %(status)s: only a proposal awaiting confirmation "
                "can be confirmed."
            )
            % {"revision": row.revision, "status": row.get_status_display().lower()}
        )
    rules = rulesets.current()
    if row.ruleset_version != rules.version:
        raise Conflict(
            _(
                "Revision %(revision)s was answered under rule set %(old)s; the current one is "
                "%(new)s. Return it so the team answers again."
            )
            % {"revision": row.revision, "old": row.ruleset_version, "new": rules.version}
        )
    comment = (comment or "").strip()
    check_lengths(RiskAssessment, {"review_comment": comment}, names={"review_comment": "comment"})
    model = ModelService.objects.select_for_update().get(pk=row.model_service_id)
    row.status = RiskAssessment.Status.SUBMITTED
    row.confirmed_by = actor
    row.confirmed_at = timezone.now()
    row.review_comment = comment
    row.save(
        update_fields=["status", "confirmed_by", "confirmed_at", "review_comment", "updated_at"]
    )
    audit_record(
        actor=actor,
        action=ASSESSMENT_CONFIRMED,
        target=row,
        subject_id=model.pk,
        before={"status": RiskAssessment.Status.PROPOSED, "risk_tier": model.risk_tier},
        after={"status": row.status, "risk_tier": row.tier, "comment": row.review_comment},
    )
    result = risk.classify(rules, row.answers)
    _put_in_force(actor=actor, model=model, assessment=row, result=result)
    return row


@transaction.atomic
def assessment_return(*, actor, assessment: RiskAssessment, comment: str) -> RiskAssessment:
    """A compliance officer sends a proposal back with a reason; nothing about the model
    changes and the team may submit again."""
    row = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    refusal = confirm_refusal(actor, row)
    if refusal:
        raise PermissionDenied(refusal)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say why the proposal goes back to the team.")]})
    check_lengths(RiskAssessment, {"review_comment": comment}, names={"review_comment": "comment"})
    if row.status != RiskAssessment.Status.PROPOSED:
        raise Conflict(
            _(
                "Revision %(revision)s is %(status)s: only a proposal awaiting confirmation "
                "can be returned."
            )
            % {"revision": row.revision, "status": row.get_status_display().lower()}
        )
    row.status = RiskAssessment.Status.RETURNED
    row.review_comment = comment
    row.save(update_fields=["status", "review_comment", "updated_at"])
    audit_record(
        actor=actor,
        action=ASSESSMENT_RETURNED,
        target=row,
        subject_id=row.model_service_id,
        after={"status": row.status, "comment": row.review_comment},
    )
    return row


def _put_in_force(*, actor, model: ModelService, assessment: RiskAssessment, result) -> None:
    """The revision in force decides the checklist and the model's tier."""
    _rebuild_checklist(model, assessment, result)
    old_tier = model.risk_tier
    model_service_governance_summary_set(
        model_service=model, risk_tier=result.tier, obligations_completeness=completeness(model)
    )
    if old_tier != result.tier:
        audit_record(
            actor=actor,
            action=RISK_TIER_CHANGED,
            target=model,
            subject_id=model.pk,
            before={"risk_tier": old_tier},
            after={"risk_tier": result.tier},
        )
    # A new revision in force is part of what an approval binds: approvals go stale.
    events.assessment_changed.send(
        sender=RiskAssessment,
        model_service=model,
        cause=f"risk assessment revision {assessment.revision}",
    )


def _rebuild_checklist(model, assessment, result: risk.Classification) -> None:
    previous = {o.code: o for o in Obligation.objects.filter(model_service=model, is_current=True)}
    Obligation.objects.filter(model_service=model, is_current=True).update(is_current=False)
    for spec in result.obligations:
        before = previous.get(spec.code)
        obligation = Obligation.objects.create(
            model_service=model,
            assessment=assessment,
            code=spec.code,
            article=spec.article,
            title=spec.title,
            applies_from=spec.applies_from,
            status=before.status if before else Obligation.Status.OPEN,
            owner=before.owner if before else None,
            due_date=before.due_date if before else None,
            justification=before.justification if before else "",
        )
        if before:
            Evidence.objects.filter(obligation=before).update(obligation=obligation)


def completeness(model: ModelService) -> int | None:
    """Percent of current obligations met or justified not applicable (None: no checklist)."""
    items = list(
        Obligation.objects.filter(model_service=model, is_current=True).values_list(
            "status", flat=True
        )
    )
    if not items:
        return None
    return round(100 * sum(s in Obligation.DONE for s in items) / len(items))


# Bounds of a plausible plan, not law (1900-01-01 and 9999-12-31 were typed by mistake).
DUE_DATE_MIN = date(2000, 1, 1)
DUE_DATE_MAX = date(2099, 12, 31)


@transaction.atomic
def obligation_update(
    *,
    actor,
    obligation: Obligation,
    status: str | None = None,
    owner=None,
    due_date=None,
    justification: str | None = None,
    clear_owner: bool = False,
) -> Obligation:
    """Change an obligation's status, owner, due date or justification (one audited event).

    Model owners may move items to open or in progress and plan them; only compliance
    officers and admins certify "met" (which needs evidence or a justification) or "not
    applicable" (which needs a justification). The certifier and the time are recorded, and
    cleared when the item is reopened. Due dates lie between ``DUE_DATE_MIN`` and
    ``DUE_DATE_MAX``; past ones are allowed (a plan that slipped) and shown as overdue.
    """
    row = (
        Obligation.objects.select_for_update().select_related("model_service").get(pk=obligation.pk)
    )
    if not row.is_current:
        raise ValidationError(_("This item belongs to an earlier assessment revision."))
    model = row.model_service
    certifier = has_role(actor, *CERTIFIERS)
    if not (certifier or model_service_can_edit(actor, model)):
        raise PermissionDenied(
            _("Only the owning team and compliance officers update obligations.")
        )
    changes: dict[str, Any] = {}
    if status is not None and status != row.status:
        if status not in Obligation.Status.values:
            raise ValidationError(
                {"status": _("Choose one of %(values)s.") % {"values": Obligation.Status.values}}
            )
        if status in Obligation.DONE and not certifier:
            raise PermissionDenied(
                _("Only a compliance officer or an admin certifies an obligation.")
            )
        changes["status"] = status
    if justification is not None and justification != row.justification:
        check_lengths(Obligation, {"justification": justification})
        changes["justification"] = justification
    justified = bool(changes.get("justification", row.justification).strip())
    if (status or row.status) == Obligation.Status.NOT_APPLICABLE and not justified:
        raise ValidationError({"justification": _("Say why this obligation does not apply.")})
    if changes.get("status") == Obligation.Status.MET and not (justified or row.evidence.exists()):
        raise ValidationError(
            {"status": _("Add evidence or a justification before certifying this obligation met.")}
        )
    if "status" in changes:  # certified now, or reopened: who and when follow the status
        done = changes["status"] in Obligation.DONE
        changes["certified_by"] = actor if done else None
        changes["certified_at"] = timezone.now() if done else None
    if clear_owner and row.owner_id:
        changes["owner"] = None
    elif owner is not None and owner.pk != row.owner_id:
        changes["owner"] = owner
    if due_date is not None and due_date != row.due_date:
        if not DUE_DATE_MIN <= due_date <= DUE_DATE_MAX:
            raise ValidationError(
                {
                    "due_date": _("Pick a date between %(min)s and %(max)s.")
                    % {"min": DUE_DATE_MIN, "max": DUE_DATE_MAX}
                }
            )
        changes["due_date"] = due_date
    if not changes:
        return row
    before = {k: _plain(getattr(row, k)) for k in changes}
    for key, value in changes.items():
        setattr(row, key, value)
    row.save()
    model_service_governance_summary_set(
        model_service=model, risk_tier=model.risk_tier, obligations_completeness=completeness(model)
    )
    audit_record(
        actor=actor,
        action=OBLIGATION_CHANGED,
        target=row,
        subject_id=model.pk,
        before=before,
        after={k: _plain(v) for k, v in changes.items()},
    )
    return row


def _plain(value):
    if hasattr(value, "get_username"):
        return value.get_username()
    return value.isoformat() if hasattr(value, "isoformat") else value


@transaction.atomic
def evidence_add(
    *, actor, obligation: Obligation, upload=None, link: str = "", description: str = ""
) -> Evidence:
    """Attach a file (size and type limited, SHA-256 recorded) or a link to an obligation.

    The owning team (its model owners, and its CI service accounts holding an
    ``evidence:write`` token) and compliance officers add evidence."""
    model = obligation.model_service
    if not can_add_evidence(actor, model):
        raise PermissionDenied(_("Only the owning team and compliance officers add evidence."))
    if (upload is None) == (not link):
        raise ValidationError({"file": _("Give either a file or a link.")})
    check_lengths(Evidence, {"link": link, "description": description})
    evidence = Evidence(
        obligation=obligation, link=link, description=description, uploaded_by=actor
    )
    if upload is not None:
        _check_upload(upload)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        evidence.file_name = PurePath(upload.name).name[:255]
        evidence.content_type = (getattr(upload, "content_type", "") or "")[:100]
        evidence.size = upload.size
        evidence.sha256 = digest.hexdigest()
        evidence.file.save(evidence.file_name, upload, save=False)
    evidence.full_clean(exclude=["file"])
    evidence.save()
    audit_record(
        actor=actor,
        action=EVIDENCE_ADDED,
        target=obligation,
        subject_id=model.pk,
        after={
            "evidence": evidence.file_name or evidence.link,
            "sha256": evidence.sha256,
            "size": evidence.size,
        },
    )
    events.assessment_changed.send(sender=Evidence, model_service=model, cause="evidence added")
    return evidence


def _check_upload(upload) -> None:
    limit = settings.ATTEST_EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {"file": _("File is larger than %(n)s MiB.") % {"n": limit // (1024 * 1024)}}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    extension = PurePath(upload.name).suffix.lower().lstrip(".")
    if extension not in settings.ATTEST_EVIDENCE_EXTENSIONS:
        raise ValidationError(
            {
                "file": _("Accepted types: %(types)s.")
                % {"types": ", ".join(settings.ATTEST_EVIDENCE_EXTENSIONS)}
            }
        )
    head = upload.read(8)
    upload.seek(0)
    # The content must match the claimed kind for binary formats (an .pdf that is not a PDF...).
    signatures = {
        "pdf": b"%PDF",
        "png": b"\x89PNG",
        "jpg": b"\xff\xd8",
        "jpeg": b"\xff\xd8",
        "docx": b"PK",
        "xlsx": b"PK",
    }
    expected = signatures.get(extension)
    if expected and not head.startswith(expected):
        raise ValidationError(
            {"file": _("The file's content is not %(kind)s.") % {"kind": extension.upper()}}
        )
