"""Every page where someone commits states the exact sum, the same one billing then charges;
and a waiting-list offer is priced and goes through the school's approval like any booking.

Figures are worked by hand from the course's terms, set here:
- the run costs Riverside Academy £180.00 a place before VAT (a run price for its band);
- standard-rated: VAT 20 % of £180.00 = £36.00, so £216.00 a place;
- a late cancellation (inside 14 days' notice) is charged at 50 %: £90.00 + £18.00 VAT = £108.00.
"""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from billing import services as billing
from billing.models import CreditNoteLine, InvoiceLine, Package, RunBandPrice
from bookings import services
from bookings.models import Enrolment, WaitingListEntry
from tests import people as via
from tests.bookings.test_changes import _move_first_session


@pytest.fixture
def terms(priced_run, school):
    course = priced_run.course
    course.late_cancellation_charge_percent = 50
    course.save()
    band = billing.band_for(school)
    RunBandPrice.objects.create(run=priced_run, band=band, price=Decimal("180.00"))
    return priced_run


def _teacher(school, email):
    """A teacher of `school` who signs up and joins on the school's domain."""
    client = Client()
    user = via.sign_up(client, email)
    via.join_school(client, school)
    return user, client


def _words(response):
    """A page's text, tags dropped and spaces collapsed."""
    assert response.status_code == 200
    html = re.sub(r"</?strong>", "", response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _book_through_the_pages(client, run, school, user):
    response = client.post(
        f"/book/{run.pk}/details/",
        {"school": school.pk, "delegate": [user.pk], "terms": "on"},
    )
    assert response.status_code == 302, response.content[:3000]
    return Enrolment.objects.get(run=run, delegate=user)


def test_the_booking_page_states_the_price_and_what_a_late_cancellation_costs(terms, school):
    user, client = _teacher(school, "new.teacher@riverside-academy.org.uk")
    _move_first_session(terms, 30)
    html = client.get(
        f"/book/{terms.pk}/details/", {"school": school.pk, "delegate": user.pk}
    ).content.decode()
    assert "£180.00" in html and "£36.00" in html and "£216.00" in html
    assert "cancelling costs <strong>£108.00</strong> a place (£90.00 plus £18.00 VAT)" in html


def test_the_cancel_page_states_the_charge_billing_then_invoices(terms, school, on_commit):
    user, client = _teacher(school, "late.canceller@riverside-academy.org.uk")
    _move_first_session(terms, 30)
    place = _book_through_the_pages(client, terms, school, user)
    _move_first_session(terms, 5)  # now inside the 14 days' notice

    page = client.get(f"/bookings/place/{place.pk}/cancel/").content.decode()
    assert "cancelling now costs <strong>£108.00</strong> (£90.00 plus £18.00 VAT)" in page

    with on_commit():
        response = client.post(
            f"/bookings/place/{place.pk}/cancel/", {"confirm": "on"}, follow=True
        )
    assert "£108.00 (£90.00 plus £18.00 VAT) will be charged" in response.content.decode()
    lines = InvoiceLine.objects.filter(enrolment=place).exclude(invoice__status="draft")
    # booked at £180.00, then credited back to the £90.00 the terms charge
    assert billing.invoiced_net(place) == Decimal("90.00")
    assert lines.exists()


def test_cancelling_before_the_notice_period_says_free_and_is_free(terms, school, on_commit):
    user, client = _teacher(school, "early.canceller@riverside-academy.org.uk")
    _move_first_session(terms, 30)
    place = _book_through_the_pages(client, terms, school, user)
    assert (
        "Cancelling now is free of charge."
        in client.get(f"/bookings/place/{place.pk}/cancel/").content.decode()
    )
    with on_commit():
        client.post(f"/bookings/place/{place.pk}/cancel/", {"confirm": "on"})
    assert billing.invoiced_net(place) == Decimal("0.00")


@pytest.fixture
def offered(terms, school, staff_of, book, on_commit):
    """The run is full; a teacher of a school that asks for approval is first on the waiting
    list; a place frees up and is offered to them by email."""
    school.bookings_need_approval = True
    school.save()
    _move_first_session(terms, 30)
    terms.capacity = 1
    terms.save()
    taken = book(terms, school).enrolments.get()
    user, client = _teacher(school, "waiting.teacher@riverside-academy.org.uk")
    services.join_waiting_list(terms.pk, person=user, school=school, added_by=user)
    mail.outbox.clear()
    with on_commit():
        services.cancel_enrolment(taken.pk, by=taken.booking.booked_by)
    offer = next(m for m in mail.outbox if m.to == [user.email])
    path = re.search(r"http://testserver(/offer/\S+/)", offer.body).group(1)
    return user, client, path


def test_the_offer_page_shows_price_vat_total_and_terms_before_accepting(offered):
    _, client, path = offered
    html = client.get(path).content.decode()
    assert "£180.00" in html and "£36.00" in html and "£216.00" in html
    assert "cancelling costs <strong>£108.00</strong> a place" in html
    assert "asks its CPD lead to approve" in html


def test_accepting_an_offer_at_a_school_that_asks_for_approval_gives_a_pending_place(
    offered, school, on_commit
):
    user, client, path = offered
    with on_commit():
        response = client.post(path)
    assert response.status_code == 302
    place = Enrolment.objects.get(delegate=user)
    assert place.status == Enrolment.Status.PENDING_APPROVAL
    assert WaitingListEntry.objects.get(person=user).status == "accepted"
    # nothing is invoiced for a place the school has not approved
    assert billing.invoiced_net(place) == Decimal("0.00")


# --- places paid from prepaid credit: the page states what billing will charge -----------------


def _finance_officer():
    email = "commit.finance@haverleigh.gov.uk"
    via.add_staff_in_wagtail(via.superuser_client(Client), email, "Finance officers")
    officer = Client()
    via.first_sign_in(officer, email)
    return officer


def _sell_silver(officer, school):
    """£1,000 of single-purpose voucher credit, sold through the admin (£1,000 + £200 VAT)."""
    response = officer.post(
        "/admin/billing/packages/new/",
        {"name": "Silver commit", "kind": "credits", "price": "1000.00",
         "discount_percent": "0", "credit_amount": "1000.00", "voucher_type": "single",
         "nominal_code": "4190-PKG"},
    )  # fmt: skip
    assert response.status_code == 302
    response = officer.post(
        "/admin/billing/sell-package/",
        {"account": billing.school_account(school).pk,
         "package": Package.objects.get(name="Silver commit").pk,
         "starts_on": timezone.localdate().strftime("%d/%m/%Y")},
    )  # fmt: skip
    assert response.status_code == 302


def test_a_place_a_single_purpose_voucher_pays_is_stated_and_charged_without_vat(
    terms, school, on_commit
):
    # £180 place, standard-rated, paid whole from Silver: no VAT on it (charged on the voucher
    # when sold), so £180.00 in all, £180.00 from credit, £0.00 to invoice. A late
    # cancellation at 50 % is £90.00, no VAT either.
    _sell_silver(_finance_officer(), school)
    user, client = _teacher(school, "voucher.teacher@riverside-academy.org.uk")
    _move_first_session(terms, 30)
    html = client.get(
        f"/book/{terms.pk}/details/", {"school": school.pk, "delegate": user.pk}
    ).content.decode()
    assert "None on this place, paid from your single-purpose voucher credit" in html
    assert "<strong>£180.00</strong>" in html and "(20%)" not in html
    assert "<dt>Paid from prepaid credit</dt><dd>£180.00" in html
    assert "<dt>Left to invoice</dt><dd><strong>Nothing</strong>: the credit pays it all" in html
    assert "cancelling costs <strong>£90.00</strong> a place (no VAT)" in html

    with on_commit():
        place = _book_through_the_pages(client, terms, school, user)
    line = InvoiceLine.objects.get(enrolment=place)
    assert (line.net, line.vat, line.gross) == (
        Decimal("180.00"),
        Decimal("0.00"),
        Decimal("180.00"),
    )
    assert billing.outstanding(line.invoice) == Decimal("0.00")
    booked = _words(client.get(f"/bookings/{place.booking.reference}/"))
    assert "Prepaid credit pays for this place (£180.00): nothing will be invoiced." in booked

    _move_first_session(terms, 5)  # inside the 14 days' notice
    page = client.get(f"/bookings/place/{place.pk}/cancel/").content.decode()
    assert "cancelling now costs <strong>£90.00</strong> (no VAT)" in page
    with on_commit():
        client.post(f"/bookings/place/{place.pk}/cancel/", {"confirm": "on"})
    note = CreditNoteLine.objects.get(enrolment=place)
    assert (note.net, note.vat) == (Decimal("90.00"), Decimal("0.00"))  # 180 − 90 kept


def test_a_place_part_paid_from_credit_states_what_is_left_to_invoice(terms, school, on_commit):
    # £100 of goodwill credit (finance, by hand) against a £180 + £36 = £216 place: £100 from
    # credit, £116 left to invoice.
    officer = _finance_officer()
    account = billing.school_account(school)
    response = officer.post(
        f"/admin/billing/adjust-credit/{account.pk}/",
        {"amount": "100.00", "reason": "Goodwill: a course moved twice"},
    )
    assert response.status_code == 302
    user, client = _teacher(school, "part.paid@riverside-academy.org.uk")
    _move_first_session(terms, 30)
    html = client.get(
        f"/book/{terms.pk}/details/", {"school": school.pk, "delegate": user.pk}
    ).content.decode()
    assert "£36.00 (20%)" in html and "<strong>£216.00</strong>" in html
    assert "<dt>Paid from prepaid credit</dt><dd>£100.00" in html
    assert "<dt>Left to invoice</dt><dd><strong>£116.00</strong>" in html
    with on_commit():
        place = _book_through_the_pages(client, terms, school, user)
    booked = _words(client.get(f"/bookings/{place.booking.reference}/"))
    assert "will be invoiced £116.00 (VAT included) after £100.00 of prepaid credit" in booked
    invoice = InvoiceLine.objects.get(enrolment=place).invoice
    assert (invoice.gross, billing.outstanding(invoice)) == (Decimal("216.00"), Decimal("116.00"))
