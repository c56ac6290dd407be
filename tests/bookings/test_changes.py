"""After booking: cancel, substitute, transfer, approve, waiting lists and offers, and the
emails each sends once."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from bookings import emails, services, signals
from bookings.models import Enrolment, EnrolmentEvent, WaitingListEntry
from bookings.services import BookingRefused, BookingRequest, Delegate, book_places
from courses.models import Session
from tests.calendar.support import calendar_part, calendar_type
from tests.factories import courses


@pytest.fixture
def oakfield(people):
    school = people["school_a"]
    school.bookings_need_approval = False
    school.save()
    return school


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit work (Celery tasks, eager here) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _book(run, people, who, delegates=None, school=None):
    return book_places(
        run.pk,
        BookingRequest(
            school=school or people["school_a"],
            booked_by=people[who],
            terms_accepted=True,
            delegates=[Delegate(d) for d in (delegates or [people[who]])],
        ),
    )


def _move_first_session(run, days_from_now):
    first = run.sessions.order_by("starts_at").first()
    length = first.ends_at - first.starts_at
    shift = timezone.now() + dt.timedelta(days=days_from_now) - first.starts_at
    for session in run.sessions.all():
        Session.objects.filter(pk=session.pk).update(
            starts_at=session.starts_at + shift, ends_at=session.starts_at + shift + length
        )
    run.booking_closes_at = None
    run.save()


def test_booking_sends_one_confirmation_with_a_calendar_file(open_run, people, oakfield, on_commit):
    with on_commit():
        booking = _book(open_run, people, "teacher_a")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["teacher@oakfield.sch.uk"]
    assert booking.reference in message.body
    content_type, name, content = calendar_part(message)
    assert name == f"{open_run.reference}.ics"
    assert content_type == calendar_type("REQUEST")
    assert content.count(b"BEGIN:VEVENT") == open_run.sessions.count()
    assert emails.booking_confirmations(booking.pk) == 0  # the task running again sends nothing
    assert len(mail.outbox) == 1


def test_cancelling_early_is_free(open_run, people, oakfield, on_commit):
    _move_first_session(open_run, 30)
    enrolment = _book(open_run, people, "teacher_a").enrolments.get()
    with on_commit():
        services.cancel_enrolment(enrolment.pk, by=people["teacher_a"])
    enrolment.refresh_from_db()
    assert enrolment.status == "cancelled" and not enrolment.late_cancellation
    assert enrolment.cancelled_at is not None
    assert "There is no charge" in mail.outbox[-1].body
    assert b"STATUS:CANCELLED" in calendar_part(mail.outbox[-1])[2]
    assert list(enrolment.events.values_list("from_status", "to_status")) == [
        ("", "confirmed"),
        ("confirmed", "cancelled"),
    ]


def test_cancelling_inside_the_notice_period_is_late(open_run, people, oakfield):
    _move_first_session(open_run, 5)
    enrolment = _book(open_run, people, "teacher_a").enrolments.get()
    services.cancel_enrolment(enrolment.pk, by=people["lead_a"])
    enrolment.refresh_from_db()
    assert enrolment.late_cancellation and not enrolment.charge_waived
    assert EnrolmentEvent.objects.filter(enrolment=enrolment, actor=people["lead_a"]).exists()


@pytest.mark.parametrize("who", ["teacher_b", "finance_a"])
def test_strangers_cannot_cancel(open_run, people, oakfield, who):
    enrolment = _book(open_run, people, "teacher_a").enrolments.get()
    with pytest.raises(BookingRefused, match="not found"):
        services.cancel_enrolment(enrolment.pk, by=people[who])
    enrolment.refresh_from_db()
    assert enrolment.status == "confirmed"


def test_a_cancelled_place_cannot_be_cancelled_again(open_run, people, oakfield):
    enrolment = _book(open_run, people, "teacher_a").enrolments.get()
    services.cancel_enrolment(enrolment.pk, by=people["teacher_a"])
    with pytest.raises(BookingRefused, match="Only a confirmed or pending place"):
        services.cancel_enrolment(enrolment.pk, by=people["teacher_a"])


def _fill(run, people, staff_of):
    colleagues = staff_of(people["school_a"], run.capacity, prefix="fill")
    booking = _book(run, people, "lead_a", delegates=colleagues)
    return list(booking.enrolments.all())


def test_a_freed_place_is_offered_to_the_first_in_line_and_their_acceptance_waives_the_charge(
    open_run, people, oakfield, staff_of, on_commit, client
):
    _move_first_session(open_run, 5)
    places = _fill(open_run, people, staff_of)
    services.join_waiting_list(
        open_run.pk,
        person=people["teacher_b"],
        school=people["school_b"],
        added_by=people["teacher_b"],
    )
    services.join_waiting_list(
        open_run.pk,
        person=people["teacher_a"],
        school=people["school_a"],
        added_by=people["teacher_a"],
    )
    mail.outbox.clear()
    with on_commit():
        services.cancel_enrolment(places[0].pk, by=people["lead_a"])
    first, second = WaitingListEntry.objects.filter(run=open_run).order_by("created_at")
    assert (first.status, second.status) == ("offered", "waiting")
    hours = (first.offer_expires_at - timezone.now()).total_seconds() / 3600
    assert 47.9 < hours <= 48
    offer = next(m for m in mail.outbox if m.to == ["teacher@riverside-academy.org.uk"])
    accept_path = offer.body.split("http://testserver", 1)[1].split()[0]

    client.force_login(people["teacher_b"])
    assert b"Accept the place" in client.get(accept_path).content
    with on_commit():
        response = client.post(accept_path)
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "accepted"
    new = Enrolment.objects.get(run=open_run, delegate=people["teacher_b"])
    assert new.status == "confirmed" and new.booking.source == "waiting_list"
    places[0].refresh_from_db()
    assert places[0].late_cancellation and places[0].charge_waived
    assert client.post(accept_path).status_code == 404, "an offer is used once"


def test_an_expired_offer_moves_to_the_next_person(open_run, people, oakfield, staff_of, on_commit):
    places = _fill(open_run, people, staff_of)
    for who, school in (("teacher_b", "school_b"), ("teacher_a", "school_a")):
        services.join_waiting_list(
            open_run.pk, person=people[who], school=people[school], added_by=people[who]
        )
    services.cancel_enrolment(places[0].pk, by=people["lead_a"])
    services.offer_next_place(open_run.pk)
    assert services.offer_next_place(open_run.pk) == [], "running it again offers nothing more"
    later = timezone.now() + dt.timedelta(hours=49)
    with on_commit():
        services.expire_offers(now=later)
    first, second = WaitingListEntry.objects.filter(run=open_run).order_by("created_at")
    assert (first.status, second.status) == ("expired", "offered")
    with pytest.raises(BookingRefused, match="expired"):
        services.accept_offer(first.pk, by=people["teacher_b"])


def test_a_forged_offer_link_is_a_clean_not_found(client, people):
    client.force_login(people["teacher_b"])
    response = client.get("/offer/not-a-real-token/")
    assert response.status_code == 404
    assert b"This offer link does not work" in response.content


def test_waiting_list_only_when_full_and_only_once(open_run, people, oakfield, staff_of):
    with pytest.raises(BookingRefused, match="places left"):
        services.join_waiting_list(
            open_run.pk,
            person=people["teacher_a"],
            school=people["school_a"],
            added_by=people["teacher_a"],
        )
    _fill(open_run, people, staff_of)
    services.join_waiting_list(
        open_run.pk,
        person=people["teacher_a"],
        school=people["school_a"],
        added_by=people["teacher_a"],
    )
    with pytest.raises(BookingRefused, match="already on the waiting list"):
        services.join_waiting_list(
            open_run.pk,
            person=people["teacher_a"],
            school=people["school_a"],
            added_by=people["lead_a"],
        )
    with pytest.raises(BookingRefused, match="Only your school's CPD lead"):
        services.join_waiting_list(
            open_run.pk,
            person=people["finance_a"],
            school=people["school_a"],
            added_by=people["teacher_a"],
        )


def test_staff_promote_from_the_waiting_list_through_book_places(
    open_run, people, oakfield, staff_of
):
    places = _fill(open_run, people, staff_of)
    entry = services.join_waiting_list(
        open_run.pk,
        person=people["teacher_a"],
        school=people["school_a"],
        added_by=people["teacher_a"],
    )
    with pytest.raises(BookingRefused, match="full"):
        services.promote_from_waiting_list(entry.pk, by=people["staff"])
    services.cancel_enrolment(places[0].pk, by=people["lead_a"])
    WaitingListEntry.objects.filter(pk=entry.pk).update(status="waiting")
    services.promote_from_waiting_list(entry.pk, by=people["staff"])
    assert Enrolment.objects.filter(run=open_run, delegate=people["teacher_a"]).live().exists()


def test_approval_then_confirmation(open_run, people, on_commit):
    with on_commit():
        enrolment = _book(open_run, people, "teacher_a").enrolments.get()
    assert enrolment.status == "pending_approval"
    request_mail = [m for m in mail.outbox if "Please approve" in m.subject]
    assert [m.to for m in request_mail] == [["cpdlead@oakfield.sch.uk"]]
    mail.outbox.clear()
    with on_commit():
        services.decide_enrolment(enrolment.pk, by=people["lead_a"], approve=True)
    enrolment.refresh_from_db()
    assert enrolment.status == "confirmed" and enrolment.approval_expires_at is None
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        f"[CPD] Approved: {open_run.course.title}",
        f"[CPD] Booked: {open_run.course.title}",
    ]


def test_declining_releases_the_place(open_run, people):
    enrolment = _book(open_run, people, "teacher_a").enrolments.get()
    services.decide_enrolment(
        enrolment.pk, by=people["head_a"], approve=False, reason="Not this term"
    )
    enrolment.refresh_from_db()
    assert enrolment.status == "cancelled"
    assert services.places_taken(open_run.pk) == 0


def test_only_managers_decide(open_run, people):
    enrolment = _book(open_run, people, "teacher_a").enrolments.get()
    for who in ("teacher_a", "finance_a", "teacher_b"):
        with pytest.raises(BookingRefused, match="not found"):
            services.decide_enrolment(enrolment.pk, by=people[who], approve=True)


def test_unanswered_requests_expire_and_free_the_place(open_run, people, on_commit):
    enrolment = _book(open_run, people, "teacher_a").enrolments.get()
    assert services.expire_approvals() == 0
    with on_commit():
        assert services.expire_approvals(now=timezone.now() + dt.timedelta(hours=73)) == 1
    assert services.expire_approvals(now=timezone.now() + dt.timedelta(hours=74)) == 0
    enrolment.refresh_from_db()
    assert enrolment.status == "cancelled"
    assert enrolment.events.last().note == "Approval request expired (waiting for CPD lead)"
    assert any("in time, so it expired" in m.body for m in mail.outbox)


def test_substitute_a_colleague(open_run, people, oakfield):
    enrolment = _book(open_run, people, "lead_a", delegates=[people["teacher_a"]]).enrolments.get()
    services.substitute_delegate(
        enrolment.pk, by=people["lead_a"], new_delegate=people["finance_a"]
    )
    enrolment.refresh_from_db()
    assert enrolment.delegate == people["finance_a"]
    assert "Substituted for Tom Teacher" in enrolment.events.last().note
    with pytest.raises(BookingRefused, match="not on Oakfield"):
        services.substitute_delegate(
            enrolment.pk, by=people["lead_a"], new_delegate=people["teacher_b"]
        )


def test_no_substitution_after_the_start(open_run, people, oakfield):
    enrolment = _book(open_run, people, "teacher_a").enrolments.get()
    _move_first_session(open_run, -1)
    with pytest.raises(BookingRefused, match="has started"):
        services.substitute_delegate(
            enrolment.pk, by=people["lead_a"], new_delegate=people["finance_a"]
        )


def test_transfer_to_another_date_of_the_same_course(people, oakfield):
    course = courses.course()
    source, target = courses.run(course, days=(14,)), courses.run(course, days=(28,))
    other = courses.run()  # another course's open run
    enrolment = _book(source, people, "teacher_a").enrolments.get()
    moved = services.transfer_enrolment(enrolment.pk, to_run_id=target.pk, by=people["teacher_a"])
    enrolment.refresh_from_db()
    assert enrolment.status == "cancelled" and not enrolment.late_cancellation
    assert moved.run == target and moved.booking.source == "transfer"
    with pytest.raises(BookingRefused, match="same course"):
        services.transfer_enrolment(moved.pk, to_run_id=other.pk, by=people["teacher_a"])


def test_the_provider_cancels_a_run(open_run, people, oakfield, on_commit):
    enrolments = list(
        _book(
            open_run, people, "lead_a", delegates=[people["teacher_a"], people["finance_a"]]
        ).enrolments.all()
    )
    heard = []
    signals.run_cancelled.connect(
        lambda **kw: heard.append(kw["enrolment_ids"]),
        weak=False,
        dispatch_uid="test-run-cancelled",
    )
    try:
        with pytest.raises(BookingRefused, match="Give a reason"):
            services.cancel_run(open_run.pk, by=people["staff"], reason=" ")
        with pytest.raises(BookingRefused, match="Only the CPD team"):
            services.cancel_run(open_run.pk, by=people["lead_a"], reason="Illness")
        mail.outbox.clear()
        with on_commit():
            services.cancel_run(open_run.pk, by=people["staff"], reason="Facilitator illness")
    finally:
        signals.run_cancelled.disconnect(dispatch_uid="test-run-cancelled")
    open_run.refresh_from_db()
    assert open_run.status == "cancelled"
    assert set(Enrolment.objects.filter(run=open_run).values_list("status", flat=True)) == {
        "cancelled"
    }
    assert not any(e.late_cancellation for e in Enrolment.objects.filter(run=open_run))
    assert heard == [[e.pk for e in enrolments]]
    assert len(mail.outbox) == 2 and all("Facilitator illness" in m.body for m in mail.outbox)
    assert "cpdlead@oakfield.sch.uk" in mail.outbox[0].to


def test_reminders_go_once_a_week_and_a_day_before_with_joining_details(open_run, people, oakfield):
    _move_first_session(open_run, 7)
    _book(open_run, people, "teacher_a")
    mail.outbox.clear()
    assert emails.reminders(7) >= 1  # seeded bookings a week out are reminded too
    assert emails.reminders(7) == 0
    mine = [m for m in mail.outbox if m.to == ["teacher@oakfield.sch.uk"]]
    assert len(mine) == 1
    assert "Next week" in mine[0].subject
    assert open_run.joining_instructions in mine[0].body
