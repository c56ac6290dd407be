"""Every email the service sends, each made by the function its task calls, from data made
with the factories: for the layout and plain-text tests and the browser test that renders
each at phone width. Not a test module; `every_email()` needs the database.

The booking emails are about one course at £120.00 a place (the school is in the partner
area, LA-maintained: 100 % of the list price), standard-rated, free to cancel until 14 days
before its first session 30 days from today, at St Mary's Hall (Kingsway, Haverleigh HV2 4RD),
in the "Using data" strand (teal). The school's name has an apostrophe, so an escaped plain
text part shows."""

import datetime as dt
from decimal import Decimal

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import emails as account_emails
from accounts import services as account_services
from accounts.models import ConsortiumMembership
from billing import emails as billing_emails
from billing.models import CheckoutAttempt, Payment
from billing.services import adjust_credit, issue_credit_note, record_payment
from bookings import emails, schedule, services
from bookings.models import Booking, Enrolment, Evaluation, ImpactFollowUp
from bookings.schedule import cancel_session
from tests.factories import accounts, billing, bookings, courses

PRICE_DAYS = 30  # the session is this many days away, so free cancellation is still open


def _one(sent, before):
    """The message a sender just sent (it sends one here)."""
    assert sent, "the sender sent nothing"
    return mail.outbox[before]


def _sent(send):
    before = len(mail.outbox)
    result = send()
    return _one(result, before)


def course_run(capacity=5, *, online=False, days=(PRICE_DAYS,)):
    """A bookable run of a new course in the "Using data" strand at £120.00 a place, free to
    cancel until 14 days before, at St Mary's Hall (Kingsway, Haverleigh HV2 4RD)."""
    course = courses.course(
        price="120.00",
        strand_page=courses.strand("Using data", colour="teal"),
        vat_treatment="standard",
        free_cancellation_days=14,
        late_cancellation_charge_percent=100,
        **({"format": "online"} if online else {}),
    )
    venue = {} if online else {"venue": courses.venue("St Mary's Hall")}
    return courses.run(course, capacity=capacity, days=days, **venue)


def every_email(staff, client):
    """{name: message} for every email; `staff` is a CPD-team officer (people["staff"]),
    `client` Django's test client (allauth sends its own emails from a request)."""
    out = {}
    school = accounts.school("St Anne's C of E Primary School")
    lead = accounts.member(school, "cpd_lead", first_name="Lena", last_name="Lead")
    tom = accounts.member(school, first_name="Tom", last_name="O'Neill")
    ada = accounts.member(school, first_name="Ada", last_name="Teach")

    # A place booked, reminded, a session called off, then cancelled.
    run = course_run(capacity=5, days=(PRICE_DAYS, PRICE_DAYS + 1))
    booking = bookings.book(run, tom, school=school, booked_by=staff)
    (place,) = bookings.enrolments(booking)
    out["confirmation"] = _sent(lambda: emails.booking_confirmations(booking.pk))
    day = timezone.localdate() + dt.timedelta(days=PRICE_DAYS)
    out["reminder"] = _sent(lambda: emails.reminder_now(place.pk, day))
    first, second = run.sessions.order_by("starts_at")
    moved = schedule.move_session(
        first.pk,
        by=staff,
        starts_at=first.starts_at + dt.timedelta(minutes=30),
        ends_at=first.ends_at + dt.timedelta(minutes=30),
    )
    out["sessions_moved"] = _sent(
        lambda: emails.sessions_moved(run.pk, [[moved.pk, moved.sequence]])
    )
    cancel_session(second.pk, by=staff, reason="The trainer is ill")
    out["session_cancelled"] = _sent(
        lambda: emails.session_cancelled(second.pk, "The trainer is ill")
    )
    services.cancel_enrolment(place.pk, by=staff)
    out["cancellation"] = _sent(lambda: emails.cancellation(place.pk))

    # A place passed to a colleague, then moved to another date of the same course.
    passing = course_run()
    (given,) = bookings.enrolments(bookings.book(passing, tom, school=school, booked_by=staff))
    services.substitute_delegate(given.pk, by=staff, new_delegate=lead)
    before = len(mail.outbox)
    # Tom, Lena (now the delegate) and whoever booked (staff here) each hear of it.
    assert emails.place_passed_on(given.pk, tom.pk) == 3
    out["place_passed_on_from"], out["place_passed_on_to"], out["place_passed_on_school"] = (
        mail.outbox[before : before + 3]
    )
    later = courses.run(passing.course, days=(PRICE_DAYS,), venue=courses.venue("St Mary's Hall"))
    moved_to = services.transfer_enrolment(given.pk, to_run_id=later.pk, by=staff)
    before = len(mail.outbox)
    assert emails.place_moved(given.pk, moved_to.pk) == 2
    out["place_moved"], out["place_moved_school"] = mail.outbox[before : before + 2]

    # A CPD lead reserves three places, names Tom, is reminded, and the other two go.
    held = course_run()
    reservation = services.reserve_places(
        held.pk, school=school, by=lead, places_wanted=3, terms_accepted=True
    )
    out["reservation_confirmed"] = _sent(lambda: emails.reservation_confirmed(reservation.pk))
    services.name_reserved_place(reservation.pk, by=lead, person=tom)
    out["reservation_reminder"] = _sent(lambda: emails.reservation_reminder(reservation.pk))
    gone = services.release_unnamed_places(reservation.pk, now=services.name_by(held))
    out["reservation_released"] = _sent(
        lambda: emails.reservation_released(reservation.pk, gone, False)
    )

    # A teacher's own booking at a school whose CPD lead approves them.
    school.bookings_need_approval = True
    school.save()
    asked = bookings.book(
        run, ada, school=school, booked_by=ada, source=Booking.Source.WEB, terms_accepted=True
    )
    (pending,) = bookings.enrolments(asked)
    assert pending.status == Enrolment.Status.PENDING_APPROVAL
    out["approval_pending"] = _sent(lambda: emails.approval_pending(asked.pk))
    out["approval_request"] = _sent(lambda: emails.approval_request(asked.pk))
    services.decide_enrolment(pending.pk, by=lead, approve=True)
    out["approval_decision"] = _sent(lambda: emails.approval_decision(pending.pk))

    # Above the school's spend limit (£100.00; the place is £120.00 net) the finance contact
    # approves the money after the lead; they decline, with a reason.
    school.approval_spend_threshold = "100.00"
    school.save()
    accounts.member(
        school, "finance", email=f"bursar@{school.domains[0]}", first_name="Fay", last_name="Bursar"
    )
    (dear,) = bookings.enrolments(
        bookings.book(
            run, tom, school=school, booked_by=tom, source=Booking.Source.WEB, terms_accepted=True
        )
    )
    services.decide_enrolment(dear.pk, by=lead, approve=True)
    out["finance_approval_request"] = _sent(lambda: emails.finance_approval_request(dear.pk))
    out["approval_passed_to_finance"] = _sent(lambda: emails.approval_passed_to_finance(dear.pk))
    fay = school.memberships.get(is_finance=True).user
    services.decide_enrolment(dear.pk, by=fay, approve=False, reason="Over this term's budget")
    out["approval_declined"] = _sent(lambda: emails.approval_decision(dear.pk))
    school.approval_spend_threshold = None
    school.save()

    # A full online run: the waiting list, an offer, and an offer that lapses.
    full = course_run(capacity=1, online=True)
    taken = bookings.book(full, lead, school=school, booked_by=staff)
    entry = services.join_waiting_list(full.pk, person=tom, school=school, added_by=tom)
    out["waiting_list_joined"] = _sent(lambda: emails.waiting_list_joined(entry.pk))
    services.cancel_enrolment(bookings.enrolments(taken)[0].pk, by=staff)
    (offer,) = services.offer_next_place(full.pk)
    out["offer"] = _sent(lambda: emails.waiting_list_offer(offer.pk))
    services.offer_next_place(full.pk, now=offer.offer_expires_at + dt.timedelta(minutes=1))
    out["offer_expired"] = _sent(lambda: emails.offer_expired(offer.pk))

    # The CPD lead puts two colleagues on a full run's list as a group; one place comes up.
    packed = course_run(capacity=1)
    held = bookings.book(packed, tom, school=school, booked_by=staff)
    group = services.join_waiting_list_as_group(
        packed.pk, people=[ada, lead], school=school, lead=lead
    )
    out["waiting_list_joined_group"] = _sent(lambda: emails.waiting_list_joined(group.pk))
    services.cancel_enrolment(bookings.enrolments(held)[0].pk, by=staff)
    (group_offer,) = services.offer_next_place(packed.pk)
    out["offer_group"] = _sent(lambda: emails.waiting_list_offer(group_offer.pk))

    # The service calls a run off.
    called_off = course_run()
    bookings.book(called_off, ada, school=school, booked_by=staff)
    services.cancel_run(called_off.pk, by=staff, reason="Too few bookings")
    out["run_cancelled"] = _sent(lambda: emails.run_cancelled(called_off.pk, "Too few bookings"))

    # After the course: one came, one did not.
    after = course_run()
    came, missed = bookings.enrolments(
        bookings.book(after, tom, ada, school=school, booked_by=staff)
    )
    Enrolment.objects.filter(pk=came.pk).update(status=Enrolment.Status.ATTENDED)
    Enrolment.objects.filter(pk=missed.pk).update(status=Enrolment.Status.NO_SHOW)
    out["no_shows"] = _sent(lambda: emails.no_show_notices(after.pk))
    evaluation = Evaluation.objects.create(enrolment=came)
    out["evaluation_request"] = _sent(lambda: emails.evaluation_request(evaluation.pk))
    follow_up = ImpactFollowUp.objects.create(enrolment=came)
    before = len(mail.outbox)
    assert emails.impact_follow_up(follow_up.pk) == 2
    out["impact_delegate"], out["impact_lead"] = mail.outbox[before : before + 2]

    # Joining a school, and being added to one.
    outsider = accounts.user("newcomer@elsewhere.example", first_name="Nia")
    outcome = account_services.request_to_join(outsider, school)
    out["join_request"] = _sent(
        lambda: account_emails.send_join_request_to_leads(outcome.request.pk)
    )
    account_services.decide_join_request(outcome.request.pk, by=lead, approve=True)
    out["join_decision"] = _sent(lambda: account_emails.send_join_decision(outcome.request.pk))
    invited = accounts.user("invited@elsewhere.example", first_name="Ivy")
    invited.set_unusable_password()
    invited.save()
    out["invitation"] = _sent(
        lambda: account_emails.send_invitation(invited.pk, school.pk, lead.pk)
    )

    # allauth's own, from its pages: forgetting a password.
    out["password_reset"] = _sent(
        lambda: (
            client.post(reverse("account_reset_password"), {"email": tom.email}).status_code == 302
        )
    )

    # Money: an invoice, its reminder, a payment and its receipt.
    billing.finance_contact(school, first_name="Fin")
    invoice = billing.issued_statement(school, booked_by=staff)
    out["invoice_issued"] = _sent(lambda: billing_emails.invoice_issued(invoice.pk))
    out["invoice_reminder"] = _sent(
        lambda: billing_emails.overdue_reminder(invoice.pk, 0, today=invoice.due_on)
    )
    attempt = CheckoutAttempt.objects.create(
        invoice=invoice,
        attempt=1,
        amount=invoice.gross,
        session_id="cs_test_emails",
        url="https://checkout.stripe.example/cs_test_emails",
        failed_at=timezone.now(),
    )
    out["stripe_payment_failed"] = _sent(lambda: billing_emails.stripe_payment_failed(attempt.pk))
    payment = record_payment(invoice, invoice.gross, method=Payment.Method.BACS, by=staff)
    out["receipt"] = _sent(lambda: billing_emails.receipt(payment.pk))
    note = issue_credit_note(
        invoice, [(invoice.lines.first(), invoice.net)], reason="Course moved online", by=staff
    )
    out["credit_note_issued"] = _sent(lambda: billing_emails.credit_note_issued(note.pk))
    out["stripe_refund_unmatched"] = _sent(
        lambda: billing_emails.stripe_refund_unmatched(payment.pk, invoice.gross)
    )

    # A partnership whose leads approve its budget's spending, with a school of its own (one
    # without credit): its CPD lead books a teacher; the consortium's lead is asked, declines.
    school = accounts.school("St Bede's Primary School")
    lead = accounts.member(school, "cpd_lead", first_name="Lena", last_name="Lead")
    ada = accounts.member(school, first_name="Ada", last_name="Teach")
    partnership = billing.consortium_budget("St Anne's Partnership", school)
    partnership.consortium.budget_needs_approval = True
    partnership.consortium.save()
    adjust_credit(partnership, Decimal("500.00"), reason="Partnership pot", by=None)
    chair = accounts.user("chair@partnership.example", first_name="Cara", last_name="Chair")
    ConsortiumMembership.objects.create(user=chair, consortium=partnership.consortium)
    (budgeted,) = bookings.enrolments(
        bookings.book(
            course_run(), ada, school=school, booked_by=lead, source=Booking.Source.WEB,
            terms_accepted=True,
        )
    )  # fmt: skip
    assert budgeted.approval_stage == Enrolment.ApprovalStage.CONSORTIUM
    out["consortium_approval_request"] = _sent(lambda: emails.finance_approval_request(budgeted.pk))
    out["approval_passed_to_consortium"] = _sent(
        lambda: emails.approval_passed_to_finance(budgeted.pk)
    )
    services.decide_enrolment(budgeted.pk, by=chair, approve=False, reason="Pot kept for SEND")
    out["budget_declined"] = _sent(lambda: emails.approval_decision(budgeted.pk))
    return out
