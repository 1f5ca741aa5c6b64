import json
from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

register = template.Library()


@register.filter
def safe_json(value) -> str:
    """JSON for an HTML attribute (escaped; the attribute is single-quoted)."""
    return escape(json.dumps(value))


@register.filter
def join_if_list(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


# Dates a person reads, in the active language's formats (config/formats/<lang>/formats.py:
# 2026-12-07 in English, 07.12.2026 in German). Never for machine values: ``datetime``
# attributes, form inputs and query strings keep ISO (``|date:'c'``, ``|date:'Y-m-d'``).


def _as_date(value):
    """A date, a datetime, or an ISO date string as the rule sets store them (``2026-08-02``)."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, date) else None


@register.filter
def short_date(value) -> str:
    """``value`` (a date, datetime or ISO date string) as the active language writes a date;
    anything else unchanged."""
    day = _as_date(value)
    if day is None:
        return value
    if isinstance(day, datetime) and timezone.is_aware(day):
        day = timezone.localtime(day)
    return date_format(day, "SHORT_DATE_FORMAT")


@register.filter
def datetime_seconds(value) -> str:
    """A moment to the second (delivery and attempt logs), the date in the active language's
    format; '' for none."""
    if not isinstance(value, datetime):
        return ""
    moment = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_format(moment, 'SHORT_DATE_FORMAT')} {moment:%H:%M:%S}"


@register.filter
def datetime_zone(value) -> str:
    """A moment with its time zone (legal deadlines: Art. 73), the date and time in the active
    language's format; '' for none."""
    if not isinstance(value, datetime):
        return ""
    moment = timezone.localtime(value) if timezone.is_aware(value) else value
    zone = moment.tzname() or ""
    return f"{date_format(moment, 'SHORT_DATETIME_FORMAT')} {zone}".strip()
