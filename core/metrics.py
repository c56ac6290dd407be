"""Prometheus metrics: django-prometheus's request metrics, plus counters for what the service
is for (bookings made and refused, payments recorded) and for background work that failed.

`/metrics` answers only scrapers from METRICS_ALLOWED_IPS or bearing METRICS_TOKEN; anyone
else gets a 404. Counters count committed work: a booking rolled back is not a booking.
"""

import hmac
import ipaddress
import logging
import os
from fnmatch import fnmatchcase

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min
from django.http import Http404
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import REGISTRY, Counter
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

BOOKINGS_MADE = Counter(
    "cpd_bookings_made", "Bookings committed, by how they were made", ["source"]
)
PLACES_BOOKED = Counter(
    "cpd_places_booked", "Places (enrolments) committed, by first status", ["status"]
)
BOOKINGS_REFUSED = Counter(
    "cpd_bookings_refused", "Booking attempts refused, by reason (BookingRefused.code)", ["reason"]
)
PAYMENTS_RECORDED = Counter("cpd_payments_recorded", "Payments recorded, by method", ["method"])
PAYMENTS_AMOUNT = Counter("cpd_payments_recorded_pounds", "Money recorded as received", ["method"])
TASK_FAILURES = Counter("cpd_celery_task_failures", "Celery tasks that raised", ["task"])


# --- /metrics ------------------------------------------------------------------------------


def _client_allowed(request):
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in settings.METRICS_ALLOWED_IPS)


@never_cache
def metrics(request):
    if not _client_allowed(request):
        raise Http404
    return ExportToDjangoView(request)


# --- counters fed from the domain ------------------------------------------------------------


def _on_commit(increment):
    transaction.on_commit(increment)


def booking_saved(sender, instance, created, **kwargs):
    if created:
        _on_commit(lambda: BOOKINGS_MADE.labels(instance.source).inc())


def enrolment_saved(sender, instance, created, **kwargs):
    if created:
        _on_commit(lambda: PLACES_BOOKED.labels(instance.status).inc())


def payment_saved(sender, instance, created, **kwargs):
    if created:

        def count():
            PAYMENTS_RECORDED.labels(instance.method).inc()
            PAYMENTS_AMOUNT.labels(instance.method).inc(float(instance.amount))

        _on_commit(count)


def refused(sender, code, **kwargs):
    """bookings.signals.booking_refused: book_places() refused, whoever asked."""
    BOOKINGS_REFUSED.labels(code).inc()


# --- the outbox, by queue: alert when tasks stop reaching the broker -----------------------------


def queue_of(task_name):
    """The queue a task is routed to in production (CELERY_QUEUE_ROUTES, first match)."""
    for pattern, route in settings.CELERY_QUEUE_ROUTES:
        if fnmatchcase(task_name, pattern):
            return route["queue"]
    return "celery"


class OutboxCollector:
    """`cpd_outbox_waiting` and `cpd_outbox_oldest_seconds` per queue, read at scrape time:
    tasks committed but not yet handed to the broker. A few seconds' worth is normal; an age
    of minutes means the broker is unreachable and the relay cannot catch up (docs/deploy.md
    has the alert)."""

    def _families(self):
        return (
            GaugeMetricFamily(
                "cpd_outbox_waiting",
                "Tasks committed but not yet published to the broker, by queue",
                labels=["queue"],
            ),
            GaugeMetricFamily(
                "cpd_outbox_oldest_seconds",
                "Age of the oldest task waiting in the outbox, by queue (0 when none)",
                labels=["queue"],
            ),
        )

    def describe(self):
        return self._families()  # names only: registering must not touch the database

    def collect(self):
        from .models import OutboxMessage  # deferred: models need the app registry

        waiting, oldest = self._families()
        queues = [route["queue"] for _, route in settings.CELERY_QUEUE_ROUTES] + ["celery"]
        counts = dict.fromkeys(queues, 0)
        first = {}
        try:
            rows = list(
                OutboxMessage.objects.order_by()
                .values("task")
                .annotate(n=Count("pk"), first=Min("created_at"))
            )
        except Exception:  # a scrape never fails because the database is away
            logger.warning("outbox metrics unavailable", exc_info=True)
            return
        for row in rows:
            queue = queue_of(row["task"])
            counts[queue] = counts.get(queue, 0) + row["n"]
            first[queue] = min(first.get(queue, row["first"]), row["first"])
        now = timezone.now()
        for queue, n in counts.items():
            waiting.add_metric([queue], n)
            age = (now - first[queue]).total_seconds() if queue in first else 0.0
            oldest.add_metric([queue], max(age, 0.0))
        yield waiting
        yield oldest


_outbox_collector = None


def task_failed(sender=None, task_id=None, exception=None, **kwargs):
    name = getattr(sender, "name", str(sender))
    TASK_FAILURES.labels(name).inc()
    logger.error("task failed", extra={"task": name, "task_id": task_id})


def connect():
    """Called once from ProjectConfig.ready(). The apps count their own events by connecting
    the receivers above in their ready(): bookings (booking_saved, enrolment_saved,
    refused), billing (payment_saved)."""
    # deferred: the metrics view is imported by the URLconf; signals are wired once, here
    from celery.signals import task_failure, worker_init

    task_failure.connect(task_failed, dispatch_uid="metrics-task-failure")
    global _outbox_collector
    if _outbox_collector is None:
        _outbox_collector = OutboxCollector()
        REGISTRY.register(_outbox_collector)
    worker_init.connect(serve_worker_metrics, dispatch_uid="metrics-worker-server")


def serve_worker_metrics(**kwargs):
    """worker_init: a Celery worker has no web server, so it serves its own /metrics on
    CELERY_METRICS_PORT. With prefork, set PROMETHEUS_MULTIPROC_DIR so the children's
    counters are added up."""
    # deferred: only a worker serves its own metrics
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    port = settings.CELERY_METRICS_PORT
    if not port:
        return
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    start_http_server(port, registry=registry)
