"""The audit actions the monitoring app writes (see audit/actions.py)."""

from django.utils.translation import gettext_lazy as _

from audit.actions import declare, declare_target_type

METRICS_RECORDED = declare("monitoring.metrics_recorded", _("Metrics recorded"))
SCHEMA_RECORDED = declare("monitoring.schema_recorded", _("Input schema recorded"))
THRESHOLD_CREATED = declare("monitoring.threshold_created", _("Threshold created"))
THRESHOLD_UPDATED = declare("monitoring.threshold_updated", _("Threshold updated"))
THRESHOLD_DELETED = declare("monitoring.threshold_deleted", _("Threshold deleted"))
ALERT_OPENED = declare("monitoring.alert_opened", _("Alert opened"))
ALERT_ACKNOWLEDGED = declare("monitoring.alert_acknowledged", _("Alert acknowledged"))
ALERT_RESOLVED = declare("monitoring.alert_resolved", _("Alert resolved"))
INCIDENT_REGISTERED = declare("monitoring.incident_registered", _("Incident registered"))
INCIDENT_UPDATED = declare("monitoring.incident_updated", _("Incident updated"))
REVIEW_SCHEDULED = declare("monitoring.review_scheduled", _("Recertification review scheduled"))
REVIEW_COMPLETED = declare("monitoring.review_completed", _("Recertification review completed"))

# The object of METRICS_RECORDED: one batch of points, not a row of any table.
METRIC_BATCH = declare_target_type("monitoring.metricbatch", _("Metric batch"))
