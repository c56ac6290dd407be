"""Issue 17, item 3: a page is found by its URL path in a fixed number of queries, however
deep it sits (Wagtail walks the tree two queries a level), and the shortcut answers exactly
as Wagtail's routing does: live pages only, moved pages at their new address, drafts 404."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from tests.factories import courses as catalogue

pytestmark = pytest.mark.django_db


def route(path):
    request = RequestFactory().get(path, HTTP_HOST="localhost")
    with CaptureQueriesContext(connection) as queries:
        result = Page.route_for_request(request, path)
    return (result[0] if result else None), len(queries.captured_queries)


def test_a_course_page_three_levels_down_is_found_in_four_queries():
    course = catalogue.course("Phonics for all")
    page, queries = route(course.url)
    assert page == course
    assert type(page).__name__ == "CoursePage"  # the specific page, as Wagtail gives
    # The site, its root, the path looked up, the specific row; level by level it was nine.
    assert queries <= 4


def test_a_strand_and_the_programme_are_found_too():
    course = catalogue.course()
    strand = course.get_parent().specific
    assert route(strand.url)[0] == strand
    assert route(strand.get_parent().url)[0] == strand.get_parent().specific


def test_an_unpublished_page_is_not_found(client):
    course = catalogue.course()
    url = course.url
    course.unpublish()
    assert route(url)[0] is None
    assert client.get(url).status_code == 404


def test_a_moved_page_answers_at_its_new_address_only(client):
    course = catalogue.course()
    old_url = course.url
    other = catalogue.strand("Using data")
    course.move(other, pos="last-child")
    course.refresh_from_db()
    assert course.url != old_url
    assert route(old_url)[0] is None
    assert route(course.url)[0] == course
    assert client.get(course.url).status_code == 200
    moved = client.get(old_url)  # Wagtail's redirects app sends the old address on
    assert (moved.status_code, moved["Location"]) == (301, course.url)


def test_an_unknown_address_is_wagtails_404(client):
    course = catalogue.course()
    assert route(course.url + "nothing-here/")[0] is None
    assert client.get(course.url + "nothing-here/").status_code == 404
