"""Worked examples: prepaid credit from sale to credit note, every figure worked by hand.

The rule (docs/vat.md): prepaid credit is a voucher, VAT Act 1994 Schedule 10B. A
multi-purpose voucher (MPV) is outside the scope of VAT when sold (para 7) and each place it
pays for bears its own course's VAT; a single-purpose voucher (SPV) bears 20% when sold
(para 4) and the places it pays for are not a new supply (para 5), so they bear none. The
money is deferred income (2410-DEF) until a place is charged; the income report counts the
place, once, on its course's strand, and the ledger's "Credit redeemed" journal moves the
credit that paid it from deferred income to debtors (1100-DEB). VAT is 20%, per line, half-up
to the penny.

The school and the courses, as finance and the programme set them:

- Riverside Academy, a partner-area academy: band "Partner-area academies", 110% of the list
  price; invoiced per booking; no credit before the package.
- The standard-rated course (Improving teaching and learning, 4101-ITL): list £172.50, so
  Riverside pays 172.50 × 110% = £189.75 a place; VAT 189.75 × 20% = £37.95; gross £227.70.
  Free to cancel until 14 days before; later 35% is charged; a no-show is charged 50%. Its run
  starts in 5 days, so a cancellation now is late.
- The exempt course (Developing leadership, 4102-LDR): list £120.00, so 120 × 110% = £132.00,
  no VAT.
- Gold (MPV) is £2,000.00 of credit for £2,000.00; Silver (SPV) £1,000.00 of credit for
  £1,000.00 + VAT.

| example | what happens | VAT charged | credit left | income |
|---|---|---|---|---|
| MPV sold | Gold £2,000 outside the scope | 0.00 | 2,000.00 | 0.00 |
| MPV standard place | £189.75 + £37.95, credit pays £227.70 | 37.95 | 1,772.30 | 189.75 |
| MPV exempt place | £132.00, credit pays £132.00 | 0.00 | 1,868.00 | 132.00 |
| MPV late cancellation | 35% kept, CN £123.34 + £24.67 back | 13.28 | 1,920.31 | 66.41 |
| MPV waived no-show | 50% kept, then waived: two CNs | 0.00 | 2,000.00 | 0.00 |
| MPV credit by hand | finance credits £50 + £10 | 27.95 | 1,832.30 | 139.75 |
| SPV sold | Silver £1,000 + £200 VAT | 200.00 | 1,000.00 | 0.00 |
| SPV standard place | £189.75, no VAT, credit pays £189.75 | 200.00 | 810.25 | 189.75 |
| SPV exempt place | not the voucher's: £132.00 owed | 200.00 | 1,000.00 | 132.00 |
| SPV late cancellation | 35% kept, CN £123.34 back, no VAT | 200.00 | 933.59 | 66.41 |
| SPV waived no-show | 50% kept, then waived: two CNs | 200.00 | 1,000.00 | 0.00 |
| SPV credit by hand | finance credits £50, no VAT | 200.00 | 860.25 | 139.75 |
| MPV expired | a place, then the date passes: 1,772.30 expires | 37.95 | 0.00 | 189.75 |
| SPV expired | the date passes: all 1,000 expires, VAT stands | 200.00 | 0.00 | 0.00 |

Each row is an `Example` in EXAMPLES below, with its arithmetic. The ledger and the income
report are read as finance reads them: the admin's ledger-export CSVs and the income report's
CSV, as a finance officer, before the package is sold and after the last step.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from billing import services
from billing.models import (
    CreditEntry,
    Invoice,
    InvoiceLine,
    Package,
    PriceBand,
)
from bookings import attendance
from bookings import services as bookings
from bookings.models import Enrolment
from courses.models import Session
from tests import people as via
from tests.factories import courses

D = Decimal
MPV, SPV = "multi", "single"
STANDARD, EXEMPT = "standard", "exempt"
ITL, LDR = "4101-ITL", "4102-LDR"  # the strands' income codes, as in the demo
DEF, DEB = "2410-DEF", "1100-DEB"  # BillingSettings: deferred income, debtors
EXP = "4199-EXP"  # BillingSettings: income from prepaid credit that expired unspent
TEACHING, LEADERSHIP = "Improving teaching and learning", "Developing leadership"


# --- what finance reads ------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceRow:
    """A row of the ledger's "Invoices" export: status, line, code, VAT treatment and rate, net,
    VAT, gross. `line` is how the line's description begins."""

    status: str
    line: str
    code: str
    treatment: str
    rate: str
    net: str
    vat: str
    gross: str


@dataclass(frozen=True)
class CreditNoteRow:
    """A row of the "Credit notes" export: reason, the credited line's code, treatment and rate,
    net, VAT, gross, and where the money went."""

    reason: str
    code: str
    treatment: str
    rate: str
    net: str
    vat: str
    gross: str
    settlement: str


@dataclass(frozen=True)
class Journal:
    """A row of the "Credit redeemed" journal: source, debit code, credit code, the place's
    income code, amount."""

    source: str
    debit: str
    credit: str
    income_code: str
    amount: str


@dataclass(frozen=True)
class Example:
    name: str
    voucher: str
    steps: tuple  # (what, course, *args): World methods, in order, after the sale
    invoices: tuple  # every invoice row the example adds to the export, the sale's first
    credit_notes: tuple = ()
    journal: tuple = ()
    vat: str = "0.00"  # VAT on the invoices less VAT on the credit notes
    income: dict = field(default_factory=dict)  # strand → income the example adds
    credit_left: str = "0.00"
    owed: str = "0.00"  # still owed on the example's invoices


KEPT = "Kept as account credit"
GOLD_SALE = InvoiceRow(
    "Issued", "Gold worked package", DEF, "outside_scope", "0.00", "2000.00", "0.00", "2000.00"
)
SILVER_SALE = InvoiceRow(
    "Issued", "Silver worked package", DEF, "standard", "20.00", "1000.00", "200.00", "1200.00"
)  # 1,000 × 20% = 200
# A standard-rated place: 172.50 × 110% = 189.75; MPV: VAT 189.75 × 20% = 37.95, 227.70.
MPV_STANDARD = InvoiceRow("Paid", "Place:", ITL, "standard", "20.00", "189.75", "37.95", "227.70")
# SPV: no VAT on the place, accounted for when the voucher was sold.
SPV_STANDARD = InvoiceRow("Paid", "Place:", ITL, "voucher_paid", "0.00", "189.75", "0.00", "189.75")
MPV_REDEEMED = Journal("Prepaid credit", DEF, DEB, ITL, "227.70")
SPV_REDEEMED = Journal("Single-purpose voucher", DEF, DEB, ITL, "189.75")
MPV_RETURN = "Returned by credit note"
SPV_RETURN = "Returned by credit note to the single-purpose voucher"

EXAMPLES = [
    # --- Gold: a multi-purpose voucher -----------------------------------------------------
    Example(
        "MPV sold",
        MPV,
        steps=(),
        invoices=(GOLD_SALE,),  # Dr debtors 2,000 / Cr deferred income 2,000; no VAT
        vat="0.00",
        income={},  # the sale is deferred income, never income
        credit_left="2000.00",
        owed="2000.00",  # the package invoice, not yet paid
    ),
    Example(
        "MPV standard-rated place",
        MPV,
        steps=(("book", STANDARD),),
        invoices=(GOLD_SALE, MPV_STANDARD),
        journal=(MPV_REDEEMED,),  # the credit pays the gross: 189.75 + 37.95
        vat="37.95",
        income={TEACHING: "189.75"},
        credit_left="1772.30",  # 2,000 − 227.70
        owed="2000.00",
    ),
    Example(
        "MPV exempt place",
        MPV,
        steps=(("book", EXEMPT),),
        # 120 × 110% = 132.00, exempt: no VAT, gross 132.00
        invoices=(
            GOLD_SALE,
            InvoiceRow("Paid", "Place:", LDR, "exempt", "0.00", "132.00", "0.00", "132.00"),
        ),
        journal=(Journal("Prepaid credit", DEF, DEB, LDR, "132.00"),),
        vat="0.00",
        income={LEADERSHIP: "132.00"},
        credit_left="1868.00",  # 2,000 − 132
        owed="2000.00",
    ),
    Example(
        "MPV late cancellation",
        MPV,
        steps=(("book", STANDARD), ("cancel", STANDARD)),
        invoices=(GOLD_SALE, MPV_STANDARD),
        # Charge 35% of 189.75 = 66.4125 → 66.41. Credited 189.75 − 66.41 = 123.34, VAT
        # 123.34 × 20% = 24.668 → 24.67, gross 148.01; the place was paid, so it goes back.
        credit_notes=(
            CreditNoteRow(
                "Place cancelled", ITL, "standard", "20.00", "123.34", "24.67", "148.01", KEPT
            ),
        ),
        # Back to prepaid credit, a liability again: Dr debtors / Cr deferred income.
        journal=(MPV_REDEEMED, Journal(MPV_RETURN, DEB, DEF, ITL, "148.01")),
        vat="13.28",  # 37.95 − 24.67 = 13.28 = 66.41 × 20% (13.282)
        income={TEACHING: "66.41"},  # 189.75 − 123.34
        credit_left="1920.31",  # 2,000 − 227.70 + 148.01
        owed="2000.00",
    ),
    Example(
        "MPV waived no-show",
        MPV,
        steps=(("book", STANDARD), ("no_show", STANDARD), ("waive", STANDARD)),
        invoices=(GOLD_SALE, MPV_STANDARD),
        credit_notes=(
            # Register closed, absent: 50% of 189.75 = 94.875 → 94.88 kept; credited
            # 189.75 − 94.88 = 94.87, VAT 18.974 → 18.97, gross 113.84.
            CreditNoteRow(
                "Charge reduced", ITL, "standard", "20.00", "94.87", "18.97", "113.84", KEPT
            ),
            # Waived: the 94.88 left, VAT 18.976 → 18.98, gross 113.86.
            CreditNoteRow(
                "No-show charge waived", ITL, "standard", "20.00", "94.88", "18.98", "113.86", KEPT
            ),
        ),
        journal=(
            MPV_REDEEMED,
            Journal(MPV_RETURN, DEB, DEF, ITL, "113.84"),
            Journal(MPV_RETURN, DEB, DEF, ITL, "113.86"),
        ),
        vat="0.00",  # 37.95 − 18.97 − 18.98
        income={TEACHING: "0.00"},  # 189.75 − 94.87 − 94.88
        credit_left="2000.00",  # 2,000 − 227.70 + 113.84 + 113.86
        owed="2000.00",
    ),
    Example(
        "MPV credit note by hand",
        MPV,
        steps=(("book", STANDARD), ("credit_by_hand", STANDARD, "50.00")),
        invoices=(GOLD_SALE, MPV_STANDARD),
        # Finance credits £50.00 of the place: VAT 50 × 20% = 10.00, gross 60.00, paid: back.
        credit_notes=(
            CreditNoteRow(
                "Started an hour late", ITL, "standard", "20.00", "50.00", "10.00", "60.00", KEPT
            ),
        ),
        journal=(MPV_REDEEMED, Journal(MPV_RETURN, DEB, DEF, ITL, "60.00")),
        vat="27.95",  # 37.95 − 10.00
        income={TEACHING: "139.75"},  # 189.75 − 50.00
        credit_left="1832.30",  # 2,000 − 227.70 + 60.00
        owed="2000.00",
    ),
    # --- Silver: a single-purpose voucher --------------------------------------------------
    Example(
        "SPV sold",
        SPV,
        steps=(),
        invoices=(SILVER_SALE,),  # Dr debtors 1,200 / Cr deferred income 1,000, Cr VAT 200
        vat="200.00",
        income={},
        credit_left="1000.00",
        owed="1200.00",
    ),
    Example(
        "SPV standard-rated place",
        SPV,
        steps=(("book", STANDARD),),
        invoices=(SILVER_SALE, SPV_STANDARD),
        journal=(SPV_REDEEMED,),  # the credit pays the net, 189.75
        vat="200.00",  # on the voucher only
        income={TEACHING: "189.75"},
        credit_left="810.25",  # 1,000 − 189.75
        owed="1200.00",
    ),
    Example(
        "SPV exempt place",
        SPV,
        steps=(("book", EXEMPT),),
        # Not the voucher's to pay (it buys standard-rated places only): invoiced, owed.
        invoices=(
            SILVER_SALE,
            InvoiceRow("Issued", "Place:", LDR, "exempt", "0.00", "132.00", "0.00", "132.00"),
        ),
        vat="200.00",
        income={LEADERSHIP: "132.00"},
        credit_left="1000.00",
        owed="1332.00",  # 1,200 + 132
    ),
    Example(
        "SPV late cancellation",
        SPV,
        steps=(("book", STANDARD), ("cancel", STANDARD)),
        invoices=(SILVER_SALE, SPV_STANDARD),
        # 35% of 189.75 = 66.41 kept; 123.34 credited, no VAT either way, back to the voucher.
        credit_notes=(
            CreditNoteRow(
                "Place cancelled", ITL, "voucher_paid", "0.00", "123.34", "0.00", "123.34", KEPT
            ),
        ),
        journal=(SPV_REDEEMED, Journal(SPV_RETURN, DEB, DEF, ITL, "123.34")),
        vat="200.00",
        income={TEACHING: "66.41"},  # 189.75 − 123.34
        credit_left="933.59",  # 1,000 − 189.75 + 123.34
        owed="1200.00",
    ),
    Example(
        "SPV waived no-show",
        SPV,
        steps=(("book", STANDARD), ("no_show", STANDARD), ("waive", STANDARD)),
        invoices=(SILVER_SALE, SPV_STANDARD),
        credit_notes=(
            # 50% of 189.75 = 94.875 → 94.88 kept; 94.87 credited; then the 94.88 waived.
            CreditNoteRow(
                "Charge reduced", ITL, "voucher_paid", "0.00", "94.87", "0.00", "94.87", KEPT
            ),
            CreditNoteRow(
                "No-show charge waived", ITL, "voucher_paid", "0.00", "94.88", "0.00", "94.88", KEPT
            ),
        ),
        journal=(
            SPV_REDEEMED,
            Journal(SPV_RETURN, DEB, DEF, ITL, "94.87"),
            Journal(SPV_RETURN, DEB, DEF, ITL, "94.88"),
        ),
        vat="200.00",
        income={TEACHING: "0.00"},  # 189.75 − 94.87 − 94.88
        credit_left="1000.00",  # 1,000 − 189.75 + 94.87 + 94.88
        owed="1200.00",
    ),
    Example(
        "SPV credit note by hand",
        SPV,
        steps=(("book", STANDARD), ("credit_by_hand", STANDARD, "50.00")),
        invoices=(SILVER_SALE, SPV_STANDARD),
        # £50.00 of a voucher-paid place: no VAT to take back; back to the voucher.
        credit_notes=(
            CreditNoteRow(
                "Started an hour late", ITL, "voucher_paid", "0.00", "50.00", "0.00", "50.00", KEPT
            ),
        ),
        journal=(SPV_REDEEMED, Journal(SPV_RETURN, DEB, DEF, ITL, "50.00")),
        vat="200.00",
        income={TEACHING: "139.75"},  # 189.75 − 50.00
        credit_left="860.25",  # 1,000 − 189.75 + 50.00
        owed="1200.00",
    ),
    # --- expiry: what is left after the use-by date ------------------------------------------
    Example(
        "MPV expired",
        MPV,
        steps=(("book", STANDARD), ("expire",)),
        invoices=(GOLD_SALE, MPV_STANDARD),
        # Gold's use-by date passes with 2,000 − 227.70 = 1,772.30 unspent: it leaves deferred
        # income for the expired-credit income code; no VAT (an unused MPV was never a supply).
        journal=(MPV_REDEEMED, Journal("Expired unused", DEF, EXP, "", "1772.30")),
        vat="37.95",  # the place's only
        income={TEACHING: "189.75"},  # the income report counts places, not expired credit
        credit_left="0.00",
        owed="2000.00",
    ),
    Example(
        "SPV expired",
        SPV,
        steps=(("expire",),),
        invoices=(SILVER_SALE,),
        # All £1,000 unspent expires; the £200 VAT charged on the sale stands (para 4).
        journal=(Journal("Expired unused", DEF, EXP, "", "1000.00"),),
        vat="200.00",
        income={},
        credit_left="0.00",
        owed="1200.00",
    ),
]


# --- the world the examples happen in ----------------------------------------------------------


@dataclass
class Books:
    """The ledger export and the income report as finance downloads them at one moment."""

    invoices: list
    credit_notes: list
    journal: list
    income: dict

    def since(self, before, name):
        """Rows added since `before`, in the export's order."""
        old = Counter(map(tuple, getattr(before, name)))
        new = []
        for row in getattr(self, name):
            if old[tuple(row)]:
                old[tuple(row)] -= 1
            else:
                new.append(row)
        return new


class World:
    """Riverside Academy, the two courses, and the council's staff, made the product's way."""

    def __init__(self, people, runs, on_commit):
        self.on_commit = on_commit  # settlement runs on commit, as in production
        self.school = people["school_b"]
        self.account = services.school_account(self.school)
        self.runs = runs
        self.teachers, self.places = {}, {}
        superuser = via.superuser_client(Client)
        email = "worked.finance@haverleigh.gov.uk"
        via.add_staff_in_wagtail(superuser, email, "Finance officers")
        self.finance = Client()
        via.first_sign_in(self.finance, email)
        self.bookings_officer = via.add_staff_in_wagtail(
            superuser, "worked.bookings@haverleigh.gov.uk", "Bookings officers"
        )

    # what finance does

    def sell(self, voucher):
        name, price = {MPV: ("Gold worked", "2000.00"), SPV: ("Silver worked", "1000.00")}[voucher]
        response = self.finance.post(
            "/admin/billing/packages/new/",
            {
                "name": name,
                "kind": "credits",
                "price": price,
                "discount_percent": "0",
                "credit_amount": price,
                "voucher_type": voucher,
                "nominal_code": "4190-PKG",
            },
        )
        assert response.status_code == 302, response.content[-2000:]
        response = self.finance.post(
            "/admin/billing/sell-package/",
            {
                "account": self.account.pk,
                "package": Package.objects.get(name=name).pk,
                "starts_on": timezone.localdate().strftime("%d/%m/%Y"),
            },
        )
        assert response.status_code == 302, response.content[-2000:]

    def credit_by_hand(self, course, net):
        line = InvoiceLine.objects.get(enrolment=self.places[course])
        response = self.finance.post(
            f"/admin/billing/correct-invoice/{line.invoice_id}/credit/",
            {"reason": "Started an hour late", f"line_{line.pk}": net},
        )
        assert response.status_code == 302, response.content[-2000:]

    def books(self):
        return Books(
            invoices=self._ledger("invoices"),
            credit_notes=self._ledger("credit-notes"),
            journal=self._ledger("redemptions"),
            income=self._income_by_strand(),
        )

    def _ledger(self, kind):
        today = timezone.localdate().isoformat()
        response = self.finance.get(
            "/admin/billing/ledger-export/", {"start": today, "end": today, "kind": kind}
        )
        assert response.status_code == 200
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]

    def _income_by_strand(self):
        response = self.finance.get(
            "/admin/reports/income/", {"format": "csv", "table": "by-strand"}
        )
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == ["Strand", "Invoiced (net)", "Credit notes (net)", "Income (net)"]
        return {row[0]: D(row[3]) for row in rows[1:]}

    # what the school and the CPD team do

    def book(self, course):
        """A Riverside teacher signs up, joins the school and books their own place."""
        client = Client()
        n = len(self.teachers) + 1
        teacher = via.sign_up(client, f"worked.teacher{n}@riverside-academy.org.uk")
        assert via.join_school(client, self.school).status_code == 302
        booking = bookings.book_places(
            self.runs[course].pk,
            bookings.BookingRequest(
                school=self.school,
                booked_by=teacher,
                terms_accepted=True,
                delegates=[bookings.Delegate(teacher)],
            ),
        )
        assert not booking.pending
        self.teachers[course] = teacher
        self.places[course] = booking.enrolments.get()

    def cancel(self, course):
        bookings.cancel_enrolment(self.places[course].pk, by=self.teachers[course])

    def no_show(self, course):
        """After the course: absent at every session, and the register closed."""
        run = self.runs[course]
        after = run.sessions.order_by("starts_at").last().starts_at + timedelta(hours=1)
        for session in attendance.held_sessions(run):
            attendance.mark_attendance(
                session.pk,
                self.places[course].pk,
                present=False,
                by=self.bookings_officer,
                now=after,
            )
        attendance.close_register(run.pk, by=self.bookings_officer, now=after, notify=False)
        assert Enrolment.objects.get(pk=self.places[course].pk).status == "no_show"

    def expire(self):
        """The day after the package's use-by date, the nightly expiry run."""
        lot = CreditEntry.objects.get(account=self.account, kind="package")
        services.expire_credit(on=lot.use_by + timedelta(days=1))

    def waive(self, course):
        attendance.waive_no_show_charge(
            self.places[course].pk, by=self.bookings_officer, reason="Snow closed the school"
        )


def _run_in(title, slug, code):
    """A bookable run, with no bookings and no fixed band prices, of a new course in the strand
    (made with its income code), so the band's percentage of the list price is what Riverside
    pays."""
    strand = courses.strand(title, slug=slug, nominal_code=code)
    return courses.run(courses.course(strand_page=strand))


def _course_terms(run, *, price, vat, late=0, no_show=0):
    run.capacity = 20
    run.price_override = None
    run.save()
    course = run.course
    course.default_price = D(price)
    course.vat_treatment = vat
    course.free_cancellation_days = 14
    course.late_cancellation_charge_percent = late
    course.no_show_charge_percent = no_show
    course.attendance_rule = "all"
    course.save()


def _start_in(run, days):
    first = run.sessions.order_by("starts_at").first()
    shift = timezone.now() + timedelta(days=days) - first.starts_at
    for s in run.sessions.all():
        Session.objects.filter(pk=s.pk).update(
            starts_at=s.starts_at + shift, ends_at=s.ends_at + shift
        )


@pytest.fixture
def world(people, django_capture_on_commit_callbacks):
    standard = _run_in(TEACHING, "teaching-and-learning", ITL)
    _course_terms(standard, price="172.50", vat="standard", late=35, no_show=50)
    _start_in(standard, 5)  # inside the 14 free days: cancelling now is late
    exempt = _run_in(LEADERSHIP, "leadership", LDR)
    _course_terms(exempt, price="120.00", vat="exempt")
    world = World(
        people,
        {STANDARD: standard, EXEMPT: exempt},
        on_commit=lambda: django_capture_on_commit_callbacks(execute=True),
    )
    # The premises the arithmetic rests on.
    band = services.band_for(world.school)
    assert (band.code, band.percent_of_list_price) == (PriceBand.Code.PARTNER_ACADEMY, 110)
    assert world.account.invoicing == "per_booking"
    assert services.credit_balance(world.account) == 0
    return world


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_worked_example(world, example):
    before = world.books()
    with world.on_commit():
        world.sell(example.voucher)
    for what, *args in example.steps:
        with world.on_commit():
            getattr(world, what)(*args)
    after = world.books()

    invoices = after.since(before, "invoices")
    # number, issued, due, status, customer ref, customer, PO, line, code, treatment, rate,
    # net, VAT, gross
    assert {r[4] for r in invoices} == {"URN 990003"}
    assert len(invoices) == len(example.invoices), invoices
    assert [
        InvoiceRow(r[3], e.line if r[7].startswith(e.line) else r[7], *r[8:14])
        for r, e in zip(invoices, example.invoices, strict=True)
    ] == list(example.invoices)

    notes = after.since(before, "credit_notes")
    # number, issued, invoice, customer ref, customer, reason, line, code, treatment, rate,
    # net, VAT, gross, settlement
    assert [CreditNoteRow(r[5], *r[7:14]) for r in notes] == list(example.credit_notes)

    vat = sum(D(r[12]) for r in invoices) - sum(D(r[11]) for r in notes)
    assert vat == D(example.vat)

    added = {
        strand: after.income[strand] - before.income.get(strand, D(0))
        for strand in after.income
        if strand != "Total"
        and (after.income[strand] != before.income.get(strand) or strand in example.income)
    }
    assert added == {strand: D(amount) for strand, amount in example.income.items()}
    assert after.income["Total"] - before.income["Total"] == sum(
        (D(a) for a in example.income.values()), D(0)
    )

    assert services.credit_balance(world.account) == D(example.credit_left)
    owed = sum(
        services.outstanding(i) for i in Invoice.objects.filter(number__in={r[0] for r in invoices})
    )
    assert owed == D(example.owed)

    # Riverside's rows: the expiry run would also expire any other school's credit that day.
    journal = [r for r in after.since(before, "journal") if r[2] == "URN 990003"]
    # date, document, customer ref, customer, place, source, debit, credit, income code, amount
    assert [Journal(*r[5:10]) for r in journal] == list(example.journal)

    # Posted as finance posts them, the exports balance: the debtors account holds what the
    # school owes, and deferred income the credit it holds (nobody paid anything here).
    def posted(code):
        """The code's balance, debits positive, from the rows this example added."""
        return (
            sum(D(r[13]) for r in invoices if code == DEB)  # Dr debtors, gross
            - sum(D(r[11]) for r in invoices if r[8] == code)  # Cr the line's code, net
            + sum(D(r[10]) for r in notes if r[7] == code)  # Dr the line's code, net
            - sum(D(r[12]) for r in notes if code == DEB)  # Cr debtors, gross
            + sum(D(r[9]) for r in journal if r[6] == code)
            - sum(D(r[9]) for r in journal if r[7] == code)
        )

    assert posted(DEB) == D(example.owed)
    assert -posted(DEF) == D(example.credit_left)
