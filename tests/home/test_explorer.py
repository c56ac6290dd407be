"""The page explorer's programme columns: a course page's strand and next run, a strand's own
name and the next run among its courses, from one listing query however many pages it shows."""

import re
from html import unescape

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from courses.models import CoursePage, CourseRun, ProgrammePage, StrandPage


def explore(client, page, who="editor", **params):
    client.force_login(User.objects.get(email=f"{who}@example.gov.uk"))
    response = client.get(f"/admin/pages/{page.pk}/", params)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def row_for(html, title):
    rows = re.findall(r"<tr\b.*?</tr>", html)
    (row,) = [r for r in rows if f">{title}<" in r or f"{title} " in r]
    return row


def next_run_of(courses):
    """The soonest upcoming run's first session, by the course page's own helper."""
    starts = [r.first_starts_at for c in courses for r in c.upcoming_runs()[:1]]
    return min(starts) if starts else None


def shown(when):
    return timezone.localtime(when).strftime("%a %-d %b %Y")


def test_a_strands_courses_show_the_strand_and_their_next_run(client, demo):
    strand = StrandPage.objects.get(title="Using data")
    html = explore(client, strand)
    assert re.search(r"<th[^>]*>.*?Strand.*?</th>", html)
    assert re.search(r"<th[^>]*>.*?Next run.*?</th>", html)
    courses = CoursePage.objects.child_of(strand)
    assert courses.count() >= 2
    for course in courses:
        row = row_for(html, course.title)
        assert "Using data" in row
        expected = next_run_of([course])
        assert (shown(expected) if expected else "None scheduled") in row


def test_a_cancelled_run_is_not_the_next_run(client, demo):
    strand = StrandPage.objects.get(title="Using data")
    course = next(c for c in CoursePage.objects.child_of(strand) if c.upcoming_runs().count() >= 2)
    first, second = course.upcoming_runs()[:2]
    CourseRun.objects.filter(pk=first.pk).update(status=CourseRun.Status.CANCELLED)
    row = row_for(explore(client, strand), course.title)
    assert shown(second.first_starts_at) in row
    if shown(first.first_starts_at) != shown(second.first_starts_at):
        assert shown(first.first_starts_at) not in row


def test_the_programme_lists_each_strand_with_the_next_run_among_its_courses(client, demo):
    html = explore(client, ProgrammePage.objects.get())
    for strand in StrandPage.objects.all():
        row = row_for(html, strand.title)
        assert row.count(strand.title) >= 2  # the title column and the strand column
        expected = next_run_of(CoursePage.objects.child_of(strand))
        assert shown(expected) in row


def test_searching_across_strands_still_names_each_courses_strand(client, demo):
    course = CoursePage.objects.get(
        title="SEND essentials for teaching assistants in primary schools"
    )
    strand = course.get_parent()
    html = explore(client, strand, q="SEND essentials")
    assert strand.title in row_for(html, course.title)


def test_explorer_queries_do_not_grow_with_the_number_of_courses(client, demo):
    fewest, most = StrandPage.objects.all()[:2]
    for course in CoursePage.objects.child_of(fewest)[:5]:
        course.move(most, pos="last-child")
    fewest.refresh_from_db()
    most.refresh_from_db()
    assert most.get_children().count() >= fewest.get_children().count() + 8
    # As the superuser: for an editor without publish rights Wagtail itself checks each row's
    # live descendants before offering "Delete", which is not what this test measures.
    explore(client, fewest, who="admin")  # warm caches (content types, site root paths)
    counts = []
    for strand in (fewest, most):
        with CaptureQueriesContext(connection) as queries:
            explore(client, strand, who="admin")
        counts.append(len(queries))
    assert counts[0] == counts[1]
