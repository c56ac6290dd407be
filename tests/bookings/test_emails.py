"""What each email about a place says (issue 22): the price, VAT, total, the last day to
cancel free and where, in the plain-text part; and the teacher is told when their request
goes to their CPD lead and when they join a waiting list, once, through the outbox.

The figures are worked out here from the course's terms, not read back from the code: a
place at £120.00 (the catalogue's course, 100 % band) bears VAT at 20 %, £24.00, so £144.00 in
all. The session is 30 days away and the course
is free to cancel until 14 days before it, so the last free day is 16 days from today."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from core.models import SentEmail
from tests.email_catalogue import course_run, every_email
from tests.factories import accounts, bookings

PLACE_EMAILS = (
    "confirmation", "reminder", "session_cancelled", "approval_pending", "approval_decision",
    "waiting_list_joined", "offer", "sessions_moved", "place_passed_on_to", "place_moved",
    "finance_approval_request", "approval_passed_to_finance", "consortium_approval_request",
    "approval_passed_to_consortium", "budget_declined",
)  # fmt: skip
VENUE = "St Mary's Hall, Kingsway, Haverleigh, HV2 4RD"  # tests.email_catalogue.course_run


def _last_free_day():
    return f"{timezone.localdate() + dt.timedelta(days=30 - 14):%A %-d %B %Y}"


@pytest.fixture
def sent(people, client):
    return every_email(people["staff"], client)


def test_every_place_email_states_price_vat_total_the_last_free_day_and_where(sent):
    for name in PLACE_EMAILS:
        body = sent[name].body
        assert "Price: £120.00, excluding VAT" in body, name
        assert "VAT: £24.00 (20%)" in body, name
        assert "Total: £144.00" in body, name
        assert f"Cancel free: until {_last_free_day()}" in body, name
    for name in ("confirmation", "reminder", "session_cancelled", "approval_pending"):
        assert f"Where: {VENUE}" in sent[name].body, name
    for name in ("waiting_list_joined", "offer"):  # the catalogue's full run is online
        assert "Where: Online" in sent[name].body, name
        assert "your school's price today" in sent[name].body, name


def test_the_cpd_lead_sees_the_terms_of_the_place_they_are_asked_to_approve(sent):
    body = sent["approval_request"].body
    assert "Ada Teach asked to book" in body
    assert "Total: £144.00" in body and f"Where: {VENUE}" in body
    assert sent["approval_request"].to != sent["approval_pending"].to


def test_the_finance_contact_is_asked_about_the_spend_and_the_teacher_hears_each_stage(sent):
    asked = sent["finance_approval_request"]
    assert len(asked.to) == 1 and asked.to[0].startswith("bursar@")  # not the lead, not Tom
    assert "Tom O'Neill asked to book" in asked.body
    assert "limit of £100.00 (net)" in asked.body
    passed = sent["approval_passed_to_finance"]
    assert "Your CPD lead approved your place" in passed.body
    assert "another 72 hours" in passed.body
    declined = sent["approval_declined"]
    assert "Your school's finance contact did not approve your place" in declined.body
    assert "Their reason: “Over this term's budget”" in declined.body


def test_a_cancellation_states_what_it_costs(sent):
    assert "There is no charge." in sent["cancellation"].body  # 30 days ahead: still free


def test_a_late_cancellation_states_the_charge_with_its_vat(people):
    from bookings import emails

    staff = people["staff"]
    school = accounts.school()
    tom = accounts.member(school)
    run = course_run(days=(5,))  # inside the 14-day notice: the whole price is kept
    (place,) = bookings.enrolments(bookings.book(run, tom, school=school, booked_by=staff))
    services.cancel_enrolment(place.pk, by=staff)
    assert emails.cancellation(place.pk)
    (message,) = mail.outbox
    assert "charged £144.00 (£120.00 plus £24.00 VAT)" in message.body


def test_joining_a_waiting_list_tells_the_person_once_through_the_outbox(
    people, django_capture_on_commit_callbacks
):
    school = accounts.school()
    tom, ada = accounts.staff_of(school, 2)
    run = course_run(capacity=1)
    bookings.book(run, ada, school=school, booked_by=people["staff"])
    # Eager in the tests: the task's arguments still go through the outbox's JSON on commit.
    with django_capture_on_commit_callbacks() as queued:
        entry = services.join_waiting_list(run.pk, person=tom, school=school, added_by=tom)
    assert not mail.outbox  # nothing before the commit
    for callback in queued + queued:  # the relay, or a worker retrying, runs it again
        callback()
    (message,) = mail.outbox
    assert message.to == [tom.email] and "You are on the waiting list" in message.body
    assert SentEmail.objects.filter(key=f"waiting-list-joined:{entry.pk}").count() == 1


def test_a_request_for_approval_tells_the_teacher_once_through_the_outbox(
    people, django_capture_on_commit_callbacks
):
    school = accounts.school(bookings_need_approval=True)
    lead = accounts.member(school, "cpd_lead")
    (tom,) = accounts.staff_of(school, 1)
    run = course_run()
    with django_capture_on_commit_callbacks() as queued:
        booking = bookings.book(
            run, tom, school=school, booked_by=tom, source=Booking.Source.WEB,
            terms_accepted=True, notify=True,
        )  # fmt: skip
    assert not mail.outbox
    for callback in queued + queued:
        callback()
    to_teacher = [m for m in mail.outbox if m.to == [tom.email]]
    to_lead = [m for m in mail.outbox if m.to == [lead.email]]
    assert [m.subject for m in to_teacher] == [f"[CPD] Waiting for approval: {run.course.title}"]
    assert len(to_lead) == 1
    assert SentEmail.objects.filter(key__startswith="approval-pending:").count() == 1
    assert booking.pending


def test_a_free_online_place_says_free_online_and_free_to_cancel_at_any_time(people):
    from bookings import emails
    from tests.factories import courses

    school = accounts.school()
    (tom,) = accounts.staff_of(school, 1)
    course = courses.course(price="0.00", format="online", late_cancellation_charge_percent=0)
    run = courses.run(course, days=(30,))
    booking = bookings.book(run, tom, school=school, booked_by=people["staff"])
    assert emails.booking_confirmations(booking.pk) == 1
    (message,) = mail.outbox
    assert "Price: Free\n" in message.body and "Total: £0.00" in message.body
    assert "Where: Online" in message.body
    assert "Cancel free: at any time before the course starts" in message.body


def test_a_consortium_lead_is_asked_about_the_budget_and_a_decline_tells_the_school(sent):
    asked = sent["consortium_approval_request"]
    assert asked.to == ["chair@partnership.example"]
    assert "Lena Lead booked a place for Ada Teach" in asked.body
    assert "St Anne's Partnership's shared budget" in asked.body
    assert "/bookings/consortium-approvals/" in asked.body
    passed = sent["approval_passed_to_consortium"]
    (ada,) = passed.to
    assert "If they decline, your place stands" in passed.body
    declined = sent["budget_declined"]
    assert len(declined.to) == 2 and ada in declined.to  # and the school's CPD lead, who booked
    assert "Their reason: “Pot kept for SEND”" in declined.body
    assert "The place is confirmed" in declined.body
