from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Model catalog"

    def ready(self):
        from celery.signals import worker_ready

        from catalog.access import forget_permission_ids
        from catalog.listener import start_listener

        # Only worker processes send worker_ready: the web processes never listen.
        worker_ready.connect(start_listener, dispatch_uid="catalog.inbox.listener")

        post_migrate.connect(forget_permission_ids, dispatch_uid="catalog-permission-ids")
