"""``manage.py ruleset_report <rule-set.json>``: what a new rule set would change, per model."""

from django.core.management.base import BaseCommand, CommandError

from risk import ruleset as rulesets
from risk.selectors import ruleset_change_report


class Command(BaseCommand):
    help = "Re-classify every assessed model under another rule set file and list the changes."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            new = rulesets.load(path)
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"Cannot read rule set {path}: {exc}") from exc
        report = ruleset_change_report(new)
        if not report:
            self.stdout.write(f"Rule set {new.version}: no model's tier or obligations change.")
            return
        self.stdout.write(f"Rule set {new.version} changes {len(report)} model(s):")
        for row in report:
            tier = (
                f"{row['old_tier']} → {row['new_tier']}"
                if row["old_tier"] != row["new_tier"]
                else f"stays {row['old_tier']}"
            )
            self.stdout.write(f"- {row['model']}: {tier}")
            for item in row["added"]:
                self.stdout.write(f"    + {item}")
            for item in row["removed"]:
                self.stdout.write(f"    - {item}")
            for question, problems in row["problems"].items():
                self.stdout.write(f"    ! {question}: {' '.join(problems)} (re-assess)")
