"""Every state change of production monitoring. Each runs in one transaction with its audit
events; e-mails go out after commit through Celery (a rolled-back change mails nobody).

Rules enforced here (and by the database where it can): a metric batch is all or nothing and
only the owning team writes it; at most one active alert per model, kind, environment, metric
and subject; alerts move open → acknowledged → resolved and resolving needs a comment; serious
incidents carry their Art. 73 category and deadline; one open recertification review per model.

Not audited, on purpose: counting another occurrence on an alert that is already active (the
alert's opening is the event; repeats are telemetry) and marking a review reminded.
"""

from monitoring.services.alerts import Conflict, alert_acknowledge, alert_resolve
from monitoring.services.deployments import deployments_check_age
from monitoring.services.incidents import (
    incident_register,
    incident_update,
    incidents_check_overdue,
    incidents_warn_deadline_near,
)
from monitoring.services.metrics import BatchResult, ItemsNotFound, metrics_record
from monitoring.services.reviews import (
    review_complete,
    reviews_check_overdue,
    reviews_due_for_reminder,
    reviews_schedule,
)
from monitoring.services.schemas import SchemaResult, schema_record
from monitoring.services.thresholds import threshold_create, threshold_delete, threshold_update

__all__ = [
    "BatchResult",
    "Conflict",
    "ItemsNotFound",
    "SchemaResult",
    "alert_acknowledge",
    "alert_resolve",
    "deployments_check_age",
    "incident_register",
    "incident_update",
    "incidents_check_overdue",
    "incidents_warn_deadline_near",
    "metrics_record",
    "review_complete",
    "reviews_check_overdue",
    "reviews_due_for_reminder",
    "reviews_schedule",
    "schema_record",
    "threshold_create",
    "threshold_delete",
    "threshold_update",
]
