"""``manage.py add_registry_source --kind mlflow --slug <slug> --url <base-url> --secret <s>``."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog import services
from catalog.models import RegistrySource
from common.request_context import request_context


class Command(BaseCommand):
    help = "Register a model registry that may send signed webhooks to /webhooks/<slug>/."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=RegistrySource.Kind.values, default="mlflow")
        parser.add_argument("--slug", required=True)
        parser.add_argument("--url", required=True, help="Registry base URL (REST API).")
        secret = parser.add_mutually_exclusive_group(required=True)
        secret.add_argument("--secret", help="Webhook secret shared with the registry.")
        secret.add_argument("--secret-file", help="File holding the webhook secret.")
        parser.add_argument("--name", default="")
        parser.add_argument("--api-token", default="", help="Bearer token for the REST API.")
        parser.add_argument("--api-username", default="")
        parser.add_argument("--api-password-file", default="")

    def handle(
        self,
        *args,
        kind,
        slug,
        url,
        secret,
        secret_file,
        name,
        api_token,
        api_username,
        api_password_file,
        **options,
    ):
        if secret_file:
            try:
                secret = Path(secret_file).read_text().strip()
            except OSError as exc:
                raise CommandError(f"Cannot read --secret-file: {exc}") from exc
        credentials = None
        if api_token:
            credentials = {"token": api_token}
        elif api_username:
            password = Path(api_password_file).read_text().strip() if api_password_file else ""
            credentials = {"username": api_username, "password": password}
        if RegistrySource.objects.filter(slug=slug).exists():
            raise CommandError(f"A registry source with slug {slug!r} already exists.")
        try:
            with request_context(source="cli"):
                source = services.registry_source_create(
                    actor=None,
                    kind=kind,
                    slug=slug,
                    base_url=url,
                    secret=secret,
                    name=name,
                    credentials=credentials,
                )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        self.stdout.write(
            f"Added {source.get_kind_display()} source {source.slug!r} ({source.base_url}). "
            f"Point the registry's webhook at /webhooks/{source.slug}/ with the same secret."
        )
