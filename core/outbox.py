"""Background tasks that are never lost between a committed transaction and the broker.

`task.delay_on_commit(...)` (every service uses it) writes an OutboxMessage row inside the
caller's transaction. On commit the task is published and the row deleted. If the broker is
down, or the process dies first, the row stays, and `relay()` publishes it later: beat runs
it every minute and each worker runs it on start. Publishing is therefore at least once;
the tasks are idempotent (SentEmail keys, re-read state), so each effect happens once.

Inside `core.batching.batched()` (a booking) the rows wait for the block's end and go in one
INSERT. With no broker at all (`make run`, eager tasks) this is skipped and tasks run on commit.
"""

import functools
import json
import logging
import threading
import time
from datetime import timedelta

from celery import current_app
from celery.contrib.django.task import DjangoTask
from django.db import connection, transaction
from django.utils import timezone
from kombu import serialization
from kombu.exceptions import OperationalError

from core import batching

logger = logging.getLogger(__name__)

# After a failed publish, requests stop trying the broker for this long and leave their
# rows to the relay: a teacher's booking should not wait on a dead Redis each time.
BACKOFF_SECONDS = 30
RELAY_AFTER_SECONDS = 60  # rows younger than this belong to the request that wrote them
RELAY_BATCH = 500

_broker_down_until = 0.0
_lock = threading.Lock()

# _models_later: Celery loads this module for its task class (config.celery) before Django's
# apps are ready, so the OutboxMessage model is imported inside the functions that use it.


def _broker_known_down():
    return time.monotonic() < _broker_down_until


def _note_broker_down():
    global _broker_down_until
    with _lock:
        _broker_down_until = time.monotonic() + BACKOFF_SECONDS


def _publish(app, message):
    """Publish one row's task; True when the broker took it."""
    try:
        app.tasks[message.task].apply_async(
            tuple(message.args), message.kwargs, retry=False, **message.options
        )
    except (OperationalError, OSError) as error:
        _note_broker_down()
        logger.warning("broker unavailable; %s left in the outbox: %s", message, error)
        return False
    return True


def _forget(pks):
    """Delete published rows in one statement: QuerySet.delete() would first select them
    (for delete signals), three more queries on every booking."""
    from .models import OutboxMessage  # deferred: see _models_later

    if pks:
        table = connection.ops.quote_name(OutboxMessage._meta.db_table)
        marks = ", ".join(["%s"] * len(pks))
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({marks})", list(pks))  # noqa: S608


def _publish_committed(app, message):
    if _broker_known_down():
        return
    if _publish(app, message):
        _forget([message.pk])


def _publish_all_committed(app, messages):
    if _broker_known_down():
        return
    published = []
    for message in messages:
        if not _publish(app, message):
            break  # the broker is down: the relay sends the rest
        published.append(message.pk)
    _forget(published)


def _write_together(messages):
    """The rows a `core.batching.batched()` block asked for, as it ends: the same task with the
    same arguments once, in one INSERT, published after the commit and forgotten with one
    DELETE. A booking asks for three or four; this keeps them to two statements."""
    from .models import OutboxMessage  # deferred: see _models_later

    unique = {}
    for app, message in messages:
        key = json.dumps(
            [message.task, message.args, message.kwargs, message.options], sort_keys=True
        )
        unique.setdefault(key, (app, message))
    if not unique:
        return
    app = next(iter(unique.values()))[0]
    rows = OutboxMessage.objects.bulk_create([message for _, message in unique.values()])
    transaction.on_commit(functools.partial(_publish_all_committed, app, rows))


def _as_the_outbox_stores(args, kwargs):
    """The arguments as a relayed task gets them back: through the outbox's JSON column.
    Eager mode (tests, `make run`) skips the outbox, so without this a date or a model
    instance would pass every test and fail a real booking."""
    return json.loads(json.dumps(list(args or ()))), json.loads(json.dumps(dict(kwargs or {})))


def _as_the_broker_carries(app, args, kwargs):
    """The arguments as a worker gets them from the broker, by the app's task serializer."""
    serializer = app.conf.task_serializer
    content_type, encoding, body = serialization.dumps([list(args or ()), kwargs or {}], serializer)
    args, kwargs = serialization.loads(body, content_type, encoding)
    return args, kwargs


class OutboxTask(DjangoTask):
    def delay_on_commit(self, *args, **kwargs):
        return self.apply_async_on_commit(args, kwargs)

    def apply_async(self, args=None, kwargs=None, **options):
        if self.app.conf.task_always_eager:
            args, kwargs = _as_the_broker_carries(self.app, args, kwargs)
        return super().apply_async(args, kwargs, **options)

    def apply_async_on_commit(self, args=None, kwargs=None, **options):
        if self.app.conf.task_always_eager:
            args, kwargs = _as_the_outbox_stores(args, kwargs)
            return super().apply_async_on_commit(args, kwargs, **options)
        from .models import OutboxMessage  # deferred: see _models_later

        message = OutboxMessage(
            task=self.name, args=list(args or ()), kwargs=dict(kwargs or {}), options=options
        )
        if batching.collect(_write_together, (self.app, message)):
            return  # written with the rest of its batched() block
        message.save()
        transaction.on_commit(functools.partial(_publish_committed, self.app, message))


def relay(app=None, *, older_than=RELAY_AFTER_SECONDS):
    """Publish what commits left behind, oldest first. Returns how many were published.
    Rows are locked while published, so two relays never send the same row together."""
    from .models import OutboxMessage  # deferred: see _models_later

    if app is None:
        app = current_app._get_current_object()  # the project's Celery app (config.celery)
    global _broker_down_until
    published = 0
    cutoff = timezone.now() - timedelta(seconds=older_than)
    while True:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(created_at__lte=cutoff)
                .order_by("created_at", "pk")[:RELAY_BATCH]
            )
            if not batch:
                break
            done = []
            for message in batch:
                if not _publish(app, message):
                    OutboxMessage.objects.filter(pk=message.pk).update(
                        attempts=message.attempts + 1, last_error="broker unavailable"
                    )
                    break
                done.append(message.pk)
            _forget(done)
        published += len(done)
        if len(done) < len(batch):
            break
    if published:
        _broker_down_until = 0.0  # it is back: requests may publish directly again
        logger.info("outbox relay published %d task(s)", published)
    return published
