"""Public service functions that write no audit event, each with the reason (checked by
tests/audit/test_completeness.py: every other service needs a recipe there)."""

NO_EVENT = {
    "audit.services.audit_record": "it is the event writer itself",
    "catalog.services.entries.model_service_governance_summary_set": "copy; governance audits",
    "catalog.services.sources.webhook_secrets_active": "read",
    "catalog.services.sources.registry_client": "builds a REST client",
    "catalog.services.ingest.registry_delivery_receive": "the inbox row is the record",
    "catalog.services.ingest.timestamp_is_fresh": "pure check",
    "notifications.services.event_dispatch": "fans an outbox event out into delivery rows",
    "notifications.channels.event_dispatch": "fans an outbox event out into message rows",
    "notifications.services.backoff": "pure",
    "notifications.services.body_of": "pure",
    "notifications.services.webhook_deliveries_due": "a read",
    "notifications.channels.notification_messages_due": "a read",
    "notifications.channels.model_of": "pure",
    "notifications.channels.first_state": "pure",
    "notifications.subscriptions.event_dispatch": "fans an outbox event out into message rows",
    "notifications.subscriptions.visible_teams": "a read",
    "notifications.subscriptions.withheld_reason": "a permission check",
    "notifications.services.webhook_delivery_attempt": (
        "a send; the final failure is audited (tests/notifications/test_webhooks.py)"
    ),
    "notifications.channels.notification_message_send": (
        "a send; its final failure writes notifications.message_failed (no test asserts it yet)"
    ),
    "notifications.services.webhook_delivery_redeliver": (
        "needs a delivery row; its event is asserted in tests/notifications/test_webhooks.py"
    ),
    "usage.budgets.budgets_check": "audited as the alerts it opens (monitoring.alert_opened)",
    "usage.budgets.budget_status": "read",
    "usage.budgets.budget_statuses": "read",
    "usage.budgets.budgets_visible": "read",
    "usage.budgets.budget_get": "read",
    "usage.budgets.may_set_budgets": "a permission check",
    "catalog.services.ingest.registry_delivery_options": "a handshake; stores nothing",
    "catalog.services.ingest.registry_inbox_sweep": "re-queue; C7 tests its event",
    "catalog.services.ingest.registry_delivery_process": "audited via what it applies",
    "catalog.services.ingest.registry_reconcile": "W6 tests its events",
    "catalog.services.apply.registry_model_lock": "a lock; changes nothing",
    "catalog.services.inbox.registry_inbox_drain": (
        "audited via what it applies (tests/catalog/test_inbox_drain.py)"
    ),
    "catalog.services.inbox.registry_source_for_delivery": "read (the receiver's source cache)",
    "catalog.services.sources.registry_source_webhook_register": "needs MLflow; journey test",
    "risk.services.subject_snapshot": "read",
    "risk.services.completeness": "read",
    "documents.services.document_language": "pure: the language a request asks for",
    "accounts.services.team_members_set": "composite: one member event per change",
    "accounts.services.team_reviewers_set": "composite: one reviewer event per change",
    "accounts.services.user_sso_sync": "composite: one role/team event per change (SSO test)",
    "accounts.services.sign_in_attempt_register": "counts in the cache; a trip records through "
    "sign_in_lockout_record (tests/accounts/test_lockouts.py)",
    "approvals.services.lifecycle.approvals_due_for_reminder": "reminder mark only",
    "approvals.gate.evaluate": "read; gate_answer records the answer",
    "approvals.writeback.request_writeback": "needs MLflow; test_writeback.py",
    "approvals.writeback.pending_writebacks": "read",
    "approvals.writeback.retry_delay": "pure backoff arithmetic",
    "audit.verification_requests.verification_state": "read",
    "accounts.workload_identity.authenticate": "verifies an ID token; the gate's event names "
    "the rule (tests/accounts/test_workload_identity.py)",
    "accounts.workload_identity.record_accepted": "needs a signed ID token from an issuer: "
    "tests/accounts/test_workload_identity.py checks accounts.workload_identity_accepted",
    "accounts.workload_identity.verify": "pure check of an ID token",
    "accounts.workload_identity.match": "read: the rule an ID token matches",
    "accounts.workload_identity.rule_matches": "pure check",
    "accounts.workload_identity.rule_problems": "pure check",
    "accounts.workload_identity.issuer_problems": "pure check",
    "accounts.workload_identity.looks_like_jwt": "pure check",
    "accounts.workload_identity.forget_keys": "clears the JWKS cache; changes no record",
    "approvals.services._common.metrics_clean": "pure check of a request's metrics",
    "approvals.services._common.links_clean": "pure check of a request's links",
    "monitoring.services.reviews.reviews_due_for_reminder": "reminder mark; no state change",
    "monitoring.services.incidents.incidents_warn_deadline_near": "warning mark; no state change",
    "usage.services.usage_source_read": "records through usage_days_record; needs Prometheus "
    "(tests/usage/test_prometheus_usage.py)",
    "usage.services.usage_read_all": "records through usage_source_read, per source",
    "usage.services.default_days": "pure date arithmetic",
}
