"""The "Send a colleague instead" and "Move to another date" pages: each states the exact sum
before anyone commits, and billing then charges what the page said.

People are the demo's Oakfield staff, who sign in with their password: Chloe Lead (CPD lead)
books Tom Teacher through the booking pages, so his place is confirmed at once. Figures are
worked by hand from the course's terms, set by the `runs` fixture:
- Oakfield is an LA-maintained school in a partner area: its band pays 100 % of list price.
- The run Tom is booked on lists at £200.00: he pays £200.00, VAT 20 % £40.00, total £240.00.
- The other date's run has a price override of £150.00: £150.00, VAT £30.00, total £180.00;
  cancelling it late (inside 14 days) is charged at 100 %: £180.00 (£150.00 plus £30.00 VAT).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from billing import services as billing
from billing.models import Account, CreditNoteLine, InvoiceLine, Package
from bookings.models import Booking, Enrolment
from bookings.services import BookingRequest, Delegate, book_places
from courses.models import CourseRun, Session
from demo.people import DEMO_PASSWORD
from settlement import services as settlement
from tests import people as via
from tests.billing.test_commit_pages import _finance_officer, _sell_silver
from tests.calendar.support import calendar_part, calendar_type

ZERO = Decimal("0.00")
TOM = "teacher@oakfield.sch.uk"
CHLOE = "cpdlead@oakfield.sch.uk"


def _signed_in(email):
    client = Client()
    assert via.sign_in(client, email, DEMO_PASSWORD).status_code == 302
    return client


def _run_of(course, reference, days_ahead, *, capacity=5, price_override=None):
    """A run the bookings team adds: one three-hour session `days_ahead` days from now."""
    run = CourseRun.objects.create(
        course=course,
        reference=reference,
        status=CourseRun.Status.OPEN,
        capacity=capacity,
        venue=CourseRun.objects.filter(venue__isnull=False).first().venue,
        price_override=price_override,
    )
    start = timezone.now() + dt.timedelta(days=days_ahead)
    Session.objects.create(run=run, starts_at=start, ends_at=start + dt.timedelta(hours=3))
    return run


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit work (settlement is a Celery task, eager here) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def runs(demo, people):
    """Tom's run (£200 list price, 30 days away), another date at £150 (40 days away), a full
    date (50 days away) and a run of another course."""
    runs = CourseRun.objects.upcoming().filter(
        status=CourseRun.Status.OPEN, venue__isnull=False, bookings__isnull=True
    )
    here = next(r for r in runs if r.is_bookable)
    here.capacity = 10
    here.price_override = None
    here.booking_closes_at = None
    here.save()
    start = timezone.now() + dt.timedelta(days=30)
    for i, session in enumerate(here.sessions.order_by("starts_at")):
        Session.objects.filter(pk=session.pk).update(
            starts_at=start + dt.timedelta(days=i), ends_at=start + dt.timedelta(days=i, hours=3)
        )
    course = here.course
    course.default_price = Decimal("200.00")
    course.vat_treatment = "standard"
    course.late_cancellation_charge_percent = 100
    course.free_cancellation_days = 14
    course.save()
    full = _run_of(course, "MOVE-FULL", 50, capacity=1)
    book_places(
        full.pk,
        BookingRequest(
            school=people["school_b"],
            booked_by=people["staff"],
            delegates=[Delegate(people["teacher_b"])],
            source=Booking.Source.PHONE,
            notify=False,
        ),
    )
    other_course = CourseRun.objects.exclude(course=course).filter(status="open").first()
    return {
        "here": here,
        "cheaper": _run_of(course, "MOVE-150", 40, price_override=Decimal("150.00")),
        "full": full,
        "other_course": other_course,
    }


@pytest.fixture
def per_booking(people):
    """Finance invoices Oakfield for each booking (the demo has it on monthly statements)."""
    account = billing.school_account(people["school_a"])
    account.invoicing = Account.Invoicing.PER_BOOKING
    account.save()
    return account


@pytest.fixture
def toms_place(runs, people, on_commit):
    """Chloe books Tom on the £200 run through the booking pages, giving his access needs."""
    tom = people["teacher_a"]
    with on_commit():
        response = _signed_in(CHLOE).post(
            f"/book/{runs['here'].pk}/details/",
            {
                "school": people["school_a"].pk,
                "delegate": [tom.pk],
                f"needs-{tom.pk}-access": "Hearing loop",
                "terms": "on",
            },
        )
    assert response.status_code == 302, response.content[:2000]
    place = Enrolment.objects.get(run=runs["here"], delegate=tom)
    assert place.status == Enrolment.Status.CONFIRMED
    return place


def _lines(place):
    return InvoiceLine.objects.filter(enrolment=place).exclude(invoice__status="draft")


# --- the booking page offers both ------------------------------------------------------------


def test_a_confirmed_place_offers_a_colleague_instead_and_another_date(toms_place):
    html = _signed_in(TOM).get(f"/bookings/{toms_place.booking.reference}/").content.decode()
    assert f'href="/bookings/place/{toms_place.pk}/substitute/"' in html
    assert f'href="/bookings/place/{toms_place.pk}/transfer/"' in html
    assert f'href="/bookings/place/{toms_place.pk}/cancel/"' in html


@pytest.fixture
def pending_place(runs, people, on_commit):
    """Tom books himself; Oakfield asks its CPD lead to approve staff bookings."""
    tom = _signed_in(TOM)
    with on_commit():
        response = tom.post(
            f"/book/{runs['here'].pk}/details/",
            {"school": people["school_a"].pk, "delegate": [people["teacher_a"].pk], "terms": "on"},
        )
    assert response.status_code == 302
    place = Enrolment.objects.get(run=runs["here"], delegate=people["teacher_a"])
    assert place.status == Enrolment.Status.PENDING_APPROVAL
    return tom, place


def test_a_pending_place_can_be_passed_on_but_not_moved(pending_place):
    tom, place = pending_place
    html = tom.get(f"/bookings/{place.booking.reference}/").content.decode()
    assert f'href="/bookings/place/{place.pk}/substitute/"' in html
    assert f"/bookings/place/{place.pk}/transfer/" not in html

    page = tom.get(f"/bookings/place/{place.pk}/substitute/").content.decode()
    assert "£200.00 + £40.00 VAT = £240.00" in page
    assert "charged only once approved" in page

    page = tom.get(f"/bookings/place/{place.pk}/transfer/").content.decode()
    assert "Only a confirmed place can be transferred." in page
    response = tom.post(f"/bookings/place/{place.pk}/transfer/", {"run": "1"})
    assert "Only a confirmed place can be transferred." in response.content.decode()
    place.refresh_from_db()
    assert place.status == Enrolment.Status.PENDING_APPROVAL


# --- send a colleague instead --------------------------------------------------------------


def test_the_colleague_page_states_the_price_and_that_nothing_more_is_invoiced(
    per_booking, toms_place, people, on_commit
):
    amira = User.objects.get(email="ta@oakfield.sch.uk")
    tom = _signed_in(TOM)
    page = tom.get(f"/bookings/place/{toms_place.pk}/substitute/").content.decode()
    # £200.00 list price × 100 % = £200.00; 20 % VAT = £40.00; £240.00 in all
    assert "The place keeps its price, <strong>£200.00 + £40.00 VAT = £240.00</strong>" in page
    assert "is not invoiced again" in page
    assert "deleted, not passed on" in page
    assert f'value="{amira.pk}"' in page
    assert f'value="{people["teacher_a"].pk}"' not in page  # not Tom himself
    assert f'value="{people["teacher_b"].pk}"' not in page  # not Riverside's staff
    assert [(line.net, line.vat) for line in _lines(toms_place)] == [
        (Decimal("200.00"), Decimal("40.00"))
    ]

    with on_commit():
        response = tom.post(
            f"/bookings/place/{toms_place.pk}/substitute/", {"delegate": amira.pk}, follow=True
        )
    assert "Amira Hassan now has this place, at no extra charge." in response.content.decode()
    toms_place.refresh_from_db()
    assert toms_place.delegate == amira
    assert toms_place.access_needs == ""
    # Billing: still the one line of £200.00 + £40.00, nothing credited, nothing new.
    assert [(line.net, line.vat) for line in _lines(toms_place)] == [
        (Decimal("200.00"), Decimal("40.00"))
    ]
    assert not CreditNoteLine.objects.filter(enrolment=toms_place).exists()
    assert billing.invoiced_net(toms_place) == Decimal("200.00")


def test_sending_a_colleague_takes_no_credit_for_a_place_already_invoiced(
    per_booking, toms_place, people, on_commit
):
    """Oakfield buys a Gold package (£3,000.00 of credit) after Tom's place was invoiced, then
    sends Amira instead: the £240.00 invoice stands, and the credit stays whole."""
    with on_commit():
        billing.buy_package(
            per_booking,
            Package.objects.get(name="Gold"),
            starts_on=timezone.localdate(),
            by=None,
        )
    assert billing.spendable(per_booking) == Decimal("3000.00")
    amira = User.objects.get(email="ta@oakfield.sch.uk")
    with on_commit():
        _signed_in(TOM).post(f"/bookings/place/{toms_place.pk}/substitute/", {"delegate": amira.pk})
    toms_place.refresh_from_db()
    assert toms_place.delegate == amira
    assert billing.spendable(per_booking) == Decimal("3000.00")
    assert billing.invoiced_net(toms_place) == Decimal("200.00")


@pytest.mark.parametrize("chosen", ["nobody", "riverside", "garbage", "no such person", "tom"])
def test_a_colleague_who_cannot_take_the_place_is_refused_and_nothing_changes(
    toms_place, people, chosen
):
    data = {
        "nobody": {},
        "riverside": {"delegate": people["teacher_b"].pk},
        "garbage": {"delegate": "²"},
        "no such person": {"delegate": "999999999"},
        "tom": {"delegate": people["teacher_a"].pk},
    }[chosen]
    response = _signed_in(TOM).post(f"/bookings/place/{toms_place.pk}/substitute/", data)
    assert response.status_code == 200
    message = (
        "Tom Teacher already has a place on this run."
        if chosen == "tom"
        else "Choose a colleague from Oakfield Primary School&#x27;s staff list."
    )
    assert message in response.content.decode()
    assert 'class="error-summary"' in response.content.decode()
    toms_place.refresh_from_db()
    assert toms_place.delegate == people["teacher_a"]
    assert toms_place.access_needs == "Hearing loop"


# --- move to another date --------------------------------------------------------------------


def test_the_move_pages_state_both_prices_and_billing_charges_them(
    per_booking, toms_place, runs, on_commit
):
    tom = _signed_in(TOM)
    url = f"/bookings/place/{toms_place.pk}/transfer/"
    invoice = _lines(toms_place).get().invoice

    choose = tom.get(url).content.decode()
    # The place he leaves was invoiced at £200.00 + £40.00 = £240.00 and is taken back whole.
    assert "It was invoiced at <strong>£200.00 + £40.00 VAT = £240.00</strong>" in choose
    assert invoice.number in choose
    assert "cancelled free of charge" in choose
    # The other date: £150.00 override × 100 % = £150.00; VAT £30.00; £180.00.
    assert f'value="{runs["cheaper"].pk}"' in choose
    assert "£150.00 + £30.00 VAT = £180.00" in choose
    assert f'value="{runs["full"].pk}"' not in choose  # full: no place to move to
    assert f'value="{runs["here"].pk}"' not in choose

    confirm = tom.get(url, {"run": runs["cheaper"].pk}).content.decode()
    assert "<dd>£150.00 excluding VAT</dd>" in confirm
    assert "<dd>£30.00 (20%)</dd>" in confirm
    assert "<strong>£180.00</strong>" in confirm
    free_until = timezone.localtime(runs["cheaper"].sessions.get().starts_at) - dt.timedelta(
        days=14
    )
    assert f"Cancel free of charge until <strong>{free_until:%A} {free_until.day}" in confirm
    assert "cancelling costs <strong>£180.00</strong> a place (£150.00 plus £30.00 VAT)" in confirm
    assert "It was invoiced at <strong>£200.00 + £40.00 VAT = £240.00</strong>" in confirm

    with on_commit():
        response = tom.post(url, {"run": runs["cheaper"].pk}, follow=True)
    assert "the new place costs £180.00 (£150.00 plus £30.00 VAT)." in response.content.decode()
    toms_place.refresh_from_db()
    assert toms_place.status == "cancelled" and not toms_place.late_cancellation
    moved = Enrolment.objects.get(run=runs["cheaper"], delegate=toms_place.delegate)
    assert moved.status == "confirmed"
    # Billing: the new place is invoiced at £150.00 + £30.00 = £180.00, as the page said ...
    assert [(line.net, line.vat, line.gross) for line in _lines(moved)] == [
        (Decimal("150.00"), Decimal("30.00"), Decimal("180.00"))
    ]
    # ... and a credit note takes back all £240.00 of the place he left.
    credited = CreditNoteLine.objects.filter(enrolment=toms_place)
    assert [(c.net, c.vat, c.gross) for c in credited] == [
        (Decimal("200.00"), Decimal("40.00"), Decimal("240.00"))
    ]
    assert billing.invoiced_net(toms_place) == Decimal("0.00")


def test_with_single_purpose_voucher_credit_the_move_is_stated_and_charged_without_vat(
    per_booking, runs, people, on_commit
):
    """Finance sells Oakfield £1,000 of single-purpose voucher credit (VAT charged on the sale).
    Tom's £200.00 place is paid whole from it, so it bears no VAT; so does a £150.00 place on
    the other date: £1,000 − £200 + £200 (the credit note returns it) − £150 = £850.00 left."""
    _sell_silver(_finance_officer(), people["school_a"])
    tom = people["teacher_a"]
    with on_commit():
        _signed_in(CHLOE).post(
            f"/book/{runs['here'].pk}/details/",
            {"school": people["school_a"].pk, "delegate": [tom.pk], "terms": "on"},
        )
    place = Enrolment.objects.get(run=runs["here"], delegate=tom)
    assert [(line.net, line.vat) for line in _lines(place)] == [(Decimal("200.00"), ZERO)]

    client = _signed_in(TOM)
    url = f"/bookings/place/{place.pk}/transfer/"
    choose = client.get(url).content.decode()
    assert "It was invoiced at <strong>£200.00, no VAT</strong>" in choose
    assert "<strong>£150.00, no VAT</strong> a place, paid from your single-purpose" in choose
    confirm = client.get(url, {"run": runs["cheaper"].pk}).content.decode()
    assert "None on this place, paid from your single-purpose voucher credit" in confirm
    assert "<dd><strong>£150.00</strong>" in confirm
    assert "cancelling costs <strong>£150.00</strong> a place (no VAT)" in confirm

    with on_commit():
        client.post(url, {"run": runs["cheaper"].pk})
    moved = Enrolment.objects.get(run=runs["cheaper"], delegate=tom)
    assert [(line.net, line.vat) for line in _lines(moved)] == [(Decimal("150.00"), ZERO)]
    credited = CreditNoteLine.objects.filter(enrolment=place)
    assert [(c.net, c.vat) for c in credited] == [(Decimal("200.00"), ZERO)]
    assert billing.spendable(per_booking, single_purpose=True) == Decimal("850.00")


def test_on_monthly_statements_the_place_left_is_never_charged_and_the_new_one_is(
    toms_place, runs, on_commit, people
):
    assert billing.school_account(people["school_a"]).invoicing == "monthly"  # the demo's
    tom = _signed_in(TOM)
    url = f"/bookings/place/{toms_place.pk}/transfer/"
    page = tom.get(url, {"run": runs["cheaper"].pk}).content.decode()
    assert "Its price, £200.00 + £40.00 VAT = £240.00, has not been invoiced" in page
    assert "<strong>£180.00</strong>" in page

    with on_commit():
        tom.post(url, {"run": runs["cheaper"].pk})
    settlement.run_invoicing(timezone.localdate().strftime("%Y-%m"))
    moved = Enrolment.objects.get(run=runs["cheaper"], delegate=people["teacher_a"])
    assert [(line.net, line.vat) for line in _lines(moved)] == [
        (Decimal("150.00"), Decimal("30.00"))
    ]
    assert not _lines(toms_place).exists()


@pytest.mark.parametrize(
    "to, message",
    [
        ("other_course", "Choose another date of the same course."),
        ("here", "Choose another date of the same course."),
        ("full", "This run is full."),
        ("garbage", "Choose one of the dates listed."),
        ("no such run", "Choose one of the dates listed."),
        ("nothing", "Choose one of the dates listed."),
    ],
)
def test_a_date_that_cannot_take_the_place_is_refused_and_nothing_changes(
    toms_place, runs, to, message
):
    run = {"garbage": "١٢", "no such run": "999999999", "nothing": ""}.get(to)
    data = {"run": run if run is not None else runs[to].pk}
    response = _signed_in(TOM).post(f"/bookings/place/{toms_place.pk}/transfer/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    toms_place.refresh_from_db()
    assert toms_place.status == "confirmed" and toms_place.run == runs["here"]
    assert list(Enrolment.objects.filter(delegate=toms_place.delegate).live()) == [toms_place]


def test_choosing_a_date_not_listed_says_so(toms_place, runs):
    tom = _signed_in(TOM)
    page = tom.get(f"/bookings/place/{toms_place.pk}/transfer/", {"run": runs["full"].pk})
    assert "Choose one of the dates listed." in page.content.decode()
    assert "Move the place" not in page.content.decode()


def test_with_no_other_date_free_the_page_says_so_and_offers_the_waiting_list(toms_place, runs):
    # The bookings team closes booking on every other date but the full one.
    CourseRun.objects.filter(course=runs["here"].course).exclude(
        pk__in=[runs["here"].pk, runs["full"].pk]
    ).update(status=CourseRun.Status.CLOSED)
    page = _signed_in(TOM).get(f"/bookings/place/{toms_place.pk}/transfer/").content.decode()
    assert "has a place free." in page
    assert f'action="/book/{runs["full"].pk}/waiting-list/"' in page
    assert f'href="/bookings/place/{toms_place.pk}/cancel/"' in page
    assert 'name="run"' not in page


def test_a_place_cannot_move_once_its_course_has_started(toms_place, runs):
    Session.objects.filter(run=runs["here"]).update(
        starts_at=timezone.now() - dt.timedelta(hours=1)
    )
    response = _signed_in(TOM).post(
        f"/bookings/place/{toms_place.pk}/transfer/", {"run": runs["cheaper"].pk}
    )
    assert "The course has started" in response.content.decode()
    toms_place.refresh_from_db()
    assert toms_place.status == "confirmed" and toms_place.run == runs["here"]


# --- who may open them ------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["substitute", "transfer"])
def test_someone_from_another_school_gets_404(toms_place, page):
    ravi = _signed_in("teacher@riverside-academy.org.uk")
    assert ravi.get(f"/bookings/place/{toms_place.pk}/{page}/").status_code == 404


# --- reachable from the bookings lists, and everyone affected is told ---------------------------


def test_my_bookings_and_the_schools_bookings_link_to_both_changes(toms_place, runs, people):
    """Tom reaches his own place's changes from My bookings; Chloe, Oakfield's CPD lead,
    reaches his from the school's bookings page, and each page states the sum before she
    commits: the place keeps £200.00 + £40.00 VAT = £240.00 when a colleague goes instead;
    the £150.00 date costs £150.00 + £30.00 VAT (20 %) = £180.00."""
    substitute = f'href="/bookings/place/{toms_place.pk}/substitute/"'
    transfer = f'href="/bookings/place/{toms_place.pk}/transfer/"'
    mine = _signed_in(TOM).get("/bookings/").content.decode()
    assert substitute in mine and transfer in mine

    chloe = _signed_in(CHLOE)
    school = chloe.get(f"/school/{people['school_a'].pk}/bookings/").content.decode()
    assert substitute in school and transfer in school
    page = chloe.get(f"/bookings/place/{toms_place.pk}/substitute/").content.decode()
    assert "Nothing more. The place keeps its price, <strong>£200.00 + £40.00 VAT" in page
    page = chloe.get(
        f"/bookings/place/{toms_place.pk}/transfer/", {"run": runs["cheaper"].pk}
    ).content.decode()
    assert "<dd>£150.00 excluding VAT</dd>" in page and "<dd>£30.00 (20%)</dd>" in page
    assert "<strong>£180.00</strong>" in page and "cancelled free of charge" in page


def test_a_teachers_own_place_offers_no_change_to_a_colleagues_place(toms_place, people):
    """Amira, a teacher at Oakfield, sees neither change for Tom's place, and is refused."""
    amira = _signed_in("ta@oakfield.sch.uk")
    assert f"/bookings/place/{toms_place.pk}/" not in amira.get("/bookings/").content.decode()
    assert amira.get(f"/bookings/place/{toms_place.pk}/substitute/").status_code == 404
    assert amira.get(f"/bookings/place/{toms_place.pk}/transfer/").status_code == 404


def test_sending_a_colleague_tells_both_delegates_and_the_lead(toms_place, people, on_commit):
    amira = User.objects.get(email="ta@oakfield.sch.uk")
    mail.outbox.clear()
    with on_commit():
        _signed_in(TOM).post(f"/bookings/place/{toms_place.pk}/substitute/", {"delegate": amira.pk})
    to_tom = next(m for m in mail.outbox if m.to == [TOM])
    to_amira = next(m for m in mail.outbox if m.to == [amira.email])
    assert calendar_part(to_tom)[0] == calendar_type("CANCEL")
    assert calendar_part(to_amira)[0] == calendar_type("REQUEST")
    (to_school,) = [m for m in mail.outbox if CHLOE in m.to]
    assert TOM not in to_school.to and amira.email not in to_school.to
    assert "Place passed on:" in to_school.subject
    assert "Tom Teacher's place" in to_school.body and "is now Amira Hassan's" in to_school.body
    assert "There is no charge for passing a place on" in to_school.body
    assert "Total: £240.00" in to_school.body  # £200.00 + 20 % VAT, as booked


def test_moving_a_place_tells_the_delegate_and_the_lead_with_the_new_price(
    toms_place, runs, on_commit
):
    mail.outbox.clear()
    with on_commit():
        _signed_in(TOM).post(
            f"/bookings/place/{toms_place.pk}/transfer/", {"run": runs["cheaper"].pk}
        )
    to_tom = [m for m in mail.outbox if m.to == [TOM]]
    moved = next(m for m in to_tom if "Your place has moved" in m.subject)
    booked = next(m for m in to_tom if "Booked:" in m.subject)
    assert calendar_part(moved)[0] == calendar_type("CANCEL")
    assert calendar_part(booked)[0] == calendar_type("REQUEST")
    (to_school,) = [m for m in mail.outbox if CHLOE in m.to]
    assert "Place moved to MOVE-150:" in to_school.subject
    body = to_school.body
    assert f"has moved from {runs['here'].reference} to MOVE-150" in body
    # £150.00 override at Oakfield's 100 % band; VAT 20 % = £30.00; £180.00 in all.
    assert "Price: £150.00, excluding VAT" in body
    assert "VAT: £30.00 (20%)" in body and "Total: £180.00" in body
    assert "cancelled free of charge" in body and "credited in full" in body
