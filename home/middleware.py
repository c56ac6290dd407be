"""Every page needs its Wagtail Site and the SiteSettings (title, header, footer): two queries a
request for rows that change a few times a year. They are kept in the cache, in one entry for
every host, which forget_sites() drops whenever a Site or the settings are saved or deleted."""

import contextlib

from django.core.cache import cache
from django.db import transaction
from django.http.request import split_domain_port
from wagtail.models import Site

from .models import SiteSettings

KEY = "sites-by-host"
SECONDS = 3600  # a backstop for changes that send no signal (bulk updates)


class CachedSiteMiddleware:
    """Hands Site.find_for_request() and SiteSettings.for_request() their answers from the
    cache, where they look first (request._wagtail_site, and the settings' request attribute),
    and keeps the answers a request found. It looks nothing up itself, and a cache that is
    down only means the usual queries: /health/ still reports it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        attr = SiteSettings.get_cache_attr_name()
        try:
            host = (split_domain_port(request.get_host())[0], request.get_port())
            sites = cache.get(KEY) or {}
        except Exception:  # a bad Host header (Django answers it), or the cache is down
            return self.get_response(request)
        if host in sites:
            site, settings = sites[host]
            request._wagtail_site = site
            settings._request = request  # as SiteSettings.for_request() leaves it
            setattr(request, attr, settings)
        response = self.get_response(request)
        site, settings = getattr(request, "_wagtail_site", None), getattr(request, attr, None)
        if host not in sites and site is not None and settings is not None:
            sites[host] = (site, settings)
            with contextlib.suppress(Exception):  # the cache is a shortcut, never a dependency
                cache.set(KEY, sites, SECONDS)
        return response


def forget_sites(sender=None, instance=None, **kwargs):
    if isinstance(instance, Site | SiteSettings):
        transaction.on_commit(lambda: cache.delete(KEY))
