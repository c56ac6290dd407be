"""Fault drills, each asserting that nothing is lost: a Celery worker killed while it sends
confirmations, and Redis (cache and broker) down while teachers book. They run a real
worker and a Redis server of their own on the PostgreSQL test database.

(PostgreSQL restarting under a booking storm, and a Stripe webhook outage, are drilled in
bench/drills.py and tests/billing/test_stripe.py.)"""

import os
from collections import Counter

import pytest
from django.test import Client

from bookings.models import Booking
from bookings.services import BookingRequest, Delegate, book_places
from core import outbox
from core.models import OutboxMessage, SentEmail

from .support import Worker, broker, sent_mail, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="a worker process shares the test database only on PostgreSQL",
    ),
]


def _book_own_place(run, teacher, school):
    return book_places(
        run.pk,
        BookingRequest(
            school=school, booked_by=teacher, terms_accepted=True, delegates=[Delegate(teacher)]
        ),
    )


def _confirmations(mail_dir):
    return Counter(to for to, subject in sent_mail(mail_dir) if "Booked:" in subject)


def test_a_worker_killed_mid_send_leaves_every_confirmation_sent_exactly_once(
    bookable_run, oakfield, colleagues, private_redis, queue, database_url, tmp_path
):
    teachers = colleagues(10)
    with broker(private_redis.url, queue):
        for teacher in teachers:
            _book_own_place(bookable_run, teacher, oakfield)
    assert not OutboxMessage.objects.exists(), "every task reached the broker on commit"

    mail = tmp_path / "mail"
    # A task whose worker died unacknowledged is delivered again after 3 s (1 h in production).
    env = {"SLOW_MAIL_SECONDS": "0.5", "CELERY_VISIBILITY_TIMEOUT": "3"}
    common = dict(
        broker_url=private_redis.url,
        queue=queue,
        database_url=database_url,
        mail_dir=mail,
        log_path=tmp_path / "worker.log",
        env=env,
    )
    first = Worker(**common)
    first.start()
    try:
        assert wait_for(lambda: sum(_confirmations(mail).values()) >= 3), (
            sorted(p.name for p in mail.glob("*")),
            sent_mail(mail)[:3],
        )
    finally:
        first.kill()  # in the middle of the batch, with a message in flight
    sent_before_restart = sum(_confirmations(mail).values())
    assert sent_before_restart < len(teachers), "the kill came too late to prove anything"

    second = Worker(**common)
    second.start()
    try:
        wanted = {t.email for t in teachers}
        assert wait_for(lambda: set(_confirmations(mail)) == wanted, 90), second.log()
        # Let any duplicate delivery have its chance before counting.
        wait_for(lambda: False, 4)
    finally:
        second.stop()
    counts = _confirmations(mail)
    assert set(counts) == wanted
    assert all(n == 1 for n in counts.values()), counts
    assert SentEmail.objects.filter(key__startswith="confirmation:").count() == len(teachers)


def test_with_redis_down_teachers_still_book_and_their_emails_follow_when_it_returns(
    bookable_run, oakfield, colleagues, private_redis, queue, database_url, tmp_path, settings
):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    teachers = colleagues(3)
    client = Client()
    with broker(private_redis.url, queue):
        private_redis.stop()
        # The public page and the whole booking journey work with the cache and broker gone.
        assert client.get(bookable_run.course.url).status_code == 200
        for teacher in teachers:
            client.force_login(teacher)
            response = client.post(
                f"/book/{bookable_run.pk}/details/",
                {"school": oakfield.pk, "delegate": teacher.pk, "terms": "on"},
                follow=True,
            )
            assert response.status_code == 200
            html = response.content.decode()
            assert "Booked. Your reference is" in html
            assert "error" not in html.lower() and "try again" not in html.lower()
        assert Booking.objects.filter(run=bookable_run, booked_by__in=teachers).count() == len(
            teachers
        )
        waiting = list(OutboxMessage.objects.values_list("task", flat=True))
        assert waiting.count("bookings.tasks.send_booking_confirmation") == len(teachers)

        # Redis comes back; the relay (beat runs it every minute) publishes what waited.
        private_redis.start()
        assert outbox.relay(older_than=0) == len(waiting)
        assert not OutboxMessage.objects.exists()
        assert outbox.relay(older_than=0) == 0  # nothing is published twice

    worker = Worker(
        broker_url=private_redis.url,
        queue=queue,
        database_url=database_url,
        mail_dir=tmp_path / "mail",
        log_path=tmp_path / "worker.log",
    )
    worker.start()
    try:
        wanted = {t.email for t in teachers}
        assert wait_for(lambda: set(_confirmations(tmp_path / "mail")) == wanted, 60), worker.log()
    finally:
        worker.stop()
    assert all(n == 1 for n in _confirmations(tmp_path / "mail").values())


def test_a_task_asked_for_in_a_transaction_that_rolls_back_is_never_published(
    bookable_run, oakfield, colleagues, private_redis, queue
):
    from django.db import transaction

    from bookings import tasks

    with broker(private_redis.url, queue):
        with pytest.raises(RuntimeError), transaction.atomic():
            tasks.send_booking_confirmation.delay_on_commit(12345)
            assert OutboxMessage.objects.count() == 1
            raise RuntimeError("the booking failed")
        assert not OutboxMessage.objects.exists()
        assert private_redis.llen(queue) == 0
        tasks.send_booking_confirmation.delay_on_commit(12345)  # outside: published at once
        assert private_redis.llen(queue) == 1
        assert not OutboxMessage.objects.exists()
