"""``manage.py verify_audit [--since SEQ]``: exit 0 when the chain is intact, else non-zero
naming the first bad event and what is wrong with it."""

from django.core.management.base import BaseCommand, CommandError

from audit.verification import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (sequence, links, hashes)."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=int, default=1, help="First sequence number.")

    def handle(self, *args, since, **options):
        verdict = verify_chain(since=since)
        if not verdict.intact:
            where = f" ({verdict.broken_id})" if verdict.broken_id else ""
            raise CommandError(
                f"Audit trail broken at event #{verdict.broken_seq}{where}: {verdict.problem}."
            )
        self.stdout.write(
            f"Audit trail intact: {verdict.checked} events checked from #{since}, head "
            f"#{verdict.head_seq} {verdict.head_hash[:16]}…"
        )
