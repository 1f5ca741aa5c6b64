"""``manage.py create_api_token <username> --scope <s> ... --expires-days <n>``.

Prints what it did, then the token alone on the last line of stdout (CI scripts read that line).
The token is shown once and never stored.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import ApiToken, User
from common.request_context import request_context


class Command(BaseCommand):
    help = "Create an API token for a user and print it once (last line of stdout)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--scope",
            dest="scopes",
            action="append",
            required=True,
            choices=ApiToken.Scope.values,
            help="Repeat for several scopes.",
        )
        parser.add_argument("--expires-days", type=int, required=True)
        parser.add_argument("--name", default="")

    def handle(self, *args, username, scopes, expires_days, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named %(name)s.") % {"name": repr(username)})
        try:
            with request_context(source="cli"):
                token, token_string = services.api_token_create(
                    actor=None, user=user, name=name, scopes=scopes, expires_in_days=expires_days
                )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(m for ms in exc.message_dict.values() for m in ms)
            ) from exc
        self.stdout.write(
            _(
                "Created token %(key)s for %(user)s with scopes %(scopes)s, expiring %(date)s. "
                "It is shown once:"
            )
            % {
                "key": token.key_id,
                "user": user.username,
                "scopes": ", ".join(token.scopes),
                "date": f"{token.expires_at:%Y-%m-%d}",
            }
        )
        self.stdout.write(token_string)
