from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """Deployment approvals: policy, requests, decisions, the deploy gate, write-back, drift."""

    name = "approvals"
    verbose_name = "Approvals"

    def ready(self) -> None:
        from approvals import checks, consequences, receivers  # noqa: F401  (registers them)
