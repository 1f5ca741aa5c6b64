"""manage.py read_usage [--date YYYY-MM-DD]: read daily usage from each deployment's Prometheus."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from usage import services


class Command(BaseCommand):
    help = (
        "Read requests, errors and p50/p95 latency per UTC day from the Prometheus server of "
        "every deployment with a usage source, and store them (a day read again is replaced). "
        "Default: yesterday and today so far."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The UTC day to read, YYYY-MM-DD.")

    def handle(self, *args, **options):
        now = timezone.now()
        if options.get("date"):
            try:
                days = [date.fromisoformat(options["date"])]
            except ValueError:
                raise CommandError(
                    _("--date %(value)s is not YYYY-MM-DD.") % {"value": repr(options["date"])}
                ) from None
            if days[0] > now.date():
                raise CommandError(_("--date %(day)s is in the future.") % {"day": days[0]})
        else:
            days = services.default_days(now)
        result = services.usage_read_all(days=days, now=now)
        for row in result.rows:
            label = _("%(model)s in %(environment)s") % {
                "model": row.deployment.model_service.name,
                "environment": row.deployment.environment,
            }
            self.stdout.write(
                _(
                    "%(label)s: %(day)s %(requests)s requests, %(errors)s errors, "
                    "p50 %(p50)s ms, p95 %(p95)s ms"
                )
                % {
                    "label": label,
                    "day": row.day,
                    "requests": row.requests,
                    "errors": row.errors,
                    "p50": row.latency_p50_ms,
                    "p95": row.latency_p95_ms,
                }
            )
        for source, error in result.failures:
            label = _("%(model)s in %(environment)s") % {
                "model": source.deployment.model_service.name,
                "environment": source.deployment.environment,
            }
            self.stderr.write(
                _("%(label)s: %(error)s; the stored days are unchanged.")
                % {"label": label, "error": error}
            )
        if result.failures:
            raise CommandError(
                _("%(n)d usage source(s) could not be read.") % {"n": len(result.failures)}
            )
        self.stdout.write(
            _("Read usage for %(days)s: %(n)d day(s).")
            % {"days": ", ".join(map(str, days)), "n": len(result.rows)}
        )
