"""From what happens to places to invoices, credit notes and credit: settlement."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import services
from billing.models import (
    Account,
    CreditEntry,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payment,
)
from bookings import services as bookings
from bookings.admin_views import run_enrolments
from bookings.attendance import cpd_record, waive_no_show_charge
from bookings.calendar import feed_calendar, feed_for
from bookings.models import Enrolment
from bookings.privacy import personal_data
from courses.models import Session
from settlement import services as settlement
from tests.factories import billing, cast

from .addresses import trust_account

D = Decimal


_before = {}


@pytest.fixture(autouse=True)
def _only_new_invoices(db):
    """These tests look only at the invoices they make (a school may hold older ones)."""
    _before["invoice"] = Invoice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _invoices(school):
    return Invoice.objects.filter(
        account=services.billed_account(school), pk__gt=_before["invoice"]
    )


def _move_start(run, days):
    first = run.sessions.order_by("starts_at").first()
    shift = timezone.now() + dt.timedelta(days=days) - first.starts_at
    for s in run.sessions.all():
        Session.objects.filter(pk=s.pk).update(
            starts_at=s.starts_at + shift, ends_at=s.ends_at + shift
        )


def test_a_confirmed_booking_is_invoiced_once_with_vat_and_po(priced_run, school, book, on_commit):
    with on_commit():
        booking = book(priced_run, school, n=2, po_number="PO-7781")
    invoice = _invoices(school).get()
    year = timezone.localdate().year
    assert invoice.number.startswith(f"CPD-{year}-") and len(invoice.number) == len(
        f"CPD-{year}-000001"
    )
    assert invoice.booking == booking and invoice.po_number == "PO-7781"
    # Riverside is a partner academy: 110 % of £200.
    assert [(line.net, line.vat, line.gross) for line in invoice.lines.all()] == [
        (D("220.00"), D("44.00"), D("264.00"))
    ] * 2
    assert (invoice.net, invoice.vat, invoice.gross) == (D("440.00"), D("88.00"), D("528.00"))
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.due_on == invoice.issued_on + dt.timedelta(days=30)
    # Settling again, however often, changes nothing.
    settlement.settle_booking(booking.pk)
    settlement.settle_booking(booking.pk)
    assert _invoices(school).count() == 1
    assert not CreditNote.objects.filter(invoice__booking=booking).exists()


def test_a_place_waiting_for_approval_is_invoiced_when_approved(priced_run, people, on_commit):
    oakfield = people["school_a"]  # its teachers' own bookings need approval
    account = services.school_account(oakfield)
    account.invoicing = Account.Invoicing.PER_BOOKING
    account.save()
    before = _invoices(oakfield).count()
    with on_commit():
        booking = bookings.book_places(
            priced_run.pk,
            bookings.BookingRequest(
                school=oakfield,
                booked_by=people["teacher_a"],
                terms_accepted=True,
                delegates=[bookings.Delegate(people["teacher_a"])],
            ),
        )
    enrolment = booking.enrolments.get()
    assert enrolment.status == Enrolment.Status.PENDING_APPROVAL
    assert _invoices(oakfield).count() == before
    with on_commit():
        bookings.decide_enrolment(enrolment.pk, by=people["lead_a"], approve=True)
    line = InvoiceLine.objects.get(enrolment=enrolment)
    assert line.net == D("200.00")


def test_a_free_cancellation_is_credited_in_full(priced_run, school, book, on_commit):
    _move_start(priced_run, 40)
    with on_commit():
        booking = book(priced_run, school, n=1)
    enrolment = booking.enrolments.get()
    invoice = _invoices(school).get()
    with on_commit():
        bookings.cancel_enrolment(enrolment.pk, by=booking.booked_by)
    note = CreditNote.objects.get(invoice=invoice)
    assert note.number.startswith("CN-")
    assert (note.net, note.vat, note.gross) == (D("220.00"), D("44.00"), D("264.00"))
    assert note.returned == 0 and note.settlement == CreditNote.Settlement.REDUCES_BALANCE
    assert services.outstanding(Invoice.objects.get(pk=invoice.pk)) == 0
    assert services.invoiced_net(enrolment) == 0


def test_a_late_cancellation_is_charged_by_the_course_policy(priced_run, school, book, on_commit):
    _move_start(priced_run, 3)
    course = priced_run.course
    course.late_cancellation_charge_percent = 50
    course.save()
    with on_commit():
        booking = book(priced_run, school, n=1)
    enrolment = booking.enrolments.get()
    with on_commit():
        bookings.cancel_enrolment(enrolment.pk, by=booking.booked_by)
    enrolment.refresh_from_db()
    assert enrolment.late_cancellation
    note = CreditNote.objects.get(invoice__booking=booking)
    assert note.net == D("110.00")  # half of £220 credited; half still charged
    assert services.invoiced_net(enrolment) == D("110.00")


def test_a_late_cancellation_refilled_from_the_waiting_list_is_waived(
    priced_run, school, book, staff_of, on_commit
):
    _move_start(priced_run, 3)
    priced_run.capacity = 1
    priced_run.save()
    with on_commit():
        booking = book(priced_run, school, n=1)
    enrolment = booking.enrolments.get()
    (waiting,) = staff_of(school, 1, prefix="wait")
    entry = bookings.join_waiting_list(
        priced_run.pk, person=waiting, school=school, added_by=waiting
    )
    with on_commit():
        bookings.cancel_enrolment(enrolment.pk, by=booking.booked_by)
    assert services.invoiced_net(enrolment) == D("220.00")  # late: charged, for now
    entry.refresh_from_db()
    with on_commit():
        bookings.accept_offer(entry.pk, by=waiting)
    enrolment.refresh_from_db()
    assert enrolment.charge_waived
    assert services.invoiced_net(enrolment) == 0
    assert CreditNote.objects.get(invoice__booking=booking).reason.startswith("Charge waived")


@pytest.mark.parametrize("percent, still_charged", [(100, "220.00"), (0, "0.00")])
def test_a_no_show_is_charged_by_the_course_policy(
    priced_run, school, book, on_commit, percent, still_charged
):
    course = priced_run.course
    course.no_show_charge_percent = percent
    course.save()
    with on_commit():
        booking = book(priced_run, school, n=1)
    enrolment = booking.enrolments.get()
    with on_commit():
        enrolment.status = Enrolment.Status.NO_SHOW
        enrolment.save()
    assert services.invoiced_net(enrolment) == D(still_charged)


def test_a_cancelled_run_credits_everything_invoiced(priced_run, school, book, people, on_commit):
    with on_commit():
        first = book(priced_run, school, n=2)
        second = book(priced_run, school, n=1)
    with on_commit():
        bookings.cancel_run(priced_run.pk, by=people["staff"], reason="Facilitator unwell")
    for booking in (first, second):
        invoice = Invoice.objects.get(booking=booking)
        note = CreditNote.objects.get(invoice=invoice)
        assert note.gross == invoice.gross
        assert "cancelled by the service" in note.reason
        assert services.outstanding(invoice) == 0


def test_a_waived_no_show_charge_is_credited(priced_run, school, book, people, on_commit):
    with on_commit():
        booking = book(priced_run, school, n=1)
    enrolment = booking.enrolments.get()
    with on_commit():
        enrolment.status = Enrolment.Status.NO_SHOW
        enrolment.save()
    assert services.invoiced_net(enrolment) == D("220.00")
    with on_commit():
        waive_no_show_charge(enrolment.pk, by=people["staff"], reason="Snow closed the school")
    assert services.invoiced_net(enrolment) == 0
    note = CreditNote.objects.get(invoice__booking=booking)
    assert note.reason == "No-show charge waived" and note.gross == D("264.00")


def test_a_late_cancellation_charge_is_credited_when_the_service_cancels_the_run(
    priced_run, school, book, people, on_commit
):
    _move_start(priced_run, 3)
    with on_commit():
        booking = book(priced_run, school, n=2)
    late, staying = booking.enrolments.order_by("pk")
    with on_commit():
        bookings.cancel_enrolment(late.pk, by=booking.booked_by)
    assert services.invoiced_net(late) == D("220.00")  # late: charged in full
    with on_commit():
        bookings.cancel_run(priced_run.pk, by=people["staff"], reason="Venue flooded")
    assert services.invoiced_net(late) == 0 and services.invoiced_net(staying) == 0
    invoice = Invoice.objects.get(booking=booking)
    assert services.outstanding(invoice) == 0


def test_a_booking_whose_only_place_was_cancelled_late_is_credited_when_the_run_is_cancelled(
    priced_run, school, book, people, on_commit
):
    _move_start(priced_run, 3)
    with on_commit():
        booking = book(priced_run, school, n=1)
    with on_commit():
        bookings.cancel_enrolment(booking.enrolments.get().pk, by=booking.booked_by)
    with on_commit():
        bookings.cancel_run(priced_run.pk, by=people["staff"], reason="Venue flooded")
    assert services.invoiced_net(booking.enrolments.get()) == 0


def test_the_price_is_the_one_booked_whatever_changes_later(priced_run, school, book, on_commit):
    with on_commit():
        booking = book(priced_run, school, n=1)
    course = priced_run.course
    course.default_price = 999
    course.vat_treatment = "exempt"
    course.save()
    settlement.settle_booking(booking.pk)
    line = InvoiceLine.objects.get(enrolment__booking=booking)
    assert (line.net, line.vat) == (D("220.00"), D("44.00"))


def test_payments_part_pay_then_pay_then_overpay_into_credit(priced_run, school, book, on_commit):
    with on_commit():
        book(priced_run, school, n=1)
    invoice = _invoices(school).get()  # £264.00
    services.record_payment(invoice, D("100.00"), method=Payment.Method.BACS, reference="REM 1")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PART_PAID
    assert services.outstanding(invoice) == D("164.00")
    # A keyed-in £200.00 against £164.00 owed is refused (item 7); the same remittance is
    # allocated instead: £164.00 to the invoice, £36.00 held as credit.
    with pytest.raises(services.BillingError, match="more than the £164.00 still owed"):
        services.record_payment(invoice, D("200.00"), method=Payment.Method.BACS)
    services.record_remittance(
        invoice.account,
        D("200.00"),
        [(invoice, D("164.00"))],
        method=Payment.Method.BACS,
        received_on=timezone.localdate(),
        reference="REM 2",
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and services.outstanding(invoice) == 0
    assert services.credit_balance(invoice.account) == D("36.00")


@pytest.mark.parametrize("amount", [D("0"), D("-5.00"), D("10.001")])
def test_a_bad_payment_amount_is_refused_and_nothing_is_written(
    priced_run, school, book, on_commit, amount
):
    with on_commit():
        book(priced_run, school, n=1)
    invoice = _invoices(school).get()
    with pytest.raises(services.BillingError, match="pounds and pence"):
        services.record_payment(invoice, amount, method=Payment.Method.BACS)
    assert not invoice.payments.exists()


def test_a_credit_note_on_a_paid_invoice_is_held_as_credit_and_used_next_time(
    priced_run, school, book, on_commit
):
    _move_start(priced_run, 40)
    with on_commit():
        booking = book(priced_run, school, n=1)
    invoice = _invoices(school).get()
    services.record_payment(invoice, invoice.gross, method=Payment.Method.BACS)
    with on_commit():
        bookings.cancel_enrolment(booking.enrolments.get().pk, by=booking.booked_by)
    note = CreditNote.objects.get(invoice=invoice)
    assert note.returned == D("264.00")
    assert note.settlement == CreditNote.Settlement.ACCOUNT_CREDIT
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID  # a paid invoice never goes back
    assert services.credit_balance(invoice.account) == D("264.00")
    with on_commit():
        book(priced_run, school, n=1)
    second = _invoices(school).exclude(pk=invoice.pk).get()
    assert second.status == Invoice.Status.PAID
    assert services.credit_balance(invoice.account) == D("0.00")


def test_prepaid_credit_is_drawn_at_booking_and_given_back_when_cancelled_free(
    priced_run, on_commit, book
):
    hilltop = cast.school(990005)  # out of area: £250 + VAT = £300 a place
    account = services.school_account(hilltop)
    account.invoicing = Account.Invoicing.MONTHLY
    account.save()
    start = services.credit_balance(account)
    gold = billing.package("Gold")
    services.buy_package(account, gold, starts_on=timezone.localdate(), by=None)
    assert services.credit_balance(account) == start + D("3000.00")
    _move_start(priced_run, 40)
    with on_commit():
        booking = book(priced_run, hilltop, n=2)
    # Drawn at booking, before any invoice exists (monthly statements).
    assert services.credit_balance(account) == start + D("2400.00")
    assert not Invoice.objects.filter(booking=booking).exists()
    first, second = booking.enrolments.all()
    with on_commit():
        bookings.cancel_enrolment(first.pk, by=booking.booked_by)
    assert services.credit_balance(account) == start + D("2700.00")
    report = settlement.run_invoicing(timezone.localdate().strftime("%Y-%m"))
    assert report.invoices >= 1
    line = InvoiceLine.objects.get(enrolment=second)
    assert line.gross == D("300.00")
    statement = Invoice.objects.get(pk=line.invoice_id)
    assert statement.status == Invoice.Status.PAID
    assert services.total(statement.payments.filter(method="credit"), "applied") == D("300.00")
    assert not InvoiceLine.objects.filter(enrolment=first).exists()
    assert services.credit_balance(account) == start + D("2700.00")


def test_a_consortium_budget_pays_when_the_school_has_no_credit(priced_run, book, on_commit):
    brookvale = cast.school(990004)  # in a special-schools consortium, as in the demo
    budget = billing.consortium_budget("Haverleigh Special Schools Partnership", brookvale)
    # Its Gold package, as the demo sold it: £3,000 of credit.
    services.buy_package(budget, billing.package("Gold"), starts_on=timezone.localdate(), by=None)
    before = services.credit_balance(budget)
    assert before >= D("200.00")
    with on_commit():
        booking = book(priced_run, brookvale, n=1)
    # Brookvale is a partner-area special school: £200 + £40 VAT.
    assert services.credit_balance(budget) == before - D("240.00")
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.status == Invoice.Status.PAID
    entry = CreditEntry.objects.get(enrolment=booking.enrolments.get(), kind="draw")
    assert entry.account == budget and entry.invoice == invoice


def test_a_trust_billed_centrally_receives_its_academies_invoices(
    priced_run, school, book, on_commit
):
    from accounts.models import Trust

    trust = Trust.objects.create(uid="T-9", name="Riverside Learning Trust", billed_centrally=True)
    trust_account(trust)  # finance has set where its invoices go
    school.trust = trust
    school.save()
    with on_commit():
        booking = book(priced_run, school, n=1)
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.account.kind == Account.Kind.TRUST and invoice.account.trust == trust


def test_monthly_accounts_get_one_statement_invoice_and_a_rerun_adds_nothing(
    priced_run, school, book, on_commit
):
    account = services.school_account(school)
    account.invoicing = Account.Invoicing.MONTHLY
    account.save()
    with on_commit():
        first = book(priced_run, school, n=2, po_number="PO-1")
        second = book(priced_run, school, n=1, po_number="PO-2")
    assert not Invoice.objects.filter(account=account, period__gt="").exists()
    period = timezone.localdate().strftime("%Y-%m")
    settlement.run_invoicing(period)
    statement = Invoice.objects.get(account=account, period=period)
    enrolments = set(first.enrolments.all()) | set(second.enrolments.all())
    assert {line.enrolment for line in statement.lines.all()} >= enrolments
    assert statement.po_number == "PO-1, PO-2"
    count = Invoice.objects.count()
    report = settlement.run_invoicing(period)
    assert Invoice.objects.count() == count and report.invoices == 0


def test_run_invoicing_refuses_a_bad_period():
    for bad in ["2026-13", "26-11", "November", "2026-1", ""]:
        with pytest.raises(services.BillingError, match="YYYY-MM"):
            services.period_bounds(bad)


def test_issued_invoices_cannot_be_issued_again_or_credited_beyond_their_lines(
    priced_run, school, book, on_commit
):
    with on_commit():
        book(priced_run, school, n=1)
    invoice = _invoices(school).get()
    with pytest.raises(services.BillingError, match="already issued"):
        services.issue_invoice(invoice)
    line = invoice.lines.get()
    with pytest.raises(services.BillingError, match="left to credit"):
        services.issue_credit_note(invoice, [(line, D("500.00"))], reason="Too much")
    assert not CreditNote.objects.filter(invoice=invoice).exists()


def test_a_package_sold_on_29_february_runs_for_a_year(people):
    account = services.school_account(people["school_b"])
    bronze = billing.package("Bronze")
    held = services.buy_package(account, bronze, starts_on=dt.date(2028, 2, 29), by=None)
    assert held.ends_on == dt.date(2029, 2, 28)


def test_unnamed_reserved_places_released_late_are_charged_as_such_and_are_nobody_s(
    people, client, on_commit
):
    """3 places reserved at £200 + 20% VAT, 1 named; the name-by date falls inside the 14-day
    notice period and the course keeps 50%: the named place is invoiced £200 + £40 VAT, each
    of the 2 unnamed places £100 + £20 VAT (£240 for the two), worded as unnamed places."""
    run = billing.priced_run(
        "200.00",
        capacity=4,
        days=(40,),
        free_cancellation_days=14,
        late_cancellation_charge_percent=50,
    )
    first = run.sessions.get().starts_at
    run.name_by = first - dt.timedelta(days=10)  # notice period starts 14 days before
    run.save()
    oakfield, lead = people["school_a"], people["lead_a"]
    account = services.school_account(oakfield)
    account.invoicing = Account.Invoicing.PER_BOOKING
    account.save()
    with on_commit():
        reservation = bookings.reserve_places(
            run.pk, school=oakfield, by=lead, places_wanted=3, terms_accepted=True
        )
        bookings.name_reserved_place(reservation.pk, by=lead, person=people["teacher_a"])
    assert bookings.release_is_charged(run)
    with on_commit():
        assert bookings.release_unnamed_places(reservation.pk, now=run.name_by) == 2

    lines = InvoiceLine.objects.filter(invoice__booking=reservation.booking).order_by("pk")
    assert [(line.net, line.vat, line.gross) for line in lines] == [
        (D("200.00"), D("40.00"), D("240.00")),
        (D("100.00"), D("20.00"), D("120.00")),
        (D("100.00"), D("20.00"), D("120.00")),
    ]
    assert sum(line.gross for line in lines[1:]) == D("240.00")
    released = timezone.localdate(run.name_by)
    wording = (
        f"Unnamed reserved place, released {released.day} {released:%B %Y}: "
        f"late-cancellation charge — {run.course.title} ({run.reference})"
    )
    assert [line.description for line in lines[1:]] == [wording, wording]
    assert lead.get_full_name() not in "".join(line.description for line in lines[1:])

    # Settling again, by booking or by the monthly run, issues nothing new.
    invoices, notes = Invoice.objects.count(), CreditNote.objects.count()
    settlement.settle_booking(reservation.booking_id)
    settlement.run_invoicing(timezone.localdate().strftime("%Y-%m"))
    assert (Invoice.objects.count(), CreditNote.objects.count()) == (invoices, notes)

    # The lead reserved them but never held them: not in their bookings, feed or record.
    places = Enrolment.objects.filter(released_from=reservation)
    assert places.count() == 2
    assert not Enrolment.objects.of_people().filter(delegate=lead).exists()
    client.force_login(lead)
    page = client.get("/bookings/").content.decode()
    assert run.course.title not in page
    assert run.reference not in feed_calendar(feed_for(lead)).decode()
    assert cpd_record(lead).lines == []
    assert personal_data(lead)["places"] == []
    assert [e.delegate for e in run_enrolments(run)] == [people["teacher_a"]]
    # The school's own list shows what it pays for, as unnamed places.
    school_page = client.get(f"/school/{oakfield.pk}/bookings/?when=all").content.decode()
    assert f"Unnamed reserved place, released {released.day} {released:%B %Y}" in school_page
