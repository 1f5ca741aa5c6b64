"""manage.py read_usage [--date YYYY-MM-DD]: read daily usage from each deployment's Prometheus."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

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
                raise CommandError(f"--date {options['date']!r} is not YYYY-MM-DD.") from None
            if days[0] > now.date():
                raise CommandError(f"--date {days[0]} is in the future.")
        else:
            days = services.default_days(now)
        result = services.usage_read_all(days=days, now=now)
        for row in result.rows:
            label = f"{row.deployment.model_service.name} in {row.deployment.environment}"
            self.stdout.write(
                f"{label}: {row.day} {row.requests} requests, {row.errors} errors, "
                f"p50 {row.latency_p50_ms} ms, p95 {row.latency_p95_ms} ms"
            )
        for source, error in result.failures:
            label = f"{source.deployment.model_service.name} in {source.deployment.environment}"
            self.stderr.write(f"{label}: {error}; the stored days are unchanged.")
        if result.failures:
            raise CommandError(f"{len(result.failures)} usage source(s) could not be read.")
        self.stdout.write(f"Read usage for {', '.join(map(str, days))}: {len(result.rows)} day(s).")
