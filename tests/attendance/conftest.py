"""Past runs to take registers on, the people who take them, and places booked the only way
places are booked (book_places)."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from bookings.models import Booking, Enrolment
from bookings.services import BookingRequest, Delegate, book_places
from courses.models import CoursePage, CourseRun, Facilitator, Session, Venue

_references = itertools.count(1)


@pytest.fixture
def officer(demo):
    """A bookings officer (Bookings officers group: bookings.change_enrolment)."""
    from accounts.models import User

    return User.objects.get(email="bookings@example.gov.uk")


@pytest.fixture
def facilitator(demo):
    """Sarah Whitfield: the demo's facilitator login, leading the inclusion courses."""
    from accounts.models import User

    user = User.objects.get(email="facilitator@example.gov.uk")
    Facilitator.objects.filter(name="Sarah Whitfield").update(user=user)
    return user


@pytest.fixture
def other_facilitator(demo, make_user):
    """A facilitator with a staff login who leads other courses (Ruth Calloway's)."""
    user = make_user("ruth.calloway@example.gov.uk", is_staff=True)
    Facilitator.objects.filter(name="Ruth Calloway").update(user=user)
    return user


@pytest.fixture
def sarahs_course(demo):
    return CoursePage.objects.get(slug="send-essentials-for-teaching-assistants-primary")


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
            venue=Venue.objects.order_by("name").first(),
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


@pytest.fixture(autouse=True)
def _demo_programme(demo):
    """Tests here still look up the demo programme's courses, runs or people; not yet ported
    to tests/factories (issue 18)."""
