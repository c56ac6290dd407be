from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"

    def ready(self):
        # deferred: apps not ready at import (signals imports the models)
        from . import signals

        signals.connect()
