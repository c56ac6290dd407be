from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"

    def ready(self):
        # deferred: models need the app registry, not ready at import
        from core import contact, pagecache

        from .context_processors import connect_signals
        from .models import SiteSettings

        connect_signals()
        # The address editors set is the service's contact for mail with nobody else to go to.
        contact.provide_reader(
            lambda: SiteSettings.objects.values_list("contact_email", flat=True).first()
        )
        pagecache.content_shown_by(SiteSettings)  # the header and footer show its fields
