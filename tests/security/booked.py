"""Places booked through the booking pages, by people who sign in with their password, for the
place, feed and calendar tests in this folder."""

from django.test import Client

from bookings.models import Booking
from courses.models import CoursePage
from tests import people as via
from tests.factories import accounts, courses


def signed_in(email, password=accounts.PASSWORD):
    client = Client()
    assert via.sign_in(client, email, password).status_code == 302
    return client


def open_run(*, online=False):
    """A bookable upcoming run with places and no bookings yet."""
    fmt = CoursePage.Format.ONLINE if online else CoursePage.Format.IN_PERSON
    return courses.run(courses.course(format=fmt), days=(21,), capacity=10)


def book(client, run, school, *delegates):
    """`client` books `delegates` (people on `school`'s staff) through the details page."""
    response = client.post(
        f"/book/{run.pk}/details/",
        {"school": school.pk, "delegate": [d.pk for d in delegates], "terms": "on"},
    )
    assert response.status_code == 302, response.content[:500]
    return Booking.objects.filter(run=run, school=school).latest("pk")
