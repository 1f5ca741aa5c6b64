"""Create the OIDC client and users: idp_setup <client_id> <secret> <redirect_uri> and
users as username:password:email:group1,group2 arguments."""

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("client_id")
        parser.add_argument("secret")
        parser.add_argument("redirect_uri")
        parser.add_argument("users", nargs="*")

    def handle(self, client_id, secret, redirect_uri, users, **options):
        Application.objects.update_or_create(
            client_id=client_id,
            defaults={
                "name": "Attest",
                "client_secret": secret,
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                "redirect_uris": redirect_uri,
                "algorithm": Application.RS256_ALGORITHM,
                "skip_authorization": True,
            },
        )
        for spec in users:
            username, password, email, groups = spec.split(":")
            user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
            user.email = email
            user.set_password(password)
            user.save()
            user.groups.set(
                [Group.objects.get_or_create(name=g)[0] for g in groups.split(",") if g]
            )
