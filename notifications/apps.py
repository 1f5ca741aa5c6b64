from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Outgoing events")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Every app's outgoing_events module, so the list of event types an endpoint may
        # subscribe to is complete at start-up, without this app importing the emitters.
        autodiscover_modules("outgoing_events")
