"""Hostile input answers 400, never a server error.

Two guards for every view, Wagtail's admin and allauth's included:

- NUL (\\x00) in the path, the query or a form field is refused before any view runs.
  PostgreSQL will not store or compare text holding NUL, so wherever one lands (a search
  box, a name, a report filter, a certificate number in the address) it would be a server
  error; no browser sends one by accident.
- A database lookup handed a value its column cannot hold (an id of "1e3" or "²", or
  beyond a bigint) answers 400. Our own views read numbers with core.params and never
  get here; this is for the views we do not write (Wagtail's choosers and listing filters,
  Wagtail's document links), which pass ids from the address straight to the ORM. So do a
  form missing a field the view takes for granted (request.POST["..."]), and a `next`
  that Django's redirect() mistakes for a view name ("²")."""

import traceback

from django import db
from django.http import HttpResponseBadRequest
from django.urls import NoReverseMatch
from django.utils.datastructures import MultiValueDictKeyError

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL_MESSAGE = "The request held a NUL character (\\x00), which this site does not accept.\n"
LOOKUP_MESSAGE = "The request held a value that is not a valid id or number here.\n"
FORM_MESSAGE = "The form was incomplete or held a value this page cannot use.\n"


def holds_nul(request):
    if NUL in request.path_info or _any_nul(request.GET):
        return True
    # Only forms are parsed here: a JSON body (the Stripe webhook) stays unread for its view.
    if request.method == "POST" and request.content_type in FORM_TYPES:
        return _any_nul(request.POST)
    return False


def _any_nul(querydict):
    return any(NUL in key or any(NUL in v for v in values) for key, values in querydict.lists())


def is_impossible_lookup(exception):
    """A field refusing a lookup value ("Field 'id' expected a number but got '1e3'"), or the
    database refusing a number beyond its integer column (SQLite's OverflowError,
    PostgreSQL's numeric_value_out_of_range)."""
    if isinstance(exception, OverflowError | ValueError):
        frames = traceback.extract_tb(exception.__traceback__)
        where = frames[-1].filename if frames else ""
        return where.endswith(("django/db/models/fields/__init__.py", "sqlite3/base.py"))
    if isinstance(exception, db.DataError):
        return getattr(exception.__cause__, "sqlstate", None) == "22003"
    return False


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if holds_nul(request):
            return _bad_request(NUL_MESSAGE)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_impossible_lookup(exception):
            return _bad_request(LOOKUP_MESSAGE)
        if isinstance(exception, MultiValueDictKeyError) or _reversed_input(request, exception):
            return _bad_request(FORM_MESSAGE)
        return None


def _reversed_input(request, exception):
    """redirect(value) reverses a value without "/" or "." as a view name: when that value
    came from the request, it is the request that is wrong, not a template."""
    if not isinstance(exception, NoReverseMatch):
        return False
    values = [v for q in (request.GET, request.POST) for _, vs in q.lists() for v in vs]
    return any(f"Reverse for '{v}' not found" in str(exception) for v in values if v)


def _bad_request(message):
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
