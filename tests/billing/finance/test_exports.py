"""The ledger export (invoices, credit notes and payments for a date range, with each strand's
nominal code) and the aged-debt report."""

import csv
import io
from datetime import date, timedelta

import pytest

from accounts import roles
from billing import reports, services
from billing.models import Invoice, Payment
from tests.factories import billing, cast, courses

from .helpers import D, credit, issue


def rows_of(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def officer_client(client, finance_officer):
    client.force_login(finance_officer)
    return client


@pytest.fixture
def october(account_a, invoice_a, people):
    """October 2026: invoice_a (5th), a second invoice (20th), a credit note and a payment; plus
    an invoice on 1 November that an October export must leave out."""
    second = issue(
        services.school_account(people["school_b"]),
        [("Place: Leading maths (LDR-900-1) — Mary Somerville", "333.33", "standard", "4102-LDR")],
        po_number="=CMD|'/c calc'!A0",
        on=date(2026, 10, 20),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.localdate", lambda: date(2026, 10, 25))
        note = credit(invoice_a, [(invoice_a.lines.get(vat_treatment="zero"), D("40.00"))])
        # Keyed on its day (a received date is checked against "today"); £227.00 is owed:
        # £267.00 less the £40.00 credit note.
        patch.setattr("django.utils.timezone.localdate", lambda: date(2026, 10, 28))
        payment = services.record_payment(
            invoice_a, D("200.00"), method=Payment.Method.BACS, received_on=date(2026, 10, 28),
            reference="REM-OCT",
        )  # fmt: skip
    november = issue(account_a, [("Place: later", "10.00", "standard")], on=date(2026, 11, 1))
    return {"invoices": [invoice_a, second], "note": note, "payment": payment, "later": november}


OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}


def test_invoice_csv_has_a_row_per_line_with_nominal_codes_and_balances_to_the_invoices(
    officer_client, october
):
    rows = rows_of(
        officer_client.get("/admin/billing/ledger-export/", {**OCTOBER, "kind": "invoices"})
    )
    assert rows[0] == reports.INVOICE_HEADINGS
    body = rows[1:]
    numbers = {r[0] for r in body}
    assert numbers == {i.number for i in october["invoices"]}
    assert october["later"].number not in numbers
    assert len(body) == 4  # three lines on invoice_a, one on the second
    head = reports.INVOICE_HEADINGS
    by_description = {r[head.index("Line")]: r for r in body}
    phonics = by_description["Place: Phonics that sticks (ITL-900-1) — Ada Lovelace"]
    assert phonics[head.index("Nominal code")] == "4101-ITL"
    assert phonics[head.index("Customer ref")] == f"URN {october['invoices'][0].account.school.urn}"
    assert phonics[head.index("PO number")] == "PO-OAK-7731"
    assert [phonics[head.index(c)] for c in ("VAT rate (%)", "Net", "VAT", "Gross")] == [
        "20.00", "110.00", "22.00", "132.00"
    ]  # fmt: skip
    assert (
        by_description["Place: Inspection briefing (INS-900-1) — Alan Turing"][
            head.index("VAT treatment")
        ]
        == "exempt"
    )
    # Money adds up to the penny, as text, without a float in sight.
    for column, field in (("Net", "net"), ("VAT", "vat"), ("Gross", "gross")):
        assert sum(D(r[head.index(column)]) for r in body) == sum(
            getattr(i, field) for i in october["invoices"]
        )
    # A PO number typed as a spreadsheet formula is written as text.
    maths = by_description["Place: Leading maths (LDR-900-1) — Mary Somerville"]
    assert maths[head.index("PO number")] == "'=CMD|'/c calc'!A0"


def test_credit_note_and_payment_csvs(officer_client, october):
    rows = rows_of(
        officer_client.get("/admin/billing/ledger-export/", {**OCTOBER, "kind": "credit-notes"})
    )
    assert rows[0] == reports.CREDIT_NOTE_HEADINGS
    (row,) = rows[1:]
    head = reports.CREDIT_NOTE_HEADINGS
    assert row[head.index("Credit note number")] == october["note"].number
    assert row[head.index("Invoice number")] == october["invoices"][0].number
    assert row[head.index("Nominal code")] == "4103-DAT"
    assert row[head.index("Gross")] == "40.00"

    rows = rows_of(
        officer_client.get("/admin/billing/ledger-export/", {**OCTOBER, "kind": "payments"})
    )
    assert rows[0] == reports.PAYMENT_HEADINGS
    (row,) = rows[1:]
    head = reports.PAYMENT_HEADINGS
    assert row[head.index("Received")] == "2026-10-28"
    assert row[head.index("Reference")] == "REM-OCT"
    assert row[head.index("Amount")] == "200.00"
    assert row[head.index("Method")] == "BACS remittance"


def test_the_export_page_shows_the_totals_the_csvs_add_up_to(officer_client, october):
    response = officer_client.get("/admin/billing/ledger-export/", OCTOBER)
    summary = response.context["summary"]
    assert summary.invoices == 2
    assert summary.invoice_gross == sum(i.gross for i in october["invoices"])
    assert summary.credit_gross == D("40.00")
    assert summary.payments_received == D("200.00")
    page = response.content.decode()
    assert f"£{summary.invoice_gross:,.2f}" in page
    assert "kind=invoices" in page and "kind=payments" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-10-31", "end": "2026-10-01", "kind": "invoices"}, "on or before"),
        ({"start": "yesterday", "end": "2026-10-01", "kind": "invoices"}, "Enter a valid date"),
        ({"start": "", "end": "2026-10-01", "kind": "invoices"}, "This field is required"),
    ],
)
def test_a_bad_range_is_explained_and_no_csv_is_made(officer_client, october, query, message):
    response = officer_client.get("/admin/billing/ledger-export/", query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()


def test_the_export_needs_billing_permission(client, people):
    client.force_login(people["teacher_a"])
    refused = client.get("/admin/billing/ledger-export/", OCTOBER)
    assert refused.status_code == 403  # told the admin is not for them
    assert not refused.get("Content-Type", "").startswith("text/csv")
    client.force_login(cast.officer(roles.BOOKINGS))
    response = client.get("/admin/billing/ledger-export/", {**OCTOBER, "kind": "invoices"})
    assert response.status_code in (302, 403)
    assert not response.get("Content-Type", "").startswith("text/csv")


# --- outstanding and aged debt -----------------------------------------------------------------


def test_the_database_s_outstanding_matches_the_services(october, people):
    billing.issued_statement(people["school_a"], booked_by=people["staff"])  # one more
    annotated = reports.with_outstanding(Invoice.objects.exclude(status="draft"))
    assert annotated.count() > 3
    for invoice in annotated:
        assert invoice.owed == services.outstanding(invoice), invoice.number


@pytest.mark.parametrize(
    ("days_overdue", "bucket"),
    [(-5, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
     (61, "61-90"), (90, "61-90"), (91, "over-90"), (400, "over-90")],
)  # fmt: skip
def test_bucket_boundaries(days_overdue, bucket):
    assert reports.bucket_for(days_overdue) == bucket


def test_aged_debt_puts_each_invoice_s_balance_in_its_bucket(account_a, people):
    today = date(2027, 3, 1)
    b = services.school_account(people["school_b"])
    made = {}
    for days_overdue in (-10, 0, 1, 30, 31, 61, 91):
        issued = today - timedelta(days=30 + days_overdue)
        made[days_overdue] = issue(account_a, [("Place", "100.00", "standard")], on=issued)
    # Received on the report's day: a keyed-in date is checked against today (item 7).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.localdate", lambda: today)
        services.record_payment(made[31], D("20.00"), method=Payment.Method.BACS)  # part paid
        services.record_payment(made[61], D("120.00"), method=Payment.Method.BACS)  # paid
    old = issue(b, [("Place", "10.00", "exempt")], on=today - timedelta(days=130))
    # Only this test's invoices count: set any others aside.
    ours = [old.pk, *(i.pk for i in made.values())]
    Invoice.objects.exclude(pk__in=ours).update(status="void")
    report = reports.aged_debt(on=today)
    rows = {row.account: row for row in report.accounts}
    a = rows[account_a].buckets
    assert a == {
        "current": D("240.00"),  # -10 and 0
        "1-30": D("240.00"),  # 1 and 30
        "31-60": D("100.00"),  # 31, part paid
        "61-90": D("0.00"),  # paid: not listed
        "over-90": D("120.00"),
    }
    assert rows[account_a].invoices == 6
    assert rows[b].buckets["over-90"] == D("10.00")
    assert report.totals["over-90"] == D("130.00")
    assert report.total == sum(r.total for r in report.accounts)


def test_aged_debt_page_shows_the_chart_and_the_table_and_a_csv(officer_client, account_a, people):
    issue(account_a, [("Place", "100.00", "standard")], on=date(2026, 1, 5))
    response = officer_client.get("/admin/billing/aged-debt/")
    page = response.content.decode()
    report = response.context["report"]
    assert "aged-debt-chart" in page and "<table" in page
    for label, amount, _share in report.bars:
        assert label in page and f"£{amount:,.2f}" in page
    rows = rows_of(officer_client.get("/admin/billing/aged-debt/", {"format": "csv"}))
    assert rows[0][-1] == "Total" and rows[-1][1] == "Total"
    assert D(rows[-1][-1]) == report.total


def test_a_booked_place_reaches_the_ledger_with_its_strand_s_nominal_code(
    officer_client, people, make_user, media, on_commit
):
    """End to end: a place booked by a school invoiced per booking is invoiced on commit, and
    its line carries the strand's nominal code into the export."""
    from accounts.models import Membership
    from bookings.services import BookingRequest, Delegate, book_places

    school = people["school_b"]
    school.bookings_need_approval = False
    school.save()
    assert services.billed_account(school).invoicing == "per_booking"
    lead = make_user(f"ledger.lead@{school.domains[0]}")
    Membership.objects.create(user=lead, school=school, is_cpd_lead=True)
    strand = courses.strand("Improving teaching and learning", nominal_code="4101-ITL")
    run = courses.run(courses.course(strand_page=strand))
    with on_commit():
        booking = book_places(
            run.pk,
            BookingRequest(
                school=school, booked_by=lead, terms_accepted=True, delegates=[Delegate(lead)]
            ),
        )
    invoice = Invoice.objects.get(booking=booking)
    from courses.models import StrandPage

    assert all(StrandPage.objects.values_list("nominal_code", flat=True))  # each strand has one
    code = run.course.get_parent().specific.nominal_code
    today = timezone_today()
    rows = rows_of(
        officer_client.get(
            "/admin/billing/ledger-export/", {"start": today, "end": today, "kind": "invoices"}
        )
    )
    head = reports.INVOICE_HEADINGS
    (row,) = [r for r in rows[1:] if r[0] == invoice.number]
    assert row[head.index("Nominal code")] == code
    assert D(row[head.index("Net")]) == booking.enrolments.get().price


def timezone_today():
    from django.utils import timezone

    return timezone.localdate().isoformat()


def test_credit_held_or_given_back_is_journalled_into_deferred_income_and_out_when_spent(
    officer_client, people
):
    """Account credit is spent by the credit journal (Dr deferred income, Cr debtors), so it
    must have been put there: an overpayment held and a credit note's return each journal
    Dr debtors, Cr deferred income. Then the ledger's debtors account holds what is owed and
    its deferred income the credit held."""
    from django.utils import timezone

    from accounts.models import School
    from tests.billing.addresses import addressed

    school = School.objects.create(
        urn=881201,
        name="Juniper Primary",
        local_authority=people["school_a"].local_authority,
        type_group="la_maintained",
        phase="primary",
    )
    account = addressed(services.school_account(school))
    today = timezone.localdate()
    # A: £100.00 + 20% = £120.00. £150.00 received for it: £30.00 held.
    first = issue(account, [("Place: Phonics", "100.00", "standard", "4101-ITL")])
    services.record_remittance(
        account, D("150.00"), [(first, D("120.00"))], method=Payment.Method.BACS,
        received_on=today, reference="BACS JUNIPER",
    )  # fmt: skip
    # £50.00 + £10.00 VAT credited on paid A: £60.00 back to credit (30 + 60 = £90.00).
    credit(first, [(first.lines.get(), D("50.00"))], reason="Half day only")
    # B: £50.00 exempt, paid from the credit: £90.00 − £50.00 = £40.00 left.
    second = issue(account, [("Place: Briefing", "50.00", "exempt", "4105-INS")])
    assert services.outstanding(second) == 0
    assert services.credit_balance(account) == D("40.00")

    headings = {
        "invoices": reports.INVOICE_HEADINGS,
        "credit-notes": reports.CREDIT_NOTE_HEADINGS,
        "payments": reports.PAYMENT_HEADINGS,
        "redemptions": reports.REDEMPTION_HEADINGS,
    }
    exports = {}
    for kind, head in headings.items():
        rows = rows_of(
            officer_client.get(
                "/admin/billing/ledger-export/",
                {"start": today.isoformat(), "end": today.isoformat(), "kind": kind},
            )
        )
        assert rows[0] == head
        exports[kind] = [r for r in rows[1:] if r[head.index("Customer ref")] == "URN 881201"]
    journal = [r[5:] for r in exports["redemptions"]]
    assert journal == [
        ["Account credit", "2410-DEF", "1100-DEB", "", "50.00"],
        ["Overpayment held", "1100-DEB", "2410-DEF", "", "30.00"],
        ["Returned by credit note", "1100-DEB", "2410-DEF", "4101-ITL", "60.00"],
    ]
    # Posted: invoices Dr debtors 120 + 50; cash received Cr debtors 150 (the payments
    # export's BACS rows; a "Prepaid or account credit" row is the journal's, not money);
    # the credit note Cr debtors 60; the journal Dr debtors 30 + 60, Cr debtors 50.
    # Debtors: 170 − 150 − 60 + 90 − 50 = 0, as nothing is owed.
    # Deferred income: Cr 30 + 60, Dr 50 = £40.00 credit, the credit held.
    cash = sum(D(r[6]) for r in exports["payments"] if r[4] != "Prepaid or account credit")
    assert cash == D("150.00")
    debtors = (
        sum(D(r[13]) for r in exports["invoices"])
        - cash
        - sum(D(r[12]) for r in exports["credit-notes"])
        + sum(D(r[9]) for r in exports["redemptions"] if r[6] == "1100-DEB")
        - sum(D(r[9]) for r in exports["redemptions"] if r[7] == "1100-DEB")
    )
    assert debtors == 0
    deferred = sum(D(r[9]) for r in exports["redemptions"] if r[7] == "2410-DEF") - sum(
        D(r[9]) for r in exports["redemptions"] if r[6] == "2410-DEF"
    )
    assert deferred == services.credit_balance(account) == D("40.00")
