"""``manage.py sync_registry <slug>``: reconcile the catalog with the whole registry now."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from catalog import services
from catalog.models import RegistrySource
from catalog.registries.mlflow_client import RegistryRequestRefused, RegistryUnavailable
from common.request_context import request_context


class Command(BaseCommand):
    help = "Walk the registry and make the catalog match it; print what changed."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        source = RegistrySource.objects.filter(slug=slug).first()
        if source is None:
            raise CommandError(
                _("No registry source %(slug)s (see add_registry_source).") % {"slug": repr(slug)}
            )
        try:
            with request_context(source="cli"):
                summary = services.registry_reconcile(source=source)
        except (RegistryUnavailable, RegistryRequestRefused) as exc:
            raise CommandError(
                _("Registry %(url)s could not be read: %(error)s")
                % {"url": source.base_url, "error": exc}
            ) from exc
        if not summary:
            self.stdout.write(_("%(slug)s: catalog already matches the registry.") % {"slug": slug})
            return
        self.stdout.write(
            f"{slug}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.items())
        )
