from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Every app's audit_actions module, so the list of actions is complete at start-up
        # (labels on pages, the completeness test) without audit importing the apps.
        autodiscover_modules("audit_actions")
