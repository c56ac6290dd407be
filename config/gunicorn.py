"""gunicorn settings for the container: its own log lines as JSON too, the access line with the
request id that RequestIdMiddleware echoed (core/access_log.py).
gunicorn --config python:config.gunicorn …"""

import os

accesslog = "-"
# One JSON line per request, built from a few fields and written in one call (core/access_log.py).
logger_class = "core.access_log.JsonAccessLogger"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "loggers": {
        "gunicorn.error": {
            "handlers": ["console"],
            "level": os.environ.get("LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def child_exit(server, worker):
    """A dead worker's gauges must not linger in the shared metrics folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # deferred: only when metrics are shared between workers
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
