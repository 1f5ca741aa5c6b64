"""``manage.py add_trusted_issuer --issuer <url> --audience <aud> --service-account <username>
--claim repository=<org/repo> [--claim environment=<env> ...] --scope gate:read [--scope ...]``.

Trusts an OIDC issuer (GitHub Actions, GitLab CI, any issuer) for CI workload identity and adds
one rule: ID tokens whose claims equal every ``--claim`` act as the service account with the
scopes. An issuer already trusted gets the rule added (its audience must be the same).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import ApiToken, IssuerRule, TrustedIssuer, User
from common.request_context import request_context


def _preset(issuer: str) -> str:
    if issuer.rstrip("/") == "https://token.actions.githubusercontent.com":
        return TrustedIssuer.Preset.GITHUB
    if "gitlab" in issuer:
        return TrustedIssuer.Preset.GITLAB
    return TrustedIssuer.Preset.OTHER


def _claim(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise CommandError(
            _("--claim %(text)s: write it as name=value, e.g. repository=org/repo.")
            % {"text": repr(text)}
        )
    return name.strip(), value.strip()


class Command(BaseCommand):
    help = "Trust an OIDC issuer for CI and map claims to a service account and its scopes."

    def add_arguments(self, parser):
        parser.add_argument("--issuer", required=True, help="Exactly the tokens' iss claim.")
        parser.add_argument("--audience", required=True, help="The aud the tokens must carry.")
        parser.add_argument("--service-account", required=True, dest="service_account")
        parser.add_argument(
            "--claim", dest="claims", action="append", required=True, help="name=value; repeat."
        )
        parser.add_argument(
            "--scope",
            dest="scopes",
            action="append",
            required=True,
            choices=ApiToken.Scope.values,
            help="Repeat for several scopes.",
        )
        parser.add_argument("--name", default="", help="The issuer's name (new issuers).")
        parser.add_argument(
            "--preset",
            choices=TrustedIssuer.Preset.values,
            help="Default: github for GitHub's issuer, gitlab for a GitLab URL, else other.",
        )

    def handle(self, *args, issuer, audience, service_account, claims, scopes, **options):
        issuer = issuer.strip()
        account = User.objects.filter(username=service_account).first()
        if account is None:
            raise CommandError(_("No user named %(name)s.") % {"name": repr(service_account)})
        wanted = dict(_claim(c) for c in claims)
        try:
            with request_context(source="cli"), transaction.atomic():
                row = TrustedIssuer.objects.filter(issuer=issuer).first()
                created = row is None
                if created:
                    preset = options["preset"] or _preset(issuer)
                    row = services.trusted_issuer_save(
                        actor=None,
                        issuer=TrustedIssuer(
                            name=options["name"] or TrustedIssuer.Preset(preset).label,
                            preset=preset,
                            issuer=issuer,
                            audience=audience,
                        ),
                    )
                elif row.audience != audience.strip():
                    raise CommandError(
                        _(
                            "%(issuer)s is trusted with audience %(audience)s, not %(wanted)s: "
                            "change it on the admin page first."
                        )
                        % {
                            "issuer": issuer,
                            "audience": repr(row.audience),
                            "wanted": repr(audience),
                        }
                    )
                rule = services.issuer_rule_save(
                    actor=None,
                    rule=IssuerRule(
                        issuer=row, claims=wanted, service_account=account, scopes=scopes
                    ),
                )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(m for ms in exc.message_dict.values() for m in ms)
            ) from exc
        trusted = {
            "issuer": row.issuer,
            "audience": row.audience,
            "preset": row.get_preset_display(),
        }
        self.stdout.write(
            (
                _("Trusted: %(issuer)s (audience %(audience)s, %(preset)s).")
                if created
                else _("Already trusted: %(issuer)s (audience %(audience)s, %(preset)s).")
            )
            % trusted
        )
        self.stdout.write(
            _("Added rule %(claims)s → %(account)s with scopes %(scopes)s (%(id)s).")
            % {
                "claims": ", ".join(f"{k}={v}" for k, v in sorted(rule.claims.items())),
                "account": account.username,
                "scopes": ", ".join(rule.scopes),
                "id": rule.pk,
            }
        )
