import json

from django import template
from django.utils.html import escape

register = template.Library()


@register.filter
def safe_json(value) -> str:
    """JSON for an HTML attribute (escaped; the attribute is single-quoted)."""
    return escape(json.dumps(value))


@register.filter
def join_if_list(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
