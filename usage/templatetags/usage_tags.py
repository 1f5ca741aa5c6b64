"""The usage and cost link on the model page."""

from django import template

register = template.Library()


@register.inclusion_tag("usage/_usage_link.html")
def usage_link(model):
    return {"model": model}
