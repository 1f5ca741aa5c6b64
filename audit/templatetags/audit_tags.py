from django import template

from audit.actions import field_label as _field_label
from audit.actions import label_for, target_type_label, value_label

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


@register.filter
def field_label(event, field):
    """``{{ event|field_label:field }}``: a changed field of the event, in words."""
    return _field_label(getattr(event, "target_type", ""), str(field))


@register.filter
def worded_before(event, field):
    """``{{ event|worded_before:field }}``: the value before, a choice as its label."""
    return value_label(event.target_type, str(field), (event.before or {}).get(field))


@register.filter
def worded_after(event, field):
    """``{{ event|worded_after:field }}``: the value after, a choice as its label."""
    return value_label(event.target_type, str(field), (event.after or {}).get(field))
