from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import (  # noqa: F401
            checks,  # SSO configuration checks
            schema,  # OpenAPI description of Bearer tokens
            signals,  # sign-in / sign-out audit adapters
        )
        from accounts.roles import ensure_role_groups

        # After every migrate or flush; runs after auth and audit created their permissions.
        post_migrate.connect(ensure_role_groups, dispatch_uid="attest-ensure-role-groups")
