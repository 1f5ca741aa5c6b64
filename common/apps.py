from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from celery.signals import worker_ready

        from common import checks  # noqa: F401  (registers the system checks)
        from common.tasks import relay_when_worker_ready

        # Only worker processes send worker_ready; connecting it elsewhere is harmless.
        worker_ready.connect(relay_when_worker_ready, dispatch_uid="common.outbox.worker_ready")
