"""Calendar subscription sections for pages other apps draw: the person's own calendar on
their account page, a school's on its staff page. Accounts' templates load these, so accounts
needs nothing from bookings."""

from django import template

from bookings import calendar

register = template.Library()


@register.inclusion_tag("bookings/includes/personal_calendar.html", takes_context=True)
def personal_calendar(context):
    """Subscribe links for the person's own feed (made on first use), and a new address."""
    request = context["request"]
    return {"request": request, "feed": calendar.feed_for(request.user)}


@register.inclusion_tag("bookings/includes/school_calendar.html", takes_context=True)
def school_calendar(context, school):
    """The person's own address for `school`'s calendar. Only for a page whose view has
    checked that they manage the school (`accounts.permissions.school_or_404`)."""
    request = context["request"]
    return {"request": request, "school": school, "feed": calendar.feed_for(request.user, school)}
