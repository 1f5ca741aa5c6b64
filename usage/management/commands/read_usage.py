"""manage.py read_usage [--date YYYY-MM-DD]: read daily usage from each deployment's Prometheus."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from usage import prometheus, services
from usage.models import UsageSource


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
            days = [now.date() - timedelta(days=1), now.date()]
        failed = 0
        sources = UsageSource.objects.select_related("deployment", "deployment__model_service")
        for source in sources:
            label = f"{source.deployment.model_service.name} in {source.deployment.environment}"
            try:
                rows = services.usage_source_read(source=source, days=days, now=now)
            except (prometheus.PrometheusError, ValidationError) as exc:
                failed += 1
                self.stderr.write(f"{label}: {exc}; the stored days are unchanged.")
                continue
            for row in rows:
                self.stdout.write(
                    f"{label}: {row.day} {row.requests} requests, {row.errors} errors, "
                    f"p50 {row.latency_p50_ms} ms, p95 {row.latency_p95_ms} ms"
                )
        if failed:
            raise CommandError(f"{failed} usage source(s) could not be read.")
        self.stdout.write(
            f"Read {sources.count()} usage source(s) for {', '.join(map(str, days))}."
        )
