"""Request ids, JSON log lines, optional Sentry, and Prometheus metrics."""

import io
import json
import logging
from datetime import date
from types import SimpleNamespace

import pytest
from celery import shared_task
from django.conf import settings
from prometheus_client import REGISTRY

from core import logging as cpd_logging
from core.logging import JsonFormatter, RequestIdFilter, request_id
from tests.factories import billing, courses

from .test_settings import PRODUCTION_ENV, _run


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def log_lines():
    """What the console handler would print, captured, through the configured formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


# --- request ids -----------------------------------------------------------------------------


def test_a_sane_incoming_request_id_is_kept_and_echoed(client):
    response = client.get("/robots.txt", HTTP_X_REQUEST_ID="lb-3f2a9c1e-77")
    assert response["X-Request-ID"] == "lb-3f2a9c1e-77"


@pytest.mark.parametrize("incoming", ["", "short", "has spaces in it", "x" * 200, "a\nb-c-d-e-f"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client, incoming):
    response = client.get("/robots.txt", HTTP_X_REQUEST_ID=incoming)
    rid = response["X-Request-ID"]
    assert rid != incoming and len(rid) == 32 and int(rid, 16) >= 0


def test_each_request_gets_its_own_id(client):
    assert client.get("/robots.txt")["X-Request-ID"] != client.get("/robots.txt")["X-Request-ID"]


def test_log_lines_written_during_a_request_carry_its_id(client, log_lines, site):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-0123456789")
    not_found = [line for line in log_lines() if line["logger"] == "django.request"]
    assert not_found and not_found[0]["request_id"] == "req-0123456789"
    assert not_found[0]["level"] == "WARNING"
    assert request_id.get() == ""  # and the id does not leak into what runs next


def test_the_configured_console_handler_logs_json_with_the_request_id():
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == "json"
    assert handler["filters"] == ["request_id"]
    assert settings.LOGGING["formatters"]["json"]["()"] == "core.logging.JsonFormatter"


def test_a_record_with_a_traceback_is_still_one_line_of_json(log_lines):
    token = request_id.set("req-abcdefgh")
    try:
        try:
            raise ValueError("line one\nline two")
        except ValueError:
            logging.getLogger("cpd.test").exception("it broke", extra={"run_id": 42})
    finally:
        request_id.reset(token)
    (line,) = [line for line in log_lines() if line["logger"] == "cpd.test"]
    assert line["message"] == "it broke"
    assert line["request_id"] == "req-abcdefgh"
    assert line["run_id"] == 42
    assert "ValueError: line one\nline two" in line["exception"]
    assert line["time"].endswith("Z")


def test_a_task_enqueued_in_a_request_carries_the_request_id_to_the_worker():
    headers = {}
    token = request_id.set("req-from-web-1")
    try:
        cpd_logging.add_request_id_to_task(headers=headers)
    finally:
        request_id.reset(token)
    assert headers["request_id"] == "req-from-web-1"

    # In the worker: the task runs under that id, and the next task does not inherit it.
    task = SimpleNamespace(request=SimpleNamespace(request_id="req-from-web-1", headers=None))
    cpd_logging.adopt_task_request_id(task=task, task_id="t1")
    assert request_id.get() == "req-from-web-1"
    cpd_logging.forget_task_request_id(task=task)
    assert request_id.get() == ""


def test_a_task_from_beat_logs_under_an_id_of_its_own():
    task = SimpleNamespace(request=SimpleNamespace(headers=None))
    cpd_logging.adopt_task_request_id(task=task, task_id="beat-task-7")
    try:
        assert request_id.get() == "task-beat-task-7"
    finally:
        cpd_logging.forget_task_request_id(task=task)


def test_publishing_a_task_puts_the_request_id_in_its_message_headers():
    """The real publish path, with the broker stubbed at the producer."""
    from config.celery import app

    sent = {}

    class Producer:
        def publish(self, body, **kwargs):
            sent.update(kwargs)

    token = request_id.set("req-publish-01")
    try:
        app.amqp.send_task_message(Producer(), "home.tasks.anything", app.amqp.as_task_v2("1", "x"))
    finally:
        request_id.reset(token)
    assert sent["headers"]["request_id"] == "req-publish-01"


# --- Sentry ----------------------------------------------------------------------------------

SENTRY_PROBE = (
    "import json, django; django.setup(); import sentry_sdk; from django.conf import settings;"
    "c = sentry_sdk.get_client();"
    "print(json.dumps({'enabled': settings.SENTRY_ENABLED, 'active': c.is_active(),"
    " 'pii': bool(c.options.get('send_default_pii')), 'env': c.options.get('environment')}))"
)


def test_sentry_is_off_without_a_dsn():
    result = _run("config.settings.production", PRODUCTION_ENV, code=SENTRY_PROBE)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["enabled"] is False and probe["active"] is False


def test_sentry_starts_from_the_environment_without_personal_data():
    env = {
        **PRODUCTION_ENV,
        "SENTRY_DSN": "https://public@sentry.example.invalid/1",
        "SENTRY_ENVIRONMENT": "staging",
    }
    result = _run("config.settings.production", env, code=SENTRY_PROBE)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe == {"enabled": True, "active": True, "pii": False, "env": "staging"}


# --- /metrics --------------------------------------------------------------------------------


def test_metrics_are_served_to_an_allowed_address(client):
    response = client.get("/metrics")  # the test client is 127.0.0.1
    assert response.status_code == 200
    body = response.content.decode()
    assert "django_http_requests_total_by_method_total" in body
    assert "# TYPE cpd_bookings_made_total counter" in body


def test_metrics_are_hidden_from_other_addresses(db, client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404


def test_metrics_are_served_with_the_bearer_token_from_anywhere(db, client, settings):
    settings.METRICS_TOKEN = "scrape-secret-0123456789"
    ok = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789"
    )
    assert ok.status_code == 200
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 404


def test_an_allowed_network_is_given_in_cidr_form(db, client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.42.0.7").status_code == 200
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is no longer listed


# --- domain counters -------------------------------------------------------------------------


def booking_request(school, person, **overrides):
    from bookings.services import BookingRequest, Delegate

    fields = {
        "school": school,
        "booked_by": person,
        "delegates": [Delegate(person)],
        "terms_accepted": True,
    }
    return BookingRequest(**{**fields, **overrides})


def test_a_committed_booking_counts_once_with_its_places(
    people, django_capture_on_commit_callbacks
):
    from bookings import services

    run = courses.run()  # bookable, with places left
    before = sample("cpd_bookings_made_total", source="web")
    places_before = sample("cpd_places_booked_total", status="confirmed") + sample(
        "cpd_places_booked_total", status="pending_approval"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.book_places(run.pk, booking_request(people["school_a"], people["lead_a"]))
    assert sample("cpd_bookings_made_total", source="web") == before + 1
    places_after = sample("cpd_places_booked_total", status="confirmed") + sample(
        "cpd_places_booked_total", status="pending_approval"
    )
    assert places_after == places_before + 1


def test_a_booking_that_is_rolled_back_is_not_counted(people, django_capture_on_commit_callbacks):
    from bookings import services

    run = courses.run()  # bookable, with places left
    before = sample("cpd_bookings_made_total", source="web")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.book_places(run.pk, booking_request(people["school_a"], people["lead_a"]))
    assert callbacks  # the increment waits for the commit, which never comes here
    assert sample("cpd_bookings_made_total", source="web") == before


def test_a_refused_booking_is_counted_by_its_reason(people):
    from bookings import services

    run = courses.run()  # bookable, with places left
    before = sample("cpd_bookings_refused_total", reason="terms")
    request = booking_request(people["school_a"], people["lead_a"], terms_accepted=False)
    with pytest.raises(services.BookingRefused):
        services.book_places(run.pk, request)
    assert sample("cpd_bookings_refused_total", reason="terms") == before + 1


def test_a_recorded_payment_is_counted_with_its_amount(django_capture_on_commit_callbacks, people):
    from billing.services import outstanding, record_payment

    invoice = billing.issued_statement(people["school_a"], booked_by=people["staff"])
    assert outstanding(invoice) > 0
    before = sample("cpd_payments_recorded_total", method="bacs")
    pounds_before = sample("cpd_payments_recorded_pounds_total", method="bacs")
    with django_capture_on_commit_callbacks(execute=True):
        record_payment(invoice, "12.34", method="bacs", received_on=date.today())
    assert sample("cpd_payments_recorded_total", method="bacs") == before + 1
    assert sample("cpd_payments_recorded_pounds_total", method="bacs") == pytest.approx(
        pounds_before + 12.34
    )


@shared_task
def always_fails():
    raise RuntimeError("the PDF service is down")


def test_a_failing_celery_task_is_counted(log_lines):
    name = always_fails.name
    before = sample("cpd_celery_task_failures_total", task=name)
    # The worker's tracer, run here: a failure is recorded, not raised (as in a worker).
    result = always_fails.apply(throw=False)
    assert result.failed()
    assert sample("cpd_celery_task_failures_total", task=name) == before + 1
    failures = [line for line in log_lines() if line["message"] == "task failed"]
    assert failures and failures[-1]["task"] == name


def _sample(body, name, queue):
    line = next(x for x in body.splitlines() if x.startswith(f'{name}{{queue="{queue}"}}'))
    return float(line.rsplit(" ", 1)[1])


def test_tasks_waiting_in_the_outbox_are_reported_by_queue_with_the_oldest_age(db, client):
    from datetime import timedelta

    from django.utils import timezone

    from core.models import OutboxMessage

    long_ago = timezone.now() - timedelta(minutes=10)
    made = [
        OutboxMessage.objects.create(task="bookings.tasks.send_booking_confirmation", args=[1]),
        OutboxMessage.objects.create(task="bookings.tasks.send_cancellation", args=[2]),
        OutboxMessage.objects.create(task="billing.tasks.settle_booking", args=[3]),
    ]
    OutboxMessage.objects.filter(pk=made[0].pk).update(created_at=long_ago)
    body = client.get("/metrics").content.decode()
    assert _sample(body, "cpd_outbox_waiting", "emails") == 2
    assert _sample(body, "cpd_outbox_waiting", "payments") == 1
    assert _sample(body, "cpd_outbox_waiting", "pdfs") == 0
    assert 599 < _sample(body, "cpd_outbox_oldest_seconds", "emails") < 700
    assert _sample(body, "cpd_outbox_oldest_seconds", "payments") < 60
    assert _sample(body, "cpd_outbox_oldest_seconds", "celery") == 0
