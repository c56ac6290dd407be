from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"

    def ready(self):
        from .context_processors import connect_signals

        connect_signals()
