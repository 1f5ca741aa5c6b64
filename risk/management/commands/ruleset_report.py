"""``manage.py ruleset_report [<rule-set.json>]``: what a rule set would change, per model."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
            raise CommandError(
                _("Cannot read rule set %(path)s: %(error)s") % {"path": path, "error": exc}
            ) from exc
        report = ruleset_change_report(target=target)
        if not report.changed:
            self.stdout.write(
                _("Rule set %(version)s: no model's tier or obligations change.")
                % {"version": target.version}
            )
        else:
            self.stdout.write(
                ngettext(
                    "Rule set %(version)s changes %(n)d model:",
                    "Rule set %(version)s changes %(n)d models:",
                    len(report.changed),
                )
                % {"version": target.version, "n": len(report.changed)}
            )
        for row in report.changed:
            self._row(row)
        if report.unchanged:
            self.stdout.write(
                ngettext(
                    "%(n)d more model was assessed under another rule set; its result stays the "
                    "same.",
                    "%(n)d more models were assessed under another rule set; their result stays "
                    "the same.",
                    len(report.unchanged),
                )
                % {"n": len(report.unchanged)}
            )
        for item in report.unasked:
            self.stdout.write("? " + _("new question: %(item)s") % {"item": item})

    def _row(self, row):
        if row.new_tier is None:
            tier = f"{row.old_tier} → ? " + _("(answers need attention)")
        elif row.tier_changes:
            tier = f"{row.old_tier} → {row.new_tier}"
        else:
            tier = _("stays %(tier)s") % {"tier": row.old_tier}
        self.stdout.write(f"- {row.model.name}: {tier}")
        if row.provision_changes:
            self.stdout.write(
                "    "
                + _("decided by %(old)s → %(new)s")
                % {
                    "old": row.old_decided_by.get("article", "?"),
                    "new": row.new_decided_by["article"],
                }
            )
        for item in row.added:
            self.stdout.write(
                "    + "
                + _("%(code)s from %(date)s") % {"code": item.code, "date": item.applies_from}
            )
        for item in row.removed:
            self.stdout.write(
                "    - "
                + _("%(code)s from %(date)s") % {"code": item.code, "date": item.applies_from}
            )
        for move in row.moved:
            self.stdout.write(f"    ~ {move.code}: {move.old} → {move.new}")
        for question, problems in row.problems.items():
            self.stdout.write(f"    ! {question}: {' '.join(problems)} " + _("(re-assess)"))
        if row.blocked_by:
            self.stdout.write(
                "    " + _("(not moved in bulk: %(reason)s)") % {"reason": row.blocked_by}
            )
