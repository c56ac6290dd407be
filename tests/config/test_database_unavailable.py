"""The database going away mid-request gives a clean 503 with Retry-After, not a 500, and
leaves nothing half-written."""

import pytest
from django.db import OperationalError
from django.test import Client

from bookings.models import Booking
from tests.factories import courses


@pytest.fixture
def oakfield(people):
    school = people["school_a"]
    school.bookings_need_approval = False
    school.save()
    return school


def test_a_booking_whose_database_goes_away_mid_transaction_gets_a_503_and_writes_nothing(
    people, oakfield, monkeypatch
):
    run = courses.run(capacity=10)  # bookable, more than two places left
    before = Booking.objects.count()

    def connection_lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # The enrolments' insert fails after the booking row is written, inside the transaction.
    monkeypatch.setattr("bookings.models.Enrolment.save", connection_lost)
    client = Client(raise_request_exception=False)
    client.force_login(people["teacher_a"])
    response = client.post(
        f"/book/{run.pk}/details/",
        {"school": oakfield.pk, "delegate": people["teacher_a"].pk, "terms": "on"},
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "nothing of it was kept" in response.content.decode()
    assert Booking.objects.count() == before


def test_other_errors_are_still_a_plain_500(rf):
    from core.errors import server_error

    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500 and "Retry-After" not in response
    try:
        raise OperationalError("the database is restarting")
    except OperationalError:
        assert server_error(rf.get("/")).status_code == 503
