from decimal import Decimal
from urllib.parse import quote, urlencode

from django import template
from django.conf import settings
from wagtail.models import Site

from home.models import SiteSettings

register = template.Library()


@register.simple_tag
def organisation_name():
    """The organisation's name as editors set it (the default site's settings), for documents
    made without a request: certificates and CPD records."""
    site = Site.objects.filter(is_default_site=True).first()
    return SiteSettings.for_site(site).organisation_name if site else settings.WAGTAIL_SITE_NAME


@register.filter
def within(page, section):
    """True when `page` sits below `section` in the tree (a string test on paths, no query)."""
    return bool(page and section) and page.path.startswith(section.path) and page.pk != section.pk


@register.filter
def money(value):
    """£95.00 style; 'Free' for zero."""
    if value is None:
        return ""
    value = Decimal(value)
    return "Free" if value == 0 else f"£{value:,.2f}"


@register.filter
def places_label(places_left):
    """How the shop window reads places left."""
    if places_left <= 0:
        return "Full – join the waiting list"
    if places_left <= 5:
        return f"{places_left} place{'s' if places_left != 1 else ''} left"
    return f"{places_left} places"


@register.inclusion_tag("includes/subscribe_links.html", takes_context=True)
def subscribe_links(context, path, name):
    """webcal://, Google's "add by URL" and Outlook's subscribe link for one feed."""
    request = context["request"]
    https_url = request.build_absolute_uri(path)
    webcal = "webcal://" + https_url.split("://", 1)[1]
    return {
        "https_url": https_url,
        "webcal_url": webcal,
        "google_url": "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
        "outlook_url": "https://outlook.office.com/calendar/0/addfromweb?"
        + urlencode({"url": https_url, "name": name}),
        "name": name,
    }
