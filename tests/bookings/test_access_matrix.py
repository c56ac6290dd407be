"""Owner-only access for every bookings URL that takes an id: 404 for everyone else."""

import pytest

from bookings.models import Enrolment
from bookings.services import BookingRequest, Delegate, book_places

CALLERS = ["anonymous", "teacher_a", "lead_a", "finance_a", "teacher_b", "staff"]
# Open to every signed-in person by design (they act on the caller's own behalf).
OPEN_TO_ALL = {"book", "details", "join_waiting_list", "mine", "accept_offer"}
# Opened by a secret token, not an id; tested in test_calendar_feeds.py.
BY_TOKEN = {"personal_feed", "school_feed", "strand_feed"}
PLACE_PEOPLE = {"teacher_a", "lead_a", "staff"}  # the delegate, the school's lead, the CPD team


@pytest.fixture
def objects(open_run, people):
    school = people["school_a"]
    school.bookings_need_approval = True
    school.save()
    booking = book_places(
        open_run.pk,
        BookingRequest(
            school=school,
            booked_by=people["teacher_a"],
            terms_accepted=True,
            delegates=[Delegate(people["teacher_a"])],
        ),
    )
    return {"booking": booking, "enrolment": booking.enrolments.get(), "school": school}


def _targets(o, people):
    e, ref, a = o["enrolment"].pk, o["booking"].reference, o["school"].pk
    return {
        "booking detail": ("get", f"/bookings/{ref}/", None, PLACE_PEOPLE),
        "cancel page": ("get", f"/bookings/place/{e}/cancel/", None, PLACE_PEOPLE),
        "cancel": ("post", f"/bookings/place/{e}/cancel/", {"confirm": "on"}, PLACE_PEOPLE),
        "decide": (
            "post",
            f"/bookings/place/{e}/decide/",
            {"decision": "decline"},
            {"lead_a", "staff"},
        ),
        "substitute": (
            "post",
            f"/bookings/place/{e}/substitute/",
            {"delegate": people["finance_a"].pk},
            PLACE_PEOPLE,
        ),
        "transfer": ("post", f"/bookings/place/{e}/transfer/", {"run": "1"}, PLACE_PEOPLE),
        "calendar": ("get", f"/bookings/place/{e}/calendar.ics", None, PLACE_PEOPLE),
        "school bookings": ("get", f"/school/{a}/bookings/", None, {"lead_a", "staff"}),
        "unknown booking": ("get", "/bookings/BK-NOPE123/", None, set()),
        "rotate school calendar": (
            "post",
            f"/calendar/school/{a}/rotate/",
            {},
            {"lead_a", "staff"},
        ),
        # Only the school's managers add colleagues to its staff list.
        "add colleague": (
            "post",
            f"/book/{o['booking'].run_id}/add-colleague/",
            {
                "school": a,
                "first_name": "New",
                "last_name": "Person",
                "email": "new.person@oakfield.sch.uk",
            },
            {"lead_a"},
        ),
    }


TARGET_NAMES = [
    "booking detail",
    "cancel page",
    "cancel",
    "decide",
    "substitute",
    "transfer",
    "calendar",
    "school bookings",
    "unknown booking",
    "add colleague",
    "rotate school calendar",
]


def test_the_matrix_covers_every_url_that_takes_an_id(objects, people):
    from django.urls import resolve

    from bookings import urls

    targets = _targets(objects, people)
    assert set(targets) == set(TARGET_NAMES)
    with_ids = {p.name for p in urls.urlpatterns if "<" in str(p.pattern)} - OPEN_TO_ALL - BY_TOKEN
    covered = {resolve(url).url_name for _, url, _, _ in targets.values()}
    assert with_ids <= covered, f"not in the access matrix: {with_ids - covered}"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGET_NAMES)
def test_access_matrix(client, people, objects, caller, target):
    method, url, data, allowed = _targets(objects, people)[target]
    if caller != "anonymous":
        client.force_login(people[caller])
    response = client.post(url, data) if method == "post" else client.get(url)
    if caller == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif caller in allowed:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("caller", ["finance_a", "teacher_b"])
def test_refused_callers_change_nothing(client, people, objects, caller):
    client.force_login(people[caller])
    for method, url, data, _ in _targets(objects, people).values():
        if method == "post":
            client.post(url, data)
    enrolment = Enrolment.objects.get(pk=objects["enrolment"].pk)
    assert (enrolment.status, enrolment.delegate) == ("pending_approval", people["teacher_a"])
