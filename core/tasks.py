from celery import Task, shared_task
from celery.signals import worker_ready

from . import outbox


# A plain Task: the relay must not route itself through the outbox it empties.
@shared_task(name="config.tasks.relay_outbox", base=Task)
def relay_outbox():
    return outbox.relay()


@worker_ready.connect
def _relay_on_start(sender=None, **kwargs):
    relay_outbox.delay()
