"""The booking journey through the pages, and bad input at each step."""

import pytest

from bookings.models import Booking, Enrolment
from tests.factories import bookings, courses
from tests.forms import assert_errors_are_clear


@pytest.fixture
def oakfield(people):
    school = people["school_a"]
    school.bookings_need_approval = False
    school.save()
    return school


def test_course_page_offers_book_join_waiting_list_or_closed(client, people):
    full = courses.run(capacity=1)
    bookings.book(full, people["teacher_b"], school=people["school_b"], booked_by=people["staff"])
    runs = [full, courses.run()]
    client.force_login(people["teacher_a"])
    html = client.get(full.course.url).content.decode()
    assert f"/book/{full.pk}/waiting-list/" in html
    open_ = next(r for r in runs if r.is_bookable and r.places_left > 0)
    assert f"/book/{open_.pk}/" in client.get(open_.course.url).content.decode()


def test_a_teacher_books_through_the_pages(client, open_run, people, oakfield):
    client.force_login(people["teacher_a"])
    # The Book button answers with the form itself, posting to the details step.
    page = client.get(f"/book/{open_run.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Check and confirm" in html and "Cancellation terms" in html
    teacher = people["teacher_a"]
    action = f"/book/{open_run.pk}/details/?school={oakfield.pk}&amp;delegate={teacher.pk}"
    assert f'action="{action}"' in html
    data = {
        "school": oakfield.pk,
        "delegate": people["teacher_a"].pk,
        "terms": "on",
        f"needs-{people['teacher_a'].pk}-dietary": "Gluten free",
    }
    response = client.post(f"/book/{open_run.pk}/details/", data, follow=True)
    booking = Booking.objects.get(run=open_run)
    assert response.redirect_chain[-1][0] == f"/bookings/{booking.reference}/"
    assert f"Booked. Your reference is {booking.reference}" in response.content.decode()
    assert booking.enrolments.get().dietary_needs == "Gluten free"
    mine = client.get("/bookings/").content.decode()
    assert open_run.course.title in mine and booking.reference in mine


def test_a_cpd_lead_picks_colleagues(client, open_run, people, oakfield):
    client.force_login(people["lead_a"])
    html = client.get(f"/book/{open_run.pk}/").content.decode()
    assert "Choose staff from Oakfield Primary School" in html and "Tom Teacher" in html
    data = {
        "school": oakfield.pk,
        "delegate": [people["teacher_a"].pk, people["finance_a"].pk],
        "terms": "on",
    }
    client.post(f"/book/{open_run.pk}/details/", data)
    assert Enrolment.objects.filter(run=open_run).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Accept the booking terms to continue."),
        ({"terms": "on", "needs-{tid}-access": "x" * 501}, "Ensure this value has at most 500"),
    ],
)
def test_bad_booking_details_are_refused_with_nothing_written(
    client, open_run, people, oakfield, data, message
):
    client.force_login(people["teacher_a"])
    tid = people["teacher_a"].pk
    payload = {k.format(tid=tid): v for k, v in data.items()}
    payload.update({"school": oakfield.pk, "delegate": tid})
    response = client.post(f"/book/{open_run.pk}/details/", payload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not Booking.objects.filter(run=open_run).exists()


def test_a_po_number_is_asked_for_when_required(client, open_run, people, oakfield):
    oakfield.po_number_required = True
    oakfield.save()
    client.force_login(people["teacher_a"])
    response = client.post(
        f"/book/{open_run.pk}/details/",
        {"school": oakfield.pk, "delegate": people["teacher_a"].pk, "terms": "on"},
    )
    assert "needs a purchase order (PO) number" in response.content.decode()
    assert not Booking.objects.filter(run=open_run).exists()


def test_too_many_for_the_places_left_says_so(client, open_run, people, oakfield, staff_of):
    colleagues = staff_of(oakfield, 4)
    client.force_login(people["lead_a"])
    response = client.post(
        f"/book/{open_run.pk}/details/",
        {"school": oakfield.pk, "delegate": [u.pk for u in colleagues], "terms": "on"},
    )
    assert "Only 3 places left; you asked for 4." in response.content.decode()
    assert not Booking.objects.filter(run=open_run).exists()


@pytest.mark.parametrize("params", ["delegate=abc", "delegate=999999", "", "school=nope"])
def test_garbage_delegates_go_back_to_choosing(client, open_run, people, oakfield, params):
    client.force_login(people["lead_a"])
    response = client.get(f"/book/{open_run.pk}/details/?school={oakfield.pk}&{params}")
    assert response.status_code == 302 and f"/book/{open_run.pk}/" in response["Location"]


def test_someone_without_a_school_is_sent_to_join_one(client, open_run, make_user):
    client.force_login(make_user("lonely@nowhere.example"))
    response = client.get(f"/book/{open_run.pk}/")
    assert response["Location"] == "/account/school/find/"


def test_an_unknown_run_is_not_found(client, people):
    client.force_login(people["teacher_a"])
    assert client.get("/book/987654/").status_code == 404


def test_cancel_needs_the_box_ticked(client, open_run, people, oakfield):
    from bookings.services import BookingRequest, Delegate, book_places

    booking = book_places(
        open_run.pk,
        BookingRequest(
            school=oakfield,
            booked_by=people["teacher_a"],
            terms_accepted=True,
            delegates=[Delegate(people["teacher_a"])],
        ),
    )
    enrolment = booking.enrolments.get()
    client.force_login(people["teacher_a"])
    response = client.post(f"/bookings/place/{enrolment.pk}/cancel/", {})
    assert "Tick the box to confirm" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == "confirmed"
    client.post(f"/bookings/place/{enrolment.pk}/cancel/", {"confirm": "on"})
    enrolment.refresh_from_db()
    assert enrolment.status == "cancelled"


def test_the_calendar_download_is_a_real_calendar(client, open_run, people, oakfield):
    from icalendar import Calendar

    from bookings.services import BookingRequest, Delegate, book_places

    enrolment = book_places(
        open_run.pk,
        BookingRequest(
            school=oakfield,
            booked_by=people["teacher_a"],
            terms_accepted=True,
            delegates=[Delegate(people["teacher_a"])],
        ),
    ).enrolments.get()
    client.force_login(people["teacher_a"])
    response = client.get(f"/bookings/place/{enrolment.pk}/calendar.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == open_run.sessions.count()
    assert str(events[0]["UID"]).startswith("session-")


def test_a_cpd_lead_adds_and_invites_a_new_colleague_then_books_them(
    client, open_run, people, oakfield, django_capture_on_commit_callbacks
):
    from django.core import mail

    from accounts.models import Membership, User

    client.force_login(people["lead_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/book/{open_run.pk}/add-colleague/",
            {
                "school": oakfield.pk,
                "first_name": "Nia",
                "last_name": "Roberts",
                "email": "N.Roberts@Oakfield.sch.uk",
            },
        )
    newcomer = User.objects.get(email="n.roberts@oakfield.sch.uk")
    assert response["Location"].endswith(f"&added={newcomer.pk}")
    assert Membership.objects.filter(user=newcomer, school=oakfield).exists()
    assert not newcomer.has_usable_password()
    invitation = mail.outbox[-1]
    assert invitation.to == ["n.roberts@oakfield.sch.uk"]
    assert "/accounts/password/reset/key/" in invitation.body
    ticked = client.get(response["Location"]).content.decode()
    assert f'value="{newcomer.pk}" checked' in ticked
    client.post(
        f"/book/{open_run.pk}/details/",
        {"school": oakfield.pk, "delegate": newcomer.pk, "terms": "on"},
    )
    assert Enrolment.objects.filter(run=open_run, delegate=newcomer).exists()

    # Setting the password from the invitation verifies the address; then they can sign in.
    client.logout()
    link = invitation.body.split("http://testserver", 1)[1].split()[0]
    form_page = client.get(link, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    client.post(action, {"password1": "Brand-New-Pass-2027", "password2": "Brand-New-Pass-2027"})
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(user=newcomer).verified
    assert client.login(email="n.roberts@oakfield.sch.uk", password="Brand-New-Pass-2027")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"first_name": "A", "last_name": "B", "email": "not-an-email"}, "valid email"),
        ({"first_name": "", "last_name": "B", "email": "x@oakfield.sch.uk"}, "first and last"),
        (
            {"first_name": "A", "last_name": "B", "email": "teacher@riverside-academy.org.uk"},
            "already has an account",
        ),
    ],
)
def test_adding_a_colleague_refuses_bad_input(client, open_run, people, oakfield, data, message):
    from accounts.models import Membership

    client.force_login(people["lead_a"])
    before = Membership.objects.count()
    response = client.post(
        f"/book/{open_run.pk}/add-colleague/", {"school": oakfield.pk, **data}, follow=True
    )
    assert message in response.content.decode()
    assert Membership.objects.count() == before


def test_only_cpd_leads_add_colleagues(client, open_run, people, oakfield):
    client.force_login(people["teacher_a"])
    response = client.post(
        f"/book/{open_run.pk}/add-colleague/",
        {"school": oakfield.pk, "first_name": "A", "last_name": "B", "email": "a@oakfield.sch.uk"},
    )
    assert response.status_code == 404


def test_inside_the_notice_period_the_page_says_cancelling_will_be_charged(
    client, open_run, people, oakfield
):
    from django.utils import timezone

    from bookings.services import first_session_start

    days_left = (first_session_start(open_run) - timezone.now()).days
    open_run.course.free_cancellation_days = days_left + 1
    open_run.course.save()
    client.force_login(people["teacher_a"])
    html = client.get(
        f"/book/{open_run.pk}/details/?school={oakfield.pk}&delegate={people['teacher_a'].pk}"
    ).content.decode()
    assert "so cancelling a place booked now costs" in html
    assert "Cancel free of charge until" not in html


def test_the_approval_note_shows_only_when_approval_is_needed(client, open_run, people):
    school = people["school_a"]
    assert school.bookings_need_approval
    url = f"/book/{open_run.pk}/details/?school={school.pk}&delegate={people['teacher_a'].pk}"
    client.force_login(people["teacher_a"])
    assert "asks its CPD lead to approve" in client.get(url).content.decode()
    client.force_login(people["lead_a"])
    assert "asks its CPD lead to approve" not in client.get(url).content.decode()


def test_seeding_books_through_book_places_but_emails_nobody(demo):
    """Tests the demo programme's own seeding, so it asks for `demo`."""
    from django.core import mail
    from django.core.management import call_command

    from bookings.models import EnrolmentEvent

    booking = Booking.objects.filter(source="phone").first()
    run = booking.run
    EnrolmentEvent.objects.filter(enrolment__booking__run=run).delete()
    Enrolment.objects.filter(run=run).delete()
    Booking.objects.filter(run=run).delete()
    call_command("seed_demo", verbosity=0)
    assert Booking.objects.filter(run=run, source="phone").exists(), "the run was refilled"
    assert mail.outbox == []
    schools = set(Booking.objects.filter(source="phone").values_list("school", flat=True))
    assert len(schools) >= 3, "the seed spreads its bookings across schools"


@pytest.mark.parametrize("params", ["delegate=999999", "delegate=abc", ""])
def test_a_hand_edited_booking_url_leaves_no_stale_error_over_a_valid_form(
    client, open_run, people, oakfield, params
):
    """A teacher books only themself: an unknown delegate in the URL brings them back to a
    valid form for themself, which must not carry "Choose at least one person" with it."""
    client.force_login(people["teacher_a"])
    response = client.get(
        f"/book/{open_run.pk}/details/?school={oakfield.pk}&{params}", follow=True
    )
    html = response.content.decode()
    assert "Check and confirm" in html
    assert f'name="delegate" value="{people["teacher_a"].pk}"' in html
    assert "Choose at least one person to book." not in html
    assert 'class="messages"' not in html


def test_a_cpd_lead_whose_url_names_nobody_is_told_on_the_choosing_page(
    client, open_run, people, oakfield
):
    client.force_login(people["lead_a"])
    response = client.get(
        f"/book/{open_run.pk}/details/?school={oakfield.pk}&delegate=999999", follow=True
    )
    html = response.content.decode()
    assert "Choose staff from Oakfield Primary School" in html
    assert "Choose at least one person to book." in html


def test_booking_details_sent_back_say_what_is_wrong_and_where(client, open_run, people, oakfield):
    """Issue 22: the hint and error ids are the ones Django's aria-describedby names, the
    summary links to each field, and the title says "Error"."""
    oakfield.po_number_required = True
    oakfield.save()
    client.force_login(people["teacher_a"])
    tid = people["teacher_a"].pk
    response = client.post(
        f"/book/{open_run.pk}/details/",
        {"school": oakfield.pk, "delegate": tid, f"needs-{tid}-access": "x" * 501},
    )
    soup = assert_errors_are_clear(response.content.decode())
    access = soup.find(id=f"id_needs-{tid}-access")
    assert (
        access["aria-describedby"] == f"id_needs-{tid}-access_helptext id_needs-{tid}-access_error"
    )
    summary = soup.select_one("[data-error-summary]")
    assert {a["href"] for a in summary.select("a")} == {
        "#id_po_number",
        "#id_terms",
        f"#id_needs-{tid}-access",
    }


def test_a_cancel_sent_back_unticked_says_so_clearly(client, open_run, people, oakfield):
    from bookings.services import BookingRequest, Delegate, book_places

    booking = book_places(
        open_run.pk,
        BookingRequest(
            school=oakfield,
            booked_by=people["teacher_a"],
            terms_accepted=True,
            delegates=[Delegate(people["teacher_a"])],
        ),
    )
    client.force_login(people["teacher_a"])
    response = client.post(f"/bookings/place/{booking.enrolments.get().pk}/cancel/", {})
    soup = assert_errors_are_clear(response.content.decode())
    assert soup.find(id="id_confirm")["aria-describedby"] == "id_confirm_error"


def test_upcoming_places_are_listed_by_the_courses_date_not_the_bookings(client, people):
    school, tom = people["school_a"], people["teacher_a"]
    later = courses.run(days=(40,))
    sooner = courses.run(days=(10,))
    # Booked the sooner course first: newest-booking-first would list the later one on top.
    for_sooner = bookings.book(sooner, tom, school=school, booked_by=people["staff"])
    for_later = bookings.book(later, tom, school=school, booked_by=people["staff"])

    def order(html):
        return html.index(for_sooner.reference) < html.index(for_later.reference)

    client.force_login(tom)
    assert order(client.get("/bookings/").content.decode()), "the sooner course first"
    client.force_login(people["lead_a"])
    listed = client.get(f"/school/{school.pk}/bookings/").content.decode()
    assert order(listed), "the sooner course first on the school's list too"
    looking_back = client.get(f"/school/{school.pk}/bookings/?when=all").content.decode()
    assert not order(looking_back), "all places: the latest course first"
