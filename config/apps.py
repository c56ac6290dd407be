from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project's own wiring: deploy checks for the security headers, request ids on
    Celery tasks, the metrics receivers, and what the page cache listens to."""

    name = "config"
    label = "project"
    verbose_name = "Project configuration"

    def ready(self):
        from . import checks, logging, metrics, pagecache

        checks.register()
        logging.connect_signals()
        metrics.connect()
        pagecache.connect()
