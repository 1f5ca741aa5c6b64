"""Input schemas: the reference per version and environment, and changes from it."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import configuration as approval_configuration
from audit.services import audit_record
from catalog.models import ModelService, ModelVersion
from monitoring import payloads, selectors
from monitoring.audit_actions import SCHEMA_RECORDED
from monitoring.models import Alert, InputSchema
from monitoring.services.alerts import AlertSpec, _alert_raise

Kind = Alert.Kind


@dataclass
class SchemaResult:
    schema: InputSchema
    reference: InputSchema | None
    differences: list[dict]
    alert: Alert | None


@transaction.atomic
def schema_record(
    *,
    actor,
    model_version: ModelVersion,
    environment: str,
    features: dict[str, str],
    reference: bool = False,
) -> SchemaResult:
    """Record the input schema (feature → type) seen for a version in an environment.

    The reference is the first schema posted once the version was approved for the
    environment, or one posted with ``reference=True`` (which replaces the earlier one).
    Any later schema is compared with it: a missing, extra or retyped feature opens a
    "schema changed" alert listing the differences.
    """
    model = ModelService.objects.get(pk=model_version.model_service_id)
    if not selectors.can_write_metrics(actor, model):
        raise PermissionDenied(_("Only the owning team posts input schemas of its models."))
    if environment not in approval_configuration.environments():
        raise ValidationError(
            {
                "environment": [
                    _("One of: %(values)s")
                    % {"values": ", ".join(approval_configuration.environments())}
                ]
            }
        )
    if not features:
        raise ValidationError({"features": [_("At least one feature.")]})
    # Lock the version's row: two first schemas posted at once must not both become reference.
    version = ModelVersion.objects.select_for_update().get(pk=model_version.pk)
    current = InputSchema.objects.filter(
        model_version=version, environment=environment, is_reference=True
    ).first()
    becomes_reference = reference or (
        current is None and selectors.approval_for(version, environment) is not None
    )
    differences: list[dict] = []
    if becomes_reference:
        if current is not None:
            InputSchema.objects.filter(pk=current.pk).update(
                is_reference=False, updated_at=timezone.now()
            )
        compared = None
    else:
        compared = current
        if current is not None:
            differences = payloads.schema_differences(current.features, features)
    schema = InputSchema.objects.create(
        model_service=model,
        model_version=version,
        environment=environment,
        features=features,
        is_reference=becomes_reference,
        compared_with=compared,
        differences=differences,
        posted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action=SCHEMA_RECORDED,
        target=schema,
        subject_id=model.pk,
        after={
            "version": version.version,
            "environment": environment,
            "features": len(features),
            "reference": becomes_reference,
            "replaced_reference": str(current.pk) if becomes_reference and current else None,
            "differences": differences,
        },
    )
    alert = None
    if differences:
        listed = [payloads.describe_difference(d) for d in differences]
        alert, _created = _alert_raise(
            AlertSpec(
                model_service=model,
                kind=Kind.SCHEMA_MISMATCH,
                environment=environment,
                subject=f"v{version.version}",
                model_version=version,
                title=(
                    f"Input schema of v{version.version} in {environment} changed: "
                    f"{len(differences)} difference(s)"
                ),
                detail="Compared with the reference schema: " + "; ".join(listed) + ".",
                observed_value=len(differences),
                context={"differences": differences, "schema": str(schema.pk)},
                approval=selectors.approval_for(version, environment),
            )
        )
    return SchemaResult(schema=schema, reference=current, differences=differences, alert=alert)
