"""Times and months as people read them, in the GOV.UK style: 9:30am, 2pm, midday,
midnight; December 2026. One home, used by templates (the `wording` tag library), emails,
PDFs and the few messages built in Python."""

import datetime as dt

from django.utils import timezone


def clock(value):
    """A time of day: '9:30am', '2pm', 'midday', 'midnight'. An aware datetime is shown in
    local (UK) time; '' for nothing."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.time()
    if (value.hour, value.minute) == (12, 0):
        return "midday"
    if (value.hour, value.minute) == (0, 0):
        return "midnight"
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def month_name(value):
    """A month: 'December 2026', from a date or a 'YYYY-MM' string; '' for nothing."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        year, month = (int(part) for part in value.split("-")[:2])
        value = dt.date(year, month, 1)
    return f"{value:%B %Y}"
