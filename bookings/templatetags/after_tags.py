from django import template

from bookings.attendance import takes_registers as takes

register = template.Library()


@register.filter
def takes_registers(user):
    """True for facilitators with a staff login and for the bookings team (one query)."""
    return takes(user)
