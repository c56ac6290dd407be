"""Issue 17, item 3: the parts of a course or strand page that are the same for everyone are
kept (core.pagecache.fragment_versions) for signed-in people, whom the page cache cannot
serve; a publish, a changed snippet or a preview shows at once what is new."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from tests import people as via
from tests.factories import courses
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(people):
    courses.home()  # the site's root before the first request, as on a real site
    client = Client()
    via.first_sign_in(client, people["teacher_a"].email, PASSWORD)
    assert client.get("/account/").status_code == 200  # signed in: never sent a stored page
    return client


def _queries(client, url):
    with CaptureQueriesContext(connection) as seen:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(seen.captured_queries)


def _course(title="Phonics for all", strand=None):
    leader = courses.facilitator("Dr Amara Osei", role="Reading lead")
    course = courses.course(
        title, strand_page=strand, facilitators=[leader], audiences=[courses.audience()]
    )
    courses.course(f"{title}: next steps", strand_page=strand, audiences=[courses.audience()])
    courses.run(course, days=(20,))
    return course


def test_a_signed_in_teacher_is_drawn_the_same_course_page_in_fewer_queries(teacher):
    warm = _course("Maths mastery")
    course = _course()
    _queries(teacher, warm.url)  # sessions, site and settings read once, for both pages
    _queries(teacher, warm.url)
    first, asked_first = _queries(teacher, course.url)
    again, asked_again = _queries(teacher, course.url)
    # audiences, phases, subjects, facilitators and the related courses are not asked again
    assert asked_again <= asked_first - 5
    for shown in ("Dr Amara Osei", "Teaching assistants", "Phonics for all: next steps"):
        assert shown in first and shown in again


def test_a_signed_in_teacher_sees_a_publish_at_once(teacher):
    course = _course()
    assert "Dr Amara Osei" in teacher.get(course.url).content.decode()
    draft = course.get_latest_revision_as_object()
    draft.learning_outcomes = [("outcome", "Plan a phonics sequence for Year 1")]
    draft.save_revision().publish()
    assert "Plan a phonics sequence for Year 1" in teacher.get(course.url).content.decode()


def test_a_renamed_facilitator_shows_at_once(teacher):
    course = _course()
    assert "Dr Amara Osei" in teacher.get(course.url).content.decode()
    leader = course.facilitators.get()
    leader.name = "Professor Amara Osei"
    leader.save()
    assert "Professor Amara Osei" in teacher.get(course.url).content.decode()


def test_a_strand_page_is_kept_and_lists_a_new_course_at_once(teacher):
    warm = _course("Maths mastery", strand=courses.strand("Using data"))
    strand = _course().get_parent().specific
    _queries(teacher, warm.get_parent().url)
    _queries(teacher, warm.get_parent().url)
    _, asked_first = _queries(teacher, strand.url)
    _, asked_again = _queries(teacher, strand.url)
    assert asked_again < asked_first  # the list of courses is not asked for again
    newer = courses.course("Early reading for TAs", strand_page=strand)
    html, asked_after = _queries(teacher, strand.url)
    assert escape(newer.title) in html


def test_a_preview_shows_the_draft_not_the_kept_fragment(teacher):
    course = _course()
    teacher.get(course.url)  # the live fragment is kept
    course.learning_outcomes = [("outcome", "Draft outcome nobody may see yet")]
    preview = course.make_preview_request()
    assert "Draft outcome nobody may see yet" in preview.content.decode()
    assert "Draft outcome nobody may see yet" not in teacher.get(course.url).content.decode()


def test_a_kept_course_page_asks_nothing_for_its_related_courses(teacher):
    """The related courses are found inside the kept fragment, so a kept copy reads neither the
    course's audiences nor its siblings."""
    course = _course()
    teacher.get(course.url)
    with CaptureQueriesContext(connection) as seen:
        again = teacher.get(course.url).content.decode()
    assert "Phonics for all: next steps" in again
    asked = [q["sql"] for q in seen.captured_queries]
    assert not [sql for sql in asked if "audience" in sql], asked
