"""Personal data held with bookings: the download includes it, closing an account clears the
needs, and needs are cleared by themselves a week after the course (SECURITY.md)."""

import json
from datetime import timedelta

from django.utils import timezone

from bookings import privacy, tasks
from bookings.models import Enrolment
from bookings.services import BookingRequest, Delegate, book_places
from courses.models import Session
from tests.factories import bookings, courses


def _book(run, people, who="teacher_a", **needs):
    school = people["school_a"]
    school.bookings_need_approval = False
    school.save()
    booking = book_places(
        run.pk,
        BookingRequest(
            school=school,
            booked_by=people[who],
            terms_accepted=True,
            delegates=[Delegate(people[who], **needs)],
        ),
    )
    return booking.enrolments.get()


def _move_run_back(run, days):
    """The run's sessions, `days` earlier than now (update(): no SEQUENCE bump needed)."""
    for session in Session.objects.filter(run=run):
        length = session.ends_at - session.starts_at
        start = timezone.now() - timedelta(days=days)
        Session.objects.filter(pk=session.pk).update(starts_at=start, ends_at=start + length)


def test_the_download_holds_the_persons_places_and_needs(client, open_run, people):
    place = _book(open_run, people, access_needs="Step-free access", dietary_needs="Coeliac")
    client.force_login(people["teacher_a"])
    data = json.loads(client.get("/account/data.json").content)
    (held,) = [p for p in data["places"] if p["run"] == open_run.reference]
    assert held["booking"] == place.booking.reference
    assert held["course"] == open_run.course.title
    assert (held["access_needs"], held["dietary_needs"]) == ("Step-free access", "Coeliac")
    assert held["status"] == "confirmed"
    assert held["sessions"] and held["sessions"][0]["starts_at"]


def test_the_download_names_no_colleague_booked_by_the_person(client, open_run, people, make_user):
    from accounts.models import Membership

    colleague = make_user("colleague.private@oakfield.sch.uk", first_name="Private")
    Membership.objects.create(user=colleague, school=people["school_a"])
    booking = book_places(
        open_run.pk,
        BookingRequest(
            school=people["school_a"],
            booked_by=people["lead_a"],
            terms_accepted=True,
            delegates=[Delegate(colleague, access_needs="Hearing loop")],
        ),
    )
    client.force_login(people["lead_a"])
    body = client.get("/account/data.json").content.decode()
    assert booking.reference in json.loads(body)["bookings_made_for_others"]
    assert "Hearing loop" not in body and "colleague.private" not in body


def test_closing_an_account_clears_the_needs_but_keeps_the_place(client, open_run, people):
    place = _book(open_run, people, access_needs="Wheelchair user", dietary_needs="Halal")
    client.force_login(people["teacher_a"])
    client.post("/account/close/", {"email": "teacher@oakfield.sch.uk"})
    place.refresh_from_db()
    assert (place.access_needs, place.dietary_needs) == ("", "")
    assert place.status == Enrolment.Status.CONFIRMED


def test_needs_are_cleared_a_week_after_the_last_session_and_not_before(open_run, people, settings):
    settings.NEEDS_KEPT_DAYS = 7
    place = _book(open_run, people, access_needs="Large print", dietary_needs="Vegan")
    other = _book(open_run, people, who="lead_a", dietary_needs="Nut allergy")

    assert privacy.clear_needs_after_courses() == 0  # the course is still to come
    _move_run_back(open_run, days=6)
    assert privacy.clear_needs_after_courses() == 0  # ended, but within the week
    _move_run_back(open_run, days=8)
    assert tasks.clear_needs_after_courses() == 2
    for enrolment in (place, other):
        enrolment.refresh_from_db()
        assert (enrolment.access_needs, enrolment.dietary_needs) == ("", "")
    assert place.status == Enrolment.Status.CONFIRMED  # only the needs go
    assert privacy.clear_needs_after_courses() == 0  # and again: nothing more to clear


def test_clearing_needs_leaves_other_runs_alone(open_run, people):
    place = _book(open_run, people, access_needs="Quiet room")
    later = courses.run(days=(60,))
    booking = bookings.book(
        later, people["teacher_b"], school=people["school_b"], booked_by=people["staff"]
    )
    (kept,) = bookings.enrolments(booking)
    Enrolment.objects.filter(pk=kept.pk).update(access_needs="Kept")
    _move_run_back(open_run, days=30)
    privacy.clear_needs_after_courses(now=timezone.now())
    place.refresh_from_db()
    kept.refresh_from_db()
    assert place.access_needs == ""
    assert kept.access_needs == "Kept"  # an upcoming run's needs are still needed


def test_closing_an_account_removes_its_calendar_address(client, people):
    from bookings.models import CalendarFeed

    client.force_login(people["teacher_a"])
    client.get("/account/")  # the account page makes the person's subscription address
    assert CalendarFeed.objects.filter(user=people["teacher_a"]).exists()
    client.post("/account/close/", {"email": "teacher@oakfield.sch.uk"})
    assert not CalendarFeed.objects.filter(user=people["teacher_a"]).exists()
