"""Past runs to take registers on, the courses they are runs of, the people who take them, and
places booked the only way places are booked (book_places); all built with tests/factories."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from accounts import roles
from bookings.models import Booking, Enrolment
from bookings.services import BookingRequest, Delegate, book_places
from courses.models import CoursePage, CourseRun, Facilitator, Session
from tests.factories import accounts, courses

_references = itertools.count(1)


@pytest.fixture
def officer(db):
    """A bookings officer (Bookings officers group: bookings.change_enrolment)."""
    return accounts.staff(
        "bookings@example.gov.uk", roles.BOOKINGS, first_name="Bea", last_name="Bookings"
    )


@pytest.fixture
def leaders(db):
    """The facilitators who lead the courses here, by name (no logins yet)."""
    return {
        name: courses.facilitator(name)
        for name in ("Sarah Whitfield", "Ruth Calloway", "Priya Raman")
    }


@pytest.fixture
def facilitator(leaders):
    """Sarah Whitfield's staff login (Facilitators group); she leads the inclusion course."""
    user = accounts.staff(
        "facilitator@example.gov.uk", roles.FACILITATORS, first_name="Sarah", last_name="Whitfield"
    )
    Facilitator.objects.filter(name="Sarah Whitfield").update(user=user)
    return user


@pytest.fixture
def other_facilitator(leaders, make_user):
    """A facilitator with a staff login who leads other courses (Ruth Calloway's)."""
    user = make_user("ruth.calloway@example.gov.uk", is_staff=True)
    Facilitator.objects.filter(name="Ruth Calloway").update(user=user)
    return user


@pytest.fixture
def sarahs_course(leaders):
    """A four-hour course in the inclusion strand at £95 a place, led by Sarah Whitfield."""
    return courses.course(
        "SEND essentials for teaching assistants in primary schools",
        slug="send-essentials-for-teaching-assistants-primary",
        strand_page=courses.strand("Building capacity for inclusion", slug="inclusion"),
        price="95.00",
        cpd_hours=4,
        facilitators=[leaders["Sarah Whitfield"]],
    )


@pytest.fixture
def ruths_course(leaders):
    """A four-hour course in the teaching-and-learning strand, led by Ruth Calloway."""
    return courses.course(
        "Adaptive teaching in practice",
        slug="adaptive-teaching-in-practice",
        strand_page=courses.strand("Improving teaching and learning"),
        price="110.00",
        cpd_hours=4,
        facilitators=[leaders["Ruth Calloway"]],
    )


@pytest.fixture
def data_course(leaders):
    """A three-hour course in the using-data strand, led by Priya Raman."""
    return courses.course(
        "Making sense of FFT Aspire and Analyse School Performance data",
        slug="fft-aspire-and-analyse-school-performance",
        strand_page=courses.strand("Using data"),
        price="95.00",
        cpd_hours=3,
        facilitators=[leaders["Priya Raman"]],
    )


@pytest.fixture
def make_run(sarahs_course):
    """A run whose sessions started `days_ago` days back (0: an hour ago, today), by default
    of a course Sarah leads. `rule` sets the course's attendance rule: "all" or a minimum."""

    def make(days_ago=(0,), course=None, rule="all", capacity=20):
        course = course or sarahs_course
        if rule == "all":
            CoursePage.objects.filter(pk=course.pk).update(
                attendance_rule="all", min_sessions_attended=None
            )
        else:
            CoursePage.objects.filter(pk=course.pk).update(
                attendance_rule="at_least", min_sessions_attended=rule
            )
        run = CourseRun.objects.create(
            course=CoursePage.objects.get(pk=course.pk),
            reference=f"TEST-{next(_references)}",
            capacity=capacity,
            status=CourseRun.Status.CLOSED,
            venue=courses.venue(),
        )
        now = timezone.now()
        for days in sorted(days_ago, reverse=True):
            start = now - dt.timedelta(days=days, hours=1)
            if days == 0 and timezone.localdate(start) != timezone.localdate(now):
                # just after midnight "an hour ago" is yesterday; today's session starts at 00:00
                start = timezone.make_aware(
                    dt.datetime.combine(timezone.localdate(now), dt.time(0, 0))
                )
            Session.objects.create(run=run, starts_at=start, ends_at=start + dt.timedelta(hours=3))
        return run

    return make


@pytest.fixture
def book(people):
    """Book these people (members of `school`) on a run, as a phone booking by the CPD team."""

    def make(run, *delegates, school=None):
        booking = book_places(
            run.pk,
            BookingRequest(
                school=school or people["school_a"],
                booked_by=people["staff"],
                delegates=[Delegate(d) for d in delegates],
                source=Booking.Source.PHONE,
                notify=False,
            ),
        )
        enrolments = list(booking.enrolments.order_by("pk"))
        return enrolments[0] if len(enrolments) == 1 else enrolments

    return make


@pytest.fixture
def mark_all(facilitator):
    """Mark each enrolment at every held session: present True/False, or per session."""
    from bookings.attendance import held_sessions, mark_attendance

    def mark(run, marks, by=None):
        sessions = held_sessions(run)
        for enrolment, present in marks.items():
            per_session = (
                present if isinstance(present, (list, tuple)) else [present] * len(sessions)
            )
            for session, here in zip(sessions, per_session, strict=True):
                mark_attendance(session.pk, enrolment.pk, present=here, by=by or facilitator)

    return mark


@pytest.fixture
def attended(make_run, book, mark_all, people, facilitator):
    """Tom Teacher's place on yesterday's one-session run: he came, and the register is closed."""
    from bookings.attendance import close_register

    run = make_run(days_ago=(1,))
    enrolment = book(run, people["teacher_a"])
    mark_all(run, {enrolment: True})
    close_register(run.pk, by=facilitator)
    return Enrolment.objects.get(pk=enrolment.pk)


def refresh(enrolment):
    return Enrolment.objects.get(pk=enrolment.pk)
