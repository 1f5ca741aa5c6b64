from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ event.before|get_item:field }}``: look up a key of a dict (None when absent)."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key)
