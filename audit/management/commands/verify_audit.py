"""``manage.py verify_audit [--since SEQ]``: exit 0 when the chain is intact and the Merkle
tree has the root of the latest signed tree head, else non-zero naming the first bad event and
what is wrong with it. Events still sealing are not part of the trail yet and are not checked."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audit.verification import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail: sequence, links, hashes, and the tree against the signed head."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=int, default=1, help="First sequence number.")

    def handle(self, *args, since, **options):
        verdict = verify_chain(since=since)
        if not verdict.intact:
            where = f" ({verdict.broken_id})" if verdict.broken_id else ""
            raise CommandError(
                _("Audit trail broken at event #%(seq)s%(where)s: %(problem)s.")
                % {"seq": verdict.broken_seq, "where": where, "problem": verdict.problem}
            )
        values = {
            "checked": verdict.checked,
            "since": since,
            "head": verdict.head_seq,
            "hash": verdict.head_hash[:16],
            "signed": verdict.signed_size,
        }
        # Two whole sentences, so that each language can word them.
        if verdict.signed_size:
            message = _(
                "Audit trail intact: %(checked)s events checked from #%(since)s, head "
                "#%(head)s %(hash)s…; the tree matches the signed head of %(signed)s events"
            )
        else:
            message = _(
                "Audit trail intact: %(checked)s events checked from #%(since)s, head "
                "#%(head)s %(hash)s…"
            )
        self.stdout.write(message % values)
