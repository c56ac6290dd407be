from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        # deferred: models and services need the app registry, not ready at import
        from django.db.models.signals import post_save

        from accounts import personal_data
        from core import metrics, pagecache
        from courses import registry

        from . import course_page, privacy, receivers, services  # noqa: F401
        from .models import Booking, Enrolment, WaitingListEntry
        from .signals import booking_refused

        # A person's places, needs and calendar addresses: in their download, gone when they leave.
        personal_data.register("bookings", exporter=privacy.personal_data, eraser=privacy.erase)
        # What the catalogue shows but bookings decides (courses imports nothing above it).
        registry.count_places_with(services.with_places_taken)
        registry.add_to_course_page(course_page.add_school_prices)
        # A place taken or given up changes the course page's places left.
        pagecache.places_shown_by(Enrolment, WaitingListEntry)
        post_save.connect(metrics.booking_saved, sender=Booking, dispatch_uid="metrics-booking")
        post_save.connect(
            metrics.enrolment_saved, sender=Enrolment, dispatch_uid="metrics-enrolment"
        )
        booking_refused.connect(metrics.refused, dispatch_uid="metrics-booking-refused")
