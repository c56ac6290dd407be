from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        from accounts import personal_data
        from courses import registry

        from . import course_page, privacy, receivers, services  # noqa: F401

        # A person's places, needs and calendar addresses: in their download, gone when they leave.
        personal_data.register("bookings", exporter=privacy.personal_data, eraser=privacy.erase)
        # What the catalogue shows but bookings decides (courses imports nothing above it).
        registry.count_places_with(services.with_places_taken)
        registry.add_to_course_page(course_page.add_school_prices)
