"""manage.py import_costs <file> --as <username> [--cost-column ...]: a FOCUS file from disk."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
            raise CommandError(_("%(path)s: no such file.") % {"path": path})
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(_("No active user %(name)s.") % {"name": repr(username)})
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
            _(
                "Imported %(name)s (%(format)s, sha256 %(sha)s): %(read)s rows, %(matched)s "
                "matched, %(unmatched)s unmatched, %(replaced)s earlier rows replaced."
            )
            % {
                "name": file.name,
                "format": imported.file_format,
                "sha": imported.file_sha256,
                "read": imported.rows_read,
                "matched": imported.rows_matched,
                "unmatched": imported.rows_unmatched,
                "replaced": imported.rows_replaced,
            }
        )
