"""The anonymous page cache (core.pagecache): what is stored, who gets it, and that every
change a visitor must see (places, publishing) reaches the very next request."""

import json
import re
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from wagtail.contrib.frontend_cache.backends import HTTPBackend
from wagtail.contrib.frontend_cache.utils import get_backends

from bookings.services import BookingRequest, Delegate, book_places
from config.settings.base import frontend_cache
from courses.models import CoursePage
from home.models import HomePage
from tests.factories import courses
from tests.factories import home as pages

from .test_settings import PRODUCTION_ENV, _run


@pytest.fixture
def run(db):
    """A bookable run with four places, on a course page of its own."""
    return courses.run(capacity=4)


def row_of(response, run):
    """The course page's table row for one run (a page lists several)."""
    html = response.content.decode()
    match = re.search(rf"Ref {re.escape(run.reference)}.*?</tr>", html, re.S)
    assert match, f"no row for {run.reference}"
    return match.group(0)


def test_a_second_anonymous_get_is_served_from_the_cache_without_a_query(
    client, run, django_assert_num_queries
):
    url = run.course.url
    first = client.get(url)
    assert first.status_code == 200
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Cache-Control"] == first["Cache-Control"]
    assert "Set-Cookie" not in second


def test_each_query_string_is_its_own_entry(client, run):
    url = run.course.url
    client.get(url)
    assert client.get(url + "?utm_source=newsletter")["X-Page-Cache"] == "miss"
    assert client.get(url + "?utm_source=newsletter")["X-Page-Cache"] == "hit"


def test_a_booking_changes_places_left_on_the_very_next_anonymous_get(client, run, people):
    url = run.course.url
    client.get(url)
    assert "4 places left" in row_of(client.get(url), run)

    book_places(
        run.pk,
        BookingRequest(
            school=people["school_a"],
            booked_by=people["lead_a"],
            delegates=[Delegate(people["teacher_a"])],
            terms_accepted=True,
        ),
    )

    after = client.get(url)
    assert after["X-Page-Cache"] == "miss"
    assert "3 places left" in row_of(after, run)
    # and every query string of that page, not only the bare URL
    assert "3 places left" in row_of(client.get(url + "?from=finder"), run)


def test_a_cancellation_frees_the_place_on_the_next_get(client, run, people):
    from bookings.services import cancel_enrolment

    booking = book_places(
        run.pk,
        BookingRequest(
            school=people["school_a"],
            booked_by=people["lead_a"],
            delegates=[Delegate(people["teacher_a"])],
            terms_accepted=True,
        ),
    )
    url = run.course.url
    client.get(url)
    assert "3 places left" in row_of(client.get(url), run)
    cancel_enrolment(booking.enrolments.get().pk, by=people["lead_a"])
    assert "4 places left" in row_of(client.get(url), run)


def test_a_run_change_is_seen_on_the_course_and_home_pages(client, run):
    home, course = "/", run.course.url
    client.get(home), client.get(course)
    run.capacity = 9
    run.save()
    assert "9 places" in row_of(client.get(course), run)
    assert client.get(home)["X-Page-Cache"] == "miss"


def test_a_page_rendered_before_a_booking_and_stored_after_it_is_never_served(client, run, people):
    """The race a plain delete loses: the page counts places, a booking commits and purges,
    then the page is stored. It is stored under the version it read, which nobody asks for."""
    original = CoursePage.get_context

    def count_then_someone_books(self, request, *args, **kwargs):
        context = original(self, request, *args, **kwargs)
        book_places(
            run.pk,
            BookingRequest(
                school=people["school_a"],
                booked_by=people["lead_a"],
                delegates=[Delegate(people["teacher_a"])],
                terms_accepted=True,
            ),
        )
        return context

    with mock.patch.object(CoursePage, "get_context", count_then_someone_books):
        stale = client.get(run.course.url)
    assert "4 places left" in row_of(stale, run)

    fresh = client.get(run.course.url)
    assert fresh["X-Page-Cache"] == "miss"
    assert "3 places left" in row_of(fresh, run)


def test_publishing_shows_the_new_title_at_once_everywhere(client, run):
    course = CoursePage.objects.get(pk=run.course_id)
    strand_url = course.get_parent().url
    client.get(course.url), client.get(strand_url)
    assert client.get(strand_url)["X-Page-Cache"] == "hit"

    course.title = "Phonics for the whole school, renamed"
    course.save_revision().publish()

    assert "Phonics for the whole school, renamed" in client.get(course.url).content.decode()
    # the strand lists it: cached pages other than the published one are forgotten too
    assert "Phonics for the whole school, renamed" in client.get(strand_url).content.decode()


def test_an_unpublished_page_is_not_served_from_the_cache(client, run):
    course = CoursePage.objects.get(pk=run.course_id)
    url = course.url
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    course.unpublish()
    assert client.get(url).status_code == 404


def test_a_signed_in_teacher_never_gets_the_anonymous_copy(client, run, people):
    url = run.course.url
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    teacher = Client()
    teacher.force_login(people["teacher_a"])
    response = teacher.get(url)
    school_price = f"{people['school_a'].name}'s price"
    assert school_price in response.content.decode()
    assert "X-Page-Cache" not in response
    assert response["Cache-Control"] == "private, no-cache"


def test_a_signed_in_teachers_page_is_never_stored_for_anyone_else(client, run, people):
    url = run.course.url
    teacher = Client()
    teacher.force_login(people["teacher_a"])
    teacher.get(url)
    teacher.get(url)

    anonymous = client.get(url)
    assert anonymous["X-Page-Cache"] == "miss"
    assert people["school_a"].name not in anonymous.content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"
    assert people["school_a"].name not in client.get(url).content.decode()


def test_a_preview_is_never_stored_nor_answered_from_the_cache(client, run):
    course = CoursePage.objects.get(pk=run.course_id)
    # Wagtail's preview renders through the middleware at the page's own URL and host
    full = urlsplit(course.full_url)

    def live():
        return client.get(full.path, HTTP_HOST=full.netloc, secure=full.scheme == "https")

    live()
    assert live()["X-Page-Cache"] == "hit"  # the live page is stored under the preview's key

    course.title = "Draft title nobody may see"
    preview = course.make_preview_request()
    assert "Draft title nobody may see" in preview.content.decode()  # not the stored page
    assert "X-Page-Cache" not in preview

    after = live()
    assert "Draft title nobody may see" not in after.content.decode()
    assert after["X-Page-Cache"] == "hit"


def test_a_page_printing_a_csrf_token_is_not_stored(client, db):
    form_page = pages.enquiry_form()
    first = client.get(form_page.url)
    assert first.status_code == 200
    assert "csrfmiddlewaretoken" in first.content.decode()
    assert "X-Page-Cache" not in first
    assert first["Cache-Control"] == "private, no-cache"
    assert "X-Page-Cache" not in client.get(form_page.url)


def test_a_visitor_with_a_session_cookie_is_not_sent_the_stored_page(client, run):
    url = run.course.url
    client.get(url)
    client.cookies["sessionid"] = "whatever-it-holds"
    assert "X-Page-Cache" not in client.get(url)


def test_non_page_urls_are_left_alone(client, site):
    response = client.get("/courses/")
    assert "X-Page-Cache" not in response


def test_live_pages_are_public_for_seconds_and_others_for_minutes(client, run, settings):
    course = client.get(run.course.url)
    assert course["Cache-Control"] == "public, max-age=5, s-maxage=5"
    assert "Cookie" in course["Vary"]  # a CDN keeps signed-in visitors apart
    news = client.get(pages.news_index().url)
    assert news["Cache-Control"] == "public, max-age=60, s-maxage=600"


def test_the_page_cache_can_be_switched_off(client, run, settings):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "ENABLED": False}
    client.get(run.course.url)
    assert "X-Page-Cache" not in client.get(run.course.url)


def test_a_cache_that_is_down_means_rendered_pages(client, run):
    with mock.patch("core.pagecache.cache.get_many", side_effect=ConnectionError("down")):
        response = client.get(run.course.url)
    assert response.status_code == 200
    assert "X-Page-Cache" not in response


# --- the CDN: wagtail.contrib.frontend_cache from the environment -----------------------------


def test_no_frontend_cache_without_its_variables():
    assert frontend_cache({}) is None


def test_an_http_purge_endpoint_from_the_environment():
    config = frontend_cache(
        {"FRONTEND_CACHE_URL": "http://varnish:6081", "FRONTEND_CACHE_HOSTNAMES": "cpd.example"}
    )
    backends = get_backends(config)
    assert isinstance(backends["http"], HTTPBackend)
    assert backends["http"].invalidates_hostname("cpd.example")
    assert not backends["http"].invalidates_hostname("elsewhere.example")


def test_cloudflare_from_the_environment_and_a_half_configuration_refused():
    config = frontend_cache({"CLOUDFLARE_API_TOKEN": "t0ken", "CLOUDFLARE_ZONE_ID": "z1"})
    backend = get_backends(config)["cloudflare"]
    assert (backend.cloudflare_token, backend.cloudflare_zoneid) == ("t0ken", "z1")
    with pytest.raises(ImproperlyConfigured, match="CLOUDFLARE_ZONE_ID"):
        frontend_cache({"CLOUDFLARE_API_TOKEN": "t0ken"})


def test_publishing_purges_the_page_and_the_pages_listing_it_at_the_cdn(run, settings):
    settings.WAGTAILFRONTENDCACHE = frontend_cache({"FRONTEND_CACHE_URL": "http://varnish:6081"})
    course = CoursePage.objects.get(pk=run.course_id)
    strand, home = course.get_parent(), HomePage.objects.get()
    with mock.patch.object(HTTPBackend, "purge") as purge:
        course.title = "Renamed for the CDN"
        course.save_revision().publish()
    purged = {call.args[0] for call in purge.call_args_list}
    assert course.full_url in purged
    assert strand.full_url in purged and home.full_url in purged


def test_no_purge_is_attempted_without_a_frontend_cache(run, settings):
    settings.WAGTAILFRONTENDCACHE = None
    course = CoursePage.objects.get(pk=run.course_id)
    with mock.patch.object(HTTPBackend, "purge") as purge:
        course.save_revision().publish()
    purge.assert_not_called()


# --- static files ----------------------------------------------------------------------------


def test_production_serves_static_files_hashed_and_compressed_through_whitenoise():
    code = (
        "import json, django; django.setup(); from django.conf import settings;"
        "print(json.dumps({'storage': settings.STORAGES['staticfiles']['BACKEND'],"
        " 'middleware': settings.MIDDLEWARE}))"
    )
    result = _run("config.settings.production", PRODUCTION_ENV, code=code)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    middleware = found["middleware"]
    # whitenoise answers static files before anything else looks at the request
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") < middleware.index(
        "core.pagecache.PageCacheMiddleware"
    )
