"""Settlement: from what happened to places to invoices and credit notes. It listens to
bookings (receivers.py) and settles through billing's services, so billing never reads a
booking. Every function is safe to run again: it brings invoicing in line with each place's
charge (bookings.charges.charge_due), and a second run issues nothing."""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import School
from billing.models import ZERO, Account, CreditEntry, CreditNoteLine, Invoice, InvoiceLine
from billing.services import (  # billing's own helpers for settling, shared with this app alone
    SPV_PLACE,
    IncompleteBillingAddress,
    InvoicingReport,
    _and,
    _line,
    _live_lines,
    _lock,
    _release_draws,
    _sums_by_enrolment,
    billed_account,
    issue_credit_note,
    issue_invoice,
    period_bounds,
    total,
    vat_on,
)
from bookings.charges import charge_due
from bookings.models import Booking, Enrolment
from courses.models import CoursePage, StrandPage

log = logging.getLogger(__name__)


def _charge_description(enrolment, net):
    run = enrolment.run
    if enrolment.released_from_id:
        # Nobody's place: the lead who reserved it is its delegate only for the record.
        released = timezone.localdate(enrolment.cancelled_at)
        return (
            f"Unnamed reserved place, released {released.day} {released:%B %Y}: "
            f"late-cancellation charge — {run.course.title} ({run.reference})"
        )
    what = f"{run.course.title} ({run.reference}) — {enrolment.delegate}"
    due = enrolment.price
    if enrolment.status == "no_show" and net < due:
        return f"No-show charge: {what}"
    if enrolment.status == "no_show":
        return f"Place (did not attend): {what}"
    if enrolment.status == "cancelled":
        return f"Late-cancellation charge: {what}"
    return f"Place: {what}"


def _creditable_lines(enrolment):
    """The place's invoice lines with something left to credit, newest first."""
    for line in _live_lines(enrolment).select_related("invoice").order_by("-pk"):
        left = line.net - total(line.credit_lines, "net")
        if left > 0:
            yield line, left


def _settle_locked(account, enrolments, *, invoice_charges, on, booking=None, period=""):
    """Bring each place's invoicing in line with its charge. Caller holds the account lock.
    What was invoiced, credited and drawn is read for all the places at once."""
    enrolments = list(enrolments)
    ids = [e.pk for e in enrolments]
    invoiced = _sums_by_enrolment(
        InvoiceLine.objects.filter(enrolment__in=ids).exclude(
            invoice__status=Invoice.Status.DRAFT  # a void one counts, as its credit note does
        ),
        "net",
    )
    credited = _sums_by_enrolment(CreditNoteLine.objects.filter(enrolment__in=ids), "net")
    held = {}
    by_voucher = set()  # places a single-purpose voucher pays for
    for pk, single, amount in (
        CreditEntry.objects.filter(
            enrolment__in=ids, invoice__isnull=True, kind__in=["draw", "release"]
        )
        .values("enrolment", "single_purpose")
        .annotate(t=Sum("amount"))
        .values_list("enrolment", "single_purpose", "t")
    ):
        held[pk] = held.get(pk, ZERO) + amount
        if single and amount < 0:
            by_voucher.add(pk)
    to_invoice = []
    to_credit = {}
    for enrolment in enrolments:
        due = charge_due(enrolment)
        gap = due - (invoiced.get(enrolment.pk, ZERO) - credited.get(enrolment.pk, ZERO))
        if gap > 0 and invoice_charges:
            to_invoice.append((enrolment, gap))
        elif gap < 0:
            need = -gap
            for line, left in _creditable_lines(enrolment):
                take = min(left, need)
                to_credit.setdefault(line.invoice, []).append((line, take))
                need -= take
                if need == 0:
                    break
        if due == 0 and enrolment.pk not in invoiced and held.get(enrolment.pk, ZERO) < 0:
            # Never charged: give back what it drew at booking.
            _release_draws(enrolment, enrolment.price + vat_on(enrolment.price, enrolment.vat_rate))
    notes = [
        issue_credit_note(invoice, lines, reason=_credit_reason(lines), on=on)
        for invoice, lines in to_credit.items()
    ]
    invoice = None
    if to_invoice:
        po_numbers = {e.booking.po_number for e, _ in to_invoice if e.booking.po_number}
        invoice = Invoice.objects.create(
            account=account,
            booking=booking,
            period=period,
            po_number=", ".join(sorted(po_numbers))[:80],
        )
        codes = _nominal_codes({e.run.course_id for e, _ in to_invoice})
        InvoiceLine.objects.bulk_create(
            [
                _place_line(invoice, enrolment, net, codes, period, enrolment.pk in by_voucher)
                for enrolment, net in to_invoice
            ]
        )
        invoice = issue_invoice(invoice, on=on)
    return invoice, notes


def _place_line(invoice, enrolment, net, codes, period, by_voucher):
    """An unsaved line charging `net` for a place. A place a single-purpose voucher pays for
    is not a new supply for VAT (Sch 10B para 5): no VAT on it, and the line says why."""
    description = _charge_description(enrolment, net)
    if period and enrolment.booking.po_number:
        description += f" (PO {enrolment.booking.po_number})"
    if by_voucher:
        treatment, rate = "voucher_paid", ZERO
        description += f". {SPV_PLACE}"
    else:
        rate = enrolment.vat_rate
        treatment = enrolment.run.course.vat_treatment if rate == 0 else "standard"
    return _line(
        invoice,
        description=description,
        net=net,
        vat_treatment=treatment,
        vat_rate=rate,
        enrolment=enrolment,
        nominal_code=codes.get(enrolment.run.course_id, ""),
    )


def _credit_reason(lines):
    enrolment = lines[0][0].enrolment
    if enrolment is None:
        return "Correction"
    run = enrolment.run
    if run.status == "cancelled":
        return f"{run.reference} was cancelled by the service"
    if enrolment.charge_waived and enrolment.status == "no_show":
        return "No-show charge waived"
    if enrolment.charge_waived:
        return "Charge waived: the place was refilled"
    if enrolment.released_from_id:
        return "Unnamed reserved place: charge reduced"
    if enrolment.status == "cancelled":
        return "Place cancelled"
    return "Charge reduced"


def _nominal_codes(course_ids):
    """Each course's strand's ledger code, for a set of courses, in two queries."""
    paths = dict(CoursePage.objects.filter(pk__in=course_ids).values_list("pk", "path"))
    step = StrandPage.steplen
    strands = dict(
        StrandPage.objects.filter(
            path__in={p[: len(p) - step] for p in paths.values()}
        ).values_list("path", "nominal_code")
    )
    return {pk: strands.get(path[: len(path) - step], "") for pk, path in paths.items()}


def _enrolments(**filters):
    return (
        Enrolment.objects.filter(**filters)
        .select_related("booking__school__local_authority", "run__course", "delegate")
        .order_by("pk")
    )


def settle_booking(booking_id, *, on=None):
    """After anything happens to a booking's places: invoice new charges (for accounts invoiced
    per booking), credit reduced ones, and release unused credit. Safe to run again and again.

    An account with no complete billing address is left as it was (nothing issued, nothing
    half-done): the booking goes ahead, and the monthly run lists the account as skipped."""
    try:
        return _settle_booking(booking_id, on=on)
    except IncompleteBillingAddress as refusal:
        log.warning("Booking %s not settled: %s", booking_id, refusal)
        return None, []


def _settle_booking(booking_id, *, on=None):
    on = on or timezone.localdate()
    booking = Booking.objects.select_related("school__trust").get(pk=booking_id)
    account = billed_account(booking.school)
    with transaction.atomic():
        (account,) = _lock([account.pk])
        per_booking = account.invoicing == Account.Invoicing.PER_BOOKING
        return _settle_locked(
            account,
            _enrolments(booking=booking),
            invoice_charges=per_booking,
            on=on,
            booking=booking if per_booking else None,
        )


def settle_run(run_id, *, on=None):
    """Settle every booking on a run, e.g. after the provider cancels it."""
    results = []
    for booking_id in Booking.objects.filter(run_id=run_id).values_list("pk", flat=True):
        results.append(settle_booking(booking_id, on=on))
    return results


def accounts_to_invoice(period):
    """Accounts with places confirmed before the period ends, for the monthly run."""
    _, end = period_bounds(period)
    schools = (
        _enrolments(created_at__date__lt=end).values_list("booking__school", flat=True).distinct()
    )
    accounts = {billed_account(s).pk for s in School.objects.filter(pk__in=schools)}
    return list(Account.objects.filter(pk__in=accounts).order_by("pk"))


def run_invoicing(period, *, progress=None, on=None):
    """The monthly run, for places confirmed before the end of `period`: one statement invoice
    per account on monthly invoicing, and for accounts invoiced per booking, any booking whose
    invoice was missed. Reduced charges are credited. Re-running issues nothing new."""
    start, end = period_bounds(period)
    on = on or min(timezone.localdate(), end - timedelta(days=1))
    report = InvoicingReport(period=period)
    accounts = accounts_to_invoice(period)
    for done, account in enumerate(accounts, start=1):
        if account.kind == Account.Kind.SCHOOL:
            schools = [account.school_id]
        else:
            schools = School.objects.filter(trust=account.trust_id).values_list("pk", flat=True)
        try:
            results = _settle_account(account, schools, period, end, on)
        except IncompleteBillingAddress as refusal:
            # Nothing of this account's is issued (its transaction rolled back); the others go on.
            report.skipped.append((refusal.account.name, f"missing {_and(refusal.missing)}"))
            results = []
        report.accounts += 1
        for invoice, notes in results:
            report.credit_notes += len(notes)
            if invoice:
                report.invoices += 1
                report.gross += invoice.gross
        if progress:
            progress(done, len(accounts))
    return report


def _settle_account(account, schools, period, end, on):
    if account.invoicing == Account.Invoicing.MONTHLY:
        with transaction.atomic():
            (account,) = _lock([account.pk])
            return [
                _settle_locked(
                    account,
                    _enrolments(booking__school__in=schools, created_at__date__lt=end),
                    invoice_charges=True,
                    on=on,
                    period=period,
                )
            ]
    bookings = Booking.objects.filter(school__in=schools, created_at__date__lt=end)
    return [_settle_booking(pk, on=on) for pk in bookings.values_list("pk", flat=True)]
