"""Calendar subscriptions. Conditional GET answers 304 from a cheap aggregate, before any
calendar is built; unknown and revoked tokens get the same plain 404."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_POST, require_safe

from accounts import permissions
from courses.models import StrandPage

from . import calendar
from .models import CalendarFeed

FEED_REQUESTS_PER_MINUTE = 30


def _respond(request, version, build, filename, cache_as=None):
    """`cache_as` names a public feed: its rendered body is cached under its ETag, so any
    change to a run or session (which changes the ETag) retires the cached copy.

    The ETag is weak (the same calendar, compressed or not, is one version), and Django's
    conditional checks answer If-None-Match (weak comparison, so clients holding the old
    strong form still match) and, without it, If-Modified-Since; a malformed date is
    ignored and the feed sent whole."""
    digest, last_modified = version
    etag = f"W/{digest}"
    modified = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=modified)
    if response is None:
        key = f"feed-body:{cache_as}:{digest}" if cache_as else None
        body = cache.get(key) if key else None
        if body is None:
            body = build()
            if key:
                cache.set(key, body, 3600)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


def feed_view(view):
    """GET and HEAD, gzipped when the client accepts it. The bodies reflect nothing a request
    sends (a token is only in the address), so compression gives BREACH nothing to guess at.
    HEAD answers GET's headers, Content-Length included, without a body."""
    compressed = gzip_page(require_safe(view))

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = compressed(request, *args, **kwargs)
        if request.method == "HEAD" and not response.streaming:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    return wrapper


@feed_view
def programme_feed(request):
    return _respond(
        request,
        calendar.feed_version(),
        calendar.programme_calendar,
        "cpd-programme.ics",
        cache_as="programme",
    )


@feed_view
def strand_feed(request, slug):
    strand = get_object_or_404(StrandPage.objects.live(), slug=slug)
    return _respond(
        request,
        calendar.feed_version(strand=strand),
        lambda: calendar.programme_calendar(strand),
        f"cpd-{strand.slug}.ics",
        cache_as=f"strand-{strand.pk}",
    )


def _rate_limited(feed):
    key = f"feed-rate:{feed.pk}:{timezone.now():%Y%m%d%H%M}"
    cache.add(key, 0, 90)
    try:
        return cache.incr(key) > FEED_REQUESTS_PER_MINUTE
    except ValueError:  # evicted between add and incr
        return False


def _token_feed(request, token, kind):
    feed = calendar.feed_from_token(token, kind)
    if feed is None:
        raise Http404("No such calendar")
    if _rate_limited(feed):
        response = HttpResponse(
            "Too many requests for this calendar; try again in a minute.",
            status=429,
            content_type="text/plain",
        )
        response["Retry-After"] = "60"
        return response
    return _respond(
        request, calendar.feed_version(feed), lambda: calendar.feed_calendar(feed), "cpd.ics"
    )


@feed_view
def personal_feed(request, token):
    return _token_feed(request, token, CalendarFeed.Kind.PERSONAL)


@feed_view
def school_feed(request, token):
    return _token_feed(request, token, CalendarFeed.Kind.SCHOOL)


@login_required
@require_POST
def rotate_personal_feed(request):
    calendar.rotate(calendar.feed_for(request.user))
    messages.success(
        request,
        "Your calendar has a new address. The old one no longer works: "
        "subscribe again with the new link.",
    )
    return redirect("accounts:home")


@login_required
@require_POST
def rotate_school_feed(request, school_id):
    school = permissions.school_or_404(request.user, school_id, *permissions.MANAGERS)
    calendar.rotate(calendar.feed_for(request.user, school))
    messages.success(request, f"{school.name}'s calendar has a new address.")
    return redirect("accounts:school_dashboard", school.pk)
