"""Issue 17, item 4: tests run Celery eagerly, which skips the outbox and the broker. Eager
tasks still get their arguments back through the same serialisation, so an argument a real
booking could not send fails in the tests too."""

import datetime as dt

import pytest
from kombu.exceptions import EncodeError

from accounts.models import School
from config.celery import app

received = []


@app.task(name="tests.core.echo")
def echo(*args, **kwargs):
    received.append((args, kwargs))


@pytest.fixture(autouse=True)
def _clear():
    received.clear()


@pytest.mark.django_db
def test_on_commit_arguments_come_back_as_the_outbox_stores_them(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        echo.delay_on_commit(7, ("a", "b"), run_id=3)
    # A tuple comes back a list, as it would from the outbox's JSON column.
    assert received == [((7, ["a", "b"]), {"run_id": 3})]


@pytest.mark.django_db
def test_an_argument_the_outbox_cannot_store_fails_the_caller(django_capture_on_commit_callbacks):
    with (
        pytest.raises(TypeError, match="not JSON serializable"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        echo.delay_on_commit(dt.date(2026, 12, 7))
    assert received == []


@pytest.mark.django_db
def test_a_direct_delay_goes_through_the_brokers_serializer():
    school = School(name="Not serialisable", urn=1)
    with pytest.raises(EncodeError):
        echo.delay(school)
    assert received == []
    echo.delay(1, name="x")
    assert received == [((1,), {"name": "x"})]
