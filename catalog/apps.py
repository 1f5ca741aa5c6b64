from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Model catalog"

    def ready(self):
        from celery.signals import worker_ready

        from audit.subjects import subject_lookup_register
        from catalog.access import forget_permission_ids
        from catalog.listener import start_listener
        from catalog.selectors import model_service_subjects

        # Only worker processes send worker_ready: the web processes never listen.
        worker_ready.connect(start_listener, dispatch_uid="catalog.inbox.listener")

        post_migrate.connect(forget_permission_ids, dispatch_uid="catalog-permission-ids")
        # The audit log's model picker names only the models its reader may see.
        subject_lookup_register(model_service_subjects)
