"""manage.py import_costs <file> --as <username> [--cost-column ...]: a FOCUS file from disk."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from common.errors import RequestRefused
from usage import services
from usage.models import CostImport


class Command(BaseCommand):
    help = (
        "Import a FOCUS billing export (CSV or Parquet) from a file, as the named user (a "
        "compliance officer, an administrator or a service account), like the API does."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--as", dest="username", required=True)
        parser.add_argument(
            "--cost-column",
            choices=CostImport.CostColumn.values,
            default=CostImport.CostColumn.EFFECTIVE,
        )

    def handle(self, *args, path: str, username: str, cost_column: str, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file.")
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {username!r}.")
        try:
            with file.open("rb") as stream:
                imported = services.cost_import_create(
                    actor=actor, upload=stream, file_name=file.name, cost_column=cost_column
                )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except RequestRefused as exc:
            details = "; ".join(f"{k}: {', '.join(v)}" for k, v in list(exc.errors.items())[:5])
            raise CommandError(f"{exc.detail} {details}".strip()) from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            f"Imported {file.name} ({imported.file_format}, sha256 {imported.file_sha256}): "
            f"{imported.rows_read} rows, {imported.rows_matched} matched, "
            f"{imported.rows_unmatched} unmatched, {imported.rows_replaced} earlier rows replaced."
        )
