from django.apps import AppConfig
from django.urls import register_converter

from core import params


class ProjectConfig(AppConfig):
    """The platform's own wiring: deploy checks for the security headers, request ids on
    Celery tasks, the metrics receivers, what the page cache listens to, and <id:> in URLs.
    The label "project" is the one its migrations were made under, when it lived in config."""

    name = "core"
    label = "project"
    verbose_name = "Project configuration"

    def ready(self):
        # deferred: these modules read models and settings, ready only now
        from . import checks, logging, metrics, pagecache

        register_converter(params.IdConverter, "id")  # <id:...>: ids that fit a bigint

        checks.register()
        logging.connect_signals()
        metrics.connect()
        pagecache.connect()
