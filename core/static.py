"""Static files answered before Django: a WSGI wrapper around the site (config/wsgi.py).

WhiteNoise's Django middleware serves a file only after the request has passed the request
id, metrics, bad-input and security middleware; for a stylesheet that is most of the cost.
Here the same WhiteNoise set-up (its settings, the hashed names cached for a year) answers
first, and adds the security headers a static file needs itself: nosniff, Referrer-Policy
and HSTS. A static file is not redirected to HTTPS (it holds nothing secret; the page that
names it is on HTTPS). The middleware stays for the test client and anything not served by
this WSGI application; behind this wrapper it finds nothing left to serve.
"""

from django.conf import settings
from whitenoise.base import WhiteNoise
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.string_utils import decode_path_info


def security_headers():
    """The headers Django's SecurityMiddleware would have added to a static response."""
    headers = []
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", settings.SECURE_REFERRER_POLICY))
    if settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append(("Strict-Transport-Security", hsts))
    return headers


class StaticFirst:
    """WSGI: serve a static file straight away, or hand the request to Django."""

    def __init__(self, application):
        self.application = application
        self.files = WhiteNoiseMiddleware(get_response=None)  # the same settings as the stack
        self.extra_headers = security_headers()

    def __call__(self, environ, start_response):
        files = self.files
        path = decode_path_info(environ.get("PATH_INFO", ""))
        found = files.find_file(path) if files.autorefresh else files.files.get(path)
        if found is None:
            return self.application(environ, start_response)

        def start_with_headers(status, headers, exc_info=None):
            return start_response(status, headers + self.extra_headers, exc_info)

        return WhiteNoise.serve(found, environ, start_with_headers)
