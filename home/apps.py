from django.apps import AppConfig

from core import contact, pagecache


class HomeConfig(AppConfig):
    name = "home"

    def ready(self):
        # deferred: apps not ready at import (both modules import models)
        from . import context_processors, models

        context_processors.connect_signals()
        # The address editors set is the service's contact for mail with nobody else to go to.
        contact.provide_reader(
            lambda: models.SiteSettings.objects.values_list("contact_email", flat=True).first()
        )
        pagecache.content_shown_by(models.SiteSettings)  # the header and footer show its fields
