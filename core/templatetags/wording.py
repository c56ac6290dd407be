"""{% load wording %}: {{ session.starts_at|clock }} → 9:30am; {{ day|month }} → December 2026."""

from django import template

from core import wording

register = template.Library()


@register.filter(expects_localtime=True)
def clock(value):
    return wording.clock(value)


@register.filter
def month(value):
    return wording.month_name(value)
