"""Issue 17, item 5: a static file is answered before Django's middleware, by the WSGI
application gunicorn serves (config.wsgi), with the security headers a file needs."""

import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.test import override_settings

from config.wsgi import application
from core.static import StaticFirst


def call(app, path, method="GET"):
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status
        seen["headers"] = dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def test_a_static_file_is_served_without_entering_django():
    entered = []

    def django(environ, start_response):
        entered.append(environ["PATH_INFO"])
        start_response("404 Not Found", [])
        return [b""]

    status, headers, body = call(StaticFirst(django), "/static/css/site.css")
    assert status.startswith("200")
    assert b"{" in body  # the stylesheet itself
    assert headers["Content-Type"].startswith("text/css")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert entered == []

    status, _, _ = call(StaticFirst(django), "/courses/")
    assert status.startswith("404")
    assert entered == ["/courses/"]


@pytest.mark.django_db
def test_the_served_application_answers_static_before_the_middleware_and_pages_through_it():
    status, headers, _ = call(application, "/static/js/finder.js")
    assert status.startswith("200")
    # RequestIdMiddleware puts X-Request-ID on every response that passes through Django.
    assert "X-Request-ID" not in headers

    status, headers, _ = call(application, "/health/live/")
    assert status.startswith("200")
    assert headers["X-Request-ID"]


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_PRELOAD=True)
def test_hsts_travels_with_static_files_when_the_site_sets_it():
    _, headers, _ = call(StaticFirst(lambda e, s: []), "/static/img/favicon.svg")
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "preload" in headers["Strict-Transport-Security"]
