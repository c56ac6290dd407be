from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project's own wiring: deploy checks for the security headers, request ids on
    Celery tasks, the metrics receivers, what the page cache listens to, and <id:> in URLs."""

    name = "config"
    label = "project"
    verbose_name = "Project configuration"

    def ready(self):
        from django.urls import register_converter

        from core import params

        from . import checks, logging, metrics, pagecache

        register_converter(params.IdConverter, "id")  # <id:...>: ids that fit a bigint

        checks.register()
        logging.connect_signals()
        metrics.connect()
        pagecache.connect()
