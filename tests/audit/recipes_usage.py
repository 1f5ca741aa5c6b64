"""Audit recipes for usage and cost (tests/audit/test_completeness.py)."""

from __future__ import annotations


def usage_recipes(p):
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from approvals import services as approvals
    from approvals.models import Deployment
    from tests.approvals.approval_helpers import assessed_model
    from tests.usage.focus_files import csv_bytes, row
    from usage import services, usage_points

    model = assessed_model(p, "minimal")
    version = model.versions.get()
    approved = approvals.deployment_request_decide(
        actor=p.compliance,
        request=approvals.deployment_request_create(
            actor=p.owner, model_version=version, environment="staging", justification="r"
        ),
        verdict="approve",
    )
    made = {}

    def deployment():
        """Recorded at the first recipe, without events of its own (a row as deployment_record
        writes it): the monitoring recipes, run first, must see only their deployments."""
        if not made:
            made["d"] = Deployment.objects.create(
                model_service=model,
                model_version=version,
                environment="staging",
                approval=approved,
                fingerprint=approved.fingerprint,
                deployed_by=p.ci_bot,
                deployed_at=timezone.now(),
            )
        return made["d"]

    from usage import budgets

    content = csv_bytes([row(tags={"attest-model": model.name})])
    u = "usage.services"
    return {
        f"{u}.cost_import_create": (
            lambda: services.cost_import_create(
                actor=p.compliance,
                upload=SimpleUploadedFile("focus.csv", content),
                file_name="focus.csv",
            ),
            ["usage.costs_imported"],
        ),
        f"{u}.usage_source_set": (
            lambda: services.usage_source_set(
                actor=p.owner,
                deployment=deployment(),
                prometheus_url="http://127.0.0.1:9",
                requests="http_requests_total",
            ),
            ["usage.usage_source_set"],
        ),
        f"{u}.usage_days_record": (
            lambda: services.usage_days_record(
                actor=None,
                deployment=deployment(),
                days=[services.DayUsage(date(2026, 11, 1), 10, 1)],
            ),
            ["usage.usage_recorded"],
        ),
        f"{u}.usage_points_record": (
            lambda: services.usage_points_record(
                actor=p.ci_bot,
                points=[
                    usage_points.UsagePoint(deployment().pk, date(2026, 11, 2), 10, 1, None, 5.0)
                ],
            ),
            ["usage.usage_recorded"],
        ),
        "usage.budgets.budget_set": (
            lambda: budgets.budget_set(
                actor=p.compliance, model_service=model, amount="10", currency="EUR"
            ),
            ["usage.budget_set"],
        ),
        "usage.budgets.budget_create": (
            lambda: budgets.budget_create(
                actor=p.compliance, team=p.team, amount="20", currency="EUR"
            ),
            ["usage.budget_set"],
        ),
        "usage.budgets.budget_delete": (
            lambda: budgets.budget_delete(
                actor=p.admin,
                budget=budgets.budget_set(
                    actor=p.admin, team=p.other_team, amount="10", currency="EUR"
                ),
            ),
            ["usage.budget_set", "usage.budget_deleted"],
        ),
    }
