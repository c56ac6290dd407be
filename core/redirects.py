"""Where to send someone after a form: a `next` we did not write is followed only when it
stays on this site. Every view that takes `next` asks here."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default):
    """The request's `next` (POST, then GET) if it is a URL on this host, else `default`.
    Refuses other hosts, scheme-relative `//host`, `\\\\host`, `https:host` and the like."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default
