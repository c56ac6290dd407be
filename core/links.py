"""Absolute addresses on this site, for links that leave a request: emails, PDFs, calendar
feeds, structured data and Stripe's return pages. SITE_URL (WAGTAILADMIN_BASE_URL) is the
one source; a request's own host is never trusted for these."""

from django.conf import settings


def site_url(path=""):
    """`path` (from reverse() or a page's url, starting with "/") on this site."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path
