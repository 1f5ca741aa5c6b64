"""``manage.py ruleset_report [<rule-set.json>]``: what a rule set would change, per model."""

from django.core.management.base import BaseCommand, CommandError

from risk import ruleset as rulesets
from risk.ruleset_change import ruleset_change_report


class Command(BaseCommand):
    help = (
        "Re-classify every model assessed under another rule set with the same answers and list "
        "what would change (default: the current rule set; or a rule set file to try)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="A rule set JSON file (default: the current).")

    def handle(self, *args, path=None, **options):
        try:
            target = rulesets.load(path) if path else rulesets.current()
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"Cannot read rule set {path}: {exc}") from exc
        report = ruleset_change_report(target=target)
        if not report.changed:
            self.stdout.write(f"Rule set {target.version}: no model's tier or obligations change.")
        else:
            self.stdout.write(f"Rule set {target.version} changes {len(report.changed)} model(s):")
        for row in report.changed:
            self._row(row)
        if report.unchanged:
            self.stdout.write(
                f"{len(report.unchanged)} more model(s) were assessed under another rule set; "
                "their result stays the same."
            )
        for item in report.unasked:
            self.stdout.write(f"? new question: {item}")

    def _row(self, row):
        if row.new_tier is None:
            tier = f"{row.old_tier} → ? (answers need attention)"
        elif row.tier_changes:
            tier = f"{row.old_tier} → {row.new_tier}"
        else:
            tier = f"stays {row.old_tier}"
        self.stdout.write(f"- {row.model.name}: {tier}")
        if row.provision_changes:
            self.stdout.write(
                f"    decided by {row.old_decided_by.get('article', '?')} → "
                f"{row.new_decided_by['article']}"
            )
        for item in row.added:
            self.stdout.write(f"    + {item.code} from {item.applies_from}")
        for item in row.removed:
            self.stdout.write(f"    - {item.code} from {item.applies_from}")
        for move in row.moved:
            self.stdout.write(f"    ~ {move.code}: {move.old} → {move.new}")
        for question, problems in row.problems.items():
            self.stdout.write(f"    ! {question}: {' '.join(problems)} (re-assess)")
        if row.blocked_by:
            self.stdout.write(f"    (not moved in bulk: {row.blocked_by})")
