"""Bookings staff in the Wagtail admin: fill levels, delegate lists, phone bookings, the
waiting list, the audit log and cancelling, all through bookings.services."""

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import roles
from bookings import services
from bookings.models import Booking, Enrolment, EnrolmentEvent, WaitingListEntry
from bookings.services import BookingRequest, Delegate
from core.wording import clock
from courses.models import CourseRun
from tests.factories import cast


@pytest.fixture
def staff_client(client, people):
    client.force_login(people["staff"])
    return client


def text(response):
    return html.unescape(response.content.decode())


def book(run, school, users, by, **needs):
    return services.book_places(
        run.pk,
        BookingRequest(
            school=school,
            booked_by=by,
            delegates=[Delegate(u, **needs) for u in users],
            source=Booking.Source.PHONE,
        ),
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# --- the run list ------------------------------------------------------------------------------


def _row(page, run):
    """The listing row (<tr>…</tr>) for `run`."""
    rows = re.findall(r"<tr[ >].*?</tr>", page, re.S)
    (row,) = [r for r in rows if f">{run.reference}<" in re.sub(r"\s+", "", r)]
    return row


def _fill_cell(page, run):
    """The Booked cell of `run`'s row: the meter's value, max, and the 'n of capacity' text."""
    cell = re.search(r"<meter.*?</td>", _row(page, run), re.S).group(0)
    value = re.search(r'value="(\d+)"', cell).group(1)
    maximum = re.search(r'max="(\d+)"', cell).group(1)
    words = re.search(r"(\d+ of \d+)", re.sub(r"<[^>]+>", "", cell)).group(1)
    return value, maximum, words


def test_run_list_shows_fill_levels_from_places_taken(staff_client, demo):
    runs = CourseRun.objects.with_places()
    full = runs.filter(places_taken=F("capacity"), places_taken__gt=0).first()
    empty = runs.filter(places_taken=0).first()
    assert full and empty, "the demo seeds full and empty runs"

    for run, taken in ((full, full.capacity), (empty, 0)):
        page = text(staff_client.get("/admin/runs/", {"q": run.reference}))
        assert _fill_cell(page, run) == (
            str(taken),
            str(run.capacity),
            f"{taken} of {run.capacity}",
        )
        assert f'aria-label="{taken} of {run.capacity} places taken"' in page
    assert f"{full.capacity} of {full.capacity} (full)" in text(
        staff_client.get("/admin/runs/", {"q": full.reference})
    )


def test_run_list_shows_waiting_count_and_links_to_delegates(staff_client, open_run, people):
    book(
        open_run,
        people["school_a"],
        [people["teacher_a"], people["lead_a"], people["head_a"]],
        people["staff"],
    )
    services.join_waiting_list(
        open_run.pk,
        person=people["teacher_b"],
        school=people["school_b"],
        added_by=people["staff"],
    )
    page = text(staff_client.get("/admin/runs/", {"q": open_run.reference}))
    row = _row(page, open_run)
    cells = [
        re.sub(r"<[^>]+>|\s+", " ", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]
    assert "3 of 3 (full)" in cells  # booked
    assert cells[-3:-1] == ["0", "1"]  # places left, waiting
    assert f"/admin/runs/{open_run.pk}/delegates/" in row
    assert f"/admin/runs/{open_run.pk}/waiting-list/" in row


def test_run_list_query_count_does_not_grow_with_rows(staff_client, demo):
    def queries(params):
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get("/admin/runs/", params)
        assert response.status_code == 200
        return len(captured), response.content.decode().count("<meter")

    one = CourseRun.objects.first()
    few_queries, few_rows = queries({"q": one.reference})
    many_queries, many_rows = queries({"p": 1})
    assert few_rows == 1 and many_rows == 20
    assert many_queries == few_queries


# --- the delegate list -------------------------------------------------------------------------


def test_delegate_list_and_csv_show_every_enrolment_with_needs(staff_client, open_run, people):
    booking = book(
        open_run,
        people["school_a"],
        [people["teacher_a"]],
        people["staff"],
        access_needs="Step-free access",
        dietary_needs="Végétarien",
    )
    cancelled = book(open_run, people["school_a"], [people["lead_a"]], people["staff"])
    services.cancel_enrolment(cancelled.enrolments.get().pk, by=people["staff"])

    page = text(staff_client.get(f"/admin/runs/{open_run.pk}/delegates/"))
    assert people["teacher_a"].email in page
    assert "Step-free access" in page and "Végétarien" in page
    assert booking.reference in page
    enrolment = booking.enrolments.get()
    assert f"/admin/enrolments/inspect/{enrolment.pk}/" in page

    response = staff_client.get(f"/admin/runs/{open_run.pk}/delegates/csv/")
    assert response["Content-Type"].startswith("text/csv")
    assert f"{open_run.reference}-delegates.csv" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Delegate", "Email", "School", "Status"]
    assert len(rows) == 1 + Enrolment.objects.filter(run=open_run).count() == 3
    by_email = {r[1]: r for r in rows[1:]}
    mine = by_email[people["teacher_a"].email]
    assert mine[3:6] == ["Confirmed", "Step-free access", "Végétarien"]
    assert mine[7:] == [booking.reference, "Phone booking by staff"]
    assert by_email[people["lead_a"].email][3] == "Cancelled"


def test_delegate_csv_defuses_spreadsheet_formulas(staff_client, open_run, people):
    book(
        open_run,
        people["school_a"],
        [people["teacher_a"]],
        people["staff"],
        access_needs='=HYPERLINK("http://evil")',
    )
    body = staff_client.get(f"/admin/runs/{open_run.pk}/delegates/csv/").content.decode()
    row = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[1]
    assert row[4] == '\'=HYPERLINK("http://evil")'


# --- phone bookings ----------------------------------------------------------------------------


def test_phone_booking_books_through_the_service(staff_client, open_run, people, staff_of):
    school = people["school_a"]
    a, b = staff_of(school, 2)
    url = f"/admin/runs/{open_run.pk}/phone-booking/"

    step_two = text(staff_client.get(url, {"school": school.pk}))
    assert a.email in step_two and b.email in step_two

    response = staff_client.post(
        f"{url}?school={school.pk}",
        {
            "school": school.pk,
            "delegates": [a.pk, b.pk],
            "po_number": "PO-123",
            f"needs-{a.pk}-access": "Hearing loop",
            f"needs-{b.pk}-dietary": "Halal",
        },
    )
    assert response.status_code == 302
    booking = Booking.objects.get(run=open_run)
    assert booking.source == "phone"
    assert booking.booked_by == people["staff"] and booking.po_number == "PO-123"
    by_person = {e.delegate: e for e in booking.enrolments.all()}
    assert by_person[a].access_needs == "Hearing loop"
    assert by_person[b].dietary_needs == "Halal"
    assert by_person[a].status == Enrolment.Status.CONFIRMED
    event = EnrolmentEvent.objects.get(enrolment=by_person[a])
    assert event.actor == people["staff"] and event.to_status == "confirmed"


def test_phone_booking_for_more_than_the_places_left_writes_nothing(
    staff_client, open_run, people, staff_of
):
    school = people["school_a"]
    four = staff_of(school, 4)
    before = (Booking.objects.count(), Enrolment.objects.count(), EnrolmentEvent.objects.count())
    response = staff_client.post(
        f"/admin/runs/{open_run.pk}/phone-booking/?school={school.pk}",
        {"school": school.pk, "delegates": [u.pk for u in four]},
    )
    assert response.status_code == 200
    assert "Only 3 places left; you asked for 4." in text(response)
    after = (Booking.objects.count(), Enrolment.objects.count(), EnrolmentEvent.objects.count())
    assert after == before


def test_no_phone_bookings_on_a_cancelled_run(staff_client, open_run, people):
    services.cancel_run(open_run.pk, by=people["staff"], reason="Venue closed")
    school = people["school_a"]
    response = staff_client.post(
        f"/admin/runs/{open_run.pk}/phone-booking/?school={school.pk}",
        {"school": school.pk, "delegates": [people["teacher_a"].pk]},
        follow=True,
    )
    assert any("takes no bookings" in m for m in messages_of(response))
    assert not Booking.objects.filter(run=open_run).exists()


def test_phone_booking_with_nobody_ticked_is_refused(staff_client, open_run, people):
    school = people["school_a"]
    response = staff_client.post(
        f"/admin/runs/{open_run.pk}/phone-booking/?school={school.pk}", {"school": school.pk}
    )
    assert response.status_code == 200
    assert "Choose at least one person to book." in text(response)
    assert not Booking.objects.filter(run=open_run).exists()


# --- the waiting list --------------------------------------------------------------------------


def test_promoting_when_full_is_refused_then_works_after_a_cancellation(
    staff_client, open_run, people, staff_of
):
    booking = book(open_run, people["school_a"], staff_of(people["school_a"], 3), people["staff"])
    entry = services.join_waiting_list(
        open_run.pk,
        person=people["teacher_b"],
        school=people["school_b"],
        added_by=people["staff"],
    )
    page = text(staff_client.get(f"/admin/runs/{open_run.pk}/waiting-list/"))
    assert people["teacher_b"].email in page and "Promote" in page
    promote = f"/admin/runs/{open_run.pk}/waiting-list/{entry.pk}/promote/"

    response = staff_client.post(promote, follow=True)
    assert any("This run is full" in m for m in messages_of(response))
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.WAITING
    assert not Enrolment.objects.filter(run=open_run, delegate=people["teacher_b"]).exists()

    services.cancel_enrolment(booking.enrolments.first().pk, by=people["staff"])
    response = staff_client.post(promote, follow=True)
    assert any("now has a place" in m for m in messages_of(response))
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.ACCEPTED
    place = Enrolment.objects.get(run=open_run, delegate=people["teacher_b"])
    assert place.status == Enrolment.Status.CONFIRMED and place.booking.source == "phone"


def test_offer_free_places_now_offers_to_the_next_person(staff_client, open_run, people, staff_of):
    booking = book(open_run, people["school_a"], staff_of(people["school_a"], 3), people["staff"])
    entry = services.join_waiting_list(
        open_run.pk,
        person=people["teacher_b"],
        school=people["school_b"],
        added_by=people["staff"],
    )
    offer = f"/admin/runs/{open_run.pk}/waiting-list/offer/"
    assert any("No offers made" in m for m in messages_of(staff_client.post(offer, follow=True)))
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.WAITING

    services.cancel_enrolment(booking.enrolments.first().pk, by=people["staff"])
    response = staff_client.post(offer, follow=True)
    assert any("Place offered to" in m for m in messages_of(response))
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED


# --- enrolments: the audit log, cancelling, export ---------------------------------------------


def test_enrolment_inspect_shows_the_audit_log_and_cancels_a_place(staff_client, open_run, people):
    enrolment = book(
        open_run, people["school_a"], [people["teacher_a"]], people["staff"]
    ).enrolments.get()
    url = f"/admin/enrolments/inspect/{enrolment.pk}/"
    page = text(staff_client.get(url))
    assert "History of this place" in page
    assert "— → Confirmed" in page and "Phone booking by staff" in page
    assert "Cancel place" in page

    response = staff_client.post(
        f"/admin/enrolments/cancel/{enrolment.pk}/", {"note": "School phoned: off sick"}
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED
    event = enrolment.events.last()
    assert event.actor == people["staff"] and event.note == "School phoned: off sick"

    page = text(staff_client.get(url))
    assert "Confirmed → Cancelled" in page and "School phoned: off sick" in page
    assert str(people["staff"]) in page
    assert "Cancel place" not in page  # nothing left to cancel

    again = staff_client.post(f"/admin/enrolments/cancel/{enrolment.pk}/", follow=True)
    assert any("Only a confirmed or pending place" in m for m in messages_of(again))


def test_enrolments_have_no_add_or_delete_and_edit_only_the_needs(staff_client, open_run, people):
    enrolment = book(
        open_run, people["school_a"], [people["teacher_a"]], people["staff"]
    ).enrolments.get()
    assert staff_client.get("/admin/enrolments/new/").status_code == 404
    assert staff_client.get(f"/admin/enrolments/delete/{enrolment.pk}/").status_code == 404
    response = staff_client.post(
        f"/admin/enrolments/edit/{enrolment.pk}/",
        {"access_needs": "Large print", "dietary_needs": "", "status": "cancelled"},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.access_needs == "Large print"
    assert enrolment.status == Enrolment.Status.CONFIRMED  # status is not a form field


def test_enrolment_list_filters_searches_and_exports(staff_client, open_run, people):
    booking = book(open_run, people["school_a"], [people["teacher_a"]], people["staff"])
    page = text(staff_client.get("/admin/enrolments/", {"q": booking.reference}))
    assert str(people["teacher_a"]) in page and "There is 1 match" in page

    response = staff_client.get("/admin/enrolments/", {"run": open_run.pk, "export": "csv"})
    assert response.status_code == 200
    assert 'filename="enrolments.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # Excel's BOM first
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Delegate", "Email", "School"]
    assert len(rows) == 2 and rows[1][1] == people["teacher_a"].email

    xlsx = staff_client.get("/admin/enrolments/", {"export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].endswith("spreadsheetml.sheet")


@pytest.mark.parametrize("url", ["/admin/enrolments/", "/admin/waiting-list/"])
def test_listings_cost_a_fixed_number_of_queries(
    staff_client, demo, url, django_assert_max_num_queries
):
    # The run filter lists every run with its course; one query, not one per run.
    assert CourseRun.objects.count() > 40
    with django_assert_max_num_queries(20):
        assert staff_client.get(url).status_code == 200


def test_booking_list_searches_by_reference_and_inspects(staff_client, open_run, people):
    booking = book(open_run, people["school_a"], [people["teacher_a"]], people["staff"])
    page = text(staff_client.get("/admin/bookings/", {"q": booking.reference}))
    assert booking.reference in page and "There is 1 match" in page
    page = text(staff_client.get(f"/admin/bookings/inspect/{booking.pk}/"))
    assert str(people["teacher_a"]) in page and "Places on this booking" in page
    assert staff_client.get("/admin/bookings/new/").status_code == 404
    export = staff_client.get("/admin/bookings/", {"export": "csv"})
    assert booking.reference in b"".join(export.streaming_content).decode()


# --- reserved places ---------------------------------------------------------------------------


def test_a_bookings_officer_lists_reservations_read_only(client, open_run, people):
    due = open_run.sessions.get().starts_at - dt.timedelta(days=10)
    open_run.name_by = due
    open_run.save()
    reservation = services.reserve_places(
        open_run.pk,
        school=people["school_a"],
        by=people["lead_a"],
        places_wanted=3,
        terms_accepted=True,
    )
    services.name_reserved_place(reservation.pk, by=people["lead_a"], person=people["teacher_a"])
    client.force_login(cast.officer(roles.BOOKINGS))

    menu = text(client.get("/admin/"))
    assert "Reserved places" in menu
    page = text(client.get("/admin/reservations/"))
    row = _row(page, open_run)
    cells = [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td.*?</td>", row, re.S)]
    local = timezone.localtime(due)
    assert cells[1:] == [
        open_run.reference,
        people["school_a"].name,
        "3",
        "1",
        f"{local.day} {local:%b %Y}, {clock(local)}",
        "2 to name",
    ]
    assert reservation.booking.reference in row
    inspect = client.get(f"/admin/reservations/inspect/{reservation.pk}/")
    assert inspect.status_code == 200
    # Read only: reserving, naming and giving back go through the services, not the admin.
    for url in ("new/", f"edit/{reservation.pk}/", f"delete/{reservation.pk}/"):
        assert client.get(f"/admin/reservations/{url}").status_code == 404, url


# --- cancelling a run --------------------------------------------------------------------------


def test_cancel_run_needs_a_reason_then_cancels_every_place(
    staff_client, open_run, people, staff_of
):
    booking = book(open_run, people["school_a"], staff_of(people["school_a"], 2), people["staff"])
    url = f"/admin/runs/{open_run.pk}/cancel/"

    response = staff_client.post(url, {"reason": "   "})
    assert response.status_code == 200
    assert "Give a reason; delegates will see it." in text(response)
    open_run.refresh_from_db()
    assert open_run.status == CourseRun.Status.OPEN
    assert booking.enrolments.filter(status=Enrolment.Status.CONFIRMED).count() == 2

    response = staff_client.post(url, {"reason": "Facilitator unwell"})
    assert response.status_code == 302
    open_run.refresh_from_db()
    assert open_run.status == CourseRun.Status.CANCELLED
    assert set(booking.enrolments.values_list("status", flat=True)) == {"cancelled"}
    assert booking.enrolments.first().events.last().note == "Run cancelled: Facilitator unwell"


# --- who may see these pages -------------------------------------------------------------------


def _admin_urls(run, enrolment, booking):
    return [
        "/admin/runs/",
        f"/admin/runs/{run.pk}/delegates/",
        f"/admin/runs/{run.pk}/delegates/csv/",
        f"/admin/runs/{run.pk}/waiting-list/",
        f"/admin/runs/{run.pk}/phone-booking/?school={booking.school_id}",
        f"/admin/runs/{run.pk}/cancel/",
        f"/admin/runs/{run.pk}/sessions/",
        f"/admin/runs/{run.pk}/sessions/{run.sessions.first().pk}/cancel/",
        "/admin/enrolments/",
        "/admin/enrolments/?export=csv",
        f"/admin/enrolments/inspect/{enrolment.pk}/",
        "/admin/bookings/",
        f"/admin/bookings/inspect/{booking.pk}/",
        "/admin/waiting-list/",
        "/admin/reservations/",
    ]


@pytest.mark.parametrize("who", ["teacher", "editor"])
def test_people_without_bookings_permissions_see_nothing(client, open_run, people, make_user, who):
    booking = book(
        open_run,
        people["school_a"],
        [people["teacher_a"]],
        people["staff"],
        access_needs="Wheelchair user",
    )
    enrolment = booking.enrolments.get()
    if who == "teacher":
        user = people["teacher_a"]
        assert not user.is_staff
    else:  # reaches the Wagtail admin, but holds no bookings permission
        user = make_user("pages-only@example.gov.uk", is_staff=True)
        user.groups.add(Group.objects.get(name="Marketing editors"))
    client.force_login(user)

    for url in _admin_urls(open_run, enrolment, booking):
        response = client.get(url)
        assert response.status_code != 200, url
        assert b"Wheelchair user" not in response.content
        assert booking.reference.encode() not in response.content

    for url in (
        f"/admin/runs/{open_run.pk}/cancel/",
        f"/admin/runs/{open_run.pk}/sessions/{open_run.sessions.first().pk}/cancel/",
        f"/admin/enrolments/cancel/{enrolment.pk}/",
    ):
        assert client.post(url, {"reason": "Because"}).status_code != 200
    open_run.refresh_from_db()
    enrolment.refresh_from_db()
    assert open_run.status == CourseRun.Status.OPEN
    assert not open_run.sessions.filter(cancelled_at__isnull=False).exists()
    assert enrolment.status == Enrolment.Status.CONFIRMED
