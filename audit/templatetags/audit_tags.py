from django import template

from audit.actions import label_for

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ event.before|get_item:field }}``: look up a key of a dict (None when absent)."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key)


@register.filter
def action_label(code):
    """``{{ event.action|action_label }}``: what a person reads for an audit action code (an
    undeclared code, e.g. from an old row, shows as itself)."""
    return label_for(str(code or ""))
