from django import template

register = template.Library()


@register.filter
def takes_registers(user):
    """True for facilitators with a staff login and for the bookings team (one query)."""
    from bookings.attendance import takes_registers as takes

    return takes(user)
