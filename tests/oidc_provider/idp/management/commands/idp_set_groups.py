"""idp_set_groups <username> [group ...]: what the groups claim says from now on."""

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("groups", nargs="*")

    def handle(self, username, groups, **options):
        user = User.objects.get(username=username)
        user.groups.set([Group.objects.get_or_create(name=g)[0] for g in groups])
