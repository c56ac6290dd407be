from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        from accounts import personal_data

        from . import privacy, receivers  # noqa: F401

        # A person's places, needs and calendar addresses: in their download, gone when they leave.
        personal_data.register("bookings", exporter=privacy.personal_data, eraser=privacy.erase)
