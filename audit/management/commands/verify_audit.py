"""``manage.py verify_audit [--since SEQ]``: exit 0 when the chain is intact and the Merkle
tree has the root of the latest signed tree head, else non-zero naming the first bad event and
what is wrong with it. Events still sealing are not part of the trail yet and are not checked."""

from django.core.management.base import BaseCommand, CommandError

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
                f"Audit trail broken at event #{verdict.broken_seq}{where}: {verdict.problem}."
            )
        tree = (
            f"; the tree matches the signed head of {verdict.signed_size} events"
            if verdict.signed_size
            else ""
        )
        self.stdout.write(
            f"Audit trail intact: {verdict.checked} events checked from #{since}, head "
            f"#{verdict.head_seq} {verdict.head_hash[:16]}…{tree}"
        )
