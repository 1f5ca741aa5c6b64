from django import template

from audit.actions import label_for, target_type_label

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


@register.filter
def type_label(target_type):
    """``{{ event.target_type|type_label }}``: the object type as a person reads it."""
    return target_type_label(str(target_type or ""))
