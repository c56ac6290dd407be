"""The outbox on the booking path: what a booking asks for is written in one INSERT, each task
once, published after the commit and forgotten in one DELETE; a refused booking writes
nothing. With a real (private) Redis as the broker, on PostgreSQL like the other drills."""

import json
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.services import BookingRefused, BookingRequest, Delegate, book_places
from core import outbox
from core.models import OutboxMessage

from .support import broker

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="drills run on PostgreSQL",
    ),
]


def _outbox_statements(captured):
    table = OutboxMessage._meta.db_table
    return [q["sql"].split()[0] for q in captured if table in q["sql"]]


def _published(redis_url, queue):
    import redis

    bodies = redis.Redis.from_url(redis_url).lrange(queue, 0, -1)
    return sorted(json.loads(body)["headers"]["task"] for body in bodies)


def test_a_booking_for_two_writes_each_task_once_in_one_insert_and_forgets_them_in_one_delete(
    bookable_run, oakfield, colleagues, people, private_redis, queue
):
    lead = people["lead_a"]
    pair = colleagues(2)
    request = BookingRequest(
        school=oakfield,
        booked_by=lead,
        terms_accepted=True,
        delegates=[Delegate(person) for person in pair],
    )
    with broker(private_redis.url, queue), CaptureQueriesContext(connection) as queries:
        booking = book_places(bookable_run.pk, request)

    assert booking.enrolments.count() == 2
    # Settlement is asked for by each place's save and the confirmation by the service:
    # the same settlement twice is one message.
    assert _outbox_statements(queries.captured_queries) == ["INSERT", "DELETE"]
    assert _published(private_redis.url, queue) == [
        "billing.tasks.settle_booking",
        "bookings.tasks.send_booking_confirmation",
    ]
    assert not OutboxMessage.objects.exists()


def test_a_refused_booking_leaves_nothing_in_the_outbox_or_the_queue(
    bookable_run, oakfield, colleagues, private_redis, queue
):
    (teacher,) = colleagues(1)
    request = BookingRequest(
        school=oakfield, booked_by=teacher, terms_accepted=True, delegates=[Delegate(teacher)]
    )
    with broker(private_redis.url, queue):
        book_places(bookable_run.pk, request)
        with pytest.raises(BookingRefused, match="Already booked"):
            book_places(bookable_run.pk, request)
    assert len(_published(private_redis.url, queue)) == 2  # the first booking's two tasks only
    assert not OutboxMessage.objects.exists()


def test_with_the_broker_down_a_batch_waits_in_the_outbox_until_the_relay_sends_it(
    bookable_run, oakfield, colleagues, private_redis, queue
):
    (teacher,) = colleagues(1)
    request = BookingRequest(
        school=oakfield, booked_by=teacher, terms_accepted=True, delegates=[Delegate(teacher)]
    )
    with broker(private_redis.url, queue):
        private_redis.stop()
        book_places(bookable_run.pk, request)
        assert sorted(OutboxMessage.objects.values_list("task", flat=True)) == [
            "billing.tasks.settle_booking",
            "bookings.tasks.send_booking_confirmation",
        ]
        private_redis.start()
        assert outbox.relay(older_than=0) == 2
    assert _published(private_redis.url, queue) == [
        "billing.tasks.settle_booking",
        "bookings.tasks.send_booking_confirmation",
    ]
    assert not OutboxMessage.objects.exists()
