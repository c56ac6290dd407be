from html.parser import HTMLParser

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts import roles
from courses.models import CoursePage, CourseRun
from home.templatetags.site_tags import places_label
from tests.factories import accounts, bookings, cast, courses


def test_strand_page_lists_its_courses(client, db):
    strand = courses.strand("Building capacity for inclusion")
    made = [courses.course(f"Inclusion course {n}", strand_page=strand) for n in range(3)]
    html = client.get(strand.url).content.decode()
    for course in made:
        assert course.title in html


def test_course_page_shows_every_upcoming_session_with_venue_and_places(client, db):
    run = courses.run(days=(10, 24, 38), capacity=12)
    html = client.get(run.course.url).content.decode()
    for session in run.sessions.all():
        local = timezone.localtime(session.starts_at)
        assert local.strftime("%a %-d %b %Y") in html
    assert escape(run.venue.name) in html
    assert run.venue.postcode in html
    assert escape(places_label(run.places_left)) in html


def test_online_run_says_live_online_and_never_shows_the_joining_link(client, db):
    run = courses.run(courses.course(format=CoursePage.Format.ONLINE))
    html = client.get(run.course.url).content.decode()
    assert "Live online" in html
    assert run.online_joining_url not in html


def test_cancelled_runs_are_not_offered(client, db):
    run = courses.run()
    run.status = CourseRun.Status.CANCELLED
    run.save()
    html = client.get(run.course.url).content.decode()
    assert f"Ref {run.reference}" not in html


def test_course_page_query_count_is_bounded(client, db, django_assert_max_num_queries):
    course = courses.course()
    for days in (10, 30, 50):
        courses.run(course, days=(days, days + 14))
    with django_assert_max_num_queries(40):
        assert client.get(course.url).status_code == 200


def test_strand_page_cards_show_the_next_date_soonest_first(client, db):
    strand = courses.strand("Using data")
    later = courses.course("Reading the data dashboard", strand_page=strand)
    sooner = courses.course("Attendance data in action", strand_page=strand)
    courses.run(later, days=(30,))
    courses.run(sooner, days=(9,))
    html = client.get(strand.url).content.decode()
    listed = list(CoursePage.listing(CoursePage.objects.child_of(strand).live()))
    assert listed == [sooner, later]
    assert listed[0].next_starts_at <= listed[1].next_starts_at
    assert html.index(escape(listed[0].title)) < html.index(escape(listed[1].title))
    assert timezone.localtime(listed[0].next_starts_at).strftime("%-d %b %Y") in html


def test_strand_page_query_count_does_not_grow_with_its_courses(
    client, db, django_assert_max_num_queries
):
    small = courses.strand("Preparing for inspection")
    big = courses.strand("Improving teaching and learning")
    courses.run(courses.course(strand_page=small))
    for n in range(6):
        courses.run(courses.course(strand_page=big), days=(10 + n, 30 + n))
    client.get("/")  # warm the per-site caches that the first request fills
    with django_assert_max_num_queries(25) as few:
        client.get(small.url)
    with django_assert_max_num_queries(25) as many:
        client.get(big.url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_cross_listed_course_appears_in_both_strands(client, db):
    inclusion = courses.strand("Building capacity for inclusion")
    inspection = courses.strand("Preparing for inspection")
    courses.course(strand_page=inspection)
    course = courses.course("SEND essentials", strand_page=inclusion)
    assert escape(course.title) not in client.get(inspection.url).content.decode()
    course.cross_listed_strands.add(inspection)
    course.save_revision().publish()
    assert escape(course.title) in client.get(inspection.url).content.decode()
    assert escape(course.title) in client.get(inclusion.url).content.decode()


def test_places_left_reads_as_teachers_expect(client, people):
    school, staff = people["school_b"], people["staff"]
    full = courses.run(capacity=2)
    nearly = courses.run(capacity=5)
    bookings.book(full, *accounts.staff_of(school, 2, "full"), school=school, booked_by=staff)
    bookings.book(nearly, *accounts.staff_of(school, 3, "near"), school=school, booked_by=staff)
    assert "Full – join the waiting list" in client.get(full.course.url).content.decode()
    assert "2 places left" in client.get(nearly.course.url).content.decode()
    assert places_label(12) == "12 places" and places_label(1) == "1 place left"


def _json_ld(html):
    import json
    import re

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_course_page_describes_itself_to_search_engines(client, db):
    course = courses.course("SEND essentials for teaching assistants (primary)")
    courses.run(course, days=(12, 26))
    courses.run(course, days=(60,))
    data = _json_ld(client.get(course.url).content.decode())
    assert data["@type"] == "Course" and data["name"] == course.title
    runs = list(course.upcoming_runs())
    assert len(data["hasCourseInstance"]) == len(runs) == 2
    first = data["hasCourseInstance"][0]
    assert first["courseMode"] == "onsite"
    assert first["offers"]["priceCurrency"] == "GBP"
    assert first["location"]["address"]["postalCode"] == runs[0].venue.postcode


def test_course_text_cannot_break_out_of_the_structured_data(client, db):
    course = courses.course()
    course.summary = 'Sneaky </script><script>alert("x")</script>'
    course.save_revision().publish()
    html = client.get(course.url).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert _json_ld(html)["description"] == course.summary


def test_related_courses_come_from_the_same_strand(client, db):
    inclusion = courses.strand("Building capacity for inclusion")
    course = courses.course("SEND essentials", strand_page=inclusion)
    for n in range(2):
        courses.course(f"Inclusion course {n}", strand_page=inclusion)
    courses.course("Elsewhere", strand_page=courses.strand("Using data"))
    related = list(course.related_courses())
    assert related and all(r.strand == course.strand for r in related)
    assert course not in related
    html = client.get(course.url).content.decode()
    assert "Related courses" in html and escape(related[0].title) in html


def test_related_courses_work_on_a_previewed_unsaved_page(db):
    """Preview renders an in-memory copy of the page; its related courses must not crash."""
    assistants = courses.audience()
    course = courses.course(audiences=[assistants])
    courses.course(audiences=[assistants])
    draft = course.get_latest_revision_as_object()
    draft.audiences = list(course.audiences.all())  # as the edit form sets them, unsaved
    related = list(draft.related_courses())
    assert related and course not in related


def test_a_called_off_session_is_marked_cancelled_on_the_course_page(client, db):
    run = courses.run(days=(10, 24))
    off, on = list(run.sessions.all())[:2]
    off.cancelled_at = timezone.now()
    off.save()
    html = client.get(run.course.url).content.decode()
    day = timezone.localtime(off.starts_at).strftime("%a %-d %b %Y")
    struck = f'<del><time datetime="{timezone.localtime(off.starts_at).isoformat()}">{day}</time>'
    assert struck in html
    assert "<strong>Cancelled</strong>" in html
    kept = timezone.localtime(on.starts_at)
    assert f'<li><time datetime="{kept.isoformat()}">' in html


class _FormFields(HTMLParser):
    """Every field a browser would send from the page's main form, with its value as drawn."""

    def __init__(self):
        super().__init__()
        self.fields, self._textarea, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([name, a.get("value", "")])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.fields.append(self._textarea)
        elif tag == "select" and name:
            # A list sends its selected options; a drop-down with none selected, its first.
            self._select = {"name": name, "multiple": "multiple" in a, "first": None, "any": 0}
        elif tag == "option" and self._select is not None:
            select = self._select
            if select["first"] is None:
                select["first"] = a.get("value", "")
            if "selected" in a:
                select["any"] += 1
                self.fields.append([select["name"], a.get("value", "")])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            select, self._select = self._select, None
            if not select["multiple"] and not select["any"] and select["first"] is not None:
                self.fields.append([select["name"], select["first"]])


def test_an_editor_can_preview_a_new_course_page_before_saving_it(client, db):
    """Issue 22: previewing a course page that has never been saved answered 500 (its dates
    were asked for by a page with no id). An editor fills in the add form and previews it."""
    strand = courses.strand()
    client.force_login(cast.officer(roles.MARKETING))
    add = f"/admin/pages/add/courses/coursepage/{strand.pk}/"
    page = client.get(add)
    assert page.status_code == 200
    parser = _FormFields()
    parser.feed(page.content.decode())
    # Not the empty forms Wagtail keeps in <template>s for "Add another".
    data = {name: value for name, value in parser.fields if "__prefix__" not in name}
    data.update(
        title="Phonics for new teachers",
        slug="phonics-for-new-teachers",
        summary="Teaching early reading with systematic synthetic phonics.",
        default_price="150.00",
        cpd_hours="3",
        # The stream fields' blocks are drawn by Wagtail's JavaScript; empty, as a new page's.
        **{"body-count": "0", "learning_outcomes-count": "0"},
    )
    checked = client.post(f"{add}preview/", data)
    assert checked.status_code == 200 and checked.json()["is_valid"], checked.content[:500]
    shown = client.get(f"{add}preview/")
    assert shown.status_code == 200
    assert "Phonics for new teachers" in shown.content.decode()


# -- "At a glance": the next date to book ------------------------------------------------------


def _glance(html):
    """The "At a glance" box's booking part."""
    return html.split('<div class="next-date">')[1].split("</div>")[0]


def test_at_a_glance_offers_to_book_the_soonest_date_with_a_place(client, people):
    school, staff = people["school_b"], people["staff"]
    course = courses.course()
    full = courses.run(course, days=(7,), capacity=1)
    shut = courses.run(course, days=(9,), status=CourseRun.Status.SCHEDULED)
    open_ = courses.run(course, days=(21,))
    courses.run(course, days=(35,))
    bookings.book(full, *accounts.staff_of(school, 1, "full"), school=school, booked_by=staff)
    box = _glance(client.get(course.url).content.decode())
    assert f'href="{reverse("bookings:book", args=[open_.pk])}"' in box
    assert f"({open_.reference})" in box and "Book" in box
    assert f"({full.reference})" not in box and f"({shut.reference})" not in box
    assert "3 other dates" in box


def test_at_a_glance_books_the_same_date_for_a_signed_in_teacher(client, people):
    course = courses.course()
    run = courses.run(course, days=(14,))
    client.force_login(people["teacher_a"])
    box = _glance(client.get(course.url).content.decode())
    assert f"({run.reference})" in box and reverse("bookings:book", args=[run.pk]) in box


def test_at_a_glance_says_when_every_date_is_full_and_offers_the_waiting_list(client, people):
    school, staff = people["school_b"], people["staff"]
    run = courses.run(capacity=1)
    bookings.book(run, *accounts.staff_of(school, 1, "full"), school=school, booked_by=staff)
    box = _glance(client.get(run.course.url).content.decode())
    assert "Every date is full." in box and "Join a waiting list" in box
    assert "/book/" not in box


def test_at_a_glance_says_booking_opens_soon_or_that_there_are_no_dates(client, db):
    scheduled = courses.run(status=CourseRun.Status.SCHEDULED)
    assert "Booking opens soon." in _glance(client.get(scheduled.course.url).content.decode())
    undated = courses.course()
    box = _glance(client.get(undated.url).content.decode())
    assert "No dates yet." in box and "Ask us about this course" in box
