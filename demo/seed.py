"""Builds the demo: the site's pages (`pages`), the programme with its runs (`catalogue`),
schools and people (`people`), packages and accounts (`billing`), and booked places and past
courses (`bookings`), each made through its app's own models and services.

Idempotent: every object is found by a natural key (slug under its parent, run reference,
email, URN) and created only when missing, so editors' changes survive a re-run."""

from django.db import transaction

from courses.models import CoursePage, CourseRun, StrandPage

from . import billing, bookings, catalogue, pages, people


def seed_demo(*, stdout=None, history=False):
    """The programme, schools and people; with `history`, also a few past runs with their
    registers, evaluations and certificates (for `make run`; the test suite's shared demo
    stays all in the future)."""
    say = (lambda msg: stdout.write(msg)) if stdout else (lambda msg: None)
    with transaction.atomic():
        home = pages.home_page()
        pages.site_settings(home)
        programme, created_runs = catalogue.programme(home)
        pages.news(home)
        pages.about_and_enquiry(home)
        pages.booking_terms(home)
        catalogue.course_workflow(programme)
        people.schools()
        people.staff_groups()
        people.users()
        billing.seed_billing()  # before the fills, so they are priced and invoiced by it
        people.groups()  # the consortium comes from billing
        filled = bookings.fill_some_runs()
        bookings.oakfield_buys_as_a_group()  # a reservation and a group on a waiting list
        billing.invoice_demo_statements()
        if history:
            bookings.after_the_course()
    say(
        f"Demo programme ready: {StrandPage.objects.count()} strands, "
        f"{CoursePage.objects.count()} courses, {CourseRun.objects.count()} runs "
        f"({created_runs} new); {filled} runs filled or nearly full."
    )
