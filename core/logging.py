"""Structured logs: one JSON object per line, each carrying the id of the request (or of the
task started from a request) it belongs to."""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

request_id = ContextVar("request_id", default="")

# A client-supplied id is kept only if it is short and plain: it goes into every log line.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def new_request_id():
    return uuid.uuid4().hex


def accept_request_id(incoming):
    """The caller's X-Request-ID if it is sane, otherwise a new one."""
    if incoming and SANE_REQUEST_ID.match(incoming):
        return incoming
    return new_request_id()


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request id (empty outside a request or task)."""

    def filter(self, record):
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    converter = time.gmtime  # timestamps in UTC, marked Z

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id.get(),
        }
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


# --- Celery: a task enqueued during a request logs under that request's id ---------------------


def add_request_id_to_task(headers=None, **kwargs):
    """before_task_publish: carry the current request id in the message headers."""
    rid = request_id.get()
    if rid and headers is not None:
        headers.setdefault("request_id", rid)


def adopt_task_request_id(task=None, task_id=None, **kwargs):
    """task_prerun: the worker logs under the id of the request that enqueued the task; a task
    from beat gets one of its own. Eager tasks keep the id of the request running them."""
    context = task.request
    rid = (
        getattr(context, "request_id", None)
        or (getattr(context, "headers", None) or {}).get("request_id")
        or request_id.get()
        or f"task-{task_id}"
    )
    context.request_id_token = request_id.set(rid)


def forget_task_request_id(task=None, **kwargs):
    """task_postrun: back to no request id (the worker process runs many tasks)."""
    token = getattr(task.request, "request_id_token", None)
    if token is not None:
        request_id.reset(token)
        task.request.request_id_token = None


def connect_signals():
    # deferred: settings import this module for its formatter, before any app is loaded
    from celery.signals import before_task_publish, task_postrun, task_prerun
    from django.core.signals import request_finished

    from .middleware import forget_request_id

    request_finished.connect(forget_request_id, dispatch_uid="request-id-finished")

    before_task_publish.connect(add_request_id_to_task, dispatch_uid="request-id-publish")
    task_prerun.connect(adopt_task_request_id, dispatch_uid="request-id-prerun")
    task_postrun.connect(forget_task_request_id, dispatch_uid="request-id-postrun")


def logging_config(log_format, level):
    """LOGGING for settings: JSON lines (production, containers) or plain text (make run)."""
    formatter = "json" if log_format == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "core.logging.JsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "django_tasks": {"level": "WARNING"},  # Wagtail's in-process reference-index tasks
            "wagtail": {"level": "WARNING"},  # page audit lines are kept in the database anyway
            "stripe": {"level": "WARNING"},  # it logs every API request at INFO
            "weasyprint": {"level": "WARNING"},  # a line per layout step of every PDF
            "fontTools": {"level": "WARNING"},
        },
    }
