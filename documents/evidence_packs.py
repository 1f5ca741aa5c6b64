"""Evidence packs: everything about one model version (or one deployment request of it) in one
signed ZIP that a third party verifies offline (docs/verify_evidence_pack.py).

A pack is a generated document of kind ``evidence_pack``: requested through
``documents.services.document_request`` (audited), rendered by the same Celery task, polled and
downloaded like the PDFs; ``evidence_pack_render`` makes the ZIP instead of a PDF.

What it holds (``documents/evidence_pack_format.py`` has the layout): the newest finished model
card and Annex IV documentation of the version, the current obligations' evidence files, the
risk assessment revisions, obligations, evidence, deployment requests with their decisions and
deployments as JSON, and every sealed audit event about those records with its RFC 9162
inclusion proof against one signed tree head (``audit/proofs.py``). The manifest lists every
file's SHA-256 and is signed with the document-signing key (``documents/signing_keys.py``).

Same inputs, same pack. The tree head is the *earliest* signed head that holds every event of
the pack, which stays the same however many heads are signed later; the as-of time is that of
the newest event in the pack (every change to the records writes an event, so the records are
as they stood after it). The pack's own request and generation events are about the pack, not
about the records, so they are not in it: asking again for an unchanged version gives the
same files and manifest, and only the signature differs (ECDSA is randomised).
"""

from __future__ import annotations

import json
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename

from approvals.models import ApprovalDecision, Deployment, DeploymentRequest
from audit import chain, checkpoints, proofs
from audit.models import AuditEvent
from audit.services import audit_record
from documents import evidence_pack_format as pack_format
from documents.audit_actions import DOCUMENT_GENERATED
from documents.models import GeneratedDocument
from documents.signing_keys import document_signing_identity
from risk import selectors as risk_selectors
from risk.models import Evidence

logger = logging.getLogger(__name__)
Kind, Status = GeneratedDocument.Kind, GeneratedDocument.Status
# The documents a pack carries: the newest finished one of each kind for the version.
PACKED_KINDS = (Kind.MODEL_CARD, Kind.ANNEX_IV)
REQUEST_PARAMETER = "deployment_request"


class EvidencePackError(ValueError):
    """The pack cannot be made as asked (the message says why)."""


def _time(value) -> str | None:
    return chain.timestamp(value) if value else None


def _user(user) -> str | None:
    return user.get_username() if user is not None else None


def _model_record(version) -> dict:
    model = version.model_service
    return {
        "model": {
            "id": str(model.pk),
            "name": model.name,
            "owner_team": model.owner_team.name if model.owner_team_id else None,
            "risk_tier": model.risk_tier,
            "lifecycle_status": model.lifecycle_status,
            "description": model.description,
            "purpose": model.purpose,
            "intended_use": model.intended_use,
            "intended_users": model.intended_users,
            "out_of_scope_use": model.out_of_scope_use,
            "limitations": model.limitations,
            "training_data": model.training_data,
        },
        "version": {
            "id": str(version.pk),
            "version": version.version,
            "description": version.description,
            "source_uri": version.source_uri,
            "run_id": version.run_id,
            "tags": version.tags,
            "aliases": version.aliases,
            "metrics": version.metrics,
            "status": version.status,
            "registry_approval_status": version.registry_approval_status,
            "registry_created_at": _time(version.registry_created_at),
        },
    }


def _assessment_record(assessment) -> dict:
    return {
        "id": str(assessment.pk),
        "revision": assessment.revision,
        "status": assessment.status,
        "ruleset_version": assessment.ruleset_version,
        "tier": assessment.tier,
        "internal_rating": assessment.internal_rating,
        "answers": assessment.answers,
        "result": assessment.result,
        "subject": assessment.subject,
        "submitted_by": _user(assessment.submitted_by),
        "submitted_at": _time(assessment.submitted_at),
        "confirmed_by": _user(assessment.confirmed_by),
        "confirmed_at": _time(assessment.confirmed_at),
        "review_comment": assessment.review_comment,
    }


def _obligation_record(obligation) -> dict:
    return {
        "id": str(obligation.pk),
        "assessment_id": str(obligation.assessment_id) if obligation.assessment_id else None,
        "code": obligation.code,
        "article": obligation.article,
        "title": obligation.title,
        "status": obligation.status,
        "applies_from": obligation.applies_from.isoformat() if obligation.applies_from else None,
        "due_date": obligation.due_date.isoformat() if obligation.due_date else None,
        "owner": _user(obligation.owner),
        "justification": obligation.justification,
        "certified_by": _user(obligation.certified_by),
        "certified_at": _time(obligation.certified_at),
    }


def _evidence_name(evidence) -> str:
    name = get_valid_filename(evidence.file_name or "file")[:100] or "file"
    return f"evidence/{evidence.pk}/{name}"


def _evidence_record(evidence, path: str | None) -> dict:
    return {
        "id": str(evidence.pk),
        "obligation_id": str(evidence.obligation_id),
        "obligation": f"{evidence.obligation.article} {evidence.obligation.code}",
        "file": path,
        "file_name": evidence.file_name,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "link": evidence.link,
        "description": evidence.description,
        "uploaded_by": _user(evidence.uploaded_by),
        "uploaded_at": _time(evidence.created_at),
    }


def _request_record(request, decisions, deployments) -> dict:
    return {
        "id": str(request.pk),
        "environment": request.environment,
        "state": request.state,
        "channel": request.channel,
        "requested_by": _user(request.requested_by),
        "justification": request.justification,
        "metrics": request.metrics,
        "links": request.links,
        "risk_tier": request.risk_tier,
        "requirement": request.requirement,
        "submitted_at": _time(request.submitted_at),
        "decided_at": _time(request.decided_at),
        "expires_at": _time(request.expires_at),
        "fingerprint": request.fingerprint,
        "fingerprint_inputs": request.fingerprint_inputs,
        "closed_at": _time(request.closed_at),
        "closed_by": _user(request.closed_by),
        "closed_reason": request.closed_reason,
        "supersedes": str(request.supersedes_id) if request.supersedes_id else None,
        "decisions": [
            {
                "id": str(d.pk),
                "verdict": d.verdict,
                "approver": _user(d.approver),
                "comment": d.comment,
                "as_compliance": d.as_compliance,
                "fingerprint": d.fingerprint,
                "decided_at": _time(d.created_at),
            }
            for d in decisions
        ],
        "deployments": [
            {
                "id": str(d.pk),
                "environment": d.environment,
                "fingerprint": d.fingerprint,
                "deployed_by": _user(d.deployed_by),
                "deployed_at": _time(d.deployed_at),
                "reference": d.reference,
            }
            for d in deployments
        ],
    }


def _document_record(document, path: str) -> dict:
    return {
        "id": str(document.pk),
        "kind": document.kind,
        "revision": document.revision,
        "file": path,
        "generated_at": _time(document.generated_at),
        "template_version": document.template_version,
        "content_hash": document.content_hash,
        "inputs_hash": document.inputs_hash,
        "file_sha256": document.file_sha256,
        "pages": document.pages,
    }


def _read(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def _subject(document) -> tuple[dict, DeploymentRequest | None]:
    version = document.model_version
    request = None
    request_id = (document.parameters or {}).get(REQUEST_PARAMETER)
    if request_id:
        request = (
            DeploymentRequest.objects.filter(pk=request_id, model_version=version)
            .select_related("requested_by", "closed_by")
            .first()
        )
        if request is None:
            raise EvidencePackError("The deployment request is not one of this version's.")
    subject = {
        "model": version.model_service.name,
        "model_id": str(version.model_service_id),
        "version": version.version,
        "deployment_request": str(request.pk) if request else None,
        "environment": request.environment if request else None,
    }
    return subject, request


def _compose(document: GeneratedDocument) -> tuple[dict, dict[str, bytes], list[AuditEvent]]:
    """(subject, files, events) of a pack: the records as JSON and the stored files, and the
    sealed audit events about them in sequence order."""
    version = document.model_version
    if version is None:
        raise EvidencePackError("An evidence pack is about a model version.")
    model = version.model_service
    subject, request = _subject(document)
    files: dict[str, bytes] = {}
    targets: dict[str, set[str]] = {"catalog.modelversion": {str(version.pk)}}

    def about(target_type: str, pk) -> None:
        targets.setdefault(target_type, set()).add(str(pk))

    packed = []
    for kind in PACKED_KINDS:
        newest = (
            GeneratedDocument.objects.filter(kind=kind, model_version=version, status=Status.DONE)
            .exclude(file="")
            .order_by("-revision")
            .first()
        )
        if newest is not None:
            path = f"documents/{newest.download_name}"
            files[path] = _read(newest.file)
            packed.append(_document_record(newest, path))
            about(GeneratedDocument.AUDIT_TARGET_TYPE, newest.pk)
    assessments = list(risk_selectors.assessment_history(model).order_by("revision"))
    obligations = list(
        risk_selectors.obligations_current(model).select_related("certified_by").order_by("code")
    )
    evidence = list(
        Evidence.objects.filter(obligation__in=obligations)
        .select_related("obligation", "uploaded_by")
        .order_by("created_at", "id")
    )
    evidence_records = []
    for item in evidence:
        path = _evidence_name(item) if item.file else None
        if path:
            files[path] = _read(item.file)
        evidence_records.append(_evidence_record(item, path))
        about(Evidence.AUDIT_TARGET_TYPE, item.pk)
    for assessment in assessments:
        about("governance.riskassessment", assessment.pk)
    for obligation in obligations:
        about("governance.obligation", obligation.pk)
    requests = (
        [request]
        if request is not None
        else list(
            DeploymentRequest.objects.filter(model_version=version)
            .select_related("requested_by", "closed_by")
            .order_by("created_at", "id")
        )
    )
    request_records = []
    for row in requests:
        decisions = list(
            ApprovalDecision.objects.filter(request=row)
            .select_related("approver")
            .order_by("created_at", "id")
        )
        deployments = list(
            Deployment.objects.filter(approval=row)
            .select_related("deployed_by")
            .order_by("deployed_at", "id")
        )
        request_records.append(_request_record(row, decisions, deployments))
        about(DeploymentRequest.AUDIT_TARGET_TYPE, row.pk)
        for d in decisions:
            about(ApprovalDecision.AUDIT_TARGET_TYPE, d.pk)
        for d in deployments:
            about(Deployment.AUDIT_TARGET_TYPE, d.pk)
    files["records/model-version.json"] = pack_format.canonical_json(_model_record(version))
    files["records/documents.json"] = pack_format.canonical_json(packed)
    files["records/risk-assessments.json"] = pack_format.canonical_json(
        {
            "assessments": [_assessment_record(a) for a in assessments],
            "obligations": [_obligation_record(o) for o in obligations],
        }
    )
    files["records/evidence.json"] = pack_format.canonical_json(evidence_records)
    files["records/approvals.json"] = pack_format.canonical_json(request_records)
    about_them = Q(pk__in=[])
    for target_type, ids in sorted(targets.items()):
        about_them |= Q(target_type=target_type, target_id__in=sorted(ids))
    events = list(AuditEvent.objects.filter(about_them, seq__isnull=False).order_by("seq"))
    return subject, files, events


def _event_line(event: AuditEvent) -> dict:
    fields = chain.chain_fields({key: getattr(event, key) for key in chain.ALL_FIELDS})
    return {"id": str(event.pk), "hash": event.hash, **fields}


def _signed_head(events: list[AuditEvent]):
    """The earliest signed head holding every event (signing one now if none does yet)."""
    if not events:
        return None
    size = events[-1].seq
    head = proofs.signed_head_covering(size)
    if head is None:
        checkpoints.checkpoint_create()
        head = proofs.signed_head_covering(size)
    if head is None:
        raise EvidencePackError("No signed tree head holds these events yet: retry shortly.")
    return head


def _audit_files(events: list[AuditEvent]) -> tuple[dict[str, bytes], int]:
    """``audit/events.jsonl`` and ``audit/proofs.json`` for the events, and the tree size."""
    head = _signed_head(events)
    tree_size = head.seq if head else 0
    lines, inclusion = [], {}
    for event in events:
        lines.append(json.dumps(_event_line(event), sort_keys=True, ensure_ascii=False) + "\n")
        proof = proofs.inclusion_proof(event, tree_size)
        inclusion[str(event.seq)] = {
            "leaf_index": proof.leaf_index,
            "leaf_hash": proof.leaf_hash,
            "inclusion_path": proof.inclusion_path,
        }
    proof_file = {
        "tree_size": tree_size,
        "checkpoint": head.checkpoint if head else None,
        "log_key": checkpoints.note_verifier_key(),
        "proofs": inclusion,
    }
    files = {
        "audit/events.jsonl": "".join(lines).encode(),
        "audit/proofs.json": pack_format.canonical_json(proof_file),
    }
    return files, tree_size


def _progress(document: GeneratedDocument, percent: int, label: str) -> None:
    GeneratedDocument.objects.filter(pk=document.pk).update(
        progress=percent, progress_label=label, updated_at=timezone.now()
    )


def evidence_pack_render(*, document_pk) -> GeneratedDocument:
    """Compose, sign and store one requested evidence pack (idempotent: a finished one is left).
    Failures are recorded on the row, as for the PDFs; success is audited as
    ``governance.document_generated`` with the manifest's and the ZIP's hashes."""
    document = GeneratedDocument.objects.select_related(
        "model_service", "model_version", "model_version__model_service", "requested_by"
    ).get(pk=document_pk)
    if document.status == Status.DONE:
        return document
    GeneratedDocument.objects.filter(pk=document.pk).update(
        status=Status.RENDERING, attempts=document.attempts + 1, error=""
    )
    try:
        _progress(document, 10, "Collecting the records")
        subject, files, events = _compose(document)
        _progress(document, 50, "Proving the audit events")
        trail, tree_size = _audit_files(events)
        files.update(trail)
        as_of = chain.timestamp(events[-1].occurred_at) if events else None
        _progress(document, 85, "Signing the manifest")
        identity = document_signing_identity()
        archive, manifest = pack_format.build(
            subject=subject, as_of=as_of, tree_size=tree_size, files=files, sign=identity.sign
        )
    except Exception as exc:
        logger.exception("making evidence pack %s failed", document.pk)
        GeneratedDocument.objects.filter(pk=document.pk).update(
            status=Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], progress=100
        )
        raise
    inputs = pack_format.inputs_hash(subject, files)
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
        document.template_version = pack_format.FORMAT
        document.inputs_hash = inputs
        document.content_hash = pack_format.sha256(manifest)
        document.generated_at = timezone.now()
        document.file.save(document.download_name, ContentFile(archive), save=False)
        document.file_sha256 = pack_format.sha256(archive)
        document.signature_level = "manifest"
        document.signer_fingerprint = identity.fingerprint_sha256()
        document.size = len(archive)
        document.pages = 0
        document.status, document.progress, document.progress_label = Status.DONE, 100, "Ready"
        document.save()
        audit_record(
            actor=document.requested_by,
            action=DOCUMENT_GENERATED,
            target=document,
            subject_id=document.model_service_id,
            after={
                "kind": document.kind,
                "revision": document.revision,
                "content_hash": document.content_hash,
                "inputs_hash": inputs,
                "file_sha256": document.file_sha256,
                "files": len(files),
                "audit_events": len(events),
                "audit_tree_size": tree_size,
                "as_of": as_of,
                "signing_certificate_sha256": identity.fingerprint_sha256(),
                "template_version": pack_format.FORMAT,
                "parameters": document.parameters,
            },
        )
    return document
