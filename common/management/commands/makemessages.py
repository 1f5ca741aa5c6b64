"""Django's makemessages without msgmerge's fuzzy matching.

By default msgmerge guesses a translation for a new string from a similar old one and marks it
fuzzy; those guesses were wrong every time here ("Read the catalog" got "Zurück zum Katalog").
A new string now stays empty until someone translates it, and tests/i18n/test_catalogue.py
says so. Overriding ``msgmerge_options`` in a subclass is the way Django's ticket #10852
points to (the command's own options, plus GNU msgmerge's --no-fuzzy-matching).
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
