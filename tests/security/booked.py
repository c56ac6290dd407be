"""Places booked through the booking pages, by demo people who sign in with their password,
for the place, feed and calendar tests in this folder."""

from django.test import Client

from bookings.models import Booking
from courses.models import CourseRun
from demo.people import DEMO_PASSWORD
from tests import people as via


def signed_in(email, password=DEMO_PASSWORD):
    client = Client()
    assert via.sign_in(client, email, password).status_code == 302
    return client


def open_run(*, online=False):
    """A bookable upcoming run with places and no bookings yet."""
    runs = CourseRun.objects.upcoming().filter(
        status=CourseRun.Status.OPEN, venue__isnull=online, bookings__isnull=True
    )
    run = next(r for r in runs if r.is_bookable and r.places_left >= 3)
    return run


def book(client, run, school, *delegates):
    """`client` books `delegates` (people on `school`'s staff) through the details page."""
    response = client.post(
        f"/book/{run.pk}/details/",
        {"school": school.pk, "delegate": [d.pk for d in delegates], "terms": "on"},
    )
    assert response.status_code == 302, response.content[:500]
    return Booking.objects.filter(run=run, school=school).latest("pk")
