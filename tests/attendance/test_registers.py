"""Registers: who takes them, one tap per person per session, walk-ins through book_places,
and closing by the course's rule (every session, or at least N of M)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Membership, User
from bookings import attendance
from bookings.models import (
    Attendance,
    Booking,
    Enrolment,
    EnrolmentEvent,
    RegisterClosure,
)
from bookings.services import BookingRefused
from bookings.signals import register_closed
from core.models import SentEmail
from courses.models import CoursePage, CourseRun, Facilitator, Session
from tests.forms import assert_errors_are_clear

from .conftest import refresh


def _statuses(*enrolments):
    return [refresh(e).status for e in enrolments]


# --- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "held", "present", "attended"),
    [
        ("all", 3, 3, True),
        ("all", 3, 2, False),
        ("all", 1, 0, False),
        (2, 3, 2, True),
        (2, 3, 1, False),
        (3, 2, 2, True),  # a session called off: the minimum is capped at the sessions held
        (3, 2, 1, False),
        ("all", 0, 0, False),
    ],
)
def test_counts_as_attended_follows_the_courses_rule(rule, held, present, attended):
    course = SimpleNamespace(
        attendance_rule="all" if rule == "all" else "at_least",
        min_sessions_attended=None if rule == "all" else rule,
    )
    assert attendance.counts_as_attended(course, held, present) is attended


def test_all_sessions_rule_makes_a_one_session_miss_a_no_show(make_run, book, mark_all, people):
    run = make_run(days_ago=(14, 7, 0))
    tom, chloe = book(run, people["teacher_a"], people["lead_a"])
    mark_all(run, {tom: True, chloe: [True, False, True]})
    attendance.close_register(run.pk, by=people["staff"])
    assert _statuses(tom, chloe) == ["attended", "no_show"]


def test_at_least_two_of_three_counts_two_and_not_one(make_run, book, mark_all, people):
    run = make_run(days_ago=(14, 7, 0), rule=2)
    tom, chloe = book(run, people["teacher_a"], people["lead_a"])
    mark_all(run, {tom: [True, False, True], chloe: [False, False, True]})
    attendance.close_register(run.pk, by=people["staff"])
    assert _statuses(tom, chloe) == ["attended", "no_show"]


def test_a_called_off_session_needs_no_marks_and_does_not_count(
    make_run, book, mark_all, people, facilitator
):
    run = make_run(days_ago=(14, 7, 0), rule=3)
    called_off = run.sessions.order_by("starts_at")[1]
    called_off.cancelled_at = timezone.now()
    called_off.save()
    tom = book(run, people["teacher_a"])
    mark_all(run, {tom: True})  # the two sessions held
    with pytest.raises(BookingRefused, match="called off"):
        attendance.mark_attendance(called_off.pk, tom.pk, present=True, by=facilitator)
    attendance.close_register(run.pk, by=facilitator)
    assert _statuses(tom) == ["attended"]


# --- closing -------------------------------------------------------------------------------------


def test_closing_refuses_while_anyone_is_unmarked_and_changes_nothing(
    make_run, book, mark_all, people, facilitator
):
    run = make_run(days_ago=(7, 0))
    tom, chloe = book(run, people["teacher_a"], people["lead_a"])
    mark_all(run, {tom: True})
    with pytest.raises(BookingRefused, match="Not yet marked: Chloe Lead"):
        attendance.close_register(run.pk, by=facilitator)
    assert _statuses(tom, chloe) == ["confirmed", "confirmed"]
    assert not RegisterClosure.objects.filter(run=run).exists()
    assert mail.outbox == []


def test_closing_waits_for_the_last_session_to_start(make_run, book, people, facilitator):
    run = make_run(days_ago=(0,))
    Session.objects.create(
        run=run,
        starts_at=timezone.now() + dt.timedelta(days=7),
        ends_at=timezone.now() + dt.timedelta(days=7, hours=3),
    )
    book(run, people["teacher_a"])
    with pytest.raises(BookingRefused, match="close the register once it has started"):
        attendance.close_register(run.pk, by=facilitator)


def test_closing_records_outcomes_and_tells_each_schools_cpd_lead_of_no_shows_once(
    make_run, book, mark_all, people, facilitator, django_capture_on_commit_callbacks
):
    run = make_run(days_ago=(0,))
    tom, absent_a = book(run, people["teacher_a"], people["finance_a"])
    came_b = book(run, people["teacher_b"], school=people["school_b"])
    mark_all(run, {tom: True, absent_a: False, came_b: True})
    with django_capture_on_commit_callbacks(execute=True):
        closure = attendance.close_register(run.pk, by=facilitator)
    assert (closure.attended, closure.no_shows) == (2, 1)
    assert _statuses(tom, absent_a, came_b) == ["attended", "no_show", "attended"]
    event = EnrolmentEvent.objects.filter(enrolment=absent_a).last()
    assert (event.from_status, event.to_status, event.actor) == (
        "confirmed",
        "no_show",
        facilitator,
    )
    assert event.note == "Register closed: present at 0 of 1"

    # One email, to school A's CPD lead, naming the no-show; school B had none.
    notices = [m for m in mail.outbox if m.subject.startswith("[CPD] Did not attend")]
    assert [m.to for m in notices] == [["cpdlead@oakfield.sch.uk"]]
    assert "Frank Finance" in notices[0].body and "Tom Teacher" not in notices[0].body
    assert "Frank Finance" in notices[0].alternatives[0][0]
    from bookings import tasks

    tasks.send_no_show_notices(run.pk)  # a re-delivered task
    assert len([m for m in mail.outbox if m.subject.startswith("[CPD] Did not attend")]) == 1


def test_closing_tells_billing_which_places_are_no_shows_after_commit(
    make_run, book, mark_all, people, facilitator, django_capture_on_commit_callbacks
):
    run = make_run(days_ago=(0,))
    tom, frank = book(run, people["teacher_a"], people["finance_a"])
    mark_all(run, {tom: True, frank: False})
    heard = []

    def listener(sender, run, enrolment_ids, **kwargs):
        heard.append((run.pk, enrolment_ids))

    register_closed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            attendance.close_register(run.pk, by=facilitator)
            assert heard == []  # not before the commit
        # The CPD lead's email is a Celery task, published on commit, never sent inline.
        assert mail.outbox == []
        for callback in callbacks:
            callback()
    finally:
        register_closed.disconnect(listener)
    assert heard == [(run.pk, [frank.pk])]
    assert refresh(frank).charge_waived is False  # the charge flag: no_show, not waived
    assert [m.to for m in mail.outbox if "Did not attend" in m.subject] == [
        ["cpdlead@oakfield.sch.uk"]
    ]


def test_billing_charges_a_no_show_by_the_course_until_the_charge_is_waived(
    make_run, book, mark_all, people, facilitator, officer
):
    from billing.services import percent_of
    from bookings.charges import charge_due

    run = make_run(days_ago=(0,))
    CoursePage.objects.filter(pk=run.course_id).update(no_show_charge_percent=50)
    tom, frank = book(run, people["teacher_a"], people["finance_a"])
    mark_all(run, {tom: True, frank: False})
    attendance.close_register(run.pk, by=facilitator, notify=False)
    frank, tom = refresh(frank), refresh(tom)
    assert frank.price > 0
    assert charge_due(frank) == percent_of(frank.price, 50)
    assert charge_due(tom) == tom.price
    attendance.waive_no_show_charge(frank.pk, by=officer, reason="Snow")
    assert charge_due(refresh(frank)) == 0


def test_a_closed_register_cannot_be_closed_again_or_marked(
    make_run, book, mark_all, people, facilitator
):
    run = make_run(days_ago=(0,))
    tom = book(run, people["teacher_a"])
    mark_all(run, {tom: True})
    attendance.close_register(run.pk, by=facilitator)
    with pytest.raises(BookingRefused, match="already closed"):
        attendance.close_register(run.pk, by=facilitator)
    session = run.sessions.get()
    with pytest.raises(BookingRefused, match="closed"):
        attendance.mark_attendance(session.pk, tom.pk, present=False, by=facilitator)
    assert Attendance.objects.get(enrolment=tom).present is True


def test_the_close_button_shows_the_refusal_and_writes_nothing(
    client, make_run, book, people, facilitator
):
    run = make_run(days_ago=(0,))
    tom = book(run, people["teacher_a"])
    client.force_login(facilitator)
    response = client.post(f"/registers/{run.pk}/close/", follow=True)
    assert "Not yet marked: Tom Teacher" in response.content.decode()
    assert refresh(tom).status == "confirmed"


# --- marking -------------------------------------------------------------------------------------


def test_a_tap_marks_and_a_second_tap_changes_the_mark(client, make_run, book, people, facilitator):
    run = make_run(days_ago=(0,))
    tom = book(run, people["teacher_a"])
    session = run.sessions.get()
    client.force_login(facilitator)
    url = f"/registers/{run.pk}/session/{session.pk}/mark/"
    response = client.post(url, {"enrolment": tom.pk, "present": "yes"})
    assert response.status_code == 302 and response["Location"].endswith(f"#place-{tom.pk}")
    response = client.post(
        url, {"enrolment": tom.pk, "present": "no"}, headers={"accept": "application/json"}
    )
    assert response.json() == {"present": False}
    mark = Attendance.objects.get(enrolment=tom, session=session)
    assert (mark.present, mark.marked_by) == (False, facilitator)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"enrolment": "abc", "present": "yes"}, "Choose a person on the register."),
        ({"present": "yes"}, "Choose a person on the register."),
        ({"enrolment": "PK", "present": "maybe"}, "Choose present or absent."),
        ({"enrolment": "999999", "present": "yes"}, "That person is not on this register."),
    ],
)
def test_marking_answers_bad_input_with_a_message_and_writes_nothing(
    client, make_run, book, people, facilitator, data, message
):
    run = make_run(days_ago=(0,))
    tom = book(run, people["teacher_a"])
    session = run.sessions.get()
    client.force_login(facilitator)
    data = {k: (str(tom.pk) if v == "PK" else v) for k, v in data.items()}
    url = f"/registers/{run.pk}/session/{session.pk}/mark/"
    response = client.post(url, data, headers={"accept": "application/json"})
    assert response.status_code == 400 and response.json() == {"error": message}
    response = client.post(url, data, follow=True)
    assert message in response.content.decode()
    assert not Attendance.objects.exists()


def test_only_places_on_this_run_that_hold_a_place_can_be_marked(
    make_run, book, people, facilitator
):
    run, other = make_run(days_ago=(0,)), make_run(days_ago=(0,))
    elsewhere = book(other, people["teacher_a"])
    cancelled = book(run, people["lead_a"])
    Enrolment.objects.filter(pk=cancelled.pk).update(
        status="cancelled", cancelled_at=timezone.now()
    )
    session = run.sessions.get()
    for enrolment in (elsewhere, cancelled):
        with pytest.raises(BookingRefused, match="not on this register"):
            attendance.mark_attendance(session.pk, enrolment.pk, present=True, by=facilitator)


def test_a_session_is_marked_on_its_day_not_before(make_run, book, people, facilitator):
    run = make_run(days_ago=(0,))
    tom = book(run, people["teacher_a"])
    later = Session.objects.create(
        run=run,
        starts_at=timezone.now() + dt.timedelta(days=2),
        ends_at=timezone.now() + dt.timedelta(days=2, hours=3),
    )
    with pytest.raises(BookingRefused, match="mark the register on the day"):
        attendance.mark_attendance(later.pk, tom.pk, present=True, by=facilitator)


def test_a_session_of_another_run_is_not_found_through_this_runs_address(
    client, make_run, book, people, facilitator
):
    run, other = make_run(days_ago=(0,)), make_run(days_ago=(0,))
    tom = book(other, people["teacher_a"])
    client.force_login(facilitator)
    session = other.sessions.get()
    assert client.get(f"/registers/{run.pk}/session/{session.pk}/").status_code == 404
    response = client.post(
        f"/registers/{run.pk}/session/{session.pk}/mark/", {"enrolment": tom.pk, "present": "yes"}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


# --- a facilitator's scope -----------------------------------------------------------------------


def test_a_facilitator_sees_the_runs_of_courses_they_lead_and_no_others(
    make_run, ruths_course, facilitator, other_facilitator, people, officer
):
    sarahs = make_run(days_ago=(0,))
    ruths = make_run(days_ago=(0,), course=ruths_course)
    assert set(attendance.registers_for(facilitator).filter(pk__in=[sarahs.pk, ruths.pk])) == {
        sarahs
    }
    assert set(
        attendance.registers_for(other_facilitator).filter(pk__in=[sarahs.pk, ruths.pk])
    ) == {ruths}
    assert not attendance.registers_for(people["teacher_a"]).exists()
    assert not attendance.registers_for(people["lead_a"]).exists()
    assert attendance.registers_for(officer).filter(pk__in=[sarahs.pk, ruths.pk]).count() == 2


def test_facilitators_named_on_a_run_replace_the_courses_for_that_run(
    make_run, facilitator, other_facilitator
):
    run = make_run(days_ago=(0,))
    run.facilitators.set([Facilitator.objects.get(user=other_facilitator)])
    run.save()
    assert attendance.may_take_register(other_facilitator, run)
    assert not attendance.may_take_register(facilitator, run)


def test_an_inactive_facilitator_has_no_registers(make_run, facilitator):
    run = make_run(days_ago=(0,))
    facilitator.is_active = False
    facilitator.save()
    assert not attendance.may_take_register(facilitator, run)


def test_the_registers_page_lists_only_the_facilitators_runs(
    client, make_run, ruths_course, book, people, facilitator, other_facilitator
):
    sarahs = make_run(days_ago=(0,))
    book(sarahs, people["teacher_a"])
    ruths = make_run(days_ago=(0,), course=ruths_course)
    client.force_login(facilitator)
    html = client.get("/registers/").content.decode()
    assert sarahs.reference in html and ruths.reference not in html
    assert f"/registers/{sarahs.pk}/session/{sarahs.sessions.get().pk}/" in html  # today's
    client.force_login(people["teacher_a"])
    assert client.get("/registers/").status_code == 404


def test_the_header_offers_registers_only_to_those_who_take_them(client, facilitator, people):
    client.force_login(facilitator)
    assert 'href="/registers/"' in client.get("/my-cpd/").content.decode()
    client.force_login(people["teacher_a"])
    assert 'href="/registers/"' not in client.get("/my-cpd/").content.decode()


# --- walk-ins ------------------------------------------------------------------------------------


def _walk_in(client, run, **data):
    session = run.sessions.get()
    fields = {
        "school": "",
        "first_name": "Wendy",
        "last_name": "Walker",
        "email": "wendy.walker@oakfield.sch.uk",
        "po_number": "",
    }
    fields.update(data)
    return client.post(f"/registers/{run.pk}/session/{session.pk}/walk-in/", fields, follow=True)


def test_a_walk_in_is_booked_through_book_places_and_marked_present(
    client, make_run, people, officer, django_capture_on_commit_callbacks
):
    run = make_run(days_ago=(0,))
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _walk_in(client, run, school=people["school_a"].pk)
    assert "booked as an on-the-day addition and marked present" in response.content.decode()
    wendy = User.objects.get(email="wendy.walker@oakfield.sch.uk")
    assert Membership.objects.filter(user=wendy, school=people["school_a"]).exists()
    enrolment = Enrolment.objects.get(run=run, delegate=wendy)
    assert (enrolment.status, enrolment.booking.source) == ("confirmed", Booking.Source.WALK_IN)
    assert enrolment.booking.booked_by == officer
    assert enrolment.price == run.price  # the school's price, snapshotted as for any place
    assert Attendance.objects.get(enrolment=enrolment).present is True
    # Marked on the register itself, not only in the message after adding.
    door = client.get(f"/registers/{run.pk}/session/{run.sessions.get().pk}/").content.decode()
    assert "Oakfield Primary School · on-the-day addition" in door
    # Invited to set a password, so they can see their certificate later.
    assert any(m.to == ["wendy.walker@oakfield.sch.uk"] for m in mail.outbox)


def test_a_walk_in_counts_by_the_same_rule(make_run, people, officer, facilitator):
    run = make_run(days_ago=(7, 0))
    first, last = attendance.held_sessions(run)
    late = attendance.add_walk_in(
        last.pk,
        by=officer,
        school=people["school_a"],
        first_name="Lara",
        last_name="Late",
        email="lara.late@oakfield.sch.uk",
    )
    attendance.mark_attendance(first.pk, late.pk, present=False, by=facilitator)
    attendance.close_register(run.pk, by=facilitator)
    assert refresh(late).status == "no_show"  # "every session": she missed the first


def test_a_walk_in_on_a_full_run_is_refused_and_leaves_nobody_behind(
    client, make_run, book, people, officer
):
    run = make_run(days_ago=(0,), capacity=1)
    book(run, people["teacher_a"])
    client.force_login(officer)
    response = _walk_in(client, run, school=people["school_a"].pk)
    assert "This run is full" in response.content.decode()
    assert not User.objects.filter(email="wendy.walker@oakfield.sch.uk").exists()
    assert Enrolment.objects.filter(run=run).count() == 1
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"school": ""}, "Choose the school they work at."),
        ({"school": "999999"}, "Choose the school they work at from the list."),
        ({"email": "not-an-email"}, "Enter an email address like name@school.sch.uk."),
        ({"first_name": ""}, "Enter their first name."),
    ],
)
def test_the_walk_in_form_answers_bad_input_and_writes_nothing(
    client, make_run, people, officer, data, message
):
    run = make_run(days_ago=(0,))
    client.force_login(officer)
    data.setdefault("school", people["school_a"].pk)
    response = _walk_in(client, run, **data)
    assert message in response.content.decode()
    assert not Enrolment.objects.filter(run=run).exists()
    assert not User.objects.filter(email="wendy.walker@oakfield.sch.uk").exists()


def test_a_walk_in_waits_for_the_sessions_day_and_none_after_the_close(
    client, make_run, book, mark_all, people, officer
):
    run = make_run(days_ago=(0,))
    later = Session.objects.create(
        run=run,
        starts_at=timezone.now() + dt.timedelta(days=2),
        ends_at=timezone.now() + dt.timedelta(days=2, hours=3),
    )
    client.force_login(officer)
    response = client.post(
        f"/registers/{run.pk}/session/{later.pk}/walk-in/",
        {
            "school": people["school_a"].pk,
            "first_name": "Wendy",
            "last_name": "Walker",
            "email": "wendy.walker@oakfield.sch.uk",
        },
    )
    assert "mark the register on the day" in response.content.decode()

    closed = make_run(days_ago=(0,))
    tom = book(closed, people["teacher_a"])
    mark_all(closed, {tom: True}, by=officer)
    attendance.close_register(closed.pk, by=officer, notify=False)
    with pytest.raises(BookingRefused, match="register is closed"):
        attendance.add_walk_in(
            closed.sessions.get().pk,
            by=officer,
            school=people["school_a"],
            first_name="Wendy",
            last_name="Walker",
            email="wendy.walker@oakfield.sch.uk",
        )
    assert not User.objects.filter(email="wendy.walker@oakfield.sch.uk").exists()
    assert not Enrolment.objects.filter(run=run).exists()
    assert Enrolment.objects.filter(run=closed).count() == 1


def test_someone_with_an_account_elsewhere_is_refused_with_a_reason(make_run, people, officer):
    run = make_run(days_ago=(0,))
    with pytest.raises(BookingRefused, match="already has an account"):
        attendance.add_walk_in(
            run.sessions.get().pk,
            by=officer,
            school=people["school_a"],
            first_name="Ravi",
            last_name="Teacher",
            email="teacher@riverside-academy.org.uk",
        )
    assert not Enrolment.objects.filter(run=run).exists()


def test_the_runs_facilitator_adds_a_walk_in_and_no_other_facilitator_can(
    client, make_run, people, facilitator, other_facilitator, django_capture_on_commit_callbacks
):
    run = make_run(days_ago=(0,))
    client.force_login(other_facilitator)
    assert _walk_in(client, run, school=people["school_a"].pk).status_code == 404
    with pytest.raises(BookingRefused, match="not found"):
        attendance.add_walk_in(
            run.sessions.get().pk,
            by=other_facilitator,
            school=people["school_a"],
            first_name="W",
            last_name="W",
            email="w@oakfield.sch.uk",
        )
    assert not Enrolment.objects.filter(run=run).exists()
    assert not User.objects.filter(email="w@oakfield.sch.uk").exists()

    client.force_login(facilitator)
    page = client.get(f"/registers/{run.pk}/session/{run.sessions.get().pk}/").content.decode()
    assert "Book and mark present" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = _walk_in(client, run, school=people["school_a"].pk)
    assert "booked as an on-the-day addition and marked present" in response.content.decode()
    enrolment = Enrolment.objects.get(run=run, delegate__email="wendy.walker@oakfield.sch.uk")
    assert enrolment.booking.source == Booking.Source.WALK_IN
    assert enrolment.booking.booked_by == facilitator


def test_book_places_refuses_a_walk_in_from_anyone_not_at_the_door(make_run, people):
    from bookings.services import BookingRequest, Delegate, book_places

    run = make_run(days_ago=(0,))
    with pytest.raises(BookingRefused, match="facilitator"):
        book_places(
            run.pk,
            BookingRequest(
                school=people["school_a"],
                booked_by=people["lead_a"],
                delegates=[Delegate(people["teacher_a"])],
                source=Booking.Source.WALK_IN,
            ),
        )
    assert not Enrolment.objects.filter(run=run).exists()


# --- waiving a no-show's charge ------------------------------------------------------------------


@pytest.fixture
def no_show(make_run, book, mark_all, people, facilitator):
    run = make_run(days_ago=(0,))
    frank = book(run, people["finance_a"])
    mark_all(run, {frank: False})
    attendance.close_register(run.pk, by=facilitator)
    return refresh(frank)


def test_the_cpd_team_waives_a_no_show_charge_with_a_reason(client, no_show, officer):
    client.force_login(officer)
    url = f"/registers/{no_show.run_id}/place/{no_show.pk}/waive/"
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Give a reason for waiving the charge." in response.content.decode()
    assert refresh(no_show).charge_waived is False
    client.post(url, {"reason": "Snow closed the school"})
    assert refresh(no_show).charge_waived is True
    assert EnrolmentEvent.objects.filter(
        enrolment=no_show, note="No-show charge waived: Snow closed the school", actor=officer
    ).exists()
    with pytest.raises(BookingRefused, match="already waived"):
        attendance.waive_no_show_charge(no_show.pk, by=officer, reason="again")


def test_facilitators_cannot_waive_and_attended_places_have_no_charge_to_waive(
    client, no_show, facilitator, officer, attended
):
    client.force_login(facilitator)
    url = f"/registers/{no_show.run_id}/place/{no_show.pk}/waive/"
    assert client.post(url, {"reason": "Kind"}).status_code == 404
    assert refresh(no_show).charge_waived is False
    with pytest.raises(BookingRefused, match="Only a no-show"):
        attendance.waive_no_show_charge(attended.pk, by=officer, reason="Kind")


# --- the pages -----------------------------------------------------------------------------------


def test_register_pages_show_marks_rule_and_print_view(
    client, make_run, book, mark_all, people, facilitator
):
    run = make_run(days_ago=(7, 0), rule=1)
    tom, chloe = book(run, people["teacher_a"], people["lead_a"])
    mark_all(run, {tom: [True, False]})
    client.force_login(facilitator)
    page = client.get(f"/registers/{run.pk}/").content.decode()
    assert "Counts as attended at 1 or more of the 2 sessions." in page
    assert "1 of 2 marked, 1 present" in page and "0 of 2 marked, 0 present" not in page
    printed = client.get(f"/registers/{run.pk}/print/").content.decode()
    assert "Tom Teacher" in printed and "Chloe Lead" in printed and "print-box" in printed
    door = client.get(f"/registers/{run.pk}/session/{attendance.held_sessions(run)[0].pk}/")
    html = door.content.decode()
    assert "1 of 2 marked, 1 present" in html
    assert 'aria-label="Present: Tom Teacher" aria-pressed="true">Present</button>' in html
    # Each person's school, beside their name at the door.
    assert html.count('<span class="meta">Oakfield Primary School</span>') == 2
    assert "· on-the-day addition" not in html  # both booked ahead


def test_no_show_emails_go_once_per_school_even_across_two_deliveries(
    make_run, book, mark_all, people, facilitator
):
    run = make_run(days_ago=(0,))
    frank = book(run, people["finance_a"])
    mark_all(run, {frank: False})
    attendance.close_register(run.pk, by=facilitator, notify=False)
    from bookings import emails

    assert emails.no_show_notices(run.pk) == 1
    assert emails.no_show_notices(run.pk) == 0
    assert SentEmail.objects.filter(key=f"no-shows:{run.pk}:{people['school_a'].pk}").exists()


def test_a_cancelled_run_has_no_register_to_close(make_run, book, people, facilitator):
    run = make_run(days_ago=(0,))
    CourseRun.objects.filter(pk=run.pk).update(status=CourseRun.Status.CANCELLED)
    with pytest.raises(BookingRefused, match="cancelled"):
        attendance.close_register(run.pk, by=facilitator)


def test_a_bad_walk_in_says_what_is_wrong_and_where(client, make_run, people, officer):
    run = make_run(days_ago=(0,))
    client.force_login(officer)
    response = _walk_in(client, run, school=people["school_a"].pk, email="not-an-email")
    soup = assert_errors_are_clear(response.content.decode())
    assert soup.select_one("[data-error-summary]")["id"] == "walk-in-errors"
    assert "id_email_error" in soup.find(id="id_email")["aria-describedby"].split()


def test_the_admin_user_bar_stays_off_the_register_where_it_would_cover_the_marks(
    client, make_run, book, people, facilitator
):
    run = make_run(days_ago=(0,))
    book(run, people["teacher_a"])
    session = run.sessions.get()
    client.force_login(facilitator)
    assert "wagtail-userbar" in client.get("/registers/").content.decode()  # elsewhere, it shows
    for url in (f"/registers/{run.pk}/session/{session.pk}/", f"/registers/{run.pk}/"):
        html = client.get(url).content.decode()
        assert "Absent: Tom Teacher" in html or "Tom Teacher" in html
        assert "wagtail-userbar" not in html
