"""``{{ obligation.title|ruleset_text }}``: a text the rule set wrote (an obligation's title or
article, stored in English on the row) in the reader's language, as the rule set's translation
catalogue words it (risk/rulesets/translations/); unchanged where it has none."""

from django import template

from risk.ruleset import localized_text

register = template.Library()


@register.filter
def ruleset_text(text):
    return localized_text(text) if isinstance(text, str) else text
