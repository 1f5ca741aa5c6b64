from django.apps import AppConfig


class PortalConfig(AppConfig):
    """What reads every domain at once: the dashboard, the home page, the demo data."""

    name = "portal"
    verbose_name = "Portal"
