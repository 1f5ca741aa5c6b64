"""``{{ obligation.title|ruleset_text }}``: a text the rule set wrote (an obligation's title or
article, stored in English on the row) in the reader's language, as the rule set's translation
catalogue words it (risk/rulesets/translations/); unchanged where it has none."""

from django import template

from risk.ruleset import localized_text

register = template.Library()


@register.filter
def ruleset_text(text):
    return localized_text(text) if isinstance(text, str) else text


@register.filter
def worded_result(assessment):
    """An assessment's recorded result as the reader's language words it (the same tier, rules
    and obligations; ``risk.rules.localized_result``). The record itself stays English."""
    from risk.rules import localized_result

    if assessment is None or not assessment.result:
        return {}
    return localized_result(assessment.ruleset_version, assessment.answers, assessment.result)


@register.filter
def tier_label(tier):
    """A risk tier code (``high``, stored on rows and in results) as the reader's language
    names it; anything else unchanged."""
    from catalog.models import ModelService

    try:
        return ModelService.RiskTier(tier).label
    except ValueError:
        return tier
