from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Model catalog"

    def ready(self):
        from catalog.access import forget_permission_ids

        post_migrate.connect(forget_permission_ids, dispatch_uid="catalog-permission-ids")
